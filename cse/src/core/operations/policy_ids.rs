//! Validation of attributes that name accessControlPolicies (`acpi`, a group's
//! `macp`): each entry must be a live policy of this CSE, stored as its resourceID.
//! This checks content; whether the originator may change `acpi` is an access
//! decision, made by `security`.

use onecse_models::ResourceType;
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Destination};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// Checks `acpi` in request content and stores it as resourceIDs: every entry must
/// name a live accessControlPolicy of this CSE, in any addressing form (4000
/// otherwise, as ACME answers); an empty list is refused (`null` removes `acpi`).
/// A custodian (`cstn`), when given, must name an originator: an empty one would
/// leave a resource without `acpi` to nobody but the administrator.
pub fn check_policy_ids(tx: &mut Txn<'_>, attrs: &mut Map<String, Value>) -> CseResult<()> {
    if attrs.get("cstn").and_then(Value::as_str) == Some("") {
        return Err(CseError::bad_request(
            "cstn must name the custodian's originator (send null to remove it)",
        ));
    }
    check_policy_list(tx, attrs, "acpi")
}

/// Checks and stores as resourceIDs a list attribute naming accessControlPolicies
/// (`acpi`, a group's `macp`), with the rules of [`check_policy_ids`].
pub fn check_policy_list(
    tx: &mut Txn<'_>,
    attrs: &mut Map<String, Value>,
    name: &str,
) -> CseResult<()> {
    let Some(Value::Array(entries)) = attrs.get(name) else {
        return Ok(());
    };
    if entries.is_empty() {
        return Err(CseError::bad_request(format!(
            "{name} must name at least one accessControlPolicy (send null to remove it)"
        )));
    }
    let mut ids: Vec<String> = Vec::with_capacity(entries.len());
    for entry in entries.clone() {
        let entry = entry.as_str().unwrap_or_default();
        let found = match addressing::parse(entry, tx.cse) {
            Ok(Destination::Local(address)) => addressing::find(tx, &address)?,
            _ => None,
        };
        match found {
            Some(policy) if policy.ty == ResourceType::AccessControlPolicy => {
                if !ids.contains(&policy.ri) {
                    ids.push(policy.ri);
                }
            }
            _ => {
                return Err(CseError::bad_request(format!(
                    "{name} names '{entry}', which is not an accessControlPolicy of this CSE"
                )));
            }
        }
    }
    attrs.insert(name.into(), json!(ids));
    Ok(())
}
