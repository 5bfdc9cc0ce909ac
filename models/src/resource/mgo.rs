//! `<mgmtObj>` (ty 13) attributes: the part every specialization shares (TS-0001
//! §9.6.15, TS-0004 §7.4.15) and the specializations of TS-0004 Annex D as data, one
//! table row each, so the one content check and one kind serve them all.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The mgmtObj: under a node.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::MgmtObj, ATTRIBUTES, &[Node])
        .announced_as(&super::annc::MGO_ANNOUNCEMENT)
};

/// The attributes every mgmtObj has. `mgd` is checked against the JSON root key by
/// the server; `mgs` (self-defined objects) and `cmlk` (CMDH links) belong to features
/// onecse does not offer.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::write_once("mgd", Integer { min: 0 }).mandatory(),
    A::write_once("obis", TextList),
    A::write_once("obps", TextList),
    A::write_once("mgs", Text).unsupported(),
    A::read_write("dc", Text),
    A::read_write("cmlk", Any).unsupported(),
];

/// One mgmtObj specialization (TS-0004 table 6.3.4.2.22-1 and Annex D).
#[derive(Debug)]
pub struct MgmtSpecialization {
    /// The `mgd` (mgmtDefinition) value.
    pub mgd: i64,
    /// The short name: the JSON root key is `m2m:<short>`.
    pub short: &'static str,
    /// The long name, for messages and documentation.
    pub name: &'static str,
    /// Its object attributes.
    pub attributes: &'static [A],
    /// At most one of this specialization per `<node>` (TS-0001 table 9.6.18-1).
    pub once_per_node: bool,
    /// Trigger attributes that must not both be `true` in one request (Annex D).
    pub exclusive: &'static [(&'static str, &'static str)],
}

/// An action's status (`m2m:actionStatus`: `acn`, `sus`), reported by the device.
const ACTION_STATUS: crate::resource::ValueKind = Object;

const FIRMWARE: &[A] = &[
    A::read_write("vr", Text).mandatory(),
    A::read_write("fwn", Text).mandatory(),
    A::read_write("url", Text).mandatory(),
    A::read_write("ud", Boolean).mandatory(),
    A::update_only("uds", ACTION_STATUS),
];

const SOFTWARE: &[A] = &[
    A::read_write("vr", Text).mandatory(),
    A::read_write("swn", Text).mandatory(),
    A::read_write("url", Text).mandatory(),
    A::update_only("in", Boolean),
    A::update_only("un", Boolean),
    A::update_only("ins", ACTION_STATUS),
    A::update_only("act", Boolean),
    A::update_only("dea", Boolean),
    A::update_only("acts", ACTION_STATUS),
];

const MEMORY: &[A] = &[
    A::read_write("mma", Integer { min: 0 }).mandatory(),
    A::read_write("mmt", Integer { min: 0 }).mandatory(),
];

const AREA_NWK_INFO: &[A] = &[
    A::read_write("ant", Text).mandatory(),
    A::read_write("ldv", TextList),
];

const AREA_NWK_DEVICE_INFO: &[A] = &[
    A::read_write("dvd", Text).mandatory(),
    A::read_write("dvt", Text).mandatory(),
    A::read_write("awi", Text).mandatory(),
    A::read_write("sli", Integer { min: 0 }),
    A::read_write("sld", Integer { min: 0 }),
    A::read_write("ss", Text),
    A::read_write("lnh", TextList),
];

/// `btl` in percent; `bts` m2m:batteryStatus 1 NORMAL … 7 UNKNOWN.
const BATTERY: &[A] = &[
    A::read_write("btl", IntegerRange { min: 0, max: 100 }).mandatory(),
    A::read_write("bts", IntegerRange { min: 1, max: 7 }).mandatory(),
];

const DEVICE_INFO: &[A] = &[
    A::read_write("dlb", Text).mandatory(),
    A::write_once("man", Text).mandatory(),
    A::write_once("mod", Text).mandatory(),
    A::read_write("dty", Text).mandatory(),
    A::read_write("mfdl", Text),
    A::write_once("mfd", Timestamp),
    A::write_once("smod", Text),
    A::write_once("hwv", Text),
    A::write_once("cnty", Text),
    A::read_write("dvnm", Text),
    A::read_write("fwv", Text),
    A::read_write("swv", Text),
    A::read_write("osv", Text),
    A::read_write("loc", Text),
    A::read_write("syst", Timestamp),
    A::read_write("spur", Text),
    A::read_write("purl", Text),
    A::read_write("ptl", TextList),
];

const DEVICE_CAPABILITY: &[A] = &[
    A::read_write("can", Text).mandatory(),
    A::read_write("att", Boolean).mandatory(),
    A::read_write("cas", ACTION_STATUS).mandatory(),
    A::read_write("cus", Boolean).mandatory(),
    A::read_write("ena", Boolean),
    A::read_write("dis", Boolean),
];

const REBOOT: &[A] = &[A::read_write("rbo", Boolean), A::read_write("far", Boolean)];

/// `lgt` m2m:logTypeId 1 System … 5 Panic; `lgst` m2m:logStatus 1 Started … 5 Error.
const EVENT_LOG: &[A] = &[
    A::read_write("lgt", IntegerRange { min: 1, max: 5 }).mandatory(),
    A::read_write("lgd", Text).mandatory(),
    A::read_write("lgst", IntegerRange { min: 1, max: 5 }).mandatory(),
    A::read_write("lga", Boolean),
    A::read_write("lgo", Boolean),
];

/// The specializations onecse hosts, by `mgd`.
pub const SPECIALIZATIONS: &[MgmtSpecialization] = &[
    MgmtSpecialization {
        mgd: 1001,
        short: "fwr",
        name: "firmware",
        attributes: FIRMWARE,
        once_per_node: false,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1002,
        short: "swr",
        name: "software",
        attributes: SOFTWARE,
        once_per_node: false,
        exclusive: &[("in", "un"), ("act", "dea")],
    },
    MgmtSpecialization {
        mgd: 1003,
        short: "mem",
        name: "memory",
        attributes: MEMORY,
        once_per_node: true,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1004,
        short: "ani",
        name: "areaNwkInfo",
        attributes: AREA_NWK_INFO,
        once_per_node: false,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1005,
        short: "andi",
        name: "areaNwkDeviceInfo",
        attributes: AREA_NWK_DEVICE_INFO,
        once_per_node: false,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1006,
        short: "bat",
        name: "battery",
        attributes: BATTERY,
        once_per_node: false,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1007,
        short: "dvi",
        name: "deviceInfo",
        attributes: DEVICE_INFO,
        once_per_node: false,
        exclusive: &[],
    },
    MgmtSpecialization {
        mgd: 1008,
        short: "dvc",
        name: "deviceCapability",
        attributes: DEVICE_CAPABILITY,
        once_per_node: false,
        exclusive: &[("ena", "dis")],
    },
    MgmtSpecialization {
        mgd: 1009,
        short: "rbo",
        name: "reboot",
        attributes: REBOOT,
        once_per_node: true,
        exclusive: &[("rbo", "far")],
    },
    MgmtSpecialization {
        mgd: 1010,
        short: "evl",
        name: "eventLog",
        attributes: EVENT_LOG,
        once_per_node: true,
        exclusive: &[("lga", "lgo")],
    },
];

/// The specialization whose JSON root key is `root` (`m2m:fwr`).
pub fn by_root(root: &str) -> Option<&'static MgmtSpecialization> {
    let short = root.strip_prefix("m2m:")?;
    SPECIALIZATIONS.iter().find(|s| s.short == short)
}

/// The specialization with this `mgd`.
pub fn by_definition(mgd: i64) -> Option<&'static MgmtSpecialization> {
    SPECIALIZATIONS.iter().find(|s| s.mgd == mgd)
}

/// Whether TS-0004 defines `mgd` (0 self-defined, 1001–1031) although onecse does
/// not host it: such a value is "not implemented", any other a bad request.
pub fn is_defined(mgd: i64) -> bool {
    mgd == 0 || (1001..=1031).contains(&mgd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_specialization_is_found_by_root_and_definition() {
        for spec in SPECIALIZATIONS {
            let root = format!("m2m:{}", spec.short);
            assert_eq!(by_root(&root).map(|s| s.mgd), Some(spec.mgd));
            assert_eq!(by_definition(spec.mgd).map(|s| s.short), Some(spec.short));
            assert!(is_defined(spec.mgd));
            for (a, b) in spec.exclusive {
                assert!(spec.attributes.iter().any(|x| x.name == *a), "{a}");
                assert!(spec.attributes.iter().any(|x| x.name == *b), "{b}");
            }
        }
        assert!(by_root("m2m:nod").is_none());
        assert!(!is_defined(1500));
    }
}
