//! Evaluating filter criteria on one resource (TS-0004 §6.3.5.8, TS-0001 table 9.6.8-2):
//! the one definition used by discovery and by subscription event criteria.

use serde_json::{Map, Value};

use crate::primitive::{FilterCriteria, FilterOperation};
use crate::time::Timestamp;

impl FilterCriteria {
    /// Whether a resource of type `ty` with these attributes passes the matching
    /// conditions. Values of one tag are ORed; different tags combine with `fo`
    /// (AND unless it is 2, OR). No condition at all matches everything.
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
        if self.filter_operation == Some(FilterOperation::Or) {
            results.is_empty() || results.into_iter().any(|r| r)
        } else {
            results.into_iter().all(|r| r)
        }
    }
}

/// An attribute filter: the value as text (any item of a list), `*` matching any run.
fn attribute_matches(value: Option<&Value>, pattern: &str) -> bool {
    match value {
        None => false,
        Some(Value::String(s)) => glob(pattern, s),
        Some(Value::Array(items)) => items.iter().any(|i| attribute_matches(Some(i), pattern)),
        Some(other) => glob(pattern, &other.to_string()),
    }
}

/// `*`-wildcard matching in O(pattern × text): on a mismatch only the last `*` is
/// retried, so patterns like `a*a*a*b` cannot blow up.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut retry: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                retry = Some((pi, ti));
                pi += 1;
            }
            Some(c) if t.get(ti) == Some(c) => {
                pi += 1;
                ti += 1;
            }
            _ => match retry {
                Some((star, from)) => {
                    pi = star + 1;
                    ti = from + 1;
                    retry = Some((star, from + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn globs_match_any_run_without_blowing_up() {
        assert!(glob("cnt*", "cnt123"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        let pathological = format!("{}b", "a*".repeat(50));
        assert!(!glob(&pathological, &"a".repeat(5000)));
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
        let past = Timestamp::parse("20000101T000000").ok();
        assert!(!fc(FilterCriteria {
            created_before: past,
            ..Default::default()
        }));
    }
}
