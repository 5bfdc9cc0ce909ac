//! `<schedule>` (ty 18) attributes (TS-0001 §9.6.9, TS-0004 §7.4.9, spec digest
//! README "scheduleEntry", notifications §7, device-management §1): time windows as
//! schedule entries (`se`), under the CSEBase, a node or a subscription.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The resourceName a subscription's schedule has: the subscription's
/// notificationSchedule (TS-0001 §9.6.8).
pub const NOTIFICATION_SCHEDULE: &str = "notificationSchedule";

/// The schedule: one under the CSEBase, a node or a subscription.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::Schedule,
        ATTRIBUTES,
        &[CseBase, Node, Subscription],
    )
};

/// schedule attribute table. `nco` (networkCoordinated) is for a node's schedule only;
/// onecse has no underlying network to coordinate with, so `true` is answered 5001.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::read_write("se", Object).mandatory(),
    A::read_write("nco", Boolean),
];
