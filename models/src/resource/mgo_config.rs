//! The device-configuration mgmtObj specializations of TS-0022 (dataCollection,
//! myCertFileCred, wifiClient, credentials, SIM, mobileNetwork) as table rows beside
//! the TS-0004 Annex D ones in [`super::mgo`]. Their root keys are in the `dcfg`
//! namespace, except myCertFileCred's `m2m:nycfc` (as ACME spells them); attribute
//! flags and enumerations follow ACME's policy files where TS-0022 is not at hand.

use serde_json::{Map, Value};

use super::mgo::{Initial, MgmtSpecialization};
use super::policy::{AttributePolicy as A, ValueKind::*};
use crate::problem::Problem;

/// `m2m:suid` (TS-0003): pre-provisioned symmetric keys 10–15, RSPF-provisioned
/// 21–25, MAF-distributed 32–35, certificates 40–45.
const SUIDS: &[i64] = &[
    10, 11, 12, 13, 14, 15, 21, 22, 23, 24, 25, 32, 33, 34, 35, 40, 41, 42, 43, 44, 45,
];

/// Any integer (signal strengths may be negative).
const SIGNED: crate::resource::ValueKind = Integer { min: i64::MIN };

/// dataCollection (mgd 1021): where and when a device measures and reports. A
/// schedule and an interval for the same activity exclude each other.
pub(crate) const DATA_COLLECTION: MgmtSpecialization = MgmtSpecialization::dcfg(
    1021,
    "datc",
    "dataCollection",
    &[
        A::read_write("cntp", Text).mandatory(),
        A::read_write("rpsc", Schedules),
        A::read_write("mesc", Schedules),
        A::read_write("rpil", Integer { min: 1 }),
        A::read_write("meil", Integer { min: 1 }),
    ],
)
.alternatives(&[("rpsc", "rpil"), ("mesc", "meil")]);

/// myCertFileCred (mgd 1023): a certificate the device holds, with the security
/// usages (`suids`) it may serve; format and content are fixed once given.
pub(crate) const MY_CERT_FILE_CRED: MgmtSpecialization = MgmtSpecialization::standard(
    1023,
    "nycfc",
    "myCertFileCred",
    &[
        A::read_write("suids", EnumeratedList(SUIDS)).mandatory(),
        A::write_once("mcff", Text).mandatory(),
        A::write_once("mcfc", Text).mandatory(),
    ],
);

/// wifiClient (mgd 1028): the device's Wi-Fi association. `scan`, `ud` and
/// `trdst` are triggers; `trdst` is stored as `false` whatever is written, as in ACME.
pub(crate) const WIFI_CLIENT: MgmtSpecialization = MgmtSpecialization::dcfg(
    1028,
    "wific",
    "wifiClient",
    &[
        A::read_write("ssid", Text).mandatory(),
        A::read_write("wcrds", Object),
        A::read_write("maca", Text),
        A::read_write("chanl", Text),
        A::read_write("cons", IntegerRange { min: 0, max: 6 }),
        A::read_write("scan", Boolean),
        A::read_write("scanr", TextList),
        A::read_write("ud", Boolean),
        A::update_only("uds", Object),
        A::read_write("trdst", Boolean),
        A::read_write("rdst", Boolean),
    ],
)
.initial(&[
    ("scan", Initial::False),
    ("scanr", Initial::EmptyList),
    ("ud", Initial::False),
    ("uds", Initial::ActionStatus),
    ("rdst", Initial::False),
])
.fixed(&[("trdst", false)])
.check(check_wifi_credentials);

/// credentials (mgd 1029): a named secret or token for a purpose.
pub(crate) const CREDENTIALS: MgmtSpecialization = MgmtSpecialization::dcfg(
    1029,
    "crds",
    "credentials",
    &[
        A::read_write("pur", Text),
        A::read_write("crid", Text),
        A::read_write("crse", Text),
        A::read_write("crtk", Text),
    ],
);

/// SIM (mgd 1030): the subscriber identity module; `sist` 0 inactive / 1 active,
/// `sity` 0 UICC … 3 iUICC.
pub(crate) const SIM: MgmtSpecialization = MgmtSpecialization::dcfg(
    1030,
    "sim",
    "SIM",
    &[
        A::read_write("icid", Text).mandatory(),
        A::read_write("imsi", Text),
        A::read_write("sist", IntegerRange { min: 0, max: 1 }),
        A::read_write("sity", IntegerRange { min: 0, max: 3 }),
        A::read_write("spn", Text),
    ],
)
.check(check_sim_identities);

/// mobileNetwork (mgd 1031): the cellular bearer (`cnb` 0 GSM … 7 NB-IoT) and what
/// the device sees of it.
pub(crate) const MOBILE_NETWORK: MgmtSpecialization = MgmtSpecialization::dcfg(
    1031,
    "mnwk",
    "mobileNetwork",
    &[
        A::read_write("cnb", IntegerRange { min: 0, max: 7 }).mandatory(),
        A::read_write("rss", SIGNED),
        A::read_write("liqu", SIGNED),
        A::read_write("ipad", Any),
        A::read_write("ripa", Any),
        A::read_write("apna", TextList),
        A::read_write("ceid", SIGNED),
        A::read_write("smnc", SIGNED),
        A::read_write("smcc", SIGNED),
        A::read_write("lac", SIGNED),
        A::read_write("coel", IntegerRange { min: 0, max: 4 }),
    ],
);

/// `dcfg:wifiCredentials`: `enct` (1 none, 2 WEP, 3–5 WPA personal, 6–8 WPA
/// enterprise) decides which secret belongs: a WEP key for WEP, a passphrase for
/// personal, user name and password for enterprise; any other is refused.
fn check_wifi_credentials(attrs: &Map<String, Value>) -> Result<(), Problem> {
    let Some(credentials) = attrs.get("wcrds").and_then(Value::as_object) else {
        return Ok(());
    };
    let bad = |why: String| Err(Problem::bad_request(format!("wcrds: {why}")));
    let Some(enct) = credentials.get("enct").and_then(Value::as_i64) else {
        return bad("'enct' (the encryption type, 1–8) is required".into());
    };
    if !(1..=8).contains(&enct) {
        return bad(format!("enct {enct} is not an encryption type (1–8)"));
    }
    for (name, value) in credentials {
        if !matches!(name.as_str(), "enct" | "unm" | "pwd" | "wepk" | "wpap") {
            return bad(format!("'{name}' is not a wifiCredentials member"));
        }
        if name != "enct" && !value.is_string() {
            return bad(format!("'{name}' must be a string"));
        }
    }
    let has = |name: &str| credentials.contains_key(name);
    let rules: [(&[&str], &[i64], &str); 3] = [
        (
            &["unm", "pwd"],
            &[6, 7, 8],
            "user name and password (WPA enterprise)",
        ),
        (&["wepk"], &[2], "a WEP key (WEP)"),
        (&["wpap"], &[3, 4, 5], "a passphrase (WPA personal)"),
    ];
    // A secret of another encryption type is the clearer complaint, so it goes first.
    for (members, types, _) in rules {
        if members.iter().any(|m| has(m)) && !types.contains(&enct) {
            return bad(format!(
                "{} only belong to enct {types:?}, not {enct}",
                members.join("/")
            ));
        }
    }
    for (members, types, what) in rules {
        if types.contains(&enct) && !members.iter().all(|m| has(m)) {
            return bad(format!(
                "enct {enct} needs {what}: {}",
                members.join(" and ")
            ));
        }
    }
    Ok(())
}

/// ICCID (ITU-T E.118: 18–22 digits) and IMSI (ITU-T E.212: 6–15 digits).
fn check_sim_identities(attrs: &Map<String, Value>) -> Result<(), Problem> {
    let digits = |name: &str, range: std::ops::RangeInclusive<usize>, what: &str| match attrs
        .get(name)
        .and_then(Value::as_str)
    {
        Some(v) if !(range.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())) => {
            Err(Problem::bad_request(format!(
                "{name} '{v}' is not {what} ({}–{} digits)",
                range.start(),
                range.end()
            )))
        }
        _ => Ok(()),
    };
    digits("icid", 18..=22, "an ICCID")?;
    digits("imsi", 6..=15, "an IMSI")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wifi(credentials: Value) -> Result<(), Problem> {
        let attrs = json!({"wcrds": credentials});
        check_wifi_credentials(attrs.as_object().unwrap_or(&Map::new()))
    }

    #[test]
    fn wifi_credentials_follow_the_encryption_type() {
        assert!(wifi(json!({"enct": 8, "unm": "u", "pwd": "p"})).is_ok());
        assert!(wifi(json!({"enct": 2, "wepk": "k"})).is_ok());
        assert!(wifi(json!({"enct": 4, "wpap": "pass"})).is_ok());
        assert!(wifi(json!({"enct": 1})).is_ok());
        assert!(wifi(json!({"enct": 2, "unm": "u", "pwd": "p"})).is_err());
        assert!(wifi(json!({"enct": 4, "wepk": "k"})).is_err());
        assert!(wifi(json!({"enct": 8, "wpap": "w"})).is_err());
        assert!(wifi(json!({"enct": 9})).is_err());
        assert!(wifi(json!({"unm": "u"})).is_err());
    }

    #[test]
    fn sim_identities_are_digits_of_the_right_length() {
        let check = |v: Value| check_sim_identities(v.as_object().unwrap_or(&Map::new()));
        assert!(check(json!({"icid": "89490200001234567890", "imsi": "262011234567890"})).is_ok());
        assert!(check(json!({"icid": "12ab"})).is_err());
        assert!(check(json!({"icid": "89490200001234567890", "imsi": "1"})).is_err());
    }
}
