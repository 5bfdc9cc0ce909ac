//! Notification target removal (R3, TS-0001 §9.6.31–34, spec digest
//! notifications-advanced §12): `<notificationTargetPolicy>` (ty 26) says what the
//! CSE does when a notification target asks to be removed from a subscription
//! (`acn`), and `<notificationTargetMgmtPolicyRef>` (ty 25) under a subscription
//! names the policy for some of its targets. `<policyDeletionRules>` (ty 27, `pdr`)
//! under a policy say when its action applies.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::{Governance, TypeSpec};
use crate::types::ResourceType;

/// The virtual child of a subscription a notification target DELETEs to ask to be
/// removed from `nu` (notificationTargetSelfReference).
pub const SELF_REFERENCE: &str = "ntsr";

/// The label of a creator's default policy.
pub const DEFAULT_LABEL: &str = "default";

/// `acn` 1: the target is removed.
pub const ACCEPT: i64 = 1;
/// `acn` 2: the target stays.
pub const REJECT: i64 = 2;
/// `acn` 3: the subscription's creator is asked first.
pub const SEEK_AUTHORIZATION: i64 = 3;
/// `acn` 4: the target is removed and the subscription's creator is told.
pub const INFORM: i64 = 4;

/// The notificationTargetPolicy: under the CSEBase.
pub const POLICY_SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::NotificationTargetPolicy,
        POLICY_ATTRIBUTES,
        &[CseBase],
    )
};

/// notificationTargetPolicy attributes. `acn` and `plbl` are mandatory here as in
/// ACME (TS-0001 gives `acn` multiplicity 1; TS-0004 lists it optional).
pub(crate) const POLICY_ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::creator(),
    A::read_write(
        "acn",
        Enumerated(&[ACCEPT, REJECT, SEEK_AUTHORIZATION, INFORM]),
    )
    .mandatory(),
    A::read_write("plbl", Text).mandatory(),
    A::read_write("rrs", Enumerated(&[super::pdr::AND, super::pdr::OR])),
];

/// The notificationTargetMgmtPolicyRef: under a subscription or a
/// crossResourceSubscription, its access decided by that parent.
pub const REF_SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::NotificationTargetMgmtPolicyRef,
        REF_ATTRIBUTES,
        &[Subscription, CrossResourceSubscription],
    )
    .governed_by(Governance::Parent)
};

/// notificationTargetMgmtPolicyRef attributes: the targets (`ntu`, entries of the
/// parent's `nu`) and the policy for them (`npi`; absent: the default policy).
pub(crate) const REF_ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("lbl", TextList),
    A::read_write("ntu", TextList).mandatory(),
    A::read_write("npi", Text),
];
