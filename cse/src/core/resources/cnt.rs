//! `<container>` rules (TS-0004 §7.4.6, §7.4.7): counters start at zero, `mni`/`mbs`/
//! `mia` are enforced whenever an instance arrives or the limits change, and switching
//! `disr` off removes the instances.

use onecse_models::ResourceType;
use onecse_models::time::Timestamp;
use serde_json::{Map, Value, json};

use crate::core::removal;
use crate::core::resource::Resource;
use crate::error::CseResult;
use crate::store::DbConn;
use crate::store::resources::{self, Counters};

/// Instance type number, as stored.
const CIN: i32 = 4;

/// How many instances one step of limit enforcement or `et` rewriting handles.
const BATCH: i64 = 256;

/// Counters of a new container.
pub fn on_create(attrs: &mut Map<String, Value>) {
    attrs.insert("st".into(), json!(0));
    attrs.insert("cni".into(), json!(0));
    attrs.insert("cbs".into(), json!(0));
}

fn limit(attrs: &Map<String, Value>, name: &str) -> Option<i64> {
    attrs.get(name).and_then(Value::as_i64)
}

/// The container's `mia`, in seconds, if set.
pub fn max_instance_age(container: &Resource) -> Option<i64> {
    limit(&container.attrs, "mia")
}

/// The container's `mbs`, if set.
pub fn max_byte_size(container: &Resource) -> Option<i64> {
    limit(&container.attrs, "mbs")
}

/// True when retrieval and deletion of instances is disabled (`disr`).
pub fn retrieval_disabled(container: &Resource) -> bool {
    container.attrs.get("disr").and_then(Value::as_bool) == Some(true)
}

/// Removes the oldest instances until `cni ≤ mni` and `cbs ≤ mbs`. The caller holds
/// the container's row (it changed the counters in this transaction).
pub fn enforce_limits(
    conn: &mut DbConn,
    container: &Resource,
    mut counters: Counters,
) -> CseResult<Counters> {
    if let Some(mni) = limit(&container.attrs, "mni") {
        while counters.cni > mni {
            let excess = (counters.cni - mni).min(BATCH);
            let victims = resources::oldest_children(conn, &container.ri, CIN, excess)?;
            if victims.is_empty() {
                break;
            }
            counters = removal::remove_instances(conn, &container.ri, &victims)?;
        }
    }
    if let Some(mbs) = limit(&container.attrs, "mbs") {
        while counters.cbs > mbs {
            let candidates = resources::oldest_children(conn, &container.ri, CIN, BATCH)?;
            if candidates.is_empty() {
                break;
            }
            let mut excess = counters.cbs - mbs;
            let victims: Vec<(String, i64)> = candidates
                .into_iter()
                .take_while(|(_, cs)| {
                    let needed = excess > 0;
                    excess -= cs;
                    needed
                })
                .collect();
            counters = removal::remove_instances(conn, &container.ri, &victims)?;
        }
    }
    Ok(counters)
}

/// Applies changed limits and `disr` after an UPDATE of the container.
pub fn after_update(
    conn: &mut DbConn,
    container: &mut Resource,
    request: &Map<String, Value>,
    disr_before: bool,
    now: Timestamp,
) -> CseResult<()> {
    // `false` or `null` (back to the default, false) switches retrieval on again.
    let disr_now = request.get("disr").map(|v| v.as_bool() == Some(true));
    if disr_before && disr_now == Some(false) {
        resources::delete_children_of_type(conn, &container.ri, CIN)?;
        resources::recount_instances(conn, &container.ri, CIN)?;
    }
    if let Some(mia) = request.get("mia").and_then(Value::as_i64) {
        apply_max_age(conn, container, mia, now)?;
    }
    // A no-op change that returns the current counters and holds the row.
    let counters = current_counters(conn, container)?;
    let counters = enforce_limits(conn, container, counters)?;
    container.attrs.insert("cni".into(), json!(counters.cni));
    container.attrs.insert("cbs".into(), json!(counters.cbs));
    Ok(())
}

/// A new `mia`: instances already older are removed, the others get an `et` no later
/// than `ct + mia`, so none is ever returned past its age.
fn apply_max_age(
    conn: &mut DbConn,
    container: &Resource,
    mia: i64,
    now: Timestamp,
) -> CseResult<()> {
    let cutoff = now.plus_seconds(-mia).to_string();
    current_counters(conn, container)?;
    loop {
        let too_old = resources::children_created_before(conn, &container.ri, CIN, &cutoff, BATCH)?;
        if too_old.is_empty() {
            break;
        }
        removal::remove_instances(conn, &container.ri, &too_old)?;
    }
    let mut after_st = i64::MIN;
    loop {
        let page = resources::instances_page(conn, &container.ri, CIN, after_st, BATCH)?;
        let Some((_, last_st, _, _)) = page.last() else {
            break;
        };
        after_st = *last_st;
        for (ri, _, ct, et) in &page {
            let Ok(created) = Timestamp::parse(ct) else {
                continue;
            };
            let cap = created.plus_seconds(mia).to_string();
            if et.as_deref().is_none_or(|et| et > cap.as_str()) {
                resources::set_expiration(conn, ri, &cap)?;
            }
        }
    }
    Ok(())
}

/// The container's counters, read with a no-op change so that its row is held
/// (locked on PostgreSQL) before any of its instances is touched.
fn current_counters(conn: &mut DbConn, container: &Resource) -> CseResult<Counters> {
    resources::remove_instances(conn, &container.ri, 0, 0)?.ok_or_else(|| {
        crate::error::CseError::not_found(format!("container '{}' does not exist", container.path))
    })
}

/// Whether `ty` may be stored under a container with the given name; `la` and `ol`
/// are the container's virtual children.
pub fn reserved_child_name(rn: &str) -> bool {
    matches!(rn, "la" | "ol")
}

/// The type of a container's instances.
pub const INSTANCE_TYPE: ResourceType = ResourceType::ContentInstance;
