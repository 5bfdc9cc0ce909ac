//! `<request>` (ty 17) attributes (TS-0001 §9.6.12, TS-0004 §7.4.12, spec digest
//! polling-and-requests §7). Only the CSE writes them: a `<request>` is created by a
//! non-blocking request and never by a CREATE, and onecse refuses its UPDATE.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The `<request>`: created by the CSE for a non-blocking request, never by a CREATE.
pub const SPEC: TypeSpec = TypeSpec::new(ResourceType::Request, ATTRIBUTES, &[]).created_by_cse();

/// request attribute table.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_only("et", Timestamp).always_present(),
    A::read_only("acpi", TextList),
    A::read_only("lbl", TextList),
    A::read_only("daci", TextList).unsupported(),
    A::read_only("op", IntegerRange { min: 1, max: 5 }),
    A::read_only("tg", Text),
    A::read_only("org", Text),
    A::read_only("rid", Text),
    A::read_only("mi", Object),
    A::read_only("pc", Any),
    A::read_only("rs", IntegerRange { min: 1, max: 5 }),
    A::read_only("ors", Object),
];
