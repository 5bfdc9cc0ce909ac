//! `<crossResourceSubscription>` (ty 48, R4) attributes and value rules (TS-0001
//! §9.6.58, TS-0004 §7.4.58, spec digest notifications-advanced §13): the targets
//! (`rrat` regular resources, `srat` existing subscriptions), the time window
//! (`twt`, `tws`), the event criteria per regular target (`encs`) and how a window is
//! judged (`eem`).

use std::time::Duration;

use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use super::sub::{check_event_criteria, parse_duration};
use crate::problem::Problem;
use crate::types::ResourceType;

/// The crossResourceSubscription: under the CSEBase, an AE or a remoteCSE.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::CrossResourceSubscription,
        ATTRIBUTES,
        &[Ae, CseBase, RemoteCse],
    )
    .reserving(&[super::ntp::SELF_REFERENCE])
};

/// crossResourceSubscription attribute table (TS-0004 §7.4.58, as the spec digest
/// gives it). `rrat`, `srat` and `encs` are fixed at creation; `rrats` lists
/// the subscriptions the CSE created on the regular targets.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("exc", Integer { min: 1 }),
    A::read_write("nu", TextList).mandatory(),
    A::write_once("nec", Integer { min: 0 }),
    A::write_once("su", Text),
    A::write_once("rrat", TextList),
    A::write_once("srat", TextList),
    A::read_only("rrats", TextList),
    A::read_write("twt", Enumerated(&[PERIODIC_WINDOW, SLIDING_WINDOW])).mandatory(),
    A::read_write("tws", Text).mandatory(),
    A::read_write("eem", Enumerated(&[1, 2, 3, 4, 5])),
    A::write_once("encs", Object),
    A::read_write("nse", Boolean),
    A::read_only("nsi", Any),
];

/// timeWindowType 1: back-to-back windows of `tws`, the first from creation.
pub const PERIODIC_WINDOW: i64 = 1;

/// timeWindowType 2: a window of `tws` opened by the first event after the last one.
pub const SLIDING_WINDOW: i64 = 2;

/// How a closed window is judged (`eem`, eventEvaluationMode, R4): which counts of
/// targets heard from, out of all of them, raise the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationMode {
    /// 1 (default): every target was heard from.
    AllEventsPresent,
    /// 2: at least one target was heard from.
    AllOrSomeEventsPresent,
    /// 3: at least one, but not every target was heard from.
    SomeEventsMissing,
    /// 4: not every target was heard from (none counts).
    AllOrSomeEventsMissing,
    /// 5: no target was heard from.
    AllEventsMissing,
}

impl EvaluationMode {
    /// The mode a resource's `eem` names (absent or unknown: the default).
    pub fn of(attrs: &Map<String, Value>) -> Self {
        match attrs.get("eem").and_then(Value::as_i64) {
            Some(2) => Self::AllOrSomeEventsPresent,
            Some(3) => Self::SomeEventsMissing,
            Some(4) => Self::AllOrSomeEventsMissing,
            Some(5) => Self::AllEventsMissing,
            _ => Self::AllEventsPresent,
        }
    }

    /// Whether a window in which `heard` of `total` targets notified raises the
    /// cross-resource notification.
    pub fn fires(self, heard: usize, total: usize) -> bool {
        match self {
            Self::AllEventsPresent => total > 0 && heard >= total,
            Self::AllOrSomeEventsPresent => heard >= 1,
            Self::SomeEventsMissing => heard >= 1 && heard < total,
            Self::AllOrSomeEventsMissing => heard < total,
            Self::AllEventsMissing => heard == 0,
        }
    }
}

/// Shortest window onecse runs: the timer run that closes windows ticks every
/// 250 ms by default, so a shorter window could not be honoured.
pub const MIN_WINDOW: Duration = Duration::from_secs(1);

/// Reads `tws` (an xs:duration such as `PT10S`), at least [`MIN_WINDOW`].
pub fn window_size(tws: &Value) -> Result<Duration, Problem> {
    let text = tws
        .as_str()
        .ok_or_else(|| Problem::bad_request("tws must be an xs:duration string such as PT10S"))?;
    let size = parse_duration(text).ok_or_else(|| {
        Problem::bad_request(format!("tws '{text}' is not an xs:duration such as PT10S"))
    })?;
    if size < MIN_WINDOW {
        return Err(Problem::bad_request(format!(
            "tws '{text}' is shorter than the smallest window this CSE runs ({} s)",
            MIN_WINDOW.as_secs()
        )));
    }
    Ok(size)
}

/// The event criteria of each regular target, from `encs` (`{"encn": [enc, ...]}`,
/// ACME spells the member `enc`): one for all targets or one per target, each a
/// valid subscription `enc`.
pub fn criteria_per_target(
    encs: Option<&Value>,
    targets: usize,
) -> Result<Vec<Option<Value>>, Problem> {
    if targets == 0 {
        if encs.is_some() {
            return Err(Problem::bad_request(
                "encs applies to regular targets (rrat) only, and rrat is absent",
            ));
        }
        return Ok(Vec::new());
    }
    let list = encs
        .and_then(Value::as_object)
        .and_then(|o| o.get("encn").or_else(|| o.get("enc")))
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            Problem::bad_request(
                "rrat needs encs {\"encn\": [enc, ...]} with one criteria object for all targets or one per target",
            )
        })?;
    if list.len() != 1 && list.len() != targets {
        return Err(Problem::bad_request(format!(
            "encs lists {} criteria objects; give one for all {targets} regular targets or one per target",
            list.len()
        )));
    }
    for enc in list {
        check_event_criteria(Some(enc))?;
    }
    Ok((0..targets)
        .map(|i| list.get(i).or_else(|| list.first()).cloned())
        .collect())
}

/// Checks a crossResourceSubscription's attributes as they will be stored: at least
/// one target, the window, and `encs` against `rrat`. Returns the window size.
pub fn check(attrs: &Map<String, Value>) -> Result<Duration, Problem> {
    let count = |name: &str| {
        attrs
            .get(name)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let (rrat, srat) = (count("rrat"), count("srat"));
    if rrat + srat == 0 {
        return Err(Problem::bad_request(
            "a crossResourceSubscription needs at least one target: rrat (regular resources) or srat (subscriptions)",
        ));
    }
    criteria_per_target(attrs.get("encs"), rrat)?;
    let size = window_size(attrs.get("tws").unwrap_or(&Value::Null))?;
    if let Some(nec) = attrs.get("nec").and_then(Value::as_i64)
        && !matches!(nec, 2..=4 | 100..=999)
    {
        return Err(Problem::bad_request(format!(
            "nec {nec} is not an event category: 2 immediate, 3 best effort, 4 latest, or 100-999"
        )));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn targets_window_and_criteria_are_checked() {
        let ok = attrs(
            json!({"rrat": ["a", "b"], "encs": {"encn": [{"net": [1]}]}, "twt": 1, "tws": "PT2S"}),
        );
        assert_eq!(check(&ok).ok(), Some(Duration::from_secs(2)));
        let bad = |v: Value| check(&attrs(v)).err().map(|p| p.rsc.code());
        assert_eq!(bad(json!({"twt": 1, "tws": "PT2S"})), Some(4000));
        assert_eq!(
            bad(json!({"rrat": ["a"], "twt": 1, "tws": "PT2S"})),
            Some(4000)
        );
        assert_eq!(
            bad(
                json!({"rrat": ["a", "b", "c"], "encs": {"encn": [{}, {}]}, "twt": 1, "tws": "PT2S"})
            ),
            Some(4000)
        );
        assert_eq!(
            bad(json!({"srat": ["s"], "twt": 1, "tws": "soon"})),
            Some(4000)
        );
        assert_eq!(
            bad(json!({"srat": ["s"], "twt": 1, "tws": "PT0.1S"})),
            Some(4000)
        );
        assert_eq!(
            bad(json!({"srat": ["s"], "encs": {"encn": [{}]}, "twt": 1, "tws": "PT2S"})),
            Some(4000)
        );
    }

    #[test]
    fn evaluation_modes_follow_the_counts() {
        use EvaluationMode::*;
        assert!(AllEventsPresent.fires(2, 2));
        assert!(!AllEventsPresent.fires(1, 2));
        assert!(AllOrSomeEventsPresent.fires(1, 2));
        assert!(!AllOrSomeEventsPresent.fires(0, 2));
        assert!(SomeEventsMissing.fires(1, 2));
        assert!(!SomeEventsMissing.fires(2, 2));
        assert!(AllOrSomeEventsMissing.fires(0, 2));
        assert!(AllEventsMissing.fires(0, 2));
        assert!(!AllEventsMissing.fires(1, 2));
    }
}
