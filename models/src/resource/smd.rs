//! `<semanticDescriptor>` (ty 24) attributes (TS-0001 §9.6.30, TS-0004 §7.4.34):
//! an RDF description of its parent, kept base64-encoded in `dsp` in the
//! representation `dcrp` names. Checking the RDF is the server's (it needs an RDF
//! parser); the wire values are here.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The semanticDescriptor: under the resources TS-0004 R3 lists that onecse hosts.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::SemanticDescriptor,
        ATTRIBUTES,
        &[
            Ae,
            Container,
            ContentInstance,
            Group,
            Node,
            MgmtObj,
            FlexContainer,
            TimeSeries,
        ],
    )
};

/// m2m:semanticFormat values (`dcrp`).
pub const FORMATS: &[i64] = &[1, 2, 3, 4, 5, 6, 7];
/// `dcrp` 4: RDF/XML.
pub const RDF_XML: i64 = 4;
/// `dcrp` 5: RDF Turtle.
pub const TURTLE: i64 = 5;
/// `dcrp` 7: JSON-LD.
pub const JSON_LD: i64 = 7;

/// semanticDescriptor attribute table. `soe` (semanticOpExec, a SPARQL update run on
/// the descriptor) is not implemented.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("dcrp", Enumerated(FORMATS)).mandatory(),
    A::read_write("dsp", Text).mandatory(),
    A::read_write("soe", Text).unsupported(),
    A::read_write("or", Text),
    A::read_write("rels", TextList),
];
