//! Instance semantics shared by every type that keeps a history of instances under
//! `mni`/`mbs`/`mia` (TS-0004 §7.4.6–7.4.7; a container keeps contentInstances, and
//! timeSeries and flexContainer work the same way): the parent's counters and `st`
//! change in the creating transaction, limits evict the oldest instances, a new `mia`
//! caps or removes old ones, and `la`/`ol` name the newest and oldest.
//!
//! Lock order: the parent's row is always changed before its instances' rows, so a
//! request creating an instance and the expiry task removing one cannot deadlock.

use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::record::Resource;
use crate::core::removal;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::resource_table::{self, Counters, End, ResourceRow};

/// How a type keeps its instances.
#[derive(Debug)]
pub struct InstancePolicy {
    /// The type of the instances.
    pub instance_type: ResourceType,
}

/// The virtual children of an instance-keeping resource (TS-0004 §6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualChild {
    /// `la`: the newest instance.
    Latest,
    /// `ol`: the oldest instance.
    Oldest,
}

impl VirtualChild {
    /// The virtual child a final address segment would name, if any: decided from
    /// the name alone, so most addresses need no lookup of their parent.
    pub fn parse(segment: &str) -> Option<Self> {
        match segment {
            "la" => Some(Self::Latest),
            "ol" => Some(Self::Oldest),
            _ => None,
        }
    }

    /// Whether `parent` has this virtual child.
    pub fn exists_below(self, parent: &dyn ResourceKind) -> bool {
        parent.instances().is_some()
    }

    /// The address segment, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Latest => "la",
            Self::Oldest => "ol",
        }
    }

    fn adjective(self) -> &'static str {
        match self {
            Self::Latest => "latest",
            Self::Oldest => "oldest",
        }
    }

    /// Which end of the instances the store reads.
    pub fn end(self) -> End {
        match self {
            Self::Latest => End::Latest,
            Self::Oldest => End::Oldest,
        }
    }
}

/// Whether `rn` would hide a virtual child of `parent` and so cannot name a child.
pub fn reserved_child_name(parent: &dyn ResourceKind, rn: &str) -> bool {
    VirtualChild::parse(rn).is_some_and(|child| child.exists_below(parent))
        || parent.reserved_child_names().contains(&rn)
}

/// How many instances one step of limit enforcement or `et` rewriting handles.
const BATCH: i64 = 256;

fn limit(attrs: &Map<String, Value>, name: &str) -> Option<i64> {
    attrs.get(name).and_then(Value::as_i64)
}

/// The counters of a new instance-keeping resource.
pub fn start_counters(attrs: &mut Map<String, Value>) {
    attrs.insert("cni".into(), json!(0));
    attrs.insert("cbs".into(), json!(0));
}

/// The instance `la`/`ol` stands for (`found` below `parent`), or 4004 when the
/// parent has none.
pub fn edge(
    parent: &Resource,
    which: VirtualChild,
    found: Option<ResourceRow>,
) -> CseResult<Resource> {
    let row = found.ok_or_else(|| {
        CseError::not_found(format!(
            "{} '{}' has no {} instance: it is empty",
            parent.ty.long_name(),
            parent.path,
            which.adjective()
        ))
    })?;
    Resource::from_row(row)
}

/// Stores a new instance of `parent`: its size against `mbs` (5207 when one instance
/// is larger), `et` capped by `mia`, then the insert and the parent's counters and
/// `st` raised (which holds the parent's row) in one step, with the parent's timer
/// moved when its kind asks. Returns the counters for [`enforce_limits`].
pub fn insert_new(
    tx: &mut Txn<'_>,
    parent: &Resource,
    instance: &mut Resource,
) -> CseResult<Counters> {
    let cs = instance.kind().content_size(&instance.attrs);
    if let Some(mbs) = limit(&parent.attrs, "mbs")
        && cs > mbs
    {
        return Err(CseError::new(
            ResponseStatusCode::NotAcceptable,
            format!(
                "the content is {cs} bytes, more than the {}'s mbs of {mbs}",
                parent.ty.long_name()
            ),
        ));
    }
    if let Some(mia) = limit(&parent.attrs, "mia") {
        let cap = tx.now.plus_seconds(mia);
        let et = instance
            .attrs
            .get("et")
            .and_then(Value::as_str)
            .and_then(|s| Timestamp::parse(s).ok());
        if et.is_none_or(|et| et > cap) {
            instance.attrs.insert("et".into(), json!(cap.to_string()));
        }
    }
    instance.attrs.insert("cs".into(), json!(cs));
    // Its parent decides every access to it: it keeps no owner, so the owner index
    // (what an AE's deregistration disowns) never grows with instances.
    instance.owner = None;
    let due = parent.kind().due_after_instance(parent, instance);
    let counters = resource_table::insert_counted(tx.conn, &instance.to_row(), cs, due.as_deref())
        .map_err(|err| instance.insert_refused(err))?;
    // `st` orders the instances (its column) even for types that do not show one.
    instance.attrs.insert("st".into(), json!(counters.st));
    Ok(counters)
}

/// Removes the oldest instances until `cni ≤ mni` and `cbs ≤ mbs`. The caller holds
/// the parent's row (it changed the counters in this transaction).
pub fn enforce_limits(
    tx: &mut Txn<'_>,
    parent: &Resource,
    mut counters: Counters,
) -> CseResult<Counters> {
    let instance_type = instance_type(parent)?;
    if let Some(mni) = limit(&parent.attrs, "mni") {
        while counters.cni > mni {
            let excess = (counters.cni - mni).min(BATCH);
            let victims =
                resource_table::oldest_children(tx.conn, &parent.ri, instance_type, excess)?;
            if victims.is_empty() {
                break;
            }
            counters = removal::remove_instances(tx, &parent.ri, &victims)?;
        }
    }
    if let Some(mbs) = limit(&parent.attrs, "mbs") {
        while counters.cbs > mbs {
            let candidates =
                resource_table::oldest_children(tx.conn, &parent.ri, instance_type, BATCH)?;
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
            counters = removal::remove_instances(tx, &parent.ri, &victims)?;
        }
    }
    Ok(counters)
}

/// Applies limits changed by an UPDATE of the parent: a new `mia` first, then
/// `mni`/`mbs`; the counters in `parent` are refreshed.
pub fn apply_changed_limits(
    tx: &mut Txn<'_>,
    parent: &mut Resource,
    request: &Map<String, Value>,
) -> CseResult<()> {
    if let Some(mia) = request.get("mia").and_then(Value::as_i64) {
        apply_max_age(tx, parent, mia)?;
    }
    let counters = current_counters(tx, parent)?;
    let counters = enforce_limits(tx, parent, counters)?;
    parent.attrs.insert("cni".into(), json!(counters.cni));
    parent.attrs.insert("cbs".into(), json!(counters.cbs));
    Ok(())
}

/// Removes every instance of `parent` and resets its counters.
pub fn remove_all(tx: &mut Txn<'_>, parent: &Resource) -> CseResult<()> {
    let instance_type = instance_type(parent)?;
    resource_table::delete_children_of_type(tx.conn, &parent.ri, instance_type)?;
    resource_table::recount_instances(tx.conn, &parent.ri, instance_type)?;
    Ok(())
}

fn instance_type(parent: &Resource) -> CseResult<ResourceType> {
    parent
        .kind()
        .instances()
        .map(|p| p.instance_type)
        .ok_or_else(|| CseError::internal(format!("{} keeps no instances", parent.ty.long_name())))
}

/// A new `mia`: instances already older are removed, the others get an `et` no later
/// than `ct + mia`, so none is ever returned past its age.
fn apply_max_age(tx: &mut Txn<'_>, parent: &Resource, mia: i64) -> CseResult<()> {
    let instance_type = instance_type(parent)?;
    let cutoff = tx.now.plus_seconds(-mia).to_string();
    current_counters(tx, parent)?;
    loop {
        let too_old = resource_table::children_created_before(
            tx.conn,
            &parent.ri,
            instance_type,
            &cutoff,
            BATCH,
        )?;
        if too_old.is_empty() {
            break;
        }
        removal::remove_instances(tx, &parent.ri, &too_old)?;
    }
    let mut after_st = i64::MIN;
    loop {
        let page =
            resource_table::instances_page(tx.conn, &parent.ri, instance_type, after_st, BATCH)?;
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
                resource_table::set_expiration(tx.conn, ri, &cap)?;
            }
        }
    }
    Ok(())
}

/// The parent's counters, read with a no-op change so that its row is held (locked
/// on PostgreSQL) before any of its instances is touched.
fn current_counters(tx: &mut Txn<'_>, parent: &Resource) -> CseResult<Counters> {
    resource_table::remove_instances(tx.conn, &parent.ri, 0, 0)?.ok_or_else(|| {
        CseError::not_found(format!(
            "{} '{}' does not exist",
            parent.ty.long_name(),
            parent.path
        ))
    })
}
