//! `<container>` rules (TS-0004 §7.4.6): it keeps contentInstances under
//! `mni`/`mbs`/`mia` (see [`super::instances`]), starts with zero counters, and
//! `disr` hides its instances; switching `disr` off removes them.

use onecse_models::ResourceType;
use onecse_models::resource::TypeSpec;
use serde_json::{Map, Value, json};

use crate::core::record::Resource;
use crate::core::resources::{InstancePolicy, ResourceKind, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The container kind.
pub struct Container;

static INSTANCES: InstancePolicy = InstancePolicy {
    instance_type: ResourceType::ContentInstance,
};

impl ResourceKind for Container {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::cnt::SPEC
    }

    fn instances(&self) -> Option<&'static InstancePolicy> {
        Some(&INSTANCES)
    }

    fn check_instances_accessible(&self, container: &Resource) -> CseResult<()> {
        if retrieval_disabled(container) {
            return Err(CseError::not_allowed(format!(
                "container '{}' has disableRetrieval set: its instances cannot be retrieved or deleted",
                container.path
            )));
        }
        Ok(())
    }

    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        resource.attrs.insert("st".into(), json!(0));
        instances::start_counters(&mut resource.attrs);
        Ok(())
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        // `false` or `null` (back to the default, false) switches retrieval on again,
        // and the instances kept while it was off go.
        let disr_now = request.get("disr").map(|v| v.as_bool() == Some(true));
        if retrieval_disabled(before) && disr_now == Some(false) {
            instances::remove_all(tx, resource)?;
        }
        instances::apply_changed_limits(tx, resource, request)
    }
}

/// True when retrieval and deletion of instances is disabled (`disr`).
fn retrieval_disabled(container: &Resource) -> bool {
    container.attrs.get("disr").and_then(Value::as_bool) == Some(true)
}
