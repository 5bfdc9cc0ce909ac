//! `m2m:evalCriteria` (TS-0004 §6.3.5, R4 `<action>`/`<dependency>`): a subject
//! attribute (`sbjt`), a comparison (`optr`) and a threshold (`thld`), checked once
//! when given and evaluated against a resource's attributes.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::problem::Problem;

/// `m2m:evalCriteriaOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// 1 equal.
    Equal,
    /// 2 notEqual.
    NotEqual,
    /// 3 greaterThan.
    GreaterThan,
    /// 4 lessThan.
    LessThan,
    /// 5 greaterThanEqual.
    GreaterThanEqual,
    /// 6 lessThanEqual.
    LessThanEqual,
}

/// A checked evalCriteria.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalCriteria {
    /// `sbjt`: the subject resource's attribute compared.
    pub subject: String,
    /// `optr`.
    pub operator: Operator,
    /// `thld`: a number, a string or a boolean.
    pub threshold: Value,
}

impl EvalCriteria {
    /// Reads `evc` (4000 naming the member that is wrong).
    pub fn parse(value: &Value, at: &str) -> Result<Self, Problem> {
        let bad = |what: &str| Problem::bad_request(format!("{at}: {what}"));
        let map = value
            .as_object()
            .ok_or_else(|| bad("must be an object {\"sbjt\", \"optr\", \"thld\"}"))?;
        if let Some(other) = map
            .keys()
            .find(|k| !["sbjt", "optr", "thld"].contains(&k.as_str()))
        {
            return Err(bad(&format!("has unknown member '{other}'")));
        }
        let subject = map
            .get("sbjt")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("sbjt must name an attribute"))?
            .to_owned();
        let operator = match map.get("optr").and_then(Value::as_i64) {
            Some(1) => Operator::Equal,
            Some(2) => Operator::NotEqual,
            Some(3) => Operator::GreaterThan,
            Some(4) => Operator::LessThan,
            Some(5) => Operator::GreaterThanEqual,
            Some(6) => Operator::LessThanEqual,
            _ => return Err(bad("optr must be an evalCriteriaOperator from 1 to 6")),
        };
        let threshold = map.get("thld").cloned().unwrap_or(Value::Null);
        let ordered = !matches!(operator, Operator::Equal | Operator::NotEqual);
        match &threshold {
            Value::Number(_) | Value::String(_) => {}
            Value::Bool(_) if !ordered => {}
            Value::Bool(_) => return Err(bad("thld true/false allows only optr 1 or 2")),
            _ => return Err(bad("thld must be a number, a string or a boolean")),
        }
        Ok(Self {
            subject,
            operator,
            threshold,
        })
    }

    /// Whether the subject's attributes meet the criteria; an absent attribute or one
    /// of another kind than `thld` never does.
    pub fn holds(&self, attrs: &Map<String, Value>) -> bool {
        let Some(value) = attrs.get(&self.subject) else {
            return false;
        };
        let ordering = match (value, &self.threshold) {
            (Value::Number(a), Value::Number(b)) => a
                .as_f64()
                .zip(b.as_f64())
                .and_then(|(a, b)| a.partial_cmp(&b)),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        };
        let Some(ordering) = ordering else {
            return false;
        };
        match self.operator {
            Operator::Equal => ordering == Ordering::Equal,
            Operator::NotEqual => ordering != Ordering::Equal,
            Operator::GreaterThan => ordering == Ordering::Greater,
            Operator::LessThan => ordering == Ordering::Less,
            Operator::GreaterThanEqual => ordering != Ordering::Less,
            Operator::LessThanEqual => ordering != Ordering::Greater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn evc(v: Value) -> EvalCriteria {
        EvalCriteria::parse(&v, "evc").unwrap_or_else(|p| panic!("{}", p.message))
    }

    #[test]
    fn numbers_strings_and_booleans_compare() {
        let attrs = json!({"cni": 3, "lbl": "x", "b": true});
        let attrs = attrs.as_object().cloned().unwrap_or_default();
        assert!(evc(json!({"sbjt": "cni", "optr": 3, "thld": 2})).holds(&attrs));
        assert!(!evc(json!({"sbjt": "cni", "optr": 4, "thld": 3})).holds(&attrs));
        assert!(evc(json!({"sbjt": "cni", "optr": 6, "thld": 3.0})).holds(&attrs));
        assert!(evc(json!({"sbjt": "lbl", "optr": 1, "thld": "x"})).holds(&attrs));
        assert!(evc(json!({"sbjt": "b", "optr": 2, "thld": false})).holds(&attrs));
        assert!(!evc(json!({"sbjt": "nope", "optr": 2, "thld": 1})).holds(&attrs));
        assert!(!evc(json!({"sbjt": "lbl", "optr": 1, "thld": 1})).holds(&attrs));
    }

    #[test]
    fn bad_criteria_name_the_member() {
        for (v, needle) in [
            (json!({"optr": 1, "thld": 1}), "sbjt"),
            (json!({"sbjt": "a", "optr": 7, "thld": 1}), "optr"),
            (json!({"sbjt": "a", "optr": 3, "thld": true}), "thld"),
            (json!({"sbjt": "a", "optr": 1, "thld": [1]}), "thld"),
            (json!({"sbjt": "a", "optr": 1, "thld": 1, "x": 1}), "'x'"),
        ] {
            let err = EvalCriteria::parse(&v, "evc")
                .err()
                .map(|p| p.message)
                .unwrap_or_default();
            assert!(err.contains(needle), "{v}: {err}");
        }
    }
}
