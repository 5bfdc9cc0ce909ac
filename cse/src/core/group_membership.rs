//! A group's local members kept in step with the tree (TS-0001 §9.6.13): the member
//! index is written with `mid`, and a deleted member leaves the `mid` (and `cnm`) of
//! every group that listed it, found through the index, in the same transaction.

use onecse_models::resource::grp::FAN_OUT_POINT;
use serde_json::json;

use crate::core::addressing::{self, Destination};
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::{group_members, resource_table};

/// What a `mid` entry names now.
enum Named {
    /// A resource of this CSE (its resourceID).
    Local(String),
    /// Something on another CSE: kept, never pruned here.
    Remote,
    /// Nothing (any more).
    Missing,
}

/// Resolves one `mid` entry (any address form; `<group>/fopt` names the group).
fn resolve(tx: &mut Txn<'_>, entry: &str) -> CseResult<Named> {
    let base = entry
        .strip_suffix(FAN_OUT_POINT)
        .and_then(|b| b.strip_suffix('/'))
        .unwrap_or(entry);
    let address = match addressing::parse(base, tx.cse) {
        Ok(Destination::Local(address)) => address,
        Ok(Destination::Remote { .. }) => return Ok(Named::Remote),
        Err(_) => return Ok(Named::Missing),
    };
    Ok(match addressing::find(tx, &address)? {
        Some(resource) => Named::Local(resource.ri),
        None => Named::Missing,
    })
}

/// Records the local members of `group`, after its CREATE or an UPDATE of `mid`.
pub fn record(tx: &mut Txn<'_>, group: &Resource) -> CseResult<()> {
    let mut members = Vec::new();
    for entry in string_items(&group.attrs, "mid") {
        if let Named::Local(ri) = resolve(tx, &entry)? {
            members.push(ri);
        }
    }
    group_members::replace(tx.conn, &group.ri, &members)?;
    Ok(())
}

/// The groups listing a member in `resource`'s subtree; asked before it is removed.
pub fn listing(tx: &mut Txn<'_>, resource: &Resource) -> CseResult<Vec<String>> {
    Ok(group_members::groups_listing_subtree(
        tx.conn,
        &resource.path,
    )?)
}

/// After a removal: drops from each of `groups` (still existing) the entries that
/// no longer name anything, and sets `cnm` to what remains.
pub fn prune(tx: &mut Txn<'_>, groups: &[String]) -> CseResult<()> {
    for ri in groups {
        let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? else {
            continue;
        };
        let mut group = Resource::from_row(row)?;
        let listed = string_items(&group.attrs, "mid");
        let mut kept = Vec::with_capacity(listed.len());
        for entry in &listed {
            if !matches!(resolve(tx, entry)?, Named::Missing) {
                kept.push(entry.clone());
            }
        }
        if kept.len() == listed.len() {
            continue;
        }
        group.attrs.insert("cnm".into(), json!(kept.len()));
        group.attrs.insert("mid".into(), json!(kept));
        group.attrs.insert("lt".into(), json!(tx.now_text));
        resource_table::update(tx.conn, &group.to_row())?;
    }
    Ok(())
}
