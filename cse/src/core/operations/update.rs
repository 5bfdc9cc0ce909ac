//! UPDATE (TS-0004 §7.3.3.x): only attributes the type's policy lets a client change;
//! `null` deletes an optional attribute; `lt` (and `st` where kept) advance.

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::{check_attributes, content_for_type};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::json;

use crate::core::addressing::{self, Address};
use crate::core::operations::{expiration, result};
use crate::core::resource::Resource;
use crate::core::resources::{ae, check_updatable, cnt, has_state_tag};
use crate::error::{CseError, CseResult};
use crate::store::{DbConn, labels, resources};

/// Updates the resource at `address` with the request content.
pub fn update(
    conn: &mut DbConn,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Response> {
    let now_text = now.to_string();
    let mut resource = addressing::load(conn, address, &now_text)?;
    check_updatable(resource.ty)?;
    let content = req.content.clone().ok_or_else(|| {
        CseError::bad_request(format!(
            "UPDATE needs a body with '{}'",
            resource.ty.root_key()
        ))
    })?;
    let request_attrs = content_for_type(content, resource.ty)?;
    check_attributes(resource.ty, Operation::Update, &request_attrs)?;
    if resource.ty == ResourceType::Ae {
        ae::check_values(&request_attrs, req.rvi)?;
    }
    let disr_before = cnt::retrieval_disabled(&resource);

    for (name, value) in &request_attrs {
        if value.is_null() {
            resource.attrs.remove(name);
        } else {
            resource.attrs.insert(name.clone(), value.clone());
        }
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
        cnt::after_update(conn, &mut resource, &request_attrs, disr_before, now)?;
    }

    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    let content = result::after_write(rcn, &resource, &request_attrs)?;
    Ok(Response::new(ResponseStatusCode::Updated, content))
}
