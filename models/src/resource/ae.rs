//! `<AE>` (ty 2) attributes (TS-0001 §9.6.5, TS-0004 §7.4.5).

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The AE: registered under the CSEBase; its CREATE registers the originator.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::Ae, ATTRIBUTES, &[CseBase])
        .registering_originator()
        .announced_as(&super::annc::AE_ANNOUNCEMENT)
};

/// AE attribute table. Dynamic authorization (`daci`) and end-to-end security (`esi`)
/// are recognised but answered 5001.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::read_write("apn", Text),
    A::write_once("api", Text).mandatory(),
    A::read_only("aei", Text),
    A::read_write("poa", UriList),
    A::read_write("or", Text),
    A::read_write("nl", Text),
    A::read_write("loc", Location),
    A::read_write("rr", Boolean).mandatory(),
    A::read_write("csz", TextList),
    A::read_write("esi", Object).unsupported(),
    A::read_write("mei", Text),
    A::read_write("srv", TextList).mandatory(),
    A::read_write("regs", Enumerated(&[1, 2])),
    A::read_write("trps", Boolean),
    A::read_write("scp", Any),
    A::read_write("tren", Boolean),
    A::read_write("ape", Any),
    A::read_write("tri", Integer { min: 0 }),
    A::read_write("trn", Integer { min: 0 }),
];

/// Release versions an AE may list in `srv` (versions.md §1).
pub const KNOWN_RELEASE_VERSIONS: [&str; 6] = ["1", "2", "2a", "3", "4", "5"];

/// Checks `srv` values: each must name a oneM2M release, and the list must not be empty
/// (it is how the CSE learns which release to use towards the AE).
pub fn check_release_versions(srv: &[serde_json::Value]) -> Result<(), crate::Problem> {
    if srv.is_empty() {
        return Err(crate::Problem::bad_request(
            "srv must list at least one release version",
        ));
    }
    for v in srv {
        let known = v
            .as_str()
            .is_some_and(|s| KNOWN_RELEASE_VERSIONS.contains(&s));
        if !known {
            return Err(crate::Problem::bad_request(format!(
                "srv value {v} is not a oneM2M release version (expected one of {KNOWN_RELEASE_VERSIONS:?})"
            )));
        }
    }
    Ok(())
}
