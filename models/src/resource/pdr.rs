//! `<policyDeletionRules>` (ty 27; TS-0001 §9.6.34, spec digest
//! notifications-advanced §12): the rules under a `<notificationTargetPolicy>` that
//! must hold for the policy's action to apply when a notification target asks to be
//! removed. `dr` (deletionRules) holds `tod` (times of day, schedule entries) and
//! `lr` (location regions); `drr` (deletionRuleRelation) says whether all rules
//! (1 AND) or any (2 OR, the default) must hold.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::{Governance, TypeSpec};
use crate::problem::Problem;
use crate::schedule_entry;
use crate::types::ResourceType;

/// A relation (`drr`, and the policy's `rrs`) asking that every rule hold.
pub const AND: i64 = 1;
/// A relation asking that at least one rule hold (the default of `drr`).
pub const OR: i64 = 2;

/// How many `<policyDeletionRules>` one policy may have (TS-0001 §9.6.33: 0..2).
pub const MAX_PER_POLICY: usize = 2;

/// The policyDeletionRules: under a notificationTargetPolicy, its access decided by
/// that policy.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::PolicyDeletionRules,
        ATTRIBUTES,
        &[NotificationTargetPolicy],
    )
    .governed_by(Governance::Parent)
};

/// policyDeletionRules attributes: `dr` (mandatory, TS-0001 multiplicity 1) and
/// `drr`.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("lbl", TextList),
    A::read_write("dr", Object).mandatory(),
    A::read_write("drr", Enumerated(&[AND, OR])),
];

/// A parsed `dr`: the time-of-day rules; each entry is one rule.
#[derive(Debug, Clone)]
pub struct DeletionRules {
    times: Vec<cron::Schedule>,
}

impl DeletionRules {
    /// Reads `dr` as `{"tod": ["<7 crontab fields>", …], "lr": [...]}`: 4000 naming
    /// the bad member or entry; 5001 when `lr` is given, since a location-region rule
    /// needs the notification target's location, which the CSE hosting the
    /// subscription does not know.
    pub fn parse(value: &Value) -> Result<Self, Problem> {
        let object = value.as_object().ok_or_else(|| {
            Problem::bad_request(
                "dr (deletionRules) must be an object {\"tod\": [\"<7 crontab fields>\", …]}",
            )
        })?;
        if let Some(other) = object.keys().find(|k| !matches!(k.as_str(), "tod" | "lr")) {
            return Err(Problem::bad_request(format!(
                "dr (deletionRules) has the unknown member '{other}' (known: tod, lr)"
            )));
        }
        if object.contains_key("lr") {
            return Err(Problem::not_implemented(
                "dr.lr (location-region deletion rules) is not supported: it needs the notification target's location, which this CSE does not know",
            ));
        }
        let entries = object.get("tod").and_then(Value::as_array).ok_or_else(|| {
            Problem::bad_request("dr (deletionRules) needs 'tod', a list of schedule entries")
        })?;
        if entries.is_empty() {
            return Err(Problem::bad_request(
                "dr.tod must hold at least one schedule entry",
            ));
        }
        let times = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let text = entry
                    .as_str()
                    .ok_or_else(|| Problem::bad_request(format!("dr.tod[{i}] must be a string")))?;
                schedule_entry::parse(text)
                    .map_err(|e| Problem::bad_request(format!("dr.tod[{i}] {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { times })
    }

    /// Whether the rules hold at `at` under `relation` (`drr`; absent: OR).
    pub fn hold(&self, at: DateTime<Utc>, relation: Option<i64>) -> bool {
        let mut results = self.times.iter().map(|t| t.includes(at));
        if relation == Some(AND) {
            results.all(|r| r)
        } else {
            results.any(|r| r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn ten_past_nine() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 10, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn a_time_rule_holds_inside_its_window_only() {
        let rules = DeletionRules::parse(&json!({"tod": ["* * 9 * * * *"]})).ok();
        assert!(
            rules
                .as_ref()
                .is_some_and(|r| r.hold(ten_past_nine(), None))
        );
        let rules = DeletionRules::parse(&json!({"tod": ["* * 10 * * * *"]})).ok();
        assert!(rules.is_some_and(|r| !r.hold(ten_past_nine(), None)));
    }

    #[test]
    fn relation_and_needs_every_rule() {
        let rules = DeletionRules::parse(&json!({"tod": ["* * 9 * * * *", "* * 10 * * * *"]})).ok();
        assert!(
            rules
                .as_ref()
                .is_some_and(|r| r.hold(ten_past_nine(), Some(OR)))
        );
        assert!(rules.is_some_and(|r| !r.hold(ten_past_nine(), Some(AND))));
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in [
            json!([]),
            json!({}),
            json!({"tod": []}),
            json!({"tod": "* * * * * * *"}),
            json!({"tod": ["* * *"]}),
            json!({"tod": [5]}),
            json!({"tod": ["* * * * * * *"], "xx": 1}),
        ] {
            assert!(DeletionRules::parse(&bad).is_err(), "{bad}");
        }
        let location = DeletionRules::parse(&json!({"lr": [{}]}));
        assert!(location.is_err_and(|p| p.rsc == crate::ResponseStatusCode::NotImplemented));
    }
}
