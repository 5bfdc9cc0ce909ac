//! The links between a `<node>` and what runs on it (TS-0001 §9.6.18, device-management
//! digest §1): an AE's `nl` names its node, whose `hael` then lists the AE; a node whose
//! `hcl` names this CSE becomes the CSEBase's `nl`. The CSE keeps both sides in step on
//! create, update and removal (as ACME does), so a client can walk from a device to
//! its applications and back. Link upkeep changes no `lt` and raises no notification:
//! it is bookkeeping, not a client's modification.

use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Destination};
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use onecse_models::ResourceType;

use crate::store::resource_table;

/// Checks a new or changed AE `nl` (it must name a live `<node>` of this CSE) and
/// moves the AE from its old node's `hael` to the new one's.
pub fn ae_link_changed(
    tx: &mut Txn<'_>,
    before: Option<&Resource>,
    ae: &Resource,
) -> CseResult<()> {
    let new = match node_link(ae) {
        Some(nl) => Some(resolve_node(tx, nl)?.ok_or_else(|| {
            CseError::bad_request(format!("nl '{nl}' does not name a node of this CSE"))
        })?),
        None => None,
    };
    let old = match before.and_then(node_link) {
        Some(nl) => resolve_node(tx, nl)?,
        None => None,
    };
    if old == new {
        return Ok(());
    }
    if let Some(old) = old {
        edit_list(tx, &old, "hael", |list| list.retain(|ri| ri != &ae.ri))?;
    }
    if let Some(new) = new {
        edit_list(tx, &new, "hael", |list| {
            if !list.contains(&ae.ri) {
                list.push(ae.ri.clone());
            }
        })?;
    }
    Ok(())
}

/// Takes a removed AE out of its node's `hael`.
pub fn ae_removed(tx: &mut Txn<'_>, ae: &Resource) -> CseResult<()> {
    if let Some(nl) = node_link(ae)
        && let Some(node) = resolve_node(tx, nl)?
    {
        edit_list(tx, &node, "hael", |list| list.retain(|ri| ri != &ae.ri))?;
    }
    Ok(())
}

/// Makes a node whose `hcl` names this CSE the CSEBase's `nl`, and drops that link
/// when `hcl` stops naming it.
pub fn hosted_cse_changed(
    tx: &mut Txn<'_>,
    before: Option<&Resource>,
    node: &Resource,
) -> CseResult<()> {
    let names_this_cse = |resource: &Resource| {
        resource
            .attrs
            .get("hcl")
            .and_then(Value::as_str)
            .is_some_and(|hcl| is_this_cse(tx, hcl))
    };
    let was = before.is_some_and(names_this_cse);
    let is = names_this_cse(node);
    let base = tx.cse.cse_ri.clone();
    if is {
        edit(tx, &base, |attrs| {
            attrs.insert("nl".into(), json!(node.ri));
        })?;
    } else if was {
        clear_link(tx, &base, &node.ri)?;
    }
    Ok(())
}

/// A removed node stops being the `nl` of the AEs it listed and of the CSEBase.
pub fn node_removed(tx: &mut Txn<'_>, node: &Resource) -> CseResult<()> {
    for ae in string_items(&node.attrs, "hael") {
        clear_link(tx, &ae, &node.ri)?;
    }
    let base = tx.cse.cse_ri.clone();
    clear_link(tx, &base, &node.ri)
}

fn node_link(resource: &Resource) -> Option<&str> {
    resource.attrs.get("nl").and_then(Value::as_str)
}

/// Whether `id` (resourceID, structured address or CSE-ID) names this CSE's CSEBase.
fn is_this_cse(tx: &Txn<'_>, id: &str) -> bool {
    let cse = tx.cse;
    id == cse.cse_id || id == cse.cse_ri || id == cse.cse_name
}

/// The resourceID of the live node `id` names, if it names one.
fn resolve_node(tx: &mut Txn<'_>, id: &str) -> CseResult<Option<String>> {
    let Ok(Destination::Local(address)) = addressing::parse(id, tx.cse) else {
        return Ok(None);
    };
    Ok(addressing::find(tx, &address)?
        .filter(|r| r.ty == ResourceType::Node)
        .map(|r| r.ri))
}

/// Removes `nl` from the resource `ri` while it still names the node `node_ri`.
fn clear_link(tx: &mut Txn<'_>, ri: &str, node_ri: &str) -> CseResult<()> {
    let mut resolved = None;
    if let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? {
        let resource = Resource::from_row(row)?;
        if let Some(nl) = node_link(&resource) {
            resolved = resolve_node(tx, nl)?;
        }
    }
    if resolved.as_deref() == Some(node_ri) {
        edit(tx, ri, |attrs| {
            attrs.remove("nl");
        })?;
    }
    Ok(())
}

/// Changes a list attribute of the resource `ri` (held for the rest of the
/// transaction); an emptied list is removed, as a link list must be absent, not empty.
fn edit_list(
    tx: &mut Txn<'_>,
    ri: &str,
    name: &str,
    change: impl FnOnce(&mut Vec<String>),
) -> CseResult<()> {
    edit(tx, ri, |attrs| {
        let mut list = string_items(attrs, name);
        change(&mut list);
        if list.is_empty() {
            attrs.remove(name);
        } else {
            attrs.insert(name.into(), json!(list));
        }
    })
}

/// Rewrites the document of the resource `ri`, locked against concurrent link
/// changes; a resource that is gone meanwhile needs no link.
fn edit(tx: &mut Txn<'_>, ri: &str, change: impl FnOnce(&mut Map<String, Value>)) -> CseResult<()> {
    let Some(row) = resource_table::lock_and_reload(tx.conn, ri)? else {
        return Ok(());
    };
    let mut resource = Resource::from_row(row)?;
    change(&mut resource.attrs);
    resource_table::update(tx.conn, &resource.to_row())?;
    Ok(())
}
