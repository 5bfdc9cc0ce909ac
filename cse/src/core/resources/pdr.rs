//! `<policyDeletionRules>` (ty 27; TS-0001 §9.6.34, spec digest
//! notifications-advanced §12): at most two under a `<notificationTargetPolicy>`,
//! whose action applies to a removal request only while its rules hold. Reading the
//! rules is `onecse_models::resource::pdr`'s job; this kind checks them when they are
//! written and says whether a policy's rules hold now.

use onecse_models::resource::TypeSpec;
use onecse_models::resource::pdr::{DeletionRules, MAX_PER_POLICY, OR, SPEC};
use onecse_models::{ReleaseVersion, ResourceType};
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::resource_table;

/// The policyDeletionRules kind.
pub struct PolicyDeletionRules;

impl ResourceKind for PolicyDeletionRules {
    fn spec(&self) -> &'static TypeSpec {
        &SPEC
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(dr) = attrs.get("dr") {
            DeletionRules::parse(dr)?;
        }
        Ok(())
    }

    /// A policy holds 0..2 rule sets (TS-0001 §9.6.33): a third is refused (4005).
    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        _resource: &mut Resource,
    ) -> CseResult<()> {
        let existing = rule_sets(tx, parent)?.len();
        if existing >= MAX_PER_POLICY {
            return Err(CseError::not_allowed(format!(
                "the notificationTargetPolicy '{}' already has {existing} policyDeletionRules, the most it may have",
                parent.path
            )));
        }
        Ok(())
    }
}

/// The live policyDeletionRules of `policy` (at most two).
fn rule_sets(tx: &mut Txn<'_>, policy: &Resource) -> CseResult<Vec<Resource>> {
    resource_table::children_of_type(
        tx.conn,
        &policy.ri,
        ResourceType::PolicyDeletionRules,
        &tx.now_text,
    )?
    .into_iter()
    .map(Resource::from_row)
    .collect()
}

/// Whether the rules of `policy` hold now, so that its action applies: true without
/// rules; with two rule sets, the policy's `rrs` says whether both (1 AND, the
/// default: a policy that names no relation is not loosened) or either (2 OR) must
/// hold; within one set its `drr` decides (default OR).
pub fn policy_rules_hold(tx: &mut Txn<'_>, policy: &Resource) -> CseResult<bool> {
    let sets = rule_sets(tx, policy)?;
    let now = tx.now.as_datetime();
    let mut results = Vec::with_capacity(sets.len());
    for set in &sets {
        let dr = set.attrs.get("dr").unwrap_or(&Value::Null);
        let rules = DeletionRules::parse(dr)?;
        results.push(rules.hold(now, set.attrs.get("drr").and_then(Value::as_i64)));
    }
    let any_relation = policy.attrs.get("rrs").and_then(Value::as_i64) == Some(OR);
    Ok(if any_relation {
        results.is_empty() || results.contains(&true)
    } else {
        results.iter().all(|r| *r)
    })
}
