//! `<dynamicAuthorizationConsultation>` (ty 34; TS-0001 §9.6.40, TS-0004 §7.4.40;
//! ACME for the attribute names): where and whether to consult a Dynamic
//! Authorization Server. onecse stores it; consulting one (`daci` on other resources)
//! is answered 5001.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The dynamicAuthorizationConsultation: under the CSEBase, an AE or a remoteCSE.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::DynamicAuthorizationConsultation,
        ATTRIBUTES,
        &[CseBase, Ae, RemoteCse],
    )
};

/// dynamicAuthorizationConsultation attribute table: `dae` (enabled, mandatory), `dap`
/// (the servers' points of access), `dal` (the lifetime of what they grant, kept as
/// given).
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::read_write("dae", Boolean).mandatory(),
    A::read_write("dap", UriList),
    A::read_write("dal", Text),
];
