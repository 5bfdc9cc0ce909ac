//! `<timeSyncBeacon>` (ty 60, R4; TS-0001 §9.6.58, TS-0004 §7.4.58; ACME for the
//! attribute flags): the CSE sends its current time to `bcnu` targets, periodically
//! (`bcnc` 1, every `bcni`) or when a requester loses synchronization (`bcnc` 2,
//! `bcnr` and `bcnt`).

use std::time::Duration;

use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use super::sub::parse_duration;
use crate::problem::Problem;
use crate::types::ResourceType;

/// `bcnc` 1: a beacon every `bcni`.
pub const PERIODIC: i64 = 1;
/// `bcnc` 2: a beacon when `bcnr` has not been heard from for `bcnt`.
pub const LOSS_OF_SYNCHRONIZATION: i64 = 2;

/// The interval a periodic beacon gets without `bcni`.
pub const DEFAULT_INTERVAL: &str = "PT60S";

/// The shortest `bcni`: a beacon is a NOTIFY to every target, so one more often than
/// each second is refused (4000).
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The timeSyncBeacon: under the CSEBase, an AE or a remoteCSE.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::TimeSyncBeacon,
        ATTRIBUTES,
        &[CseBase, Ae, RemoteCse],
    )
};

/// timeSyncBeacon attribute table.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::read_write("bcnc", Enumerated(&[PERIODIC, LOSS_OF_SYNCHRONIZATION])).mandatory(),
    A::read_write("bcni", Text),
    A::write_once("bcnr", Text),
    A::read_write("bcnt", Text),
    A::read_write("bcnu", UriList).mandatory(),
];

/// Checks a beacon as it will be stored and returns its interval (periodic) :
/// `bcnu` not empty, `bcni` only and always for periodic beacons (the default filled
/// in), a valid ISO 8601 duration of at least [`MIN_INTERVAL`]; `bcnt` and `bcnr`
/// only for loss-of-synchronization beacons (4000 naming the attribute).
pub fn check(attrs: &mut Map<String, Value>) -> Result<Option<Duration>, Problem> {
    let bad = |m: String| Problem::bad_request(m);
    if attrs
        .get("bcnu")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        return Err(bad(
            "bcnu must list at least one beacon notification URI".into()
        ));
    }
    let criteria = attrs
        .get("bcnc")
        .and_then(Value::as_i64)
        .unwrap_or(PERIODIC);
    let present = |attrs: &Map<String, Value>, n: &str| attrs.get(n).is_some_and(|v| !v.is_null());
    if criteria == PERIODIC {
        for n in ["bcnt", "bcnr"] {
            if present(attrs, n) {
                return Err(bad(format!(
                    "{n} is only for loss-of-synchronization beacons (bcnc 2)"
                )));
            }
        }
        if !present(attrs, "bcni") {
            attrs.insert("bcni".into(), Value::String(DEFAULT_INTERVAL.into()));
        }
        let text = attrs
            .get("bcni")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let interval = parse_duration(text).ok_or_else(|| {
            bad(format!(
                "bcni '{text}' is not an ISO 8601 duration such as PT30S"
            ))
        })?;
        if interval < MIN_INTERVAL {
            return Err(bad(format!(
                "bcni '{text}' is shorter than the smallest beacon interval, {} s",
                MIN_INTERVAL.as_secs()
            )));
        }
        return Ok(Some(interval));
    }
    if present(attrs, "bcni") {
        return Err(bad("bcni is only for periodic beacons (bcnc 1)".into()));
    }
    if let Some(text) = attrs.get("bcnt").and_then(Value::as_str)
        && parse_duration(text).is_none()
    {
        return Err(bad(format!(
            "bcnt '{text}' is not an ISO 8601 duration such as PT30S"
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(v: Value) -> Result<Option<Duration>, String> {
        let mut attrs = v.as_object().cloned().unwrap_or_default();
        check(&mut attrs).map_err(|p| p.message)
    }

    #[test]
    fn intervals_and_criteria_go_together() {
        let uri = json!(["http://127.0.0.1:1/b"]);
        assert_eq!(
            checked(json!({"bcnc": 1, "bcnu": uri, "bcni": "PT2S"})),
            Ok(Some(Duration::from_secs(2)))
        );
        assert_eq!(
            checked(json!({"bcnc": 1, "bcnu": uri})),
            Ok(Some(Duration::from_secs(60)))
        );
        for (v, needle) in [
            (json!({"bcnc": 1, "bcnu": uri, "bcni": "PT0.5S"}), "shorter"),
            (json!({"bcnc": 1, "bcnu": uri, "bcni": "10"}), "ISO 8601"),
            (json!({"bcnc": 1, "bcnu": uri, "bcnt": "PT5S"}), "bcnt"),
            (json!({"bcnc": 2, "bcnu": uri, "bcni": "PT5S"}), "bcni"),
            (json!({"bcnc": 1, "bcnu": []}), "bcnu"),
        ] {
            let err = checked(v.clone()).err().unwrap_or_default();
            assert!(err.contains(needle), "{v}: {err}");
        }
    }
}
