//! Notification target removal policies (TS-0001 §9.6.31–33, spec digest
//! notifications-advanced §12): `<notificationTargetPolicy>` under the CSEBase and
//! `<notificationTargetMgmtPolicyRef>` under a subscription. What a removal request
//! does with them is `notification::target_removal`'s job.

use onecse_models::ResourceType;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::ntp::{POLICY_SPEC, REF_SPEC};
use serde_json::Value;

use crate::core::addressing::{self, Destination};
use crate::core::record::{Resource, string_items};
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The notificationTargetPolicy kind.
pub struct NotificationTargetPolicy;

impl ResourceKind for NotificationTargetPolicy {
    fn spec(&self) -> &'static TypeSpec {
        &POLICY_SPEC
    }
}

/// The notificationTargetMgmtPolicyRef kind.
pub struct NotificationTargetMgmtPolicyRef;

impl ResourceKind for NotificationTargetMgmtPolicyRef {
    fn spec(&self) -> &'static TypeSpec {
        &REF_SPEC
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_reference(tx, parent, resource)
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let parent = match resource.pi.as_deref() {
            Some(pi) => crate::store::resource_table::find_by_ri(tx.conn, pi, &tx.now_text)?
                .map(Resource::from_row)
                .transpose()?,
            None => None,
        };
        match parent {
            Some(parent) => check_reference(tx, &parent, resource),
            None => Ok(()),
        }
    }
}

/// `ntu` lists targets of the parent's `nu` (4000 otherwise: a reference to no
/// target would never apply) and `npi`, when given, names a notificationTargetPolicy
/// of this CSE (4000 otherwise).
fn check_reference(tx: &mut Txn<'_>, parent: &Resource, resource: &Resource) -> CseResult<()> {
    let nu = string_items(&parent.attrs, "nu");
    for entry in string_items(&resource.attrs, "ntu") {
        if !nu.contains(&entry) {
            return Err(CseError::bad_request(format!(
                "ntu entry '{entry}' is not a notification target (nu) of the {}",
                parent.ty.long_name()
            )));
        }
    }
    if let Some(npi) = resource.attrs.get("npi").and_then(Value::as_str) {
        policy_named(tx, npi)?.ok_or_else(|| {
            CseError::bad_request(format!(
                "npi '{npi}' names no notificationTargetPolicy of this CSE"
            ))
        })?;
    }
    Ok(())
}

/// The notificationTargetPolicy an ID of this CSE names, if any.
pub fn policy_named(tx: &mut Txn<'_>, id: &str) -> CseResult<Option<Resource>> {
    let Ok(Destination::Local(address)) = addressing::parse(id, tx.cse) else {
        return Ok(None);
    };
    Ok(addressing::find(tx, &address)?.filter(|r| r.ty == ResourceType::NotificationTargetPolicy))
}
