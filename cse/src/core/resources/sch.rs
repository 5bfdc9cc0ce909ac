//! `<schedule>` rules (TS-0001 §9.6.9, TS-0004 §7.4.9): its entries are checked when
//! given (4000 naming the bad entry), a parent has at most one, the one under a
//! subscription is its `notificationSchedule` (TS-0001 §9.6.8), and `nco` belongs to
//! a node's schedule. What a subscription's schedule does to its notifications lives
//! in [`crate::core::notification::schedule`].

use onecse_models::resource::TypeSpec;
use onecse_models::resource::sch::NOTIFICATION_SCHEDULE;
use onecse_models::schedule_entry::ScheduleEntries;
use onecse_models::{ReleaseVersion, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, SiblingKey};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::resource_table;

/// The schedule kind.
pub struct Schedule;

impl ResourceKind for Schedule {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::sch::SPEC
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(se) = attrs.get("se") {
            ScheduleEntries::parse(se, "se")?;
        }
        Ok(())
    }

    /// A parent has at most one schedule (the CSEBase's, a node's, a subscription's
    /// notificationSchedule are each 0..1): a second is a conflict (4105).
    fn sibling_key(&self, _attrs: &Map<String, Value>) -> Option<SiblingKey> {
        Some(SiblingKey {
            key: "sch".into(),
            conflict:
                "this resource already has a schedule (at most one per parent, TS-0004 §7.4.9)"
                    .into(),
        })
    }

    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        if parent.ty == ResourceType::Subscription {
            name_notification_schedule(parent, resource)?;
        }
        check_network_coordination(parent.ty, &resource.attrs)
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        if resource.attrs.get("nco").is_none_or(Value::is_null) {
            return Ok(());
        }
        let parent = resource_table::find_by_ri(
            tx.conn,
            resource.pi.as_deref().unwrap_or_default(),
            &tx.now_text,
        )?
        .map(Resource::from_row)
        .transpose()?;
        let parent_ty = parent.map_or(ResourceType::CseBase, |p| p.ty);
        check_network_coordination(parent_ty, &resource.attrs)
    }
}

/// The schedule of a subscription is its `notificationSchedule`: a CREATE without a
/// name gets that name, one with another name is refused (4000).
fn name_notification_schedule(parent: &Resource, resource: &mut Resource) -> CseResult<()> {
    if resource.rn == NOTIFICATION_SCHEDULE {
        return Ok(());
    }
    if resource.rn != resource.ri {
        return Err(CseError::bad_request(format!(
            "the schedule of a subscription must be named '{NOTIFICATION_SCHEDULE}', not '{}'",
            resource.rn
        )));
    }
    resource.rn = NOTIFICATION_SCHEDULE.to_owned();
    resource.path = format!("{}/{NOTIFICATION_SCHEDULE}", parent.path);
    resource
        .attrs
        .insert("rn".into(), json!(NOTIFICATION_SCHEDULE));
    Ok(())
}

/// `nco` only on a node's schedule (4000 elsewhere); `true` asks for coordination with
/// the underlying network, which onecse has none of (5001).
fn check_network_coordination(parent: ResourceType, attrs: &Map<String, Value>) -> CseResult<()> {
    match attrs.get("nco").and_then(Value::as_bool) {
        None => Ok(()),
        Some(_) if parent != ResourceType::Node => Err(CseError::bad_request(
            "nco (networkCoordinated) is only allowed on the schedule of a node",
        )),
        Some(true) => Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "nco true: network-coordinated schedules need an underlying network (TS-0026) this CSE does not have",
        )),
        Some(false) => Ok(()),
    }
}
