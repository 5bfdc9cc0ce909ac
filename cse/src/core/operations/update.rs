//! UPDATE (TS-0004 §7.3.3.x): only attributes the type's policy lets a client change;
//! `null` deletes an optional attribute; `lt` (and `st` where kept) advance; the
//! resource's subscriptions hear of it (net 1).

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::acp::ACCESS_ATTRIBUTES;
use onecse_models::resource::check_extended;
use onecse_models::{Operation, ResponseStatusCode, ResultContent};
use serde_json::{Map, Value, json};

use crate::core::addressing::Target;
use crate::core::announcement;
use crate::core::notification::{Event, matcher};
use crate::core::operations::{body, expiration_time, policy_ids, result};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::{labels, locations, policy_links, resource_table};

/// Updates the target (loaded and locked by dispatch) with the request content.
pub fn update(tx: &mut Txn<'_>, req: &Request, target: Target) -> CseResult<Response> {
    let Target {
        resource: before,
        parent,
        ..
    } = target;
    let kind = before.kind();
    let (mut request_attrs, extension) = body::request_attributes(req, kind, Some(&before))?;
    check_extended(before.ty, extension, Operation::Update, &request_attrs)?;
    if let Some(name) = ACCESS_ATTRIBUTES
        .iter()
        .find(|name| request_attrs.contains_key(**name))
        && request_attrs.len() > 1
    {
        return Err(CseError::bad_request(format!(
            "{name} must be the only attribute of an UPDATE that changes it"
        )));
    }
    policy_ids::check_policy_ids(tx, &mut request_attrs)?;
    announcement::check::check(
        tx,
        before.ty,
        extension,
        &mut request_attrs,
        Some(&before),
        None,
    )?;
    kind.check_values(&request_attrs, req.rvi)?;
    let mut resource = before.clone();

    for (name, value) in &request_attrs {
        if value.is_null() {
            resource.attrs.remove(name);
        } else {
            resource.attrs.insert(name.clone(), value.clone());
        }
    }
    kind.on_update(tx, &before, &mut resource)?;
    if let Some(requested) = request_attrs.get("et") {
        let et = expiration_time::for_update(
            requested,
            parent.as_ref(),
            tx.now,
            tx.cse.limits.max_expiration_delta_s,
        )?
        .to_string();
        if resource_table::child_expires_after(tx.conn, &resource.ri, &et)? {
            return Err(CseError::bad_request(format!(
                "expirationTime {et} is earlier than the expirationTime of a child resource"
            )));
        }
        resource.attrs.insert("et".into(), json!(et));
    }
    resource.attrs.insert("lt".into(), json!(tx.now_text));
    if kind.has_state_tag() && kind.update_raises_state_tag(&before, &resource) {
        let st = resource_table::bump_state_tag(tx.conn, &resource.ri)?;
        resource.attrs.insert("st".into(), json!(st));
    }
    resource_table::update(tx.conn, &resource.to_row())?;
    if request_attrs.contains_key("lbl") {
        labels::replace(tx.conn, &resource.ri, &resource.labels())?;
    }
    if request_attrs.contains_key("loc") {
        locations::replace(tx.conn, &resource.ri, resource.location_box())?;
    }
    if request_attrs.contains_key("acpi") {
        policy_links::replace(tx.conn, &resource.ri, &resource.policy_ids())?;
    }
    kind.after_update(tx, &before, &mut resource, &request_attrs)?;
    announcement::queue::after_update(tx, &before, &resource)?;
    let changed = changed_attributes(&before.attrs, &resource.attrs);
    matcher::raise(
        tx,
        &Event::Updated {
            resource: &resource,
            changed: &changed,
        },
    )?;

    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    let content = match rcn {
        // Modified attributes: what changed, except values set exactly as requested.
        ResultContent::ModifiedAttributes => {
            Some(resource.wrap(result::modified_attributes(&changed, &request_attrs)))
        }
        other => result::after_write(other, &resource, &request_attrs)?,
    };
    Ok(Response::new(ResponseStatusCode::Updated, content))
}

/// Attributes whose value differs between two states; removed ones map to `null`.
fn changed_attributes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Map<String, Value> {
    let mut changed: Map<String, Value> = after
        .iter()
        .filter(|(name, value)| before.get(*name) != Some(*value))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    for name in before.keys().filter(|n| !after.contains_key(*n)) {
        changed.insert(name.clone(), Value::Null);
    }
    changed
}
