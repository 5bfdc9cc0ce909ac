//! `<node>` (ty 14) attributes (TS-0001 §9.6.18, TS-0004 §7.4.18, device-management
//! digest §2).

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The node: under the CSEBase.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::Node, ATTRIBUTES, &[CseBase])
        .announced_as(&super::annc::NOD_ANNOUNCEMENT)
};

/// node attribute table. `hael` is kept by the CSE as AEs name the node in their
/// `nl`, and may also be written by a client.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::read_write("ni", Text).mandatory(),
    A::read_write("hcl", Text),
    A::read_write("hael", NonEmptyTextList),
    A::read_write("hsl", TextList),
    A::read_write("mgca", Text),
    A::read_only("rms", Boolean),
    A::read_only("nid", Text),
    A::read_write("nty", Integer { min: 0 }),
];
