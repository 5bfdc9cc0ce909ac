//! CREATE (TS-0004 §7.3.3.2 generic procedure): child type and content checks, the
//! attributes every resource gets, the type's own hook, instance accounting when the
//! parent keeps instances of this type, one insert, and the parent's subscriptions.

use onecse_models::id::validate_resource_name;
use onecse_models::primitive::{Request, Response};
use onecse_models::resource::check_extended;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Value, json};

use crate::core::announcement;
use crate::core::ids::new_resource_id;
use crate::core::notification::{Event, matcher, watch};
use crate::core::operations::{body, expiration_time, policy_ids, result};
use crate::core::record::Resource;
use crate::core::resources::{check_child_allowed, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::{labels, locations, policy_links, resource_table};

/// Longest structured address: keeps the path index within PostgreSQL's B-tree row
/// limit whatever the nesting.
pub const MAX_PATH_BYTES: usize = 1024;

/// Creates the resource of type `ty` described by `req` under `parent`.
pub fn create(
    tx: &mut Txn<'_>,
    req: &Request,
    ty: ResourceType,
    parent: Resource,
    assigned_ri: Option<&str>,
) -> CseResult<Response> {
    let kind = check_child_allowed(parent.kind(), ty)?;
    let (request_attrs, extension) = body::request_attributes(req, kind, None)?;
    check_extended(ty, extension, Operation::Create, &request_attrs)?;
    kind.check_values(&request_attrs, req.rvi)?;

    let chosen = kind.choose_id(tx, req, &request_attrs)?;
    let generated = chosen.is_none();
    let ri =
        chosen.unwrap_or_else(|| assigned_ri.map_or_else(|| new_resource_id(ty), str::to_owned));
    let rn = match request_attrs.get("rn").and_then(Value::as_str) {
        Some(rn) => {
            validate_resource_name(rn)?;
            if instances::reserved_child_name(parent.kind(), rn) {
                return Err(CseError::bad_request(format!(
                    "'{rn}' is reserved for a {}'s virtual resource and cannot name a child",
                    parent.ty.long_name()
                )));
            }
            if resource_table::child_name_taken(tx.conn, &parent.ri, rn)? {
                return Err(CseError::new(
                    ResponseStatusCode::Conflict,
                    format!("'{}' already has a child named '{rn}'", parent.path),
                ));
            }
            rn.to_owned()
        }
        // A generated resourceID is unique in the CSE, so as a name it cannot clash;
        // one the type chose (an AE-ID) may already be a sibling's name.
        None if !generated && resource_table::child_name_taken(tx.conn, &parent.ri, &ri)? => {
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
    let et = expiration_time::for_create(
        request_attrs.get("et"),
        &parent,
        tx.now,
        tx.cse.limits.max_expiration_delta_s,
    )?;

    let mut attrs = request_attrs.clone();
    policy_ids::check_policy_ids(tx, &mut attrs)?;
    announcement::check::check(tx, ty, extension, &mut attrs, None, Some(&parent))?;
    attrs.insert("ty".into(), json!(ty.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(rn));
    attrs.insert("pi".into(), json!(parent.ri));
    attrs.insert("ct".into(), json!(tx.now_text));
    attrs.insert("lt".into(), json!(tx.now_text));
    attrs.insert("et".into(), json!(et.to_string()));
    if let Some(cr) = kind.creator(&request_attrs, req.from.as_deref()) {
        attrs.insert("cr".into(), json!(cr));
    }
    // The creator of a registration is the AE it registers.
    let owner = if kind.registers_originator() {
        Some(ri.clone())
    } else {
        req.from.clone()
    };
    let mut resource = Resource {
        ty,
        path,
        ri,
        pi: Some(parent.ri.clone()),
        rn,
        attrs,
        owner,
        policy_docs: None,
        due: None,
        watch: 0,
    };
    kind.on_create(tx, &parent, &mut resource)?;
    let keeps_it = parent
        .kind()
        .instances()
        .is_some_and(|policy| policy.instance_type == ty);
    let counters = if keeps_it {
        Some(instances::insert_new(tx, &parent, &mut resource)?)
    } else {
        resource_table::insert(tx.conn, &resource.to_row())
            .map_err(|err| resource.insert_refused(err))?;
        None
    };
    if !kind.has_state_tag() {
        // Stored only to order instances (its column); not an attribute of this type.
        resource.attrs.remove("st");
    }
    labels::insert(tx.conn, &resource.ri, &resource.labels())?;
    if resource.attrs.contains_key("loc") {
        locations::replace(tx.conn, &resource.ri, resource.location_box())?;
    }
    if resource.attrs.contains_key("acpi") {
        policy_links::replace(tx.conn, &resource.ri, &resource.policy_ids())?;
    }
    if let Some(counters) = counters {
        instances::enforce_limits(tx, &parent, counters)?;
    }
    kind.after_create(tx, &mut resource)?;
    announcement::queue::after_create(tx, &resource)?;
    // An instance learns from its counting statement, under the parent's row lock,
    // whether anything subscribes to the parent; other creates look.
    if counters.is_none_or(|c| c.watch & watch::SUBSCRIBED != 0) {
        matcher::raise(
            tx,
            &Event::ChildCreated {
                child: &resource,
                parent: &parent,
            },
        )?;
    }

    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    let content = result::after_write(rcn, &resource, &request_attrs)?;
    Ok(Response {
        rsc: ResponseStatusCode::Created,
        content,
        created_location: Some(resource.path),
        partial: None,
        resource_type: None,
    })
}
