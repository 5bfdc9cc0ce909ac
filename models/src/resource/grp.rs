//! `<group>` (ty 9) attributes (TS-0001 §9.6.13, TS-0004 §7.4.13, spec digest
//! resources §8).

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The virtual child every group has: requests below it go to every member.
pub const FAN_OUT_POINT: &str = "fopt";

/// The group: under the CSEBase or an AE; `fopt` stays free for the fan-out point.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::Group, ATTRIBUTES, &[CseBase, Ae, RemoteCse])
        .reserving(&[FAN_OUT_POINT])
        .announced_as(&super::annc::GRP_ANNOUNCEMENT)
};

/// Group attribute table. `cnm` and `mtv` are kept by the CSE; announcement, dynamic
/// authorization and notification aggregation (`nar`) are recognised but answered 5001.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::write_once("mt", Integer { min: 0 }),
    A::write_once("spty", Any),
    A::read_only("cnm", Integer { min: 0 }),
    A::read_write("mnm", Integer { min: 1 }).mandatory(),
    A::read_write("mid", TextList).mandatory().max_items(10_000),
    A::read_write("macp", TextList),
    A::read_only("mtv", Boolean),
    A::write_once("csy", Enumerated(&[1, 2, 3])),
    A::read_write("gn", Text),
    A::read_only("ssi", Boolean),
    A::read_write("nar", Object).unsupported(),
];
