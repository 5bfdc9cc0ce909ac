//! `<remoteCSE>` (ty 16) attributes (TS-0001 §9.6.4, TS-0004 §7.4.4, spec digest
//! inter-cse §1): the registration of another CSE, under the CSEBase only.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The remoteCSE: under the CSEBase; its CREATE registers the originating CSE, which
/// the registration settings decide, not the CSEBase's policies.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::RemoteCse, ATTRIBUTES, &[CseBase]).registering_cse()
};

/// remoteCSE attribute table (TS-0004 tables 7.4.4.1-2/-3): `cb`, `rr` and `srv`
/// are mandatory on CREATE; `csi` is overwritten with the originator (TS-0004
/// §7.4.4.2.1). Announcement (`at`, `aa`), dynamic authorization (`daci`) and
/// end-to-end security (`esi`) are recognised but answered 5001.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::write_once("cst", Enumerated(&[1, 2, 3])),
    A::read_write("poa", UriList),
    A::write_once("cb", Text).mandatory(),
    A::write_once("csi", Text).always_present(),
    A::read_write("rr", Boolean).mandatory(),
    A::read_write("srv", TextList).mandatory(),
    A::read_write("csz", TextList),
    A::read_write("nl", Text),
    A::read_write("dcse", TextList),
    A::read_write("mei", Text),
    A::read_write("tri", Text),
    A::read_write("trn", Integer { min: 0 }),
    A::read_write("esi", Object).unsupported(),
    A::read_write("mtcc", Integer { min: 0 }),
    A::read_write("egid", Text),
    A::read_write("tren", Boolean),
    A::read_write("ape", Any),
    A::read_write("spi", Text),
    A::read_write("ici", Text),
];
