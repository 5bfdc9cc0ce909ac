//! `<mgmtObj>` (ty 13) attributes: the part every specialization shares (TS-0001
//! §9.6.15, TS-0004 §7.4.15) and the specializations of TS-0004 Annex D as data, one
//! table row each, so the one content check and one kind serve them all.

use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::problem::Problem;
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

/// A rule on request content beyond the attributes' JSON kinds.
pub type ContentRule = fn(&Map<String, Value>) -> Result<(), Problem>;

/// One mgmtObj specialization (TS-0004 table 6.3.4.2.22-1 and Annex D, TS-0022 for
/// the device-configuration objects).
#[derive(Debug)]
pub struct MgmtSpecialization {
    /// The `mgd` (mgmtDefinition) value.
    pub mgd: i64,
    /// The namespace of its JSON root key: `m2m`, or `dcfg` for the TS-0022
    /// device-configuration objects.
    pub namespace: &'static str,
    /// The short name: the JSON root key is `<namespace>:<short>`.
    pub short: &'static str,
    /// The long name, for messages and documentation.
    pub name: &'static str,
    /// Its object attributes.
    pub attributes: &'static [A],
    /// At most one of this specialization per `<node>` (TS-0001 table 9.6.18-1).
    pub once_per_node: bool,
    /// Trigger attributes that must not both be `true` in one request (Annex D).
    pub exclusive: &'static [(&'static str, &'static str)],
    /// Attributes that must not both be present in the resource after a request
    /// (a dataCollection has a schedule or an interval, not both).
    pub alternatives: &'static [(&'static str, &'static str)],
    /// Values the CSE gives on CREATE to attributes the request left out, so a client
    /// reads back every status and trigger the object has.
    pub initial: &'static [(&'static str, Initial)],
    /// Trigger attributes whose stored value is fixed whatever a request writes:
    /// writing them starts the action, the stored value means nothing (TS-0004 Annex D
    /// "value always true").
    pub fixed: &'static [(&'static str, bool)],
    /// Rules on a structured attribute's content beyond its JSON kind (a wifiClient's
    /// credentials), run on request content.
    pub check: Option<ContentRule>,
}

impl MgmtSpecialization {
    /// A specialization in the `m2m` namespace with no further rules.
    const fn m2m(
        mgd: i64,
        short: &'static str,
        name: &'static str,
        attributes: &'static [A],
    ) -> Self {
        Self {
            mgd,
            namespace: "m2m",
            short,
            name,
            attributes,
            once_per_node: false,
            exclusive: &[],
            alternatives: &[],
            initial: &[],
            fixed: &[],
            check: None,
        }
    }

    /// A TS-0022 device-configuration specialization (`dcfg:` root key).
    pub(crate) const fn dcfg(
        mgd: i64,
        short: &'static str,
        name: &'static str,
        attributes: &'static [A],
    ) -> Self {
        Self::m2m(mgd, short, name, attributes).namespace("dcfg")
    }

    /// The same in the `m2m` namespace (for use by the TS-0022 table).
    pub(crate) const fn standard(
        mgd: i64,
        short: &'static str,
        name: &'static str,
        attributes: &'static [A],
    ) -> Self {
        Self::m2m(mgd, short, name, attributes)
    }

    const fn namespace(mut self, namespace: &'static str) -> Self {
        self.namespace = namespace;
        self
    }

    const fn once_per_node(mut self) -> Self {
        self.once_per_node = true;
        self
    }

    const fn exclusive(mut self, pairs: &'static [(&'static str, &'static str)]) -> Self {
        self.exclusive = pairs;
        self
    }

    /// Attributes that must not both be present in the resource.
    pub(crate) const fn alternatives(
        mut self,
        pairs: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.alternatives = pairs;
        self
    }

    /// Values the CSE fills in on CREATE.
    pub(crate) const fn initial(mut self, values: &'static [(&'static str, Initial)]) -> Self {
        self.initial = values;
        self
    }

    /// Trigger attributes stored with a fixed value.
    pub(crate) const fn fixed(mut self, values: &'static [(&'static str, bool)]) -> Self {
        self.fixed = values;
        self
    }

    /// A content rule for a structured attribute.
    pub(crate) const fn check(
        mut self,
        rule: fn(&Map<String, Value>) -> Result<(), Problem>,
    ) -> Self {
        self.check = Some(rule);
        self
    }

    /// The JSON root key (`m2m:fwr`, `dcfg:wific`).
    pub fn root(&self) -> String {
        format!("{}:{}", self.namespace, self.short)
    }
}

/// A value the CSE gives an attribute a CREATE left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initial {
    /// `false`: a trigger not yet pulled.
    False,
    /// `{"acn": "", "sus": 0}`: an action status before any action (Uninitialized).
    ActionStatus,
    /// `[]`: an empty result list.
    EmptyList,
}

impl Initial {
    /// The JSON value.
    pub fn value(self) -> Value {
        match self {
            Self::False => Value::Bool(false),
            Self::ActionStatus => serde_json::json!({"acn": "", "sus": 0}),
            Self::EmptyList => Value::Array(Vec::new()),
        }
    }
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

/// The specializations onecse hosts, by `mgd`. Status attributes start Uninitialized
/// and triggers `false` (as ACME fills them); the one-shot triggers of deviceCapability,
/// reboot and eventLog are stored as `true` whatever is written (TS-0004 D.8–D.10:
/// "value always true").
pub const SPECIALIZATIONS: &[MgmtSpecialization] = &[
    MgmtSpecialization::m2m(1001, "fwr", "firmware", FIRMWARE)
        .initial(&[("uds", Initial::ActionStatus)]),
    MgmtSpecialization::m2m(1002, "swr", "software", SOFTWARE)
        .exclusive(&[("in", "un"), ("act", "dea")])
        .initial(&[
            ("in", Initial::False),
            ("un", Initial::False),
            ("ins", Initial::ActionStatus),
            ("act", Initial::False),
            ("dea", Initial::False),
            ("acts", Initial::ActionStatus),
        ]),
    MgmtSpecialization::m2m(1003, "mem", "memory", MEMORY).once_per_node(),
    MgmtSpecialization::m2m(1004, "ani", "areaNwkInfo", AREA_NWK_INFO),
    MgmtSpecialization::m2m(1005, "andi", "areaNwkDeviceInfo", AREA_NWK_DEVICE_INFO),
    MgmtSpecialization::m2m(1006, "bat", "battery", BATTERY),
    MgmtSpecialization::m2m(1007, "dvi", "deviceInfo", DEVICE_INFO),
    MgmtSpecialization::m2m(1008, "dvc", "deviceCapability", DEVICE_CAPABILITY)
        .exclusive(&[("ena", "dis")])
        .fixed(&[("ena", true), ("dis", true)]),
    MgmtSpecialization::m2m(1009, "rbo", "reboot", REBOOT)
        .once_per_node()
        .exclusive(&[("rbo", "far")])
        .fixed(&[("rbo", true), ("far", true)]),
    MgmtSpecialization::m2m(1010, "evl", "eventLog", EVENT_LOG)
        .once_per_node()
        .exclusive(&[("lga", "lgo")])
        .fixed(&[("lga", true), ("lgo", true)]),
    super::mgo_config::DATA_COLLECTION,
    super::mgo_config::MY_CERT_FILE_CRED,
    super::mgo_config::WIFI_CLIENT,
    super::mgo_config::CREDENTIALS,
    super::mgo_config::SIM,
    super::mgo_config::MOBILE_NETWORK,
];

/// The specialization whose JSON root key is `root` (`m2m:fwr`).
pub fn by_root(root: &str) -> Option<&'static MgmtSpecialization> {
    let (namespace, short) = root.split_once(':')?;
    SPECIALIZATIONS
        .iter()
        .find(|s| s.namespace == namespace && s.short == short)
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
            let root = spec.root();
            assert_eq!(by_root(&root).map(|s| s.mgd), Some(spec.mgd));
            assert_eq!(by_definition(spec.mgd).map(|s| s.short), Some(spec.short));
            assert!(is_defined(spec.mgd));
            let named = spec
                .initial
                .iter()
                .map(|(n, _)| n)
                .chain(spec.fixed.iter().map(|(n, _)| n));
            for name in named {
                assert!(spec.attributes.iter().any(|x| x.name == *name), "{name}");
            }
            for (a, b) in spec.exclusive.iter().chain(spec.alternatives) {
                assert!(spec.attributes.iter().any(|x| x.name == *a), "{a}");
                assert!(spec.attributes.iter().any(|x| x.name == *b), "{b}");
            }
        }
        assert!(by_root("m2m:nod").is_none());
        assert!(
            by_root("m2m:wific").is_none(),
            "wifiClient is a dcfg object"
        );
        assert!(!is_defined(1500));
    }
}
