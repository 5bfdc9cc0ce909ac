//! `<dependency>` rules (TS-0001 §9.6.62, TS-0004 §7.4.62; R4): a condition (`evc`) on
//! a resource (`rri`) an action waits for; necessary, or sufficient alone (`sfc`).
//! The action's `dep` names which of its dependencies count
//! ([`crate::core::action_runs::dependencies_hold`]).

use onecse_models::ReleaseVersion;
use onecse_models::eval_criteria::EvalCriteria;
use onecse_models::resource::TypeSpec;
use serde_json::{Map, Value};

use crate::core::action_runs;
use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The dependency kind.
pub struct Dependency;

impl ResourceKind for Dependency {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::actr::DEPENDENCY
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(evc) = attrs.get("evc").filter(|v| !v.is_null()) {
            EvalCriteria::parse(evc, "evc")?;
        }
        Ok(())
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_referenced(tx, resource)
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_referenced(tx, resource)
    }
}

/// `rri` must name a resource of this CSE (4000).
fn check_referenced(tx: &mut Txn<'_>, dependency: &Resource) -> CseResult<()> {
    let rri = dependency
        .attrs
        .get("rri")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if action_runs::resolve(tx, rri)?.is_none() {
        return Err(CseError::bad_request(format!(
            "rri '{rri}' does not name a resource of this CSE"
        )));
    }
    Ok(())
}
