//! Removing resources, shared by DELETE, `la`/`ol` DELETE, instance limits, the
//! expiry sweep and `exc`, so an instance-keeping parent's counters stay right and
//! subscriptions hear of it whichever path removes a resource.
//!
//! Lock order: a parent's row is always changed before its instances' rows, so a
//! request creating an instance and the expiry sweep removing one cannot deadlock.

use serde_json::Value;

use crate::core::announcement;
use crate::core::group_membership;
use crate::core::notification::{Event, matcher};
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::resource_table::{self, Counters};

/// Why a resource goes; decides which notifications it raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A DELETE request.
    Request,
    /// Its expirationTime passed.
    Expired,
    /// A subscription's expirationCounter reached zero.
    Exhausted,
    /// A contentInstance was retrieved as often as its deletionCnt allowed.
    Counted,
}

/// Deletes a resource and its subtree; returns how many rows went (0 if someone else
/// removed it first). Subscriptions in the subtree get their net 2 and deletion
/// notifications; the parent's subscriptions get net 4 for a requested or expired
/// deletion (instances removed by `mni`/`mbs`/`mia` never get here: TS-0004 §7.4.7).
pub fn remove(tx: &mut Txn<'_>, resource: &Resource, cause: Cause) -> CseResult<usize> {
    let instance_of = match &resource.pi {
        Some(pi) if resource.kind().is_instance() => Some(pi.as_str()),
        _ => None,
    };
    let bytes = resource
        .attrs
        .get("cs")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(parent) = instance_of {
        resource_table::remove_instances(tx.conn, parent, 1, bytes)?;
    }
    let mark = tx.notifications_mark();
    resource.kind().on_remove(tx, resource)?;
    announcement::queue::on_remove(tx, resource)?;
    matcher::on_subtree_removal(tx, resource)?;
    let groups = group_membership::listing(tx, resource)?;
    let removed = resource_table::delete_subtree(tx.conn, &resource.path)?;
    group_membership::prune(tx, &groups)?;
    if removed == 0 {
        // Someone else removed it first and sent its notices.
        tx.discard_notifications_since(mark);
        if let Some(parent) = instance_of {
            // Already gone: undo the count taken above.
            resource_table::remove_instances(tx.conn, parent, -1, -bytes)?;
        }
        return Ok(0);
    }
    if matches!(cause, Cause::Request | Cause::Expired | Cause::Counted) {
        matcher::raise(tx, &Event::ChildDeleted { child: resource })?;
    }
    Ok(removed)
}

/// Deletes instances of a parent whose row the caller has already changed (and so
/// locked) in this transaction, and records them in its counters.
pub fn remove_instances(
    tx: &mut Txn<'_>,
    parent: &str,
    victims: &[(String, i64)],
) -> CseResult<Counters> {
    let ris: Vec<String> = victims.iter().map(|(ri, _)| ri.clone()).collect();
    let bytes: i64 = victims.iter().map(|(_, cs)| *cs).sum();
    let removed = resource_table::delete_by_ris(tx.conn, &ris)?;
    let count = i64::try_from(removed).unwrap_or(i64::MAX);
    resource_table::remove_instances(tx.conn, parent, count, bytes)?.ok_or_else(|| {
        CseError::internal(format!(
            "resource {parent} vanished while its instances were removed"
        ))
    })
}
