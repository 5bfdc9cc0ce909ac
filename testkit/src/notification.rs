//! One request the notification receiver got, with when it arrived.

use std::time::Instant;

use serde_json::Value;

use crate::headers;

/// `Null`, returned by reference for members a notification lacks.
static NULL: Value = Value::Null;

/// A request received by the [`crate::Receiver`]: a NOTIFY (TS-0004 §7.5.1), a
/// verification request, or whatever else the CSE sent there.
#[derive(Debug, Clone)]
pub struct Notification {
    /// HTTP method (NOTIFY is a POST in TS-0009).
    pub method: String,
    /// Path and query of the request, which lets one receiver serve many targets.
    pub path: String,
    /// Headers, lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (a CBOR body decoded into the same tree; `Null` when empty or
    /// unreadable).
    pub body: Value,
    /// When the request reached the receiver, for latency measurements.
    pub arrived: Instant,
}

impl Notification {
    /// A header value, name compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        headers::find(&self.headers, name)
    }

    /// The `m2m:sgn` member (`Null` for a batch or anything else).
    pub fn sgn(&self) -> &Value {
        self.body.get("m2m:sgn").unwrap_or(&NULL)
    }

    /// True for a subscription verification request (`vrq` true, TS-0004 §7.5.1.2.3).
    pub fn is_verification(&self) -> bool {
        self.sgn().get("vrq") == Some(&Value::Bool(true))
    }

    /// Every `m2m:sgn` carried: the one of a single notification, or each of a batch
    /// (`m2m:agn`, batchNotify), so callers need not tell the two apart.
    pub fn sgns(&self) -> Vec<&Value> {
        match self
            .body
            .pointer("/m2m:agn/m2m:sgn")
            .and_then(Value::as_array)
        {
            Some(batch) => batch.iter().collect(),
            None => self.body.get("m2m:sgn").into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn with_body(body: Value) -> Notification {
        Notification {
            method: "POST".into(),
            path: "/notify".into(),
            headers: vec![("x-m2m-origin".into(), "/id-in".into())],
            body,
            arrived: Instant::now(),
        }
    }

    #[test]
    fn single_and_batched_notifications_give_their_sgns() {
        let one = with_body(json!({"m2m:sgn": {"nev": {"net": 3}}}));
        assert_eq!(one.sgns(), [&json!({"nev": {"net": 3}})]);
        assert_eq!(one.sgn()["nev"]["net"], 3);
        assert!(!one.is_verification());
        assert_eq!(one.header("X-M2M-Origin"), Some("/id-in"));
        let batch = with_body(json!({"m2m:agn": {"m2m:sgn": [{"sur": "a"}, {"sur": "b"}]}}));
        assert_eq!(batch.sgns().len(), 2);
        assert!(batch.sgn().is_null());
        assert!(with_body(Value::Null).sgns().is_empty());
    }

    #[test]
    fn a_verification_request_is_recognised() {
        assert!(with_body(json!({"m2m:sgn": {"vrq": true, "sur": "/id-in/s"}})).is_verification());
        assert!(!with_body(json!({"m2m:sgn": {"vrq": "true"}})).is_verification());
    }
}
