//! The registree's database side of its registration (TS-0001 §10.2.2.7 steps 4–8,
//! spec digest inter-cse §2): the `<remoteCSE>` it keeps locally for its registrar,
//! filled from the registrar's `<CSEBase>`, and the lease that lets one process of
//! this CSE register for all of them; and its removal on deregistration (TS-0001
//! §10.2.2.10). The requests to the registrar are sent by `crate::registree`.

use onecse_models::ResourceType;
use onecse_models::time::Timestamp;
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::context::Registrar;
use crate::core::record::{Resource, string_items};
use crate::core::removal::{self, Cause};
use crate::core::transaction::{self, Txn};
use crate::error::CseResult;
use crate::store::{TransactionKind, leases, resource_table};

/// The lease the registering process holds.
pub const LEASE: &str = "registration";

/// The expirationTime of the local registrar `<remoteCSE>`: it lives as long as the
/// registration, which the registree removes or refreshes itself.
const NEVER: &str = "99991231T235959,000000";

/// Takes or renews the lease `name` for `holder` for `seconds`: only the process
/// holding it does that work (the registration: [`LEASE`]; announcement), so several
/// processes of one CSE do it once (a lapsed lease passes to another process).
pub fn take_lease(cse: &Cse, name: &str, holder: &str, seconds: i64) -> CseResult<bool> {
    let now = Timestamp::now();
    let until = now.plus_seconds(seconds).to_string();
    transaction::run(cse, TransactionKind::Write, now, |tx| {
        Ok(leases::claim(tx.conn, name, holder, &tx.now_text, &until)?)
    })
    .map(|committed| committed.value)
}

/// Creates or refreshes the local `<remoteCSE>` of `registrar` (TS-0001 §10.2.2.7
/// step 4) from its `<CSEBase>` as retrieved (`base`, the `m2m:cb` members): the
/// mandatory attributes, and `poa`, `cst`, `srv`, `csz` copied (steps 5–8).
pub fn keep_registrar(
    cse: &Cse,
    registrar: &Registrar,
    base: &Map<String, Value>,
) -> CseResult<()> {
    transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        let ri = registrar.cse_id.trim_start_matches('/').to_owned();
        let mut attrs = Map::new();
        attrs.insert("csi".into(), json!(registrar.cse_id));
        attrs.insert(
            "cb".into(),
            json!(format!("{}/{}", registrar.cse_id, registrar.cse_name)),
        );
        attrs.insert("rr".into(), json!(true));
        let poa = base
            .get("poa")
            .filter(|poa| poa.as_array().is_some_and(|p| !p.is_empty()))
            .cloned()
            .unwrap_or_else(|| json!([registrar.url]));
        attrs.insert("poa".into(), poa);
        attrs.insert(
            "srv".into(),
            base.get("srv").cloned().unwrap_or_else(|| json!(["3"])),
        );
        for copied in ["cst", "csz"] {
            if let Some(value) = base.get(copied) {
                attrs.insert(copied.into(), value.clone());
            }
        }
        save(tx, &ri, registrar, attrs)
    })
    .map(|_| ())
}

/// Inserts the registrar's `<remoteCSE>` `ri` with `attrs`, or updates the one
/// there.
fn save(
    tx: &mut Txn<'_>,
    ri: &str,
    registrar: &Registrar,
    mut attrs: Map<String, Value>,
) -> CseResult<()> {
    let existing = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)?;
    if let Some(row) = existing {
        let mut resource = Resource::from_row(row)?;
        resource.attrs.extend(attrs);
        resource.attrs.insert("lt".into(), json!(tx.now_text));
        resource_table::update(tx.conn, &resource.to_row())?;
        return Ok(());
    }
    let ty = ResourceType::RemoteCse;
    attrs.insert("ty".into(), json!(ty.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(ri));
    attrs.insert("pi".into(), json!(tx.cse.cse_ri));
    attrs.insert("ct".into(), json!(tx.now_text));
    attrs.insert("lt".into(), json!(tx.now_text));
    attrs.insert("et".into(), json!(NEVER));
    let resource = Resource {
        ty,
        ri: ri.to_owned(),
        pi: Some(tx.cse.cse_ri.clone()),
        rn: ri.to_owned(),
        path: format!("{}/{ri}", tx.cse.cse_name),
        attrs,
        owner: Some(registrar.cse_id.clone()),
        policy_docs: None,
        due: None,
        watch: 0,
    };
    resource_table::insert(tx.conn, &resource.to_row()).map_err(|err| resource.insert_refused(err))
}

/// Removes the local `<remoteCSE>` of `registrar` (and its subtree) once this CSE
/// deregistered (TS-0001 §10.2.2.10: the other side first, then the local one), so
/// nothing is forwarded upwards any more until it registers again; `false` when
/// there was none.
pub fn forget_registrar(cse: &Cse, registrar: &Registrar) -> CseResult<bool> {
    transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        let ri = registrar.cse_id.trim_start_matches('/');
        let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? else {
            return Ok(false);
        };
        let resource = Resource::from_row(row)?;
        if resource.ty != ResourceType::RemoteCse {
            return Ok(false);
        }
        Ok(removal::remove(tx, &resource, Cause::Request)? > 0)
    })
    .map(|committed| committed.value)
}

/// The CSEs below this one (TS-0001 §10.2.2.7 step 2): each CSE registered here and
/// the `dcse` each of them reported, sorted and without repeats; the registrar's own
/// `<remoteCSE>` here is not below. What this CSE reports as its `dcse` at its
/// registrar, so requests for any of them are routed down through it.
pub fn descendants(cse: &Cse) -> CseResult<Vec<String>> {
    let registrar = cse.registrar.as_ref().map(|r| r.cse_id.clone());
    transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        let rows = resource_table::children_of_type(
            tx.conn,
            &tx.cse.cse_ri,
            ResourceType::RemoteCse,
            &tx.now_text,
        )?;
        let mut below = Vec::new();
        for row in rows {
            let registree = Resource::from_row(row)?;
            let Some(csi) = registree.attrs.get("csi").and_then(Value::as_str) else {
                continue;
            };
            if registrar.as_deref() == Some(csi) {
                continue;
            }
            below.push(csi.to_owned());
            below.extend(string_items(&registree.attrs, "dcse"));
        }
        below.sort_unstable();
        below.dedup();
        Ok(below)
    })
    .map(|committed| committed.value)
}
