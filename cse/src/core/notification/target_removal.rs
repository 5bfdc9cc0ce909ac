//! A notification target asking to be removed (TS-0001 §10.2.10.9 as the spec
//! digest gives it, notifications §5 and notifications-advanced §12): DELETE
//! `<subscription>/ntsr` (notificationTargetSelfReference) from the target's
//! originator. The policy is chosen as the digest orders it: the subscription's
//! `<notificationTargetMgmtPolicyRef>` listing the target (its `npi`), else the
//! subscription creator's `<notificationTargetPolicy>` labelled `default`, else the
//! system default, which accepts. Its action (`acn`): 1 accept removes the target,
//! 2 reject refuses (4005), 4 inform removes it and tells the subscription's
//! creator; 3 seek authorization is answered 5001 (it needs a request to the creator
//! awaited inside this one, which onecse does not make). The chosen policy's action
//! applies only while its `<policyDeletionRules>` hold (`resources::pdr`); otherwise
//! the removal is rejected.

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::ntp::{
    ACCEPT, DEFAULT_LABEL, INFORM, REJECT, SEEK_AUTHORIZATION, SELF_REFERENCE,
};
use onecse_models::{Operation, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Address};
use crate::core::notification::{matcher, stats};
use crate::core::record::{Resource, string_items};
use crate::core::removal::{self, Cause};
use crate::core::resources::ntp::policy_named;
use crate::core::resources::pdr;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;
use crate::store::resource_table;

/// Whether a request may address an `ntsr` (decided from the address alone).
pub fn may_name_self_reference(to: &str) -> bool {
    to.rsplit('/').next() == Some(SELF_REFERENCE)
}

/// Runs a request to `<subscription>/ntsr`; `None` when the address names no
/// subscription's `ntsr` (then `ntsr` is an ordinary resource name). Only DELETE is
/// allowed (4005), by an originator that is one of the subscription's targets (4103).
pub fn at(
    tx: &mut Txn<'_>,
    req: &Request,
    address: &Address,
    who: &Requester,
) -> CseResult<Option<Response>> {
    if !may_name_self_reference(&req.to) {
        return Ok(None);
    }
    let Some((parent, last)) = addressing::split_last(address) else {
        return Ok(None);
    };
    if last != SELF_REFERENCE {
        return Ok(None);
    }
    let Some(sub) = addressing::find(tx, &parent)?.filter(|r| {
        matches!(
            r.ty,
            ResourceType::Subscription | ResourceType::CrossResourceSubscription
        )
    }) else {
        return Ok(None);
    };
    if req.op != Operation::Delete {
        return Err(CseError::not_allowed(format!(
            "{} is not allowed on '{}/{SELF_REFERENCE}' (notificationTargetSelfReference): a notification target DELETEs it to be removed",
            req.op.name(),
            sub.path
        )));
    }
    let originator = who.originator.clone().unwrap_or_default();
    let entries = entries_of(tx, &sub, &originator);
    if entries.is_empty() {
        return Err(CseError::new(
            ResponseStatusCode::OriginatorHasNoPrivilege,
            format!(
                "originator '{originator}' is not a notification target of '{}', so it cannot ask to be removed",
                sub.path
            ),
        ));
    }
    let (action, policy) = action_for(tx, &sub, &entries)?;
    match action {
        ACCEPT => remove(tx, sub, &entries, None)?,
        INFORM => remove(tx, sub, &entries, Some(&originator))?,
        REJECT => {
            return Err(CseError::not_allowed(format!(
                "the notificationTargetPolicy {policy} of '{}' rejects removing its notification targets",
                sub.path
            )));
        }
        SEEK_AUTHORIZATION => {
            return Err(CseError::new(
                ResponseStatusCode::NotImplemented,
                format!(
                    "the notificationTargetPolicy {policy} seeks the subscription creator's authorization (acn 3): onecse does not send that request and await its answer inside a removal request"
                ),
            ));
        }
        other => {
            return Err(CseError::internal(format!(
                "notificationTargetPolicy {policy} has the unknown action {other}"
            )));
        }
    }
    Ok(Some(Response::new(ResponseStatusCode::Deleted, None)))
}

/// The `nu` entries that name `originator`: the ID itself or an SP-relative or
/// absolute form of it ending in it.
fn entries_of(tx: &Txn<'_>, sub: &Resource, originator: &str) -> Vec<String> {
    if originator.is_empty() {
        return Vec::new();
    }
    let sp_relative = format!("{}/{originator}", tx.cse.cse_id);
    string_items(&sub.attrs, "nu")
        .into_iter()
        .filter(|e| e == originator || *e == sp_relative || e.ends_with(&format!("/{sp_relative}")))
        .collect()
}

/// The action that applies to `entries` and which policy said so (for messages).
fn action_for(tx: &mut Txn<'_>, sub: &Resource, entries: &[String]) -> CseResult<(i64, String)> {
    let refs = resource_table::children_of_type(
        tx.conn,
        &sub.ri,
        ResourceType::NotificationTargetMgmtPolicyRef,
        &tx.now_text,
    )?;
    for row in refs {
        let reference = Resource::from_row(row)?;
        let listed = string_items(&reference.attrs, "ntu");
        if !entries.iter().any(|e| listed.contains(e)) {
            continue;
        }
        if let Some(npi) = reference.attrs.get("npi").and_then(Value::as_str)
            && let Some(policy) = policy_named(tx, npi)?
        {
            return decided(tx, &policy);
        }
    }
    let creator = sub
        .attrs
        .get("cr")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| sub.owner.clone());
    let base = tx.cse.cse_ri.clone();
    let policies = resource_table::children_of_type(
        tx.conn,
        &base,
        ResourceType::NotificationTargetPolicy,
        &tx.now_text,
    )?;
    for row in policies {
        let policy = Resource::from_row(row)?;
        let labelled = policy.attrs.get("plbl").and_then(Value::as_str) == Some(DEFAULT_LABEL);
        let by_creator = creator.is_some() && policy.owner == creator;
        if labelled && by_creator {
            return decided(tx, &policy);
        }
    }
    Ok((ACCEPT, "(the system default: accept)".into()))
}

/// The chosen policy's action while its `<policyDeletionRules>` hold; reject
/// otherwise (TS-0001 §10.2.10.9: the action applies when the rules are met).
fn decided(tx: &mut Txn<'_>, policy: &Resource) -> CseResult<(i64, String)> {
    if pdr::policy_rules_hold(tx, policy)? {
        Ok((acn(policy), policy.ri.clone()))
    } else {
        Ok((
            REJECT,
            format!("{} (its policyDeletionRules do not hold now)", policy.ri),
        ))
    }
}

fn acn(policy: &Resource) -> i64 {
    policy
        .attrs
        .get("acn")
        .and_then(Value::as_i64)
        .unwrap_or(ACCEPT)
}

/// Removes `entries` from `nu` (the subscription is deleted when none is left, with
/// its deletion notification); with `inform`, the subscription's creator is told
/// which target left (`ntt`, `tra` true).
fn remove(
    tx: &mut Txn<'_>,
    mut sub: Resource,
    entries: &[String],
    inform: Option<&str>,
) -> CseResult<()> {
    let left: Vec<String> = string_items(&sub.attrs, "nu")
        .into_iter()
        .filter(|e| !entries.contains(e))
        .collect();
    if let Some(target) = inform {
        let creator = sub
            .attrs
            .get("cr")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| sub.owner.clone());
        if let Some(creator) = creator {
            let mut sgn = Map::new();
            sgn.insert("sur".into(), json!(matcher::reference(tx, &sub)));
            sgn.insert("ntt".into(), json!(target));
            sgn.insert("tra".into(), json!(true));
            matcher::notice(tx, &sub, &creator, &json!({ "m2m:sgn": sgn }))?;
        }
    }
    if left.is_empty() {
        removal::remove(tx, &sub, Cause::Request)?;
        return Ok(());
    }
    sub.attrs.insert("nu".into(), json!(left));
    stats::follow_targets(&mut sub.attrs);
    resource_table::update(tx.conn, &sub.to_row())?;
    Ok(())
}
