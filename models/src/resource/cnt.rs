//! `<container>` (ty 3) attributes (TS-0001 §9.6.6, TS-0004 §7.4.6).

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The container: under the CSEBase, an AE, a container or a flexContainer, or
/// the announced copy of an AE or a container (TS-0001 table 9.6.26.1-1).
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::Container,
        ATTRIBUTES,
        &[
            CseBase,
            Ae,
            Container,
            FlexContainer,
            RemoteCse,
            AeAnnc,
            ContainerAnnc,
        ],
    )
    .with_state_tag()
    .announced_as(&super::annc::CNT_ANNOUNCEMENT)
};

/// Container attribute table; `cni`, `cbs` and `st` are maintained by the CSE.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::read_only("st", Integer { min: 0 }),
    A::creator(),
    A::read_write("mni", Integer { min: 0 }),
    A::read_write("mbs", Integer { min: 0 }),
    A::read_write("mia", Integer { min: 0 }),
    A::read_only("cni", Integer { min: 0 }),
    A::read_only("cbs", Integer { min: 0 }),
    A::read_only("li", Text),
    A::read_write("or", Text),
    A::read_write("disr", Boolean),
    A::read_write("loc", Location),
];
