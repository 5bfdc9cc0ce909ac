//! A response as tests look at it: HTTP status, `X-M2M-RSC`, headers, the body as JSON
//! and as text. A request that got no response at all is a reply too (status 0), so
//! a suite can report it like any other wrong answer.

use serde_json::{Map, Value};

use onecse_models::Serialization;

use crate::headers;

/// What came back for one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status; 0 when no complete response arrived (see [`Reply::reached`]).
    pub status: u16,
    /// `X-M2M-RSC`, if present and numeric.
    pub rsc: Option<u16>,
    /// Response headers, lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as JSON; `Null` when empty or not JSON.
    pub body: Value,
    /// The body as received, or why no response arrived.
    pub raw: String,
    /// Why a non-empty body is not JSON, so strict callers can refuse it.
    pub json_error: Option<String>,
    /// The `X-M2M-RI` the client generated for the request (`None` when the caller
    /// wrote the headers itself), so a test can check the CSE echoed it.
    pub generated_ri: Option<String>,
    /// The body bytes as received (CBOR bodies are also decoded into `body`).
    pub bytes: Vec<u8>,
}

impl Reply {
    /// A reply read from its parts: `X-M2M-RSC` and the JSON body are parsed here,
    /// once, for every caller.
    pub fn from_parts(status: u16, headers: Vec<(String, String)>, raw: String) -> Self {
        let rsc = headers::find(&headers, "X-M2M-RSC").and_then(|v| v.trim().parse().ok());
        let (body, json_error) = if raw.is_empty() {
            (Value::Null, None)
        } else {
            match serde_json::from_str(&raw) {
                Ok(body) => (body, None),
                Err(e) => (Value::Null, Some(e.to_string())),
            }
        };
        Self {
            status,
            rsc,
            headers,
            body,
            raw,
            json_error,
            generated_ri: None,
            bytes: Vec::new(),
        }
    }

    /// A reply read from a body in any serialization: a CBOR body
    /// (`Content-Type: application/cbor` or a `+cbor` type) is decoded into `body`
    /// (`json_error` names what was wrong), anything else is read as JSON; `bytes`
    /// keeps the body as received.
    pub fn from_bytes(status: u16, headers: Vec<(String, String)>, bytes: Vec<u8>) -> Self {
        let cbor = headers::find(&headers, "Content-Type").and_then(Serialization::of_media_type)
            == Some(Serialization::Cbor);
        let mut reply = if cbor && !bytes.is_empty() {
            let mut reply = Self::from_parts(status, headers, String::new());
            match onecse_models::cbor::decode(&bytes) {
                Ok(body) => reply.body = body,
                Err(e) => reply.json_error = Some(format!("not valid CBOR: {e}")),
            }
            reply.raw = reply.body.to_string();
            reply
        } else {
            Self::from_parts(
                status,
                headers,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        };
        reply.bytes = bytes;
        reply
    }

    /// The reply for a request that got no (complete) response: status 0, no RSC,
    /// and the reason in `raw`.
    pub fn failed(reason: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            rsc: None,
            headers: Vec::new(),
            body: Value::Null,
            bytes: Vec::new(),
            raw: format!("request failed: {reason}"),
            json_error: None,
            generated_ri: None,
        }
    }

    /// True when the CSE answered at all.
    pub fn reached(&self) -> bool {
        self.status != 0
    }

    /// The outcome as one number, for counting: the RSC, else the HTTP status, else 0
    /// when nothing arrived.
    pub fn code(&self) -> u16 {
        self.rsc.unwrap_or(self.status)
    }

    /// True for a 2xxx outcome.
    pub fn succeeded(&self) -> bool {
        (2000..3000).contains(&self.code())
    }

    /// A response header, name compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        headers::find(&self.headers, name)
    }

    /// The attributes inside a root key, e.g. `m2m:ae`.
    pub fn resource(&self, root: &str) -> Option<&Map<String, Value>> {
        self.body.get(root).and_then(Value::as_object)
    }

    /// A string attribute inside a root key.
    pub fn text(&self, root: &str, name: &str) -> Option<String> {
        self.resource(root)?.get(name)?.as_str().map(str::to_owned)
    }

    /// The addresses of a discovery result (`m2m:uril`) in the order the CSE listed
    /// them: the one reading of that list the integration tests and the conformance
    /// suite share. Entries that are not strings are skipped; no list reads as empty.
    pub fn uril(&self) -> Vec<String> {
        self.body
            .get("m2m:uril")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `m2m:dbg` message of an error response ("" when there is none).
    pub fn dbg(&self) -> &str {
        self.body
            .get("m2m:dbg")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// For tests: the attributes inside `root`; panics with the body when absent.
    #[track_caller]
    pub fn expect_resource(&self, root: &str) -> &Map<String, Value> {
        self.resource(root)
            .unwrap_or_else(|| panic!("body should have '{root}': {}", self.raw))
    }

    /// For tests: asserts an error reply — RSC, HTTP status, a `m2m:dbg` mentioning
    /// `needle` (case-insensitive) and a JSON content type; panics otherwise.
    #[track_caller]
    pub fn assert_error(&self, rsc: u16, status: u16, needle: &str) {
        assert_eq!(self.rsc, Some(rsc), "RSC of {self:#?}");
        assert_eq!(self.status, status, "HTTP status of {self:#?}");
        assert!(
            self.dbg().to_lowercase().contains(&needle.to_lowercase()),
            "m2m:dbg '{}' should mention '{needle}'",
            self.dbg()
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rsc_and_json_body_are_parsed() {
        let r = Reply::from_parts(
            201,
            h(&[("x-m2m-rsc", "2001"), ("content-type", "application/json")]),
            r#"{"m2m:ae": {"ri": "CAE1", "rn": "ae"}}"#.to_owned(),
        );
        assert_eq!((r.status, r.rsc, r.code()), (201, Some(2001), 2001));
        assert!(r.succeeded() && r.reached());
        assert_eq!(r.text("m2m:ae", "ri").as_deref(), Some("CAE1"));
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.expect_resource("m2m:ae")["rn"], json!("ae"));
        assert!(r.json_error.is_none());
    }

    #[test]
    fn a_missing_rsc_counts_as_the_http_status_and_text_is_kept() {
        let r = Reply::from_parts(404, h(&[("x-m2m-rsc", "soon")]), "not found".to_owned());
        assert_eq!((r.rsc, r.code()), (None, 404));
        assert!(!r.succeeded());
        assert_eq!(r.body, Value::Null);
        assert_eq!(r.raw, "not found");
        assert!(r.json_error.is_some());
        let empty = Reply::from_parts(200, Vec::new(), String::new());
        assert!(empty.json_error.is_none() && empty.body.is_null());
    }

    #[test]
    fn a_failed_request_is_status_zero_with_the_reason() {
        let r = Reply::failed("connection refused");
        assert!(!r.reached());
        assert_eq!(r.code(), 0);
        assert_eq!(r.raw, "request failed: connection refused");
    }

    #[test]
    fn error_replies_are_asserted_by_rsc_status_and_dbg() {
        let r = Reply::from_parts(
            400,
            h(&[("x-m2m-rsc", "4000"), ("content-type", "application/json")]),
            r#"{"m2m:dbg": "Missing X-M2M-RI"}"#.to_owned(),
        );
        assert_eq!(r.dbg(), "Missing X-M2M-RI");
        r.assert_error(4000, 400, "x-m2m-ri");
        let wrong = std::panic::catch_unwind(|| r.assert_error(4004, 400, "ri"));
        assert!(wrong.is_err(), "another RSC must fail the assertion");
    }

    #[test]
    fn uril_lists_the_discovered_addresses_in_order() {
        let found = Reply::from_parts(
            200,
            h(&[("x-m2m-rsc", "2000")]),
            r#"{"m2m:uril": ["cse-in/b", "cse-in/a", 7, "cse-in/c"]}"#.to_owned(),
        );
        assert_eq!(found.uril(), ["cse-in/b", "cse-in/a", "cse-in/c"]);
        let none = Reply::from_parts(200, Vec::new(), r#"{"m2m:uril": []}"#.to_owned());
        assert!(none.uril().is_empty());
        let other = Reply::from_parts(200, Vec::new(), r#"{"m2m:cin": {}}"#.to_owned());
        assert!(other.uril().is_empty());
        assert!(Reply::failed("refused").uril().is_empty());
    }
}
