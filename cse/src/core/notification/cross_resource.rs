//! Time windows of crossResourceSubscriptions (TS-0001 §9.6.58, spec digest
//! notifications-advanced §13). A member subscription's event is heard in the
//! transaction that raised it (a row in `cross_resource_heard`); the window closes
//! on the crossResourceSubscription's `due` timer (the timer run, one process per
//! row through `SKIP LOCKED`), which judges it by `eem` and queues the
//! notification to `nu` in the outbox. All state is in the database, so several
//! onecse processes on one database share the windows and a restart loses none.
//!
//! Periodic windows (`twt` 1) follow each other from creation; a sliding window
//! (`twt` 2) opens with the first event heard after the previous one closed.

use std::time::Duration;

use onecse_models::ResourceType;
use onecse_models::resource::crs::{EvaluationMode, SLIDING_WINDOW, window_size};
use onecse_models::time::Timestamp;
use serde_json::{Map, Value, json};

use crate::core::notification::matcher;
use crate::core::record::{Resource, string_items};
use crate::core::removal::{self, Cause};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::{cross_resource_heard, resource_table};

/// The ID a crossResourceSubscription is named by in its members' `nu` and `acrs`
/// (and as `sur` in its notifications): SP-relative, `/<csi>/<ri>`.
pub fn id_of(tx: &Txn<'_>, crs: &Resource) -> String {
    matcher::reference(tx, crs)
}

/// The resourceID an [`id_of`] names, for IDs of this CSE (a bare resourceID too).
fn local_ri<'a>(tx: &Txn<'_>, id: &'a str) -> Option<&'a str> {
    match id.strip_prefix(tx.cse.cse_id.as_str()) {
        Some(rest) => rest.strip_prefix('/'),
        None if !id.contains('/') => Some(id),
        None => None,
    }
}

/// Whether the crossResourceSubscription uses sliding windows.
fn sliding(attrs: &Map<String, Value>) -> bool {
    attrs.get("twt").and_then(Value::as_i64) == Some(SLIDING_WINDOW)
}

/// The window size, checked when stored (a fallback keeps a bad document harmless).
fn size(attrs: &Map<String, Value>) -> Duration {
    window_size(attrs.get("tws").unwrap_or(&Value::Null)).unwrap_or(Duration::from_secs(60))
}

fn plus(at: Timestamp, size: Duration) -> Timestamp {
    at.plus_millis(i64::try_from(size.as_millis()).unwrap_or(i64::MAX))
}

/// Starts the window afresh (creation, or `twt`/`tws` changed): forgets what was
/// heard; a periodic window closes one `tws` from now, a sliding one waits for an
/// event.
pub fn restart(tx: &mut Txn<'_>, crs: &mut Resource) -> CseResult<()> {
    cross_resource_heard::clear(tx.conn, &crs.ri)?;
    crs.due = if sliding(&crs.attrs) {
        None
    } else {
        Some(plus(tx.now, size(&crs.attrs)).to_string())
    };
    Ok(())
}

/// A member subscription `member` notified the crossResourceSubscription `crs_id`:
/// recorded for the current window (which it opens when sliding and none is open).
/// The crossResourceSubscription's row is not locked: only opening a sliding window
/// writes it, with a statement that changes it only while no window is open, so
/// busy targets never keep the timer from closing a window. A crossResourceSubscription
/// gone meanwhile hears nothing.
pub fn hear(tx: &mut Txn<'_>, crs_id: &str, member: &str) -> CseResult<()> {
    let Some(ri) = local_ri(tx, crs_id) else {
        return Ok(());
    };
    let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? else {
        return Ok(());
    };
    let crs = Resource::from_row(row)?;
    if crs.ty != ResourceType::CrossResourceSubscription {
        return Ok(());
    }
    cross_resource_heard::insert(tx.conn, &crs.ri, member)?;
    if crs.due.is_none() && sliding(&crs.attrs) {
        let closes = plus(tx.now, size(&crs.attrs)).to_string();
        resource_table::set_due_if_unset(tx.conn, &crs.ri, &closes)?;
    }
    Ok(())
}

/// How many targets the crossResourceSubscription watches: one member subscription
/// per regular target plus each subscription target.
fn member_count(attrs: &Map<String, Value>) -> usize {
    string_items(attrs, "rrats").len() + string_items(attrs, "srat").len()
}

/// Closes the current window (the `due` timer): judges it by `eem`, queues the
/// notification when it fires, and sets when the next window closes. Runs in the
/// timer's transaction, which holds the row.
pub fn close_window(tx: &mut Txn<'_>, crs: &mut Resource) -> CseResult<()> {
    let members = cross_resource_heard::members(tx.conn, &crs.ri)?;
    let heard = members.len();
    let total = member_count(&crs.attrs);
    cross_resource_heard::remove(tx.conn, &crs.ri, &members)?;
    let next_due = if sliding(&crs.attrs) {
        None
    } else {
        // The next boundary still to come: windows missed while no process ran are
        // skipped, not replayed.
        let size = size(&crs.attrs);
        let mut next = crs
            .due
            .as_deref()
            .and_then(|d| Timestamp::parse(d).ok())
            .unwrap_or(tx.now);
        while next <= tx.now {
            next = plus(next, size);
        }
        Some(next.to_string())
    };
    if EvaluationMode::of(&crs.attrs).fires(heard, total) {
        notify(tx, crs)?;
        // Counting the event rewrote the row (`nsi`): carry on from what is stored.
        if let Some(row) = resource_table::lock_and_reload(tx.conn, &crs.ri)? {
            crs.attrs = Resource::from_row(row)?.attrs;
        }
    }
    crs.due = next_due;
    Ok(())
}

/// Queues the cross-resource notification `{"m2m:sgn": {"sur": ..., "cr": ...}}` to
/// every `nu` target, through the outbox like every notification; `exc` and the
/// statistics follow its delivery.
fn notify(tx: &mut Txn<'_>, crs: &Resource) -> CseResult<()> {
    let mut sgn = Map::new();
    sgn.insert("sur".into(), json!(id_of(tx, crs)));
    if let Some(cr) = crs.attrs.get("cr") {
        sgn.insert("cr".into(), cr.clone());
    }
    let payload = json!({ "m2m:sgn": sgn }).to_string();
    matcher::queue_payload(tx, crs, &payload)
}

/// A subscription is being removed (with the subtree under `root`): each
/// crossResourceSubscription it serves (its `acrs`) goes with it, as a deletion
/// notification from a target subscription asks (spec digest
/// notifications-advanced §13), unless it is in that subtree anyway.
pub fn member_gone(tx: &mut Txn<'_>, sub: &Resource, root: &Resource) -> CseResult<()> {
    for id in string_items(&sub.attrs, "acrs") {
        let Some(ri) = local_ri(tx, &id) else {
            continue;
        };
        let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? else {
            continue;
        };
        let crs = Resource::from_row(row)?;
        let inside = crs.path == root.path || crs.path.starts_with(&format!("{}/", root.path));
        if crs.ty == ResourceType::CrossResourceSubscription && !inside {
            removal::remove(tx, &crs, Cause::Request)?;
        }
    }
    Ok(())
}
