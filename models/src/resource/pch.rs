//! `<pollingChannel>` (ty 15) attributes (TS-0001 §9.6.21, TS-0004 §7.4.21, spec
//! digest polling-and-requests §1). It has no `acpi`: only the entity its parent
//! represents may use it.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::{Governance, TypeSpec};
use crate::types::ResourceType;

/// The name of the virtual child a polling AE long-polls and answers through.
pub const PCU: &str = "pcu";

/// The pollingChannel: under an AE, used only by that AE; `pcu` stays free for the long poll.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::PollingChannel, ATTRIBUTES, &[Ae])
        .governed_by(Governance::ParentEntity)
        .reserving(&[PCU])
};

/// pollingChannel attribute table. `et` follows TS-0004 (O on CREATE and UPDATE);
/// `rqag` (R4 request aggregation) is stored and returned, but onecse hands out one
/// request per poll whatever its value (see docs/conformance.md).
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("lbl", TextList),
    A::read_write("rqag", Boolean),
];
