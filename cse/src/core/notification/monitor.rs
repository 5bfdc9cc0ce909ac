//! operationMonitor (`enc/om`, TS-0004 §6.3.5.57, spec digest notifications-advanced
//! §3): a request of a watched operation and/or from a watched originator to the
//! subscribed-to resource notifies, whether or not it succeeded, with
//! `nev.om = {op, or}`. Runs in a write transaction of its own after the request's
//! (see `dispatch::handle`), so a refused or failed request still notifies.

use onecse_models::resource::sub::operation_monitor;
use onecse_models::{Operation, ResourceType};
use serde_json::json;

use crate::core::notification::{matcher, subscriber, watch};
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Records;
use crate::store::resource_table;

/// A request that reached a watched resource: what the monitor compares.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The operation (`nev.om.op`).
    pub op: Operation,
    /// The acop bit of the access (1 CREATE … 32 DISCOVER), matched against `ops`.
    pub bit: i64,
    /// The originator (`nev.om.or`).
    pub originator: Option<&'a str>,
}

/// Queues the notifications of every operationMonitor subscription of `ri` that the
/// access matches and whose creator may RETRIEVE the resource (who did what to it is
/// news about it). When none is left (the last one went), the resource's monitor bit
/// is cleared, so later requests skip this step again.
pub fn raise(tx: &mut Txn<'_>, ri: &str, access: Access<'_>) -> CseResult<()> {
    let subs =
        resource_table::children_of_type(tx.conn, ri, ResourceType::Subscription, &tx.now_text)?;
    let mut monitored = false;
    let mut watched: Option<Option<Resource>> = None;
    for row in subs {
        let sub = Resource::from_row(row)?;
        let Some(om) = sub.attrs.get("enc").and_then(|e| e.get("om")) else {
            continue;
        };
        monitored = true;
        let entries = operation_monitor(om).unwrap_or_default();
        if !entries
            .iter()
            .any(|e| e.matches(access.bit, access.originator))
        {
            continue;
        }
        if watched.is_none() {
            watched = Some(tx.find(ri)?);
        }
        if let Some(Some(resource)) = &watched
            && subscriber::may_read(tx, &sub, resource, None)?
        {
            let nev = json!({
                "net": 1,
                "om": {"op": access.op.number(), "or": access.originator.unwrap_or_default()},
            });
            matcher::queue(tx, &sub, nev)?;
        }
    }
    if !monitored {
        watch::refresh(tx, ri, None)?;
    }
    Ok(())
}
