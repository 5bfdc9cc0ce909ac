//! Removing resources, shared by DELETE, `la`/`ol` DELETE, container limits, the
//! expiry task and `exc`, so a container's counters stay right and subscriptions hear
//! of it whichever path removes a resource.
//!
//! Lock order: a container's row is always changed before its instances' rows, so a
//! request creating an instance and the expiry task removing one cannot deadlock.

use onecse_models::ResourceType;
use onecse_models::time::Timestamp;
use serde_json::Value;

use crate::core::Cse;
use crate::core::resource::Resource;
use crate::error::CseResult;
use crate::notify::matcher::{self, Event};
use crate::store::DbConn;
use crate::store::resources::{self, Counters};

/// Why a resource goes; decides which notifications it raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A DELETE request.
    Request,
    /// Its expirationTime passed.
    Expired,
    /// A subscription's expirationCounter reached zero.
    Exhausted,
}

/// Deletes a resource and its subtree; returns how many rows went (0 if someone else
/// removed it first). Subscriptions in the subtree get their net 2 and deletion
/// notifications; the parent's subscriptions get net 4 for a requested or expired
/// deletion (instances removed by `mni`/`mbs`/`mia` never get here: TS-0004 §7.4.7).
pub fn remove(
    conn: &mut DbConn,
    cse: &Cse,
    resource: &Resource,
    cause: Cause,
    now: Timestamp,
) -> CseResult<usize> {
    let instance_of = match (&resource.pi, resource.ty) {
        (Some(pi), ResourceType::ContentInstance) => Some(pi.as_str()),
        _ => None,
    };
    let bytes = resource
        .attrs
        .get("cs")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(container) = instance_of {
        resources::remove_instances(conn, container, 1, bytes)?;
    }
    matcher::on_subtree_removal(conn, cse, resource, now)?;
    let removed = resources::delete_subtree(conn, &resource.path)?;
    if removed == 0 {
        if let Some(container) = instance_of {
            // Already gone: undo the count taken above.
            resources::remove_instances(conn, container, -1, -bytes)?;
        }
        return Ok(0);
    }
    if matches!(cause, Cause::Request | Cause::Expired) {
        matcher::raise(conn, cse, &Event::ChildDeleted { child: resource }, now)?;
    }
    Ok(removed)
}

/// Deletes instances of a container whose row the caller has already changed (and so
/// locked) in this transaction, and records them in its counters.
pub fn remove_instances(
    conn: &mut DbConn,
    container: &str,
    victims: &[(String, i64)],
) -> CseResult<Counters> {
    let ris: Vec<String> = victims.iter().map(|(ri, _)| ri.clone()).collect();
    let bytes: i64 = victims.iter().map(|(_, cs)| *cs).sum();
    let removed = resources::delete_by_ris(conn, &ris)?;
    let count = i64::try_from(removed).unwrap_or(i64::MAX);
    resources::remove_instances(conn, container, count, bytes)?.ok_or_else(|| {
        crate::error::CseError::internal(format!(
            "container {container} vanished while its instances were removed"
        ))
    })
}
