//! The announcement work a change owes, queued in the change's own transaction
//! (TS-0004 §7.3.3.10–11): a CREATE with `at` creates the copies; an UPDATE
//! creates copies for added targets, deletes those of removed ones and updates the
//! others with the announced attributes that changed (added to `aa`, or removed from
//! it, which the copy then loses); removing the original (by request, expiry or
//! with its parent) deletes every copy. Only names go in the queue: the values are
//! read when the request is sent, so a copy always gets the original's latest state.

use std::collections::BTreeSet;

use onecse_models::resource::annc::{Announceable, announcement_of};
use serde_json::{Map, Value, json};

use super::{entry_target, is_copy_address};
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::announcements::{self, NewAnnouncement};

/// Queues the copies a new resource's `at` asks for.
pub fn after_create(tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
    if !resource.attrs.contains_key("at") {
        return Ok(());
    }
    let rows: Vec<NewAnnouncement> = string_items(&resource.attrs, "at")
        .iter()
        .map(|target| row(tx, resource, "create", target, None, None))
        .collect();
    announcements::insert_all(tx.conn, &rows)?;
    Ok(())
}

/// Queues what an UPDATE changed for each announced copy.
pub fn after_update(tx: &mut Txn<'_>, before: &Resource, after: &Resource) -> CseResult<()> {
    let Some(facts) = announcement_of(after.ty) else {
        return Ok(());
    };
    let (old, new) = (
        string_items(&before.attrs, "at"),
        string_items(&after.attrs, "at"),
    );
    if old.is_empty() && new.is_empty() {
        return Ok(());
    }
    let names = changed_names(facts, &before.attrs, &after.attrs);
    let mut rows = Vec::new();
    for entry in &old {
        let kept = new.iter().any(|n| entry_target(n) == entry_target(entry));
        if !kept && is_copy_address(entry) {
            rows.push(row(
                tx,
                after,
                "delete",
                entry_target(entry),
                None,
                Some(entry),
            ));
        }
    }
    for entry in &new {
        let target = entry_target(entry);
        if !old.iter().any(|o| entry_target(o) == target) {
            rows.push(row(tx, after, "create", target, None, None));
        } else if !names.is_empty() && is_copy_address(entry) {
            rows.push(row(tx, after, "update", target, Some(&names), None));
        }
    }
    announcements::insert_all(tx.conn, &rows)?;
    Ok(())
}

/// Queues the deletion of every copy of a resource about to be removed.
pub fn on_remove(tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
    if !resource.attrs.contains_key("at") {
        return Ok(());
    }
    let rows: Vec<NewAnnouncement> = string_items(&resource.attrs, "at")
        .iter()
        .filter(|entry| is_copy_address(entry))
        .map(|entry| {
            row(
                tx,
                resource,
                "delete",
                entry_target(entry),
                None,
                Some(entry),
            )
        })
        .collect();
    announcements::insert_all(tx.conn, &rows)?;
    Ok(())
}

/// The attributes a copy must be told about after an UPDATE: announced ones (MA, or
/// OA named by `aa` now) whose value changed, and those added to or removed from `aa`.
fn changed_names(
    facts: &Announceable,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Vec<String> {
    let aa = |attrs: &Map<String, Value>| -> BTreeSet<String> {
        string_items(attrs, "aa").into_iter().collect()
    };
    let (aa_before, aa_after) = (aa(before), aa(after));
    let mut names: BTreeSet<String> = facts
        .mandatory
        .iter()
        .map(|n| (*n).to_owned())
        .chain(aa_after.iter().cloned())
        .filter(|n| before.get(n) != after.get(n))
        .collect();
    names.extend(aa_before.symmetric_difference(&aa_after).cloned());
    names.into_iter().collect()
}

/// One queued request for `target` about `resource`.
fn row(
    tx: &Txn<'_>,
    resource: &Resource,
    op: &str,
    target: &str,
    names: Option<&[String]>,
    address: Option<&str>,
) -> NewAnnouncement {
    NewAnnouncement {
        target: entry_target(target).to_owned(),
        original: resource.ri.clone(),
        op: op.to_owned(),
        names: names.map(|n| json!(n).to_string()),
        address: address.map(str::to_owned),
        due: tx.now_text.clone(),
    }
}
