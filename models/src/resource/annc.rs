//! Announcement (TS-0001 §9.6.26, §10.2.13; TS-0004 §7.3.3.10–11, §7.4.26; spec
//! digest inter-cse §4): which types are announced, which of their attributes go to
//! the announced copy (mandatory-announced MA always, optional-announced OA when
//! `aa` names them), and the announced types (`…Annc`, ty 10000+n) that hold such
//! copies for another CSE.

use serde_json::Value;

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::{Governance, TypeSpec};
use crate::problem::Problem;
use crate::resource::fcnt::is_custom_attribute;
use crate::resource::has_attribute;
use crate::resource::policy::Extension;
use crate::types::ResourceType;

/// How an announceable type is announced: its announced type and the attributes the
/// copy carries (TS-0001 tables 9.6.x-2, column "RO/WO/RW announcement").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announceable {
    /// The type of the copy (`containerAnnc` for a container).
    pub announced: ResourceType,
    /// MA: always copied when present on the original.
    pub mandatory: &'static [&'static str],
    /// OA: copied only when the original's `aa` names them.
    pub optional: &'static [&'static str],
    /// Every attribute of the original's specialization (a mgmtObj's object
    /// attributes, such as a battery's `btl`) is OA too.
    pub specialized: bool,
    /// Custom attributes (a flexContainer's, whatever their names) are OA too.
    pub custom: bool,
}

/// An AE (MA per TS-0001 table 9.6.5-2; `esi` is not supported by onecse).
pub const AE_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::AeAnnc,
    mandatory: &["et", "lbl", "srv"],
    optional: &[
        "apn", "api", "aei", "poa", "regs", "trps", "or", "rr", "nl", "csz", "ape", "tren", "scp",
    ],
    specialized: false,
    custom: false,
};

/// A container.
pub const CNT_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::ContainerAnnc,
    mandatory: &["et", "lbl"],
    optional: &["mni", "mbs", "mia", "li", "or", "disr"],
    specialized: false,
    custom: false,
};

/// A contentInstance (only below a container announced to the same CSE).
pub const CIN_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::ContentInstanceAnnc,
    mandatory: &["et", "lbl"],
    optional: &["cnf", "or", "con"],
    specialized: false,
    custom: false,
};

/// A group.
pub const GRP_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::GroupAnnc,
    mandatory: &["et", "lbl"],
    optional: &[
        "mt", "spty", "cnm", "mnm", "mid", "macp", "mtv", "csy", "gn", "ssi", "nar",
    ],
    specialized: false,
    custom: false,
};

/// A node.
pub const NOD_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::NodeAnnc,
    mandatory: &["et", "lbl", "ni"],
    optional: &["hcl", "hael", "hsl", "mgca", "rms", "nid", "nty"],
    specialized: false,
    custom: false,
};

/// An accessControlPolicy: its rules are MA, it has no OA.
pub const ACP_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::AccessControlPolicyAnnc,
    mandatory: &["et", "lbl", "pv", "pvs"],
    optional: &[],
    specialized: false,
    custom: false,
};

/// A timeSeries.
pub const TS_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::TimeSeriesAnnc,
    mandatory: &["et", "lbl"],
    optional: &[
        "mni", "mbs", "mia", "pei", "peid", "or", "mdn", "mdt", "cnf",
    ],
    specialized: false,
    custom: false,
};

/// A mgmtObj: `mgd` says which specialization, whose attributes are all OA.
pub const MGO_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::MgmtObjAnnc,
    mandatory: &["et", "lbl", "mgd"],
    optional: &["obis", "obps", "dc"],
    specialized: true,
    custom: false,
};

/// A flexContainer: its definition is MA (the copy's root key follows it, as the
/// original's does), its custom attributes OA like a specialization's.
pub const FCNT_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::FlexContainerAnnc,
    mandatory: &["et", "lbl", "cnd"],
    optional: &["or", "nl", "mni", "mbs", "mia"],
    specialized: true,
    custom: true,
};

/// The attributes of a CSEBase that its `<CSEBaseAnnc>` carries (MA).
pub const CB_ANNOUNCEMENT: Announceable = Announceable {
    announced: ResourceType::CseBaseAnnc,
    mandatory: &["lbl", "srv"],
    optional: &[],
    specialized: false,
    custom: false,
};

/// The attributes every announced type has of its own (TS-0004 table 7.4.26.1-2):
/// `lnk` names the original; the others are copied from it. The original's MA and
/// OA attributes come on top ([`announced_extension`]).
const ANNOUNCED_ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::read_write("lbl", TextList),
    A::write_once("lnk", Text).mandatory(),
];

/// The announced type of `original`, placed under the announced variants of the
/// original's parents, the CSEBase (an `<CSEBaseAnnc>` is named as parent) and a
/// `<remoteCSE>` (older releases).
const fn announced(
    ty: ResourceType,
    original: ResourceType,
    parents: &'static [ResourceType],
) -> TypeSpec {
    TypeSpec::new(ty, ANNOUNCED_ATTRIBUTES, parents).announcing(original)
}

/// `<accessControlPolicyAnnc>`.
pub const ACP: TypeSpec = {
    use ResourceType::*;
    announced(
        AccessControlPolicyAnnc,
        AccessControlPolicy,
        &[CseBase, CseBaseAnnc, AeAnnc, RemoteCse],
    )
};
/// `<AEAnnc>`.
pub const AE: TypeSpec = {
    use ResourceType::*;
    announced(AeAnnc, Ae, &[CseBase, CseBaseAnnc, RemoteCse])
};
/// `<containerAnnc>`.
pub const CNT: TypeSpec = {
    use ResourceType::*;
    announced(
        ContainerAnnc,
        Container,
        &[CseBase, CseBaseAnnc, AeAnnc, ContainerAnnc, RemoteCse],
    )
};
/// `<contentInstanceAnnc>`: below a `<containerAnnc>` only, governed by it.
pub const CIN: TypeSpec = {
    use ResourceType::*;
    announced(ContentInstanceAnnc, ContentInstance, &[ContainerAnnc])
        .governed_by(Governance::Parent)
};
/// `<CSEBaseAnnc>`: stands for another CSE, under this CSEBase.
pub const CB: TypeSpec = {
    use ResourceType::*;
    announced(CseBaseAnnc, CseBase, &[CseBase])
};
/// `<groupAnnc>`.
pub const GRP: TypeSpec = {
    use ResourceType::*;
    announced(GroupAnnc, Group, &[CseBase, CseBaseAnnc, AeAnnc, RemoteCse])
};
/// `<nodeAnnc>`.
pub const NOD: TypeSpec = {
    use ResourceType::*;
    announced(NodeAnnc, Node, &[CseBase, CseBaseAnnc, RemoteCse])
};
/// `<mgmtObjAnnc>`: root key `m2m:<specialization>A` (`m2m:batA`).
pub const MGO: TypeSpec = {
    use ResourceType::*;
    announced(MgmtObjAnnc, MgmtObj, &[NodeAnnc])
};
/// `<flexContainerAnnc>`: root key `<specialization>Annc` (`cod:tempeAnnc`), or
/// `m2m:fcntA` for the generic form.
pub const FCNT: TypeSpec = {
    use ResourceType::*;
    announced(
        FlexContainerAnnc,
        FlexContainer,
        &[
            CseBase,
            CseBaseAnnc,
            AeAnnc,
            ContainerAnnc,
            FlexContainerAnnc,
            RemoteCse,
        ],
    )
};
/// `<timeSeriesAnnc>`.
pub const TS: TypeSpec = {
    use ResourceType::*;
    announced(
        TimeSeriesAnnc,
        TimeSeries,
        &[CseBase, CseBaseAnnc, AeAnnc, ContainerAnnc, RemoteCse],
    )
};

/// How `original` is announced, if onecse announces it (the CSEBase is announced
/// by the CSE itself, never through `at`).
pub fn announcement_of(original: ResourceType) -> Option<&'static Announceable> {
    if original == ResourceType::CseBase {
        return Some(&CB_ANNOUNCEMENT);
    }
    original.spec().and_then(|spec| spec.announcement)
}

/// The root key of an announced copy from its original's (TS-0004 table 8.2.4-1):
/// `m2m:cnt` → `m2m:cntA`, `m2m:bat` → `m2m:batA`; a specialization in another
/// namespace gains `Annc` (`cod:tempe` → `cod:tempeAnnc`).
pub fn announced_root(original_root: &str) -> String {
    if original_root.starts_with("m2m:") {
        format!("{original_root}A")
    } else {
        format!("{original_root}Annc")
    }
}

/// The attributes an announced type accepts beyond its own table: any the original
/// announces (MA or OA), checked by name in [`check_announced_content`]; their
/// values were checked by the original's host.
pub const fn announced_extension() -> Extension {
    Extension {
        attributes: &[],
        open: true,
    }
}

/// Refuses content of an announced type naming an attribute its original type does
/// not announce (4000): an announced copy holds nothing else.
pub fn check_announced_content<'a>(
    announced: ResourceType,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), Problem> {
    let Some(original) = announced.spec().and_then(|spec| spec.original) else {
        return Ok(());
    };
    let carried = announcement_of(original);
    for name in names {
        let own = ANNOUNCED_ATTRIBUTES.iter().any(|a| a.name == name)
            || matches!(name.as_str(), "rn" | "ty" | "ri" | "pi" | "ct" | "lt");
        let copied = carried.is_some_and(|c| {
            c.mandatory.contains(&name.as_str())
                || c.optional.contains(&name.as_str())
                || (c.specialized && crate::resource::is_known_attribute(name))
                || (c.custom && is_custom_attribute(name))
        });
        if !own && !copied {
            return Err(Problem::bad_request(format!(
                "attribute '{name}' is not announced for {} resources, so {} has no such attribute",
                original.long_name(),
                crate::resource::with_article(announced.long_name())
            )));
        }
    }
    Ok(())
}

/// Checks an `aa` (announcedAttribute) list of a resource of type `ty` (with the
/// attributes its specialization adds, `extension`): every entry must be an NCName
/// naming an attribute of the resource (4000 otherwise, TS-0001 §10.2.13.7); names
/// that are not optional-announced are dropped (as ACME does). Returns the names
/// kept, in order, without repeats.
pub fn check_announced_attributes(
    ty: ResourceType,
    extension: Extension,
    aa: &[Value],
) -> Result<Vec<String>, Problem> {
    let facts = announcement_of(ty);
    let optional = |name: &str| {
        facts.is_some_and(|a| {
            a.optional.contains(&name)
                || (a.specialized && extension.attributes.iter().any(|x| x.name == name))
                || (a.custom && is_custom_attribute(name))
        })
    };
    let mut kept: Vec<String> = Vec::new();
    for entry in aa {
        let name = entry.as_str().unwrap_or_default();
        if !is_nc_name(name) {
            return Err(Problem::bad_request(format!(
                "aa entry '{name}' is not an attribute name (an NCName such as 'mni')"
            )));
        }
        if !has_attribute(ty, extension, name) {
            return Err(Problem::bad_request(format!(
                "aa names '{name}', which is not an attribute of {}",
                crate::resource::with_article(ty.long_name())
            )));
        }
        if optional(name) && !kept.iter().any(|k| k == name) {
            kept.push(name.to_owned());
        }
    }
    Ok(kept)
}

/// An XML NCName as attribute names use it: a letter or `_` first, then letters,
/// digits, `_`, `-` and `.` (no `:`, no spaces).
fn is_nc_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(list: Value) -> Result<Vec<String>, crate::ResponseStatusCode> {
        let items = list.as_array().cloned().unwrap_or_default();
        check_announced_attributes(ResourceType::Container, Extension::NONE, &items)
            .map_err(|p| p.rsc)
    }

    #[test]
    fn aa_keeps_optional_announced_names_only() {
        assert_eq!(
            names(json!(["mni", "mbs", "mni"])),
            Ok(vec!["mni".into(), "mbs".into()])
        );
        // Universal and mandatory-announced names are attributes, but not OA.
        assert_eq!(names(json!(["ri", "pi", "ct", "lbl"])), Ok(vec![]));
    }

    #[test]
    fn aa_refuses_what_is_no_attribute_name_of_the_type() {
        let bad = Err(crate::ResponseStatusCode::BadRequest);
        for wrong in ["lb+l", "lb l", "1lbl", ""] {
            assert_eq!(names(json!([wrong])), bad, "{wrong}");
        }
        assert_eq!(names(json!(["api"])), bad);
    }

    #[test]
    fn an_announced_copy_holds_only_what_its_original_announces() {
        let keys = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let cnt = ResourceType::ContainerAnnc;
        assert!(check_announced_content(cnt, &keys(&["lnk", "et", "lbl", "mni"])).is_ok());
        assert!(check_announced_content(cnt, &keys(&["cni"])).is_err());
        assert!(check_announced_content(ResourceType::AeAnnc, &keys(&["srv", "api"])).is_ok());
    }

    #[test]
    fn every_announced_type_names_its_original_and_back() {
        for spec in crate::resource::specs() {
            if let Some(a) = spec.announcement {
                assert_eq!(a.announced.spec().and_then(|s| s.original), Some(spec.ty));
            }
        }
    }
}
