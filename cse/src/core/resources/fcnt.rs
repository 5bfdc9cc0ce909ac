//! `<flexContainer>` rules (TS-0004 §7.4.37, TS-0023): the request's root key picks
//! the specialization whose attribute table applies (`m2m:fcnt` is the generic form,
//! open to any custom attribute), `cnd` must name the same definition, `cs` is the
//! size of the custom attributes and `st` counts their changes. With `mni`/`mbs`/`mia`
//! set, every CREATE and every UPDATE that changes a custom attribute keeps a
//! flexContainerInstance (R4), counted and evicted like a container's instances.

use onecse_models::ResourceType;
use onecse_models::resource::Extension;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::fcnt::{GENERIC_ROOT, custom_attributes, custom_size};
use onecse_models::resource::fcnt_specs::{self, Specialization};
use serde_json::{Map, Value, json};

use crate::core::ids::new_resource_id;
use crate::core::notification::{Event, matcher, watch};
use crate::core::operations::create::MAX_PATH_BYTES;
use crate::core::operations::expiration_time;
use crate::core::record::Resource;
use crate::core::resources::{InstancePolicy, ResourceKind, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The flexContainer kind.
pub struct FlexContainer;

static INSTANCES: InstancePolicy = InstancePolicy {
    instance_type: ResourceType::FlexContainerInstance,
};

/// The limits whose presence switches the instance history on.
const LIMITS: [&str; 3] = ["mni", "mbs", "mia"];

impl ResourceKind for FlexContainer {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::fcnt::SPEC
    }

    fn extension(
        &self,
        root: &str,
        attrs: &Map<String, Value>,
        stored: Option<&Resource>,
    ) -> CseResult<Extension> {
        if let Some(stored) = stored {
            let expected = stored.root_key();
            if root != expected {
                return Err(CseError::bad_request(format!(
                    "flexContainer '{}' is a '{expected}': UPDATE content must use that root, not '{root}'",
                    stored.path
                )));
            }
            return Ok(extension_of(specialization(&stored.attrs)));
        }
        let cnd = attrs.get("cnd").and_then(Value::as_str);
        if root == GENERIC_ROOT {
            // A generic root naming a known definition gets that definition's checks.
            return Ok(extension_of(cnd.and_then(fcnt_specs::by_definition)));
        }
        let spec = fcnt_specs::by_root(root).ok_or_else(|| {
            CseError::bad_request(format!(
                "'{root}' is not a flexContainer specialization this CSE knows; use '{GENERIC_ROOT}' for a flexContainer of any definition"
            ))
        })?;
        if let Some(cnd) = cnd
            && cnd != spec.definition
        {
            return Err(CseError::bad_request(format!(
                "containerDefinition '{cnd}' does not match '{root}', whose definition is '{}'",
                spec.definition
            )));
        }
        Ok(Extension::of(spec.attributes))
    }

    fn root_key(&self, attrs: &Map<String, Value>) -> String {
        specialization(attrs)
            .map_or(GENERIC_ROOT, |spec| spec.root)
            .to_owned()
    }

    fn instances(&self) -> Option<&'static InstancePolicy> {
        Some(&INSTANCES)
    }

    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        // With a history, counting the first instance (after the insert) raises `st`
        // by one, so the resource is stored one below its starting 0.
        let st = if keeps_history(&resource.attrs) {
            -1
        } else {
            0
        };
        resource.attrs.insert("st".into(), json!(st));
        resource
            .attrs
            .insert("cs".into(), json!(custom_size(&resource.attrs)));
        instances::start_counters(&mut resource.attrs);
        Ok(())
    }

    fn after_create(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        if keeps_history(&resource.attrs) {
            keep_instance(tx, resource)?;
        }
        Ok(())
    }

    fn update_raises_state_tag(&self, before: &Resource, resource: &Resource) -> bool {
        // With a history, counting the new instance raises it instead.
        custom_changed(before, resource) && !keeps_history(&resource.attrs)
    }

    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        resource
            .attrs
            .insert("cs".into(), json!(custom_size(&resource.attrs)));
        Ok(())
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if custom_changed(before, resource) && keeps_history(&resource.attrs) {
            keep_instance(tx, resource)?;
        }
        if LIMITS.iter().any(|name| request.contains_key(*name)) {
            instances::apply_changed_limits(tx, resource, request)?;
        }
        Ok(())
    }
}

/// The specialization a stored or requested `cnd` names, if onecse knows it.
fn specialization(attrs: &Map<String, Value>) -> Option<&'static Specialization> {
    attrs
        .get("cnd")
        .and_then(Value::as_str)
        .and_then(fcnt_specs::by_definition)
}

/// A known specialization's table, or the open extension of the generic form.
fn extension_of(spec: Option<&'static Specialization>) -> Extension {
    spec.map_or(
        Extension {
            attributes: &[],
            open: true,
        },
        |spec| Extension::of(spec.attributes),
    )
}

fn keeps_history(attrs: &Map<String, Value>) -> bool {
    LIMITS.iter().any(|name| attrs.contains_key(*name))
}

fn custom_changed(before: &Resource, after: &Resource) -> bool {
    custom_attributes(&before.attrs) != custom_attributes(&after.attrs)
}

/// Stores a flexContainerInstance holding `parent`'s custom attributes as they are
/// now, counted (and older ones evicted) through [`instances`]; `parent`'s `st`,
/// `cni` and `cbs` follow. Its parent's subscriptions hear of it as a new child.
fn keep_instance(tx: &mut Txn<'_>, parent: &mut Resource) -> CseResult<()> {
    let ty = ResourceType::FlexContainerInstance;
    let ri = new_resource_id(ty);
    let path = format!("{}/{ri}", parent.path);
    if path.len() > MAX_PATH_BYTES {
        return Err(CseError::bad_request(format!(
            "flexContainer '{}' is nested too deep to keep instances (address over {MAX_PATH_BYTES} bytes)",
            parent.path
        )));
    }
    let et =
        expiration_time::for_create(None, parent, tx.now, tx.cse.limits.max_expiration_delta_s)?;
    let mut attrs = custom_attributes(&parent.attrs);
    attrs.insert("ty".into(), json!(ty.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(ri));
    attrs.insert("pi".into(), json!(parent.ri));
    attrs.insert("ct".into(), json!(tx.now_text));
    attrs.insert("lt".into(), json!(tx.now_text));
    attrs.insert("et".into(), json!(et.to_string()));
    if let Some(cnd) = parent.attrs.get("cnd") {
        attrs.insert("cnd".into(), cnd.clone());
    }
    let mut instance = Resource {
        ty,
        rn: ri.clone(),
        ri,
        pi: Some(parent.ri.clone()),
        path,
        attrs,
        owner: parent.owner.clone(),
        policy_docs: None,
        due: None,
        watch: 0,
    };
    let counted = instances::insert_new(tx, parent, &mut instance)?;
    let counters = instances::enforce_limits(tx, parent, counted)?;
    parent.attrs.insert("st".into(), json!(counters.st));
    parent.attrs.insert("cni".into(), json!(counters.cni));
    parent.attrs.insert("cbs".into(), json!(counters.cbs));
    if counted.watch & watch::SUBSCRIBED == 0 {
        return Ok(());
    }
    matcher::raise(
        tx,
        &Event::ChildCreated {
            child: &instance,
            parent,
        },
    )
}
