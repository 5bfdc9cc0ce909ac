//! `<flexContainerInstance>` (ty 58) attributes (TS-0001 R4 §9.6.61): a snapshot of a
//! flexContainer's custom attributes that the CSE stores; clients only read or delete
//! it, so every attribute is set by the CSE.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The JSON root key of an instance of a generic flexContainer (a specialization's
/// instances use `<specialization root>Inst`, as the SDT tool names them).
pub const GENERIC_ROOT: &str = "m2m:fcin";

/// The flexContainerInstance: an instance the CSE records for its flexContainer.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::FlexContainerInstance,
        ATTRIBUTES,
        &[FlexContainer],
    )
    .instance()
    .with_state_tag()
    .created_by_cse()
};

/// flexContainerInstance attribute table. The custom attributes it copies are not
/// listed: instances are never written by requests, so nothing checks them.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_only("et", Timestamp),
    A::read_only("lbl", TextList),
    A::read_only("st", Integer { min: 0 }),
    A::read_only("cs", Integer { min: 0 }),
    A::read_only("cnd", Text),
    A::read_only("cr", Text),
];
