//! `<flexContainer>` rules (TS-0004 §7.4.37, TS-0023): the request's root key picks
//! the specialization whose attribute table applies (`m2m:fcnt` is the generic form,
//! open to any custom attribute), `cnd` must name the same definition, `cs` is the
//! size of the custom attributes and `st` counts their changes. With `fcied`
//! (fcinEnabled, R4) true, the CREATE and every UPDATE that changes a custom attribute
//! keep a flexContainerInstance, counted and evicted under `mni`/`mbs`/`mia` like a
//! container's instances; `fcied` false keeps only the latest one, and removing it
//! removes the history with its limits (see [`history_rules`]).

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
        let cs = custom_size(&resource.attrs);
        history_rules::check(&resource.attrs, None, cs)?;
        // With a history, counting the first instance (after the insert) raises `st`
        // by one, so the resource is stored one below its starting 0.
        let st = if snapshots_on_create(&resource.attrs) {
            -1
        } else {
            0
        };
        resource.attrs.insert("st".into(), json!(st));
        resource.attrs.insert("cs".into(), json!(cs));
        if resource.attrs.contains_key("fcied") {
            instances::start_counters(&mut resource.attrs);
        }
        Ok(())
    }

    fn after_create(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        if snapshots_on_create(&resource.attrs) {
            keep_instance(tx, resource)?;
        }
        Ok(())
    }

    fn update_raises_state_tag(&self, before: &Resource, resource: &Resource) -> bool {
        // With a history, counting the new instance raises it instead.
        custom_changed(before, resource) && fcied(&resource.attrs) != Some(true)
    }

    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let cs = custom_size(&resource.attrs);
        history_rules::check(&resource.attrs, Some(&before.attrs), cs)?;
        resource.attrs.insert("cs".into(), json!(cs));
        if !resource.attrs.contains_key("fcied") && before.attrs.contains_key("fcied") {
            // fcied removed: the history goes with its limits and counters.
            for name in LIMITS.iter().chain(&["cni", "cbs"]) {
                resource.attrs.remove(*name);
            }
        }
        Ok(())
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        let was = fcied(&before.attrs);
        let now = fcied(&resource.attrs);
        match now {
            None if was.is_some() => instances::remove_all(tx, resource)?,
            Some(false) if was != Some(false) => {
                // Disabled: only the latest snapshot stays (one is taken if there
                // was no history yet).
                if was.is_none() {
                    instances::start_counters(&mut resource.attrs);
                    keep_instance(tx, resource)?;
                }
                keep_latest_only(tx, resource)?;
            }
            Some(true) if was != Some(true) || custom_changed(before, resource) => {
                if was.is_none() {
                    instances::start_counters(&mut resource.attrs);
                }
                keep_instance(tx, resource)?;
            }
            _ => {}
        }
        if now.is_some() && LIMITS.iter().any(|name| request.contains_key(*name)) {
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

/// `fcied` as stored: `None` when the flexContainer keeps no history at all.
fn fcied(attrs: &Map<String, Value>) -> Option<bool> {
    attrs.get("fcied").and_then(Value::as_bool)
}

/// A new flexContainer with `fcied` (true or false) starts its history with a
/// snapshot of its creation.
fn snapshots_on_create(attrs: &Map<String, Value>) -> bool {
    fcied(attrs).is_some()
}

/// Removes every instance but the newest (fcied set to false).
fn keep_latest_only(tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
    let mut one = resource.clone();
    one.attrs.insert("mni".into(), json!(1));
    one.attrs.remove("mbs");
    instances::apply_changed_limits(tx, &mut one, &Map::new())?;
    for name in ["cni", "cbs"] {
        if let Some(value) = one.attrs.get(name) {
            resource.attrs.insert(name.into(), value.clone());
        }
    }
    Ok(())
}

/// The rules tying `mni`/`mbs`/`mia` to `fcied` (TS-0004 R4 §7.4.37; ACME the same).
mod history_rules {
    use serde_json::{Map, Value};

    use super::LIMITS;
    use crate::error::{CseError, CseResult};

    /// Checks a flexContainer as a CREATE (`before` none) or UPDATE leaves it: limits
    /// only with `fcied`, and an `mbs` a snapshot of the custom attributes (`cs`
    /// bytes) fits in.
    pub(super) fn check(
        attrs: &Map<String, Value>,
        before: Option<&Map<String, Value>>,
        cs: i64,
    ) -> CseResult<()> {
        let changed = |name: &str| before.is_none_or(|b| b.get(name) != attrs.get(name));
        if !attrs.contains_key("fcied") {
            // A stored limit from before fcied existed is left alone; a new one is not.
            if let Some(name) = LIMITS
                .iter()
                .find(|n| attrs.contains_key(**n) && changed(n))
            {
                return Err(CseError::bad_request(format!(
                    "{name} limits the flexContainerInstance history and needs fcied (fcinEnabled) set"
                )));
            }
            return Ok(());
        }
        if let Some(mbs) = attrs.get("mbs").and_then(Value::as_i64)
            && mbs < cs
            && changed("mbs")
        {
            return Err(CseError::bad_request(format!(
                "mbs ({mbs} bytes) must be at least the size of the custom attributes ({cs} bytes)"
            )));
        }
        Ok(())
    }
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
