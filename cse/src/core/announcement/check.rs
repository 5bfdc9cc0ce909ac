//! The `at` (announceTo) and `aa` (announcedAttribute) content of a CREATE or
//! UPDATE (TS-0001 §9.6.26.1, §10.2.13.7): `at` names registered CSEs by CSE-ID
//! (or, on UPDATE, keeps the copy addresses already there); `aa` names
//! optional-announced attributes of the type. Bad values answer 4000 (4005 for an
//! instance whose parent is not announced to that CSE, TS-0004 §7.3.3.10).

use onecse_models::ResourceType;
use onecse_models::resource::Extension;
use onecse_models::resource::annc::check_announced_attributes;
use serde_json::{Map, Value, json};

use super::entry_target;
use crate::core::record::{Resource, string_items};
use crate::core::remote_cses;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// Checks and normalises `at` and `aa` in request content for a resource of type
/// `ty` (with the attributes of its specialization, `extension`): `stored` is the
/// resource an UPDATE changes, `parent` the resource a CREATE adds to. An `aa` left empty once non-announced names are dropped is removed (on
/// UPDATE: set to null).
pub fn check(
    tx: &mut Txn<'_>,
    ty: ResourceType,
    extension: Extension,
    attrs: &mut Map<String, Value>,
    stored: Option<&Resource>,
    parent: Option<&Resource>,
) -> CseResult<()> {
    if let Some(Value::Array(aa)) = attrs.get("aa") {
        let kept = check_announced_attributes(ty, extension, aa)?;
        if kept.is_empty() && stored.is_none() {
            attrs.remove("aa");
        } else if kept.is_empty() {
            attrs.insert("aa".into(), Value::Null);
        } else {
            attrs.insert("aa".into(), json!(kept));
        }
    }
    let Some(Value::Array(at)) = attrs.get("at") else {
        return Ok(());
    };
    let previous = stored
        .map(|s| string_items(&s.attrs, "at"))
        .unwrap_or_default();
    let mut entries: Vec<String> = Vec::with_capacity(at.len());
    for entry in at.clone() {
        let entry = entry.as_str().unwrap_or_default().to_owned();
        let target = entry_target(&entry).to_owned();
        if entries.iter().any(|e| entry_target(e) == target) {
            continue;
        }
        // A target already announced keeps its copy's address.
        if let Some(known) = previous.iter().find(|p| entry_target(p) == target) {
            entries.push(known.clone());
            continue;
        }
        check_target(tx, &entry)?;
        if let Some(parent) = parent.filter(|_| ty.spec().is_some_and(|s| s.is_instance))
            && !string_items(&parent.attrs, "at")
                .iter()
                .any(|p| entry_target(p) == target)
        {
            return Err(CseError::not_allowed(format!(
                "{} is announced only below a parent announced to the same CSE, and '{}' is not announced to {target}",
                ty.with_article(),
                parent.path
            )));
        }
        entries.push(entry);
    }
    attrs.insert("at".into(), json!(entries));
    Ok(())
}

/// A new `at` entry must be the CSE-ID of another CSE registered here (or this
/// CSE's registrar): onecse announces to CSE-IDs only, and picks the place itself.
fn check_target(tx: &mut Txn<'_>, entry: &str) -> CseResult<()> {
    let is_cse_id = entry.len() > 1 && entry_target(entry) == entry;
    if !is_cse_id {
        return Err(CseError::bad_request(format!(
            "at entry '{entry}' is not a CSE-ID such as '/id-in': this CSE announces to CSEs by their CSE-ID"
        )));
    }
    if entry == tx.cse.cse_id {
        return Err(CseError::bad_request(format!(
            "at entry '{entry}' is this CSE itself: announce to another CSE"
        )));
    }
    if remote_cses::find(tx, entry)?.is_none() {
        return Err(CseError::bad_request(format!(
            "at entry '{entry}' names a CSE that is not registered with this CSE (nor its registrar)"
        )));
    }
    Ok(())
}
