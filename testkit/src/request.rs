//! One HTTP request as a test composes it: method, path, query, headers in the order
//! given and a raw body. Nothing is checked or normalised, so negative tests can send
//! missing, repeated or odd headers and bodies that are not JSON.

use reqwest::Method;
use serde_json::Value;

use crate::headers;

/// A request before it is sent. [`crate::Client::request`] starts one with the usual
/// oneM2M headers; [`Request::new`] starts one with none, for tests that must control
/// every header.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method; any, including ones oneM2M does not map.
    pub method: Method,
    /// Path below the target's origin (`/cse-in/ae`), possibly with a query already.
    pub path: String,
    /// Query parameters appended to the path, form-encoded.
    pub query: Vec<(String, String)>,
    /// Headers sent exactly as given, in this order.
    pub headers: Vec<(String, String)>,
    /// The body as sent, byte for byte.
    pub body: Option<String>,
    /// A binary body (CBOR), sent instead of `body` when set.
    pub bytes: Option<Vec<u8>>,
    /// The `X-M2M-RI` the client generated, if it did (see [`crate::Reply::generated_ri`]).
    pub(crate) generated_ri: Option<String>,
}

/// `application/json`, with `;ty=` for a CREATE (TS-0009 §6.4.5): the one place the
/// kit spells the oneM2M JSON media type.
fn json_content_type(ty: Option<u16>) -> String {
    match ty {
        Some(ty) => format!("application/json;ty={ty}"),
        None => "application/json".to_owned(),
    }
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            bytes: None,
            generated_ri: None,
        }
    }

    /// Adds a header (another one of the same name is kept, not replaced).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds every header of a list, for tests that write their headers by hand.
    pub fn headers<N: AsRef<str>, V: AsRef<str>>(mut self, list: &[(N, V)]) -> Self {
        self.headers.extend(
            list.iter()
                .map(|(n, v)| (n.as_ref().to_owned(), v.as_ref().to_owned())),
        );
        self
    }

    /// Removes every header of that name, e.g. a default a negative test must not send.
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if name.eq_ignore_ascii_case("X-M2M-RI") {
            self.generated_ri = None;
        }
        self
    }

    /// `X-M2M-Origin`: who sends the request.
    pub fn originator(self, originator: &str) -> Self {
        self.header("X-M2M-Origin", originator)
    }

    /// `Content-Type` as given, valid or not.
    pub fn content_type(self, content_type: &str) -> Self {
        self.header("Content-Type", content_type)
    }

    /// A body sent as is (no `Content-Type` added).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// A binary body (CBOR) sent as is (no `Content-Type` added).
    pub fn bytes(mut self, bytes: Vec<u8>) -> Self {
        self.bytes = Some(bytes);
        self
    }

    /// For serialization tests: `Content-Type` (none when `None`), `Accept` replacing
    /// any set before (none when `None`) and a binary body (none when `None`).
    pub fn serialized(
        self,
        content_type: Option<&str>,
        accept: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Self {
        let mut request = self.without_header("Accept");
        if let Some(content_type) = content_type {
            request = request.content_type(content_type);
        }
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        request.bytes = body;
        request
    }

    /// A JSON body with `Content-Type: application/json`, plus `;ty=` for a CREATE.
    pub fn json(self, ty: Option<u16>, body: &Value) -> Self {
        self.content_type(&json_content_type(ty))
            .body(body.to_string())
    }

    /// Adds a query parameter, form-encoded.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The first value of a header about to be sent.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        headers::find(&self.headers, name)
    }

    /// Path and query as they go on the request line.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.query);
        let separator = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{separator}{}", self.path, query.finish())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_parameters_are_encoded_and_appended() {
        let r = Request::new(Method::GET, "/cse-in")
            .query("fu", "1")
            .query("lbl", "a b&c");
        assert_eq!(r.path_and_query(), "/cse-in?fu=1&lbl=a+b%26c");
        let r = Request::new(Method::GET, "/cse-in?rcn=4").query("lim", "2");
        assert_eq!(r.path_and_query(), "/cse-in?rcn=4&lim=2");
        assert_eq!(Request::new(Method::GET, "/x").path_and_query(), "/x");
    }

    #[test]
    fn a_create_body_carries_the_type_in_the_content_type() {
        let r = Request::new(Method::POST, "/cse-in")
            .originator("Cx")
            .json(Some(2), &json!({"m2m:ae": {"api": "Nx"}}));
        assert_eq!(
            r.header_value("content-type"),
            Some("application/json;ty=2")
        );
        assert_eq!(r.header_value("X-M2M-ORIGIN"), Some("Cx"));
        assert_eq!(r.body.as_deref(), Some(r#"{"m2m:ae":{"api":"Nx"}}"#));
    }

    #[test]
    fn headers_are_kept_as_given_and_can_be_removed() {
        let r = Request::new(Method::GET, "/")
            .header("Accept", "application/json")
            .headers(&[("Accept", "image/png"), ("X-M2M-RVI", "9")])
            .without_header("accept");
        assert_eq!(r.headers, [("X-M2M-RVI".to_owned(), "9".to_owned())]);
    }
}
