//! CREATE (TS-0004 §7.3.3.2 generic procedure): parent checks, content checks, the
//! attributes every resource gets, the type's own hook, and one insert.

use onecse_models::id::validate_resource_name;
use onecse_models::primitive::{Request, Response};
use onecse_models::resource::{check_attributes, content_for_type};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Address};
use crate::core::ids::new_resource_id;
use crate::core::operations::{expiration, result};
use crate::core::resource::Resource;
use crate::core::resources::{self, ae, check_child_allowed, cnt, sub};
use crate::error::{CseError, CseResult};
use crate::notify::matcher::{self, Event};
use crate::store::{self, DbConn, labels};

/// Longest structured address: keeps the path index within PostgreSQL's B-tree row
/// limit whatever the nesting.
pub const MAX_PATH_BYTES: usize = 1024;

/// Creates the resource described by `req` under the resource at `address`.
pub fn create(
    conn: &mut DbConn,
    cse: &Cse,
    req: &Request,
    address: &Address,
    assigned_ri: Option<&str>,
    now: Timestamp,
) -> CseResult<Response> {
    let ty = req.ty.ok_or_else(|| {
        CseError::bad_request("CREATE needs the resource type in the Content-Type header (e.g. application/json;ty=2)")
    })?;
    let parent = addressing::load(conn, address, &now.to_string())?;
    check_child_allowed(parent.ty, ty)?;
    if ty == ResourceType::Subscription {
        sub::check_subscriber_may_retrieve(&parent, req.from.as_deref())?;
    }
    let content = req.content.clone().ok_or_else(|| {
        CseError::bad_request(format!("CREATE needs a body with '{}'", ty.root_key()))
    })?;
    let request_attrs = content_for_type(content, ty)?;
    check_attributes(ty, Operation::Create, &request_attrs)?;

    let ri = match ty {
        ResourceType::Ae => ae::register(conn, cse, req.from.as_deref(), req.rvi, &request_attrs)?,
        _ => assigned_ri.map_or_else(|| new_resource_id(ty), str::to_owned),
    };
    let rn = match request_attrs.get("rn").and_then(Value::as_str) {
        Some(rn) => {
            validate_resource_name(rn)?;
            if parent.ty == ResourceType::Container && cnt::reserved_child_name(rn) {
                return Err(CseError::bad_request(format!(
                    "'{rn}' is reserved for a container's virtual resource and cannot name a child"
                )));
            }
            if store::resources::child_name_taken(conn, &parent.ri, rn)? {
                return Err(CseError::new(
                    ResponseStatusCode::Conflict,
                    format!("'{}' already has a child named '{rn}'", parent.path),
                ));
            }
            rn.to_owned()
        }
        // A generated resourceID is unique in the CSE, so as a name it cannot clash;
        // an AE's resourceID is its AE-ID, which a sibling may already use as a name.
        None if ty == ResourceType::Ae
            && store::resources::child_name_taken(conn, &parent.ri, &ri)? =>
        {
            new_resource_id(ty)
        }
        None => ri.clone(),
    };
    let path = format!("{}/{rn}", parent.path);
    if path.len() > MAX_PATH_BYTES {
        return Err(CseError::bad_request(format!(
            "the resource's structured address would be longer than {MAX_PATH_BYTES} bytes"
        )));
    }
    let et = expiration::for_create(request_attrs.get("et"), &parent, now)?;

    let mut attrs = request_attrs.clone();
    let now_text = now.to_string();
    attrs.insert("ty".into(), json!(ty.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(rn));
    attrs.insert("pi".into(), json!(parent.ri));
    attrs.insert("ct".into(), json!(now_text));
    attrs.insert("lt".into(), json!(now_text));
    attrs.insert("et".into(), json!(et.to_string()));
    let creator = if ty == ResourceType::Subscription {
        sub::creator(&request_attrs, req.from.as_deref())
    } else {
        request_attrs
            .contains_key("cr")
            .then(|| req.from.clone().unwrap_or_default())
    };
    if let Some(cr) = creator {
        attrs.insert("cr".into(), json!(cr));
    }
    if ty == ResourceType::Ae {
        attrs.insert("aei".into(), json!(ri));
    }

    let mut resource = Resource {
        ty,
        path,
        ri,
        pi: Some(parent.ri.clone()),
        rn,
        attrs,
    };
    let counters = resources::before_insert(conn, &parent, &mut resource, now)?;
    store::resources::insert(conn, &resource.to_row())?;
    labels::insert(conn, &resource.ri, &resource.labels())?;
    resources::after_insert(conn, &parent, counters)?;
    matcher::raise(conn, cse, &Event::ChildCreated { child: &resource }, now)?;

    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    let content = result::after_write(rcn, &resource, &request_attrs)?;
    Ok(Response {
        rsc: ResponseStatusCode::Created,
        content,
        created_location: Some(resource.path),
        partial: None,
    })
}
