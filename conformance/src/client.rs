//! The HTTP side of the suite: how to reach the CSE under test and what a reply holds.

use std::time::Duration;

use serde_json::Value;

/// The CSE under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Scheme, host and port: `http://127.0.0.1:8080`.
    pub origin: String,
    /// HTTP path of the CSEBase: `/cse-in`.
    pub cse_base_path: String,
    /// SP-relative CSE-ID: `/id-in`.
    pub cse_id: String,
    /// Originator allowed to do everything.
    pub admin: String,
    /// X-M2M-RVI sent with every request.
    pub rvi: String,
    /// M2M-SP-ID for absolute addressing tests, if known.
    pub sp_id: Option<String>,
    /// Time limit per request and per awaited notification.
    pub timeout: Duration,
}

impl Target {
    /// Reads a CSEBase URL such as `http://127.0.0.1:8080/cse-in`.
    pub fn from_url(
        url: &str,
        cse_id: &str,
        admin: &str,
        rvi: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            anyhow::anyhow!(
                "--target must be an http:// URL of the CSEBase, e.g. http://127.0.0.1:8080/cse-in"
            )
        })?;
        let (host, path) = rest.split_once('/').ok_or_else(|| {
            anyhow::anyhow!(
                "--target must include the CSEBase path, e.g. http://127.0.0.1:8080/cse-in"
            )
        })?;
        let path = path.trim_end_matches('/');
        if host.is_empty() || path.is_empty() {
            anyhow::bail!("--target must look like http://HOST:PORT/CSEBASE");
        }
        Ok(Self {
            origin: format!("http://{host}"),
            cse_base_path: format!("/{path}"),
            cse_id: cse_id.to_owned(),
            admin: admin.to_owned(),
            rvi: rvi.to_owned(),
            sp_id: None,
            timeout,
        })
    }

    /// The CSEBase resource name (`cse-in`).
    pub fn cse_name(&self) -> &str {
        self.cse_base_path.trim_start_matches('/')
    }
}

/// A response as the test purposes look at it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `X-M2M-RSC`, if present and numeric.
    pub rsc: Option<u16>,
    /// Response headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// The body as received.
    pub raw: String,
}

impl Reply {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The attributes inside a root key, e.g. `m2m:ae`.
    pub fn resource(&self, root: &str) -> Option<&serde_json::Map<String, Value>> {
        self.body.get(root).and_then(Value::as_object)
    }

    /// A string attribute inside a root key.
    pub fn text(&self, root: &str, name: &str) -> Option<String> {
        self.resource(root)?.get(name)?.as_str().map(str::to_owned)
    }
}

/// Sends requests to the CSE under test.
pub struct Client {
    http: reqwest::blocking::Client,
    /// The target.
    pub target: Target,
    counter: std::cell::Cell<u64>,
}

impl Client {
    /// A client with the target's time limit.
    pub fn new(target: Target) -> anyhow::Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .timeout(target.timeout)
            .build()?;
        Ok(Self {
            http,
            target,
            counter: std::cell::Cell::new(0),
        })
    }

    /// A fresh request identifier.
    pub fn next_rqi(&self) -> String {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        format!("conf-{n}")
    }

    /// Sends one request with exactly these headers. Transport failures are reported
    /// as a reply with status 0 and the reason in `raw`.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&str>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = self
            .http
            .request(method, format!("{}{}", self.target.origin, path));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        match request.send() {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers: Vec<(String, String)> = response
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_ascii_lowercase(),
                            v.to_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect();
                let rsc = headers
                    .iter()
                    .find(|(n, _)| n == "x-m2m-rsc")
                    .and_then(|(_, v)| v.parse().ok());
                let raw = response.text().unwrap_or_default();
                let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
                Reply {
                    status,
                    rsc,
                    headers,
                    body,
                    raw,
                }
            }
            Err(err) => Reply {
                status: 0,
                rsc: None,
                headers: Vec::new(),
                body: Value::Null,
                raw: format!("request failed: {err}"),
            },
        }
    }

    /// A oneM2M request with the usual headers: originator (if any), fresh RI, RVI.
    pub fn onem2m(
        &self,
        method: &str,
        path: &str,
        originator: Option<&str>,
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut headers = vec![
            ("X-M2M-RI", self.next_rqi()),
            ("X-M2M-RVI", self.target.rvi.clone()),
            ("Accept", "application/json".to_owned()),
        ];
        if let Some(o) = originator {
            headers.push(("X-M2M-Origin", o.to_owned()));
        }
        if let Some(ct) = content_type {
            headers.push(("Content-Type", ct.to_owned()));
        }
        self.send(method, path, &headers, body)
    }

    /// CREATE of type `ty` under `parent` (an HTTP path).
    pub fn create(&self, parent: &str, ty: u16, body: &Value, originator: Option<&str>) -> Reply {
        let ct = format!("application/json;ty={ty}");
        self.onem2m(
            "POST",
            parent,
            originator,
            Some(&ct),
            Some(&body.to_string()),
        )
    }

    /// RETRIEVE.
    pub fn retrieve(&self, path: &str, originator: &str) -> Reply {
        self.onem2m("GET", path, Some(originator), None, None)
    }

    /// UPDATE.
    pub fn update(&self, path: &str, body: &Value, originator: &str) -> Reply {
        self.onem2m(
            "PUT",
            path,
            Some(originator),
            Some("application/json"),
            Some(&body.to_string()),
        )
    }

    /// DELETE.
    pub fn delete(&self, path: &str, originator: &str) -> Reply {
        self.onem2m("DELETE", path, Some(originator), None, None)
    }
}
