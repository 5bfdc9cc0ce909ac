//! UPDATE (TS-0004 §7.3.3.x): only attributes the type's policy lets a client change;
//! `null` deletes an optional attribute; `lt` (and `st` where kept) advance; the
//! resource's subscriptions hear of it (net 1).

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::{check_attributes, content_for_type, wrap};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Address};
use crate::core::operations::{expiration, result};
use crate::core::resource::Resource;
use crate::core::resources::{ae, check_updatable, cnt, has_state_tag, sub};
use crate::error::{CseError, CseResult};
use crate::notify::matcher::{self, Event};
use crate::store::{DbConn, labels, resources};

/// Updates the resource at `address` with the request content.
pub fn update(
    conn: &mut DbConn,
    cse: &Cse,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Response> {
    let now_text = now.to_string();
    let target = addressing::load(conn, address, &now_text)?;
    check_updatable(target.ty)?;
    let content = req.content.clone().ok_or_else(|| {
        CseError::bad_request(format!(
            "UPDATE needs a body with '{}'",
            target.ty.root_key()
        ))
    })?;
    let request_attrs = content_for_type(content, target.ty)?;
    check_attributes(target.ty, Operation::Update, &request_attrs)?;
    if target.ty == ResourceType::Ae {
        ae::check_values(&request_attrs, req.rvi)?;
    }
    // Hold the row and read it again, so concurrent UPDATEs apply one after the other.
    let before = resources::lock_and_reload(conn, &target.ri)?
        .map(Resource::from_row)
        .transpose()?
        .ok_or_else(|| CseError::not_found(format!("resource '{}' does not exist", target.path)))?;
    let mut resource = before.clone();

    for (name, value) in &request_attrs {
        if value.is_null() {
            resource.attrs.remove(name);
        } else {
            resource.attrs.insert(name.clone(), value.clone());
        }
    }
    if resource.ty == ResourceType::Subscription {
        sub::check_and_complete(&mut resource.attrs)?;
    }
    if let Some(requested) = request_attrs.get("et") {
        let parent = match &resource.pi {
            Some(pi) => resources::find_by_ri(conn, pi, &now_text)?
                .map(Resource::from_row)
                .transpose()?,
            None => None,
        };
        let et = expiration::for_update(requested, parent.as_ref(), now)?.to_string();
        if resources::child_expires_after(conn, &resource.ri, &et)? {
            return Err(CseError::bad_request(format!(
                "expirationTime {et} is earlier than the expirationTime of a child resource"
            )));
        }
        resource.attrs.insert("et".into(), json!(et));
    }
    resource.attrs.insert("lt".into(), json!(now_text));
    if has_state_tag(resource.ty) {
        let st = resources::bump_state_tag(conn, &resource.ri)?;
        resource.attrs.insert("st".into(), json!(st));
    }
    resources::update(conn, &resource.to_row())?;
    if request_attrs.contains_key("lbl") {
        labels::replace(conn, &resource.ri, &resource.labels())?;
    }
    if resource.ty == ResourceType::Container {
        cnt::after_update(
            conn,
            &mut resource,
            &request_attrs,
            cnt::retrieval_disabled(&before),
            now,
        )?;
    }
    let changed = changed_attributes(&before.attrs, &resource.attrs);
    matcher::raise(
        conn,
        cse,
        &Event::Updated {
            resource: &resource,
            changed: &changed,
        },
        now,
    )?;

    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    let content = match rcn {
        // Modified attributes: what changed, except values set exactly as requested.
        ResultContent::ModifiedAttributes => Some(wrap(
            resource.ty,
            result::modified_attributes(&changed, &request_attrs),
        )),
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
