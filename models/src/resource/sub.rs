//! `<subscription>` (ty 23) attributes and rules (TS-0001 §9.6.8, TS-0004 §7.4.8,
//! spec digest notifications.md): event criteria, notification content types,
//! batching and their valid combinations.

use std::time::Duration;

use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::primitive::{FilterCriteria, FilterOperation};
use crate::problem::Problem;
use crate::time::Timestamp;
use crate::types::ResourceType;

/// The subscription: under every type that can be subscribed to; it watches its parent.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::Subscription,
        ATTRIBUTES,
        &[
            AccessControlPolicy,
            Ae,
            Container,
            CseBase,
            FlexContainer,
            Group,
            LocationPolicy,
            MgmtObj,
            Node,
            Request,
            SemanticDescriptor,
            TimeSeries,
            RemoteCse,
            Schedule,
            Action,
            Dependency,
            TimeSyncBeacon,
            DynamicAuthorizationConsultation,
        ],
    )
    .watching_parent()
    .reserving(&[super::ntp::SELF_REFERENCE])
};

/// Subscription attribute table. Features onecse does not implement yet (rate limits,
/// pre-subscription, group fan-out, storage priority, cross-
/// resource subscriptions) are answered 5001; docs/conformance.md says why for each.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("enc", Object),
    A::read_write("exc", Integer { min: 1 }),
    A::read_write("nu", TextList).mandatory(),
    A::read_write("gpi", Text).unsupported(),
    A::read_write("nfu", Text).unsupported(),
    A::read_write("bn", Object),
    A::read_write("rl", Object).unsupported(),
    A::write_once("psn", Integer { min: 0 }).unsupported(),
    A::read_write("pn", Enumerated(&[1, 2])),
    A::read_write("nsp", Integer { min: 0 }).unsupported(),
    A::read_write("ln", Boolean),
    A::read_write("nct", Enumerated(&[1, 2, 3, 4, 5])).always_present(),
    A::read_write("nec", Integer { min: 0 }),
    A::write_once("su", Text),
    A::read_only("acrs", TextList),
    A::read_write("nse", Boolean),
    A::read_only("nsi", Any),
    // enableEventNotificationOriginator (R5, spec digest notifications-advanced §5):
    // without `cr`, a notification names the originator of the request that caused it.
    A::read_write("eeno", Boolean),
];

/// Event types onecse raises: update (1), delete (2), child created (3), child deleted
/// (4), blocking update (7), missing data points of a timeSeries (8).
pub const SUPPORTED_EVENTS: [i64; 6] = [1, 2, 3, 4, BLOCKING_UPDATE, MISSING_DATA];

/// notificationEventType 7, Blocking_Update: the UPDATE waits for the subscriber.
pub const BLOCKING_UPDATE: i64 = 7;

/// notificationEventType 8, Report_on_missing_data_points (`<timeSeries>` only).
pub const MISSING_DATA: i64 = 8;

/// notificationContentType 5, the timeSeries notification (`m2m:tsn`), the only one
/// net 8 allows.
pub const TIME_SERIES_CONTENT: i64 = 5;

/// Batch size and period used when `bn` has no `dur` (the SP default; ACME uses 60 s).
pub const DEFAULT_BATCH_DURATION: Duration = Duration::from_secs(60);

/// Members of `enc` that are filter conditions on the triggering resource.
const CONDITIONS: [&str; 10] = [
    "crb", "cra", "ms", "us", "sts", "stb", "exb", "exa", "sza", "szb",
];

/// Checks `enc` and returns the event types it selects (default `[1]`).
pub fn check_event_criteria(enc: Option<&Value>) -> Result<Vec<i64>, Problem> {
    let Some(enc) = enc else { return Ok(vec![1]) };
    let Some(enc) = enc.as_object() else {
        return Err(Problem::bad_request("enc must be an object"));
    };
    for (name, value) in enc {
        match name.as_str() {
            "net" | "atr" | "chty" | "fo" => {}
            "md" => check_missing_data(value)?,
            "om" => {
                operation_monitor(value)?;
            }
            c if CONDITIONS.contains(&c) => check_condition(c, value)?,
            other => {
                return Err(Problem::bad_request(format!(
                    "enc member '{other}' is not an eventNotificationCriteria member"
                )));
            }
        }
    }
    if enc.contains_key("om") {
        if enc.contains_key("net") {
            return Err(Problem::bad_request(
                "enc/net and enc/om cannot be given together (TS-0004 §7.4.8.2.1)",
            ));
        }
        if let Some(other) = enc.keys().find(|k| k.as_str() != "om") {
            return Err(Problem::bad_request(format!(
                "enc/{other} cannot be combined with enc/om (operationMonitor)"
            )));
        }
        return Ok(Vec::new());
    }
    let net = match enc.get("net") {
        None => vec![1],
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut net = Vec::with_capacity(items.len());
            for item in items {
                match item.as_i64() {
                    Some(n) if SUPPORTED_EVENTS.contains(&n) => net.push(n),
                    Some(n) if (5..=6).contains(&n) || (9..=10).contains(&n) => {
                        return Err(Problem::not_implemented(format!(
                            "notificationEventType {n} is not supported by this CSE yet"
                        )));
                    }
                    _ => {
                        return Err(Problem::bad_request(format!(
                            "enc/net value {item} is not a notificationEventType"
                        )));
                    }
                }
            }
            net
        }
        Some(_) => {
            return Err(Problem::bad_request(
                "enc/net must be a non-empty array of event types",
            ));
        }
    };
    if let Some(atr) = enc.get("atr") {
        let ok = atr
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string));
        if !ok {
            return Err(Problem::bad_request(
                "enc/atr must be an array of attribute names",
            ));
        }
        if !net.contains(&1) && !net.contains(&BLOCKING_UPDATE) {
            return Err(Problem::bad_request(
                "enc/atr only applies to net 1 (update) and 7 (blocking update)",
            ));
        }
    }
    if let Some(chty) = enc.get("chty") {
        let ok = chty
            .as_array()
            .is_some_and(|a| a.iter().all(|v| v.as_i64().is_some()));
        if !ok {
            return Err(Problem::bad_request(
                "enc/chty must be an array of resource types",
            ));
        }
        if !net.iter().any(|n| *n == 3 || *n == 4) {
            return Err(Problem::bad_request(
                "enc/chty only applies to net 3 and 4 (child created/deleted)",
            ));
        }
    }
    if net.contains(&BLOCKING_UPDATE) {
        check_blocking_criteria(enc, &net)?;
    }
    if let Some(fo) = enc.get("fo")
        && !matches!(fo.as_i64(), Some(1 | 2))
    {
        return Err(Problem::bad_request("enc/fo must be 1 (AND) or 2 (OR)"));
    }
    if net.contains(&MISSING_DATA) != enc.contains_key("md") {
        return Err(Problem::bad_request(
            "enc/md (missingData) and net 8 go together: each needs the other",
        ));
    }
    Ok(net)
}

/// A blocking-update `enc` (spec digest notifications §6): `net` is `[7]` alone and
/// `atr` is the only other member.
fn check_blocking_criteria(enc: &Map<String, Value>, net: &[i64]) -> Result<(), Problem> {
    if net != [BLOCKING_UPDATE] {
        return Err(Problem::bad_request(
            "net 7 (blocking update) cannot be combined with other event types",
        ));
    }
    if let Some(other) = enc.keys().find(|k| !matches!(k.as_str(), "net" | "atr")) {
        return Err(Problem::bad_request(format!(
            "enc/{other} is not allowed with net 7 (blocking update): only atr is"
        )));
    }
    Ok(())
}

/// One `enc/om` entry: the operations it watches (an `acop` bit mask, TS-0004
/// §6.3.5.57; `None` = any) and the originator (`None` = any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoredAccess {
    /// `ops`: bits of m2m:accessControlOperations (1 CREATE … 32 DISCOVER).
    pub ops: Option<i64>,
    /// `or` (ACME spells it `org`).
    pub originator: Option<String>,
}

impl MonitoredAccess {
    /// Whether a request with `access_bit` (its acop bit) from `originator` matches.
    pub fn matches(&self, access_bit: i64, originator: Option<&str>) -> bool {
        self.ops.is_none_or(|ops| ops & access_bit != 0)
            && self
                .originator
                .as_deref()
                .is_none_or(|or| Some(or) == originator)
    }
}

/// Reads `enc/om` (operationMonitor): a non-empty array of `{ops, or}` objects, each
/// with at least one member; `ops` a non-zero mask of the six acop bits.
pub fn operation_monitor(om: &Value) -> Result<Vec<MonitoredAccess>, Problem> {
    let bad = |why: &str| Problem::bad_request(format!("enc/om {om}: {why}"));
    let items = om
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("must be a non-empty array of {ops, or} objects"))?;
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| bad("each entry must be an object {ops, or}"))?;
        if let Some(extra) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "ops" | "or" | "org"))
        {
            return Err(bad(&format!("unknown member '{extra}'")));
        }
        let ops = match obj.get("ops") {
            None => None,
            Some(v) => match v.as_i64() {
                Some(n) if (1..=63).contains(&n) => Some(n),
                _ => {
                    return Err(bad(
                        "ops must be an accessControlOperations bit mask (1..63)",
                    ));
                }
            },
        };
        let originator = match obj.get("or").or_else(|| obj.get("org")) {
            None => None,
            Some(v) => match v.as_str() {
                Some(s) if !s.is_empty() => Some(s.to_owned()),
                _ => return Err(bad("or must be an originator ID")),
            },
        };
        if ops.is_none() && originator.is_none() {
            return Err(bad("each entry needs ops, or, or both"));
        }
        entries.push(MonitoredAccess { ops, originator });
    }
    Ok(entries)
}

/// Checks `enc/md` (TS-0004 §6.3.5.x missingData): `num` a positive integer and `dur`
/// an ISO 8601 duration, both mandatory.
fn check_missing_data(md: &Value) -> Result<(), Problem> {
    let bad = |why: &str| Problem::bad_request(format!("enc/md {md}: {why}"));
    let obj = md
        .as_object()
        .ok_or_else(|| bad("must be an object {num, dur}"))?;
    if let Some(extra) = obj.keys().find(|k| !matches!(k.as_str(), "num" | "dur")) {
        return Err(bad(&format!("unknown member '{extra}'")));
    }
    if obj.get("num").and_then(Value::as_i64).is_none_or(|n| n < 1) {
        return Err(bad("num must be a positive integer"));
    }
    let dur = obj.get("dur").and_then(Value::as_str).unwrap_or("");
    if parse_duration(dur).is_none() {
        return Err(bad("dur must be an ISO 8601 duration such as PT10S"));
    }
    Ok(())
}

fn check_condition(name: &str, value: &Value) -> Result<(), Problem> {
    let ok = match name {
        "crb" | "cra" | "ms" | "us" | "exb" | "exa" => {
            value.as_str().is_some_and(|s| Timestamp::parse(s).is_ok())
        }
        _ => value.as_i64().is_some_and(|n| n >= 0),
    };
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request(format!(
            "enc/{name} has an invalid value {value}"
        )))
    }
}

/// The `nct` to use: the given one if it fits every selected event, else the default
/// (1 for net 1..4). TS-0001 table 9.6.8-4: nct 2 only for net 1; nct 4/5 not for 1..4.
/// Net 8 takes only (and defaults to) nct 5.
pub fn notification_content_type(nct: Option<i64>, net: &[i64]) -> Result<i64, Problem> {
    // An operationMonitor subscription (no net) notifies as an update would (ACME).
    let net = if net.is_empty() { &[1][..] } else { net };
    let default = if net.contains(&MISSING_DATA) {
        TIME_SERIES_CONTENT
    } else if net.contains(&BLOCKING_UPDATE) {
        2
    } else {
        1
    };
    let nct = nct.unwrap_or(default);
    let fits = |event: i64| match nct {
        _ if event == MISSING_DATA => nct == TIME_SERIES_CONTENT,
        _ if event == BLOCKING_UPDATE => nct == 2,
        1 | 3 => true,
        2 => event == 1,
        _ => false,
    };
    if net.iter().all(|e| fits(*e)) {
        Ok(nct)
    } else {
        Err(Problem::bad_request(format!(
            "nct {nct} cannot be used with the selected event types {net:?}"
        )))
    }
}

/// A checked `bn` (batchNotify): how many notifications make a batch and how long the
/// first one may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchNotify {
    /// `num`.
    pub num: i64,
    /// `dur`, or the default.
    pub duration: Duration,
}

/// Checks `bn`: `num` ≥ 1, `dur` an ISO 8601 duration (default 60 s).
pub fn check_batch_notify(bn: &Value) -> Result<BatchNotify, Problem> {
    let bad = |why: &str| Problem::bad_request(format!("bn {bn}: {why}"));
    let obj = bn
        .as_object()
        .ok_or_else(|| bad("must be an object {num, dur}"))?;
    if let Some(extra) = obj.keys().find(|k| !matches!(k.as_str(), "num" | "dur")) {
        return Err(bad(&format!("unknown member '{extra}'")));
    }
    let num = match obj.get("num").and_then(Value::as_i64) {
        Some(n) if n >= 1 => n,
        _ => return Err(bad("num must be an integer of at least 1")),
    };
    let duration = match obj.get("dur") {
        None => DEFAULT_BATCH_DURATION,
        Some(d) => parse_duration(d.as_str().unwrap_or(""))
            .ok_or_else(|| bad("dur must be an ISO 8601 duration such as PT10S"))?,
    };
    Ok(BatchNotify { num, duration })
}

/// Parses an ISO 8601 duration (`PT10S`, `PT1H30M`, `P1D`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let parsed: iso8601_duration::Duration = text.parse().ok()?;
    parsed.to_std()
}

/// The filter conditions of `enc` (TS-0001 table 9.6.8-2) as filter criteria, so
/// events are matched by the same rules as discovery ([`FilterCriteria::matches`]).
/// Values were checked when the subscription was stored; unreadable ones are ignored.
pub fn event_conditions(enc: &Map<String, Value>) -> FilterCriteria {
    let time = |n: &str| {
        enc.get(n)
            .and_then(Value::as_str)
            .and_then(|s| Timestamp::parse(s).ok())
    };
    let int = |n: &str| enc.get(n).and_then(Value::as_i64);
    FilterCriteria {
        created_before: time("crb"),
        created_after: time("cra"),
        modified_since: time("ms"),
        unmodified_since: time("us"),
        expire_before: time("exb"),
        expire_after: time("exa"),
        state_tag_smaller: int("sts"),
        state_tag_bigger: int("stb"),
        size_above: int("sza"),
        size_below: int("szb"),
        filter_operation: (int("fo") == Some(2)).then_some(FilterOperation::Or),
        ..FilterCriteria::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_criteria_defaults_and_errors() {
        assert_eq!(check_event_criteria(None), Ok(vec![1]));
        assert_eq!(
            check_event_criteria(Some(&json!({"net": [3, 4]}))),
            Ok(vec![3, 4])
        );
        let rsc = |v: Value| check_event_criteria(Some(&v)).err().map(|p| p.rsc.code());
        assert_eq!(rsc(json!({"net": []})), Some(4000));
        assert_eq!(rsc(json!({"net": [99]})), Some(4000));
        assert_eq!(rsc(json!({"net": [6]})), Some(5001));
        assert_eq!(
            check_event_criteria(Some(&json!({"net": [7], "atr": ["lbl"]}))),
            Ok(vec![7])
        );
        assert_eq!(rsc(json!({"net": [7, 1]})), Some(4000));
        assert_eq!(rsc(json!({"net": [7], "chty": [4]})), Some(4000));
        assert_eq!(rsc(json!({"net": [3], "atr": ["lbl"]})), Some(4000));
        assert_eq!(rsc(json!({"net": [1], "chty": [4]})), Some(4000));
        assert_eq!(rsc(json!({"bogus": 1})), Some(4000));
        assert_eq!(
            check_event_criteria(Some(&json!({"om": [{"ops": 1}]}))),
            Ok(vec![])
        );
        assert_eq!(rsc(json!({"om": [{"ops": 1}], "net": [1]})), Some(4000));
        assert_eq!(rsc(json!({"om": []})), Some(4000));
        assert_eq!(rsc(json!({"om": [{}]})), Some(4000));
        assert_eq!(rsc(json!({"om": [{"ops": 64}]})), Some(4000));
        assert_eq!(rsc(json!({"om": [{"or": 5}]})), Some(4000));
        assert_eq!(rsc(json!({"crb": "yesterday"})), Some(4000));
        let md = json!({"num": 2, "dur": "PT10S"});
        assert_eq!(
            check_event_criteria(Some(&json!({"net": [8], "md": md}))),
            Ok(vec![8])
        );
        assert_eq!(rsc(json!({"net": [8]})), Some(4000));
        assert_eq!(rsc(json!({"net": [3], "md": md})), Some(4000));
        assert_eq!(
            rsc(json!({"net": [8], "md": {"num": 0, "dur": "PT1S"}})),
            Some(4000)
        );
        assert_eq!(rsc(json!({"net": [8], "md": {"num": 1}})), Some(4000));
    }

    #[test]
    fn nct_must_fit_the_events() {
        assert_eq!(notification_content_type(None, &[3]), Ok(1));
        assert_eq!(notification_content_type(Some(2), &[1]), Ok(2));
        assert!(notification_content_type(Some(2), &[1, 3]).is_err());
        assert!(notification_content_type(Some(4), &[1]).is_err());
        assert_eq!(notification_content_type(None, &[8]), Ok(5));
        assert_eq!(notification_content_type(None, &[7]), Ok(2));
        assert!(notification_content_type(Some(1), &[7]).is_err());
        assert!(notification_content_type(Some(1), &[8]).is_err());
        assert!(notification_content_type(None, &[3, 8]).is_err());
        assert!(notification_content_type(Some(5), &[1]).is_err());
    }

    #[test]
    fn batch_notify_needs_num_and_a_duration() {
        let bn = check_batch_notify(&json!({"num": 3, "dur": "PT2S"}));
        assert_eq!(
            bn,
            Ok(BatchNotify {
                num: 3,
                duration: Duration::from_secs(2)
            })
        );
        assert_eq!(
            check_batch_notify(&json!({"num": 2})).map(|b| b.duration),
            Ok(DEFAULT_BATCH_DURATION)
        );
        for bad in [
            json!({"num": 0}),
            json!({"dur": "PT1S"}),
            json!({"num": 2, "dur": "soon"}),
            json!(5),
        ] {
            assert!(check_batch_notify(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_conditions_become_filter_criteria() {
        let attrs = json!({"cs": 10, "st": 4})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let enc = |v: Value| event_conditions(&v.as_object().cloned().unwrap_or_default());
        assert!(enc(json!({"sza": 5})).matches(4, &attrs));
        assert!(!enc(json!({"sza": 5, "szb": 8})).matches(4, &attrs));
        assert!(enc(json!({"sza": 50, "stb": 2, "fo": 2})).matches(4, &attrs));
        assert!(enc(json!({"net": [3]})).matches(4, &attrs));
    }
}
