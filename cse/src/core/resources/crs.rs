//! `<crossResourceSubscription>` rules (TS-0001 §9.6.58, TS-0004 §7.4.58, spec digest
//! notifications-advanced §13): its targets and window are checked, its member
//! subscriptions are created with it and removed with it, its notification targets
//! are verified like a subscription's, and its window closes on the row's `due`
//! timer ([`cross_resource`]).

use onecse_models::primitive::Request;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::crs::check;
use serde_json::{Map, Value};

use crate::core::notification::stats;
use crate::core::notification::{Verification, cross_resource, cross_resource_members, matcher};
use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::resources::sub::{Subscription, check_targets, verification_of};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Requester;
use crate::store::resource_table;

/// The crossResourceSubscription kind.
pub struct CrossResourceSubscription;

/// Checks the attributes as they will be stored: window, targets, `encs`, `nu`/`su`.
fn check_all(attrs: &Map<String, Value>, max_targets: usize) -> CseResult<()> {
    check(attrs)?;
    check_targets(attrs, max_targets)
}

/// Whether an UPDATE changed the window (`twt` or `tws`), which restarts it.
fn window_changed(before: &Resource, after: &Resource) -> bool {
    ["twt", "tws"]
        .iter()
        .any(|name| before.attrs.get(*name) != after.attrs.get(*name))
}

impl ResourceKind for CrossResourceSubscription {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::crs::SPEC
    }

    /// As for a subscription: the creator is recorded when asked or when the
    /// notifications go to others (TS-0004 R3).
    fn creator(&self, attrs: &Map<String, Value>, originator: Option<&str>) -> Option<String> {
        Subscription.creator(attrs, originator)
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_all(&resource.attrs, tx.cse.limits.max_targets)?;
        cross_resource::restart(tx, resource)
    }

    /// The member subscriptions are made once the row exists (they name it).
    fn after_create(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        cross_resource_members::attach(tx, resource)?;
        resource_table::update(tx.conn, &resource.to_row())?;
        Ok(())
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_all(&resource.attrs, tx.cse.limits.max_targets)?;
        stats::follow_targets(&mut resource.attrs);
        if window_changed(before, resource) {
            cross_resource::restart(tx, resource)?;
        }
        Ok(())
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if stats::apply_reset(request, &mut resource.attrs) {
            resource_table::update(tx.conn, &resource.to_row())?;
        }
        Ok(())
    }

    /// Removes the member subscriptions it created, leaves the subscription targets,
    /// and sends the deletion notification to `su`.
    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        cross_resource_members::detach(tx, resource)?;
        matcher::deletion_notice(tx, resource)
    }

    fn on_due(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        cross_resource::close_window(tx, resource)
    }

    fn verifies_targets(&self) -> bool {
        true
    }

    /// New `nu` entries are verified as a subscription's are (TS-0004 §7.4.58.2.1
    /// refers to the subscription procedure).
    fn verification(
        &self,
        tx: &mut Txn<'_>,
        req: &Request,
        who: &Requester,
        target: &Resource,
    ) -> CseResult<Option<Verification>> {
        verification_of(self, tx, req, who, target, |tx, attrs, _parent| {
            check_all(attrs, tx.cse.limits.max_targets)
        })
    }
}
