//! `<locationPolicy>` rules (TS-0001 §9.6.10 and §10.2.9, TS-0004 §7.4.9): a
//! device-based policy gets the `<container>` its device writes its positions to,
//! created beside the policy (named `lon` if given) with `li` pointing back at the
//! policy, and `loi` naming it; the container goes when the policy goes. Sources that
//! need a location server, and geofence events, are refused with 5001
//! ([`onecse_models::resource::lcp::check_source`]).

use onecse_models::id::validate_resource_name;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::lcp::check_source;
use onecse_models::{ReleaseVersion, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::ids::new_resource_id;
use crate::core::notification::{Event, matcher};
use crate::core::operations::create::MAX_PATH_BYTES;
use crate::core::record::Resource;
use crate::core::removal::{self, Cause};
use crate::core::resources::{ResourceKind, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::{policy_links, resource_table};

/// The locationPolicy kind.
pub struct LocationPolicy;

impl ResourceKind for LocationPolicy {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::lcp::SPEC
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        // `los` is given once; an UPDATE names no source and is checked as merged.
        if attrs.contains_key("los") {
            check_source(attrs)?;
        }
        Ok(())
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let container = location_container(tx, parent, resource)?;
        resource.attrs.insert("loi".into(), json!(container.ri));
        matcher::raise(
            tx,
            &Event::ChildCreated {
                child: &container,
                parent,
            },
        )
    }

    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_source(&resource.attrs)?;
        Ok(())
    }

    /// The positions go with the policy (TS-0001 §10.2.9.4).
    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        let Some(loi) = resource.attrs.get("loi").and_then(Value::as_str) else {
            return Ok(());
        };
        let Some(row) = resource_table::find_by_ri(tx.conn, loi, &tx.now_text)? else {
            return Ok(());
        };
        let container = Resource::from_row(row)?;
        removal::remove(tx, &container, Cause::Request).map(|_| ())
    }
}

/// Stores the `<container>` of a device-based policy under the policy's parent: named
/// `lon` (4105 if a sibling has that name) or after its resourceID, owned and
/// governed like the policy, expiring with it, its `li` naming the policy.
fn location_container(
    tx: &mut Txn<'_>,
    parent: &Resource,
    policy: &Resource,
) -> CseResult<Resource> {
    let ty = ResourceType::Container;
    let ri = new_resource_id(ty);
    let rn = match policy.attrs.get("lon").and_then(Value::as_str) {
        Some(lon) => {
            validate_resource_name(lon)?;
            if lon == policy.rn || resource_table::child_name_taken(tx.conn, &parent.ri, lon)? {
                return Err(CseError::new(
                    ResponseStatusCode::Conflict,
                    format!(
                        "'{}' already has a child named '{lon}' (lon, the location container's name)",
                        parent.path
                    ),
                ));
            }
            lon.to_owned()
        }
        None => ri.clone(),
    };
    let path = format!("{}/{rn}", parent.path);
    if path.len() > MAX_PATH_BYTES {
        return Err(CseError::bad_request(format!(
            "the location container's address would be longer than {MAX_PATH_BYTES} bytes"
        )));
    }
    let mut attrs = Map::new();
    attrs.insert("ty".into(), json!(ty.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(rn));
    attrs.insert("pi".into(), json!(parent.ri));
    attrs.insert("ct".into(), json!(tx.now_text));
    attrs.insert("lt".into(), json!(tx.now_text));
    for copied in ["et", "acpi", "cstn"] {
        if let Some(value) = policy.attrs.get(copied) {
            attrs.insert(copied.into(), value.clone());
        }
    }
    attrs.insert("st".into(), json!(0));
    instances::start_counters(&mut attrs);
    attrs.insert("li".into(), json!(policy.ri));
    let container = Resource {
        ty,
        ri,
        pi: Some(parent.ri.clone()),
        rn,
        path,
        attrs,
        owner: policy.owner.clone(),
        policy_docs: None,
        due: None,
        watch: 0,
    };
    resource_table::insert(tx.conn, &container.to_row())
        .map_err(|err| container.insert_refused(err))?;
    if container.attrs.contains_key("acpi") {
        policy_links::replace(tx.conn, &container.ri, &container.policy_ids())?;
    }
    Ok(container)
}
