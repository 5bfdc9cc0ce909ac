//! `<mgmtObj>` rules (TS-0004 §7.4.15, Annex D): one kind for every specialization,
//! each described as data in `onecse_models::resource::mgo`. The JSON root key
//! (`m2m:fwr`) and `mgd` must name the same specialization; a node holds at most one
//! memory, reboot and eventLog object; mutually exclusive triggers are refused.
//!
//! onecse manages devices at the service layer only: trigger attributes (`ud`, `rbo`,
//! …) are stored and notified to subscribers, and the device reports progress by
//! updating the status attributes; no device-management protocol runs behind them.

use onecse_models::ReleaseVersion;
use onecse_models::ResponseStatusCode;
use onecse_models::resource::Extension;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::mgo::{self, MgmtSpecialization, SPECIALIZATIONS};
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, SiblingKey};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The mgmtObj kind.
pub struct MgmtObj;

impl ResourceKind for MgmtObj {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::mgo::SPEC
    }

    fn extension(
        &self,
        root: &str,
        attrs: &Map<String, Value>,
        stored: Option<&Resource>,
    ) -> CseResult<Extension> {
        let spec = match stored {
            Some(resource) => stored_specialization(resource)?,
            None => specialization_for_create(root, attrs)?,
        };
        let expected = spec.root();
        if root != expected {
            return Err(CseError::bad_request(format!(
                "request content root is '{root}' but the mgmtObj is a {} ('{expected}')",
                spec.name
            )));
        }
        Ok(Extension::of(spec.attributes))
    }

    fn root_key(&self, attrs: &Map<String, Value>) -> String {
        definition(attrs)
            .and_then(mgo::by_definition)
            .map_or_else(|| self.ty().root_key(), MgmtSpecialization::root)
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        // Trigger names are unique across specializations, so the request alone
        // tells which pairs apply.
        let pairs = SPECIALIZATIONS.iter().flat_map(|s| s.exclusive);
        for (a, b) in pairs {
            let on = |name: &str| attrs.get(name).and_then(Value::as_bool) == Some(true);
            if on(a) && on(b) {
                return Err(CseError::bad_request(format!(
                    "'{a}' and '{b}' cannot both be true in one request: they trigger opposite actions"
                )));
            }
        }
        Ok(())
    }

    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let spec = stored_specialization(resource)?;
        for (name, initial) in spec.initial {
            if !resource.attrs.contains_key(*name) {
                resource.attrs.insert((*name).to_owned(), initial.value());
            }
        }
        settle(spec, resource)
    }

    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        settle(stored_specialization(resource)?, resource)
    }

    fn sibling_key(&self, attrs: &Map<String, Value>) -> Option<SiblingKey> {
        let spec = definition(attrs).and_then(mgo::by_definition)?;
        spec.once_per_node.then(|| SiblingKey {
            key: format!("mgd:{}", spec.mgd),
            conflict: format!(
                "this node already has a {} mgmtObj; a node holds at most one (TS-0001 table 9.6.18-1)",
                spec.name
            ),
        })
    }
}

/// Checks the resource as a request leaves it (content rules, attributes that
/// exclude each other) and stores the fixed value of its one-shot triggers.
fn settle(spec: &MgmtSpecialization, resource: &mut Resource) -> CseResult<()> {
    if let Some(rule) = spec.check {
        rule(&resource.attrs)?;
    }
    for (a, b) in spec.alternatives {
        if resource.attrs.contains_key(*a) && resource.attrs.contains_key(*b) {
            return Err(CseError::bad_request(format!(
                "a {} holds '{a}' or '{b}', not both (remove one with null to use the other)",
                spec.name
            )));
        }
    }
    for (name, value) in spec.fixed {
        resource
            .attrs
            .insert((*name).to_owned(), Value::Bool(*value));
    }
    Ok(())
}

/// The `mgd` of a stored or requested mgmtObj.
fn definition(attrs: &Map<String, Value>) -> Option<i64> {
    attrs.get("mgd").and_then(Value::as_i64)
}

/// The specialization a CREATE names by its root key, which `mgd` must confirm.
fn specialization_for_create(
    root: &str,
    attrs: &Map<String, Value>,
) -> CseResult<&'static MgmtSpecialization> {
    let mgd = definition(attrs);
    let Some(spec) = mgo::by_root(root) else {
        if let Some(mgd) = mgd.filter(|m| mgo::is_defined(*m) && mgo::by_definition(*m).is_none()) {
            return Err(CseError::new(
                ResponseStatusCode::NotImplemented,
                format!("mgmtObj specialization mgd={mgd} is not supported by this CSE"),
            ));
        }
        return Err(CseError::bad_request(format!(
            "'{root}' is not a mgmtObj specialization this CSE hosts (expected one of {})",
            SPECIALIZATIONS
                .iter()
                .map(MgmtSpecialization::root)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    match mgd {
        Some(mgd) if mgd != spec.mgd => Err(CseError::bad_request(format!(
            "mgd {mgd} does not match the root key '{root}' ({}, mgd {})",
            spec.name, spec.mgd
        ))),
        _ => Ok(spec),
    }
}

fn stored_specialization(resource: &Resource) -> CseResult<&'static MgmtSpecialization> {
    definition(&resource.attrs)
        .and_then(mgo::by_definition)
        .ok_or_else(|| {
            CseError::internal(format!("stored mgmtObj {} has no known mgd", resource.ri))
        })
}
