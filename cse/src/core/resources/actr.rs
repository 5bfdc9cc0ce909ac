//! `<action>` rules (TS-0001 §9.6.61, TS-0004 §7.4.61; R4): `evc` and `apv` checked
//! when given, `apv` sent as the action's creator only, `sri` and `dep` naming
//! resources that exist, `ecp` only for the periodic and continuous modes; the
//! evaluation itself runs on the action's timer ([`crate::core::action_runs`]).

use onecse_models::ReleaseVersion;
use onecse_models::eval_criteria::EvalCriteria;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::actr::ActionPrimitive;
use serde_json::{Map, Value};

use crate::core::action_runs;
use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::CseResult;

/// The action kind.
pub struct Action;

impl ResourceKind for Action {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::actr::ACTION
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(evc) = attrs.get("evc").filter(|v| !v.is_null()) {
            EvalCriteria::parse(evc, "evc")?;
        }
        if let Some(apv) = attrs.get("apv").filter(|v| !v.is_null()) {
            ActionPrimitive::parse(apv)?;
        }
        Ok(())
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        action_runs::check(tx, resource)?;
        resource.due = action_runs::next_due(tx, &resource.attrs).map(|_| tx.now_text.clone());
        Ok(())
    }

    /// A changed mode, period, criteria or subject restarts the evaluation now.
    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        action_runs::check(tx, resource)?;
        resource.due = action_runs::next_due(tx, &resource.attrs).map(|_| tx.now_text.clone());
        Ok(())
    }

    fn on_due(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        action_runs::run(tx, resource)
    }

    fn kept_request_result(&self, rsp: &Value, _failed: bool) -> Map<String, Value> {
        let mut changed = Map::new();
        changed.insert("air".into(), rsp.clone());
        changed
    }
}
