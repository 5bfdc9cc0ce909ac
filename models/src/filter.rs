//! Evaluating filter criteria on one resource (TS-0004 §6.3.5.8, TS-0001 table 9.6.8-2):
//! the one definition used by discovery and by subscription event criteria, and the
//! bounds a filter a client sends must stay within.

use serde_json::{Map, Value};

use crate::Problem;
use crate::primitive::{FilterCriteria, FilterOperation};
use crate::time::Timestamp;
use crate::wildcard;

/// Longest value of one matching condition (an attribute filter's pattern, a label, a
/// content type), in characters. Each is compared with every candidate row, so its
/// length multiplies into the cost of every row a discovery examines; real patterns
/// (names, labels, short content prefixes) are far shorter, while a 16,000-character
/// pattern was the lever of a denial of service (issue 25). 1024 leaves room for a
/// long URI or label and keeps a whole query well inside one request head.
pub const MAX_CONDITION_CHARS: usize = 1024;

/// Most values of matching conditions in one filter: `ty`, `lbl`, `cty`, attribute
/// filters and the parent/child conditions (`chty`, `pty`, `clbl`, `palb`) together. Every value is evaluated on each candidate row (labels and types
/// also become terms of the database query), so this caps the per-row work at
/// [`MAX_CONDITIONS`] × [`MAX_CONDITION_CHARS`]; a real discovery names a few.
pub const MAX_CONDITIONS: usize = 64;

impl FilterCriteria {
    /// Refuses (4000, naming the parameter and the limit) a filter with a condition
    /// value longer than [`MAX_CONDITION_CHARS`] or more than [`MAX_CONDITIONS`]
    /// values, so what one request asks of every row it examines stays bounded.
    /// Bindings call it once, where they read the filter.
    pub fn check_bounds(&self) -> Result<(), Problem> {
        let values = self
            .labels
            .iter()
            .map(|v| ("lbl", v.as_str()))
            .chain(self.content_types.iter().map(|v| ("cty", v.as_str())))
            .chain(self.child_labels.iter().map(|v| ("clbl", v.as_str())))
            .chain(self.parent_labels.iter().map(|v| ("palb", v.as_str())))
            .chain(
                self.attributes
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str())),
            );
        for (name, value) in values {
            let chars = value.chars().count();
            if chars > MAX_CONDITION_CHARS {
                return Err(Problem::bad_request(format!(
                    "filter parameter '{name}' is too long: {chars} characters (at most {MAX_CONDITION_CHARS})"
                )));
            }
        }
        let count = self.resource_types.len()
            + self.labels.len()
            + self.content_types.len()
            + self.attributes.len()
            + self.child_types.len()
            + self.parent_types.len()
            + self.child_labels.len()
            + self.parent_labels.len();
        if count > MAX_CONDITIONS {
            return Err(Problem::bad_request(format!(
                "too many filter conditions: {count} values of ty, lbl, cty, chty, pty, clbl, palb and attribute filters (at most {MAX_CONDITIONS})"
            )));
        }
        Ok(())
    }

    /// Whether a resource of type `ty` with these attributes passes the matching
    /// conditions. Values of one tag are ORed; different tags combine with `fo`: AND
    /// (1, the default), OR (2) or XOR (3: an odd number of them hold, the chained
    /// exclusive or; for two tags, exactly one). No condition at all matches everything.
    pub fn matches(&self, ty: u16, attrs: &Map<String, Value>) -> bool {
        let time = |name: &str| {
            attrs
                .get(name)
                .and_then(Value::as_str)
                .and_then(|s| Timestamp::parse(s).ok())
        };
        let int = |name: &str| attrs.get(name).and_then(Value::as_i64);
        let mut results: Vec<bool> = Vec::new();
        if !self.resource_types.is_empty() {
            results.push(self.resource_types.contains(&i64::from(ty)));
        }
        if !self.labels.is_empty() {
            let labels = attrs.get("lbl").and_then(Value::as_array);
            results.push(labels.is_some_and(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .any(|l| self.labels.iter().any(|f| f == l))
            }));
        }
        for (bound, name, below) in [
            (self.created_before, "ct", true),
            (self.created_after, "ct", false),
            (self.modified_since, "lt", false),
            (self.unmodified_since, "lt", true),
            (self.expire_before, "et", true),
            (self.expire_after, "et", false),
        ] {
            if let Some(bound) = bound {
                results
                    .push(time(name).is_some_and(|t| if below { t < bound } else { t >= bound }));
            }
        }
        for (bound, name, below) in [
            (self.state_tag_smaller, "st", true),
            (self.state_tag_bigger, "st", false),
            (self.size_above, "cs", false),
            (self.size_below, "cs", true),
        ] {
            if let Some(bound) = bound {
                results.push(int(name).is_some_and(|v| if below { v < bound } else { v >= bound }));
            }
        }
        if !self.content_types.is_empty() {
            let cnf = attrs.get("cnf").and_then(Value::as_str).unwrap_or("");
            let media = cnf.split(':').next().unwrap_or("");
            results.push(self.content_types.iter().any(|c| c == media));
        }
        for (name, pattern) in &self.attributes {
            results.push(attribute_matches(attrs.get(name), pattern));
        }
        if let Some(query) = &self.geo_query {
            results.push(query.matches(attrs.get("loc")));
        }
        match self.filter_operation {
            Some(FilterOperation::Or) => results.is_empty() || results.into_iter().any(|r| r),
            Some(FilterOperation::Xor) => {
                results.is_empty() || results.into_iter().filter(|r| *r).count() % 2 == 1
            }
            Some(FilterOperation::And) | None => results.into_iter().all(|r| r),
        }
    }
}

/// An attribute filter: the value as text (any item of a list), `*` matching any run.
fn attribute_matches(value: Option<&Value>, pattern: &str) -> bool {
    match value {
        None => false,
        Some(Value::String(s)) => wildcard::matches(pattern, s),
        Some(Value::Array(items)) => items.iter().any(|i| attribute_matches(Some(i), pattern)),
        Some(other) => wildcard::matches(pattern, &other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn overlong_values_and_too_many_conditions_are_refused_by_name() {
        let long = "a".repeat(MAX_CONDITION_CHARS + 1);
        let fits = "ä".repeat(MAX_CONDITION_CHARS);
        let message = |f: FilterCriteria| f.check_bounds().err().map(|p| p.message);
        assert_eq!(message(FilterCriteria::default()), None);
        assert_eq!(
            message(FilterCriteria {
                attributes: vec![("con".into(), fits.clone())],
                labels: vec![fits],
                ..Default::default()
            }),
            None
        );
        let too_long = message(FilterCriteria {
            attributes: vec![("rn".into(), "x".into()), ("con".into(), long.clone())],
            ..Default::default()
        });
        assert!(
            too_long
                .as_deref()
                .is_some_and(|m| m.contains("'con'") && m.contains("1024")),
            "{too_long:?}"
        );
        let label = message(FilterCriteria {
            labels: vec![long],
            ..Default::default()
        });
        assert!(
            label.as_deref().is_some_and(|m| m.contains("'lbl'")),
            "{label:?}"
        );
        let many = message(FilterCriteria {
            resource_types: vec![3; 40],
            labels: vec!["x".into(); MAX_CONDITIONS - 39],
            ..Default::default()
        });
        assert!(
            many.as_deref().is_some_and(|m| m.contains("at most 64")),
            "{many:?}"
        );
    }

    #[test]
    fn conditions_combine_by_tag() {
        let r =
            attrs(json!({"cs": 10, "st": 4, "lbl": ["k:v"], "cnf": "text/plain:0", "rn": "temp"}));
        let fc = |f: FilterCriteria| f.matches(4, &r);
        assert!(fc(FilterCriteria::default()));
        assert!(fc(FilterCriteria {
            size_above: Some(5),
            ..Default::default()
        }));
        assert!(!fc(FilterCriteria {
            size_above: Some(5),
            size_below: Some(8),
            ..Default::default()
        }));
        assert!(fc(FilterCriteria {
            size_above: Some(50),
            state_tag_bigger: Some(2),
            filter_operation: Some(FilterOperation::Or),
            ..Default::default()
        }));
        assert!(fc(FilterCriteria {
            resource_types: vec![3, 4],
            labels: vec!["x".into(), "k:v".into()],
            ..Default::default()
        }));
        assert!(fc(FilterCriteria {
            content_types: vec!["text/plain".into()],
            attributes: vec![("rn".into(), "te*".into())],
            ..Default::default()
        }));
        assert!(!fc(FilterCriteria {
            attributes: vec![("rn".into(), "x*".into())],
            ..Default::default()
        }));
        // XOR: one of two tags holds (ty), or both (ty and lbl), or none.
        let xor = |types: Vec<i64>, labels: Vec<&str>| {
            fc(FilterCriteria {
                resource_types: types,
                labels: labels.into_iter().map(str::to_owned).collect(),
                filter_operation: Some(FilterOperation::Xor),
                ..Default::default()
            })
        };
        assert!(xor(vec![4], vec!["nope"]));
        assert!(!xor(vec![4], vec!["k:v"]));
        assert!(!xor(vec![3], vec!["nope"]));
        let past = Timestamp::parse("20000101T000000").ok();
        assert!(!fc(FilterCriteria {
            created_before: past,
            ..Default::default()
        }));
    }
}
