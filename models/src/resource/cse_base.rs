//! `<CSEBase>` (ty 5) attributes (TS-0001 §9.6.3): all set by the CSE itself.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The CSEBase: the root, created by the CSE itself.
pub const SPEC: TypeSpec = TypeSpec::new(ResourceType::CseBase, ATTRIBUTES, &[]).created_by_cse();

/// The CSEBase cannot be created or changed by request; the table lists what it
/// carries so partial retrieve and attribute filters recognise the names.
pub(super) const ATTRIBUTES: &[A] = &[
    A::read_only("ty", Integer { min: 0 }),
    A::read_only("ri", Text),
    A::read_only("rn", Text),
    A::read_only("pi", Text),
    A::read_only("ct", Timestamp),
    A::read_only("lt", Timestamp),
    A::read_only("acpi", TextList),
    A::read_only("lbl", TextList),
    A::read_only("cst", Integer { min: 1 }),
    A::read_only("csi", Text),
    A::read_only("srt", Any),
    A::read_only("poa", UriList),
    A::read_only("nl", Text),
    A::read_only("csz", TextList),
    A::read_only("srv", TextList),
    A::read_only("ctm", Timestamp),
];
