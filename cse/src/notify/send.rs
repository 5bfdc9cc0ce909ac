//! Outgoing NOTIFY requests over HTTP (TS-0009): POST with this CSE's ID as
//! originator, a fresh request ID, `Content-Type: application/json` exactly and a
//! `Content-Length` (simple receivers need both), bounded by connect and request
//! timeouts.

use std::time::Duration;

use onecse_models::time::Timestamp;
use serde_json::Value;

/// The HTTP client notifications are sent with.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    cse_id: String,
}

impl Sender {
    /// A sender with the given timeouts.
    pub fn new(
        cse_id: &str,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            cse_id: cse_id.to_owned(),
        })
    }

    /// POSTs `body` to `url`. Success is an HTTP 2xx whose `X-M2M-RSC`, if present, is
    /// a 2xxx code; anything else (refused, timed out, error status) is a failure with
    /// its reason.
    pub async fn post(&self, url: &str, body: &Value, latest: bool) -> Result<(), String> {
        let mut request = self
            .client
            .post(url)
            .header("X-M2M-Origin", &self.cse_id)
            .header("X-M2M-RI", uuid::Uuid::new_v4().simple().to_string())
            .header("X-M2M-RVI", "3")
            .header("X-M2M-OT", Timestamp::now().to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if latest {
            // Event category "latest" (ec 4) for latestNotify.
            request = request.header("X-M2M-EC", "4");
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{url}: {}", describe(&e)))?;
        let status = response.status();
        let rsc = response
            .headers()
            .get("X-M2M-RSC")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let rsc_ok = rsc.as_deref().is_none_or(|r| r.starts_with('2'));
        if status.is_success() && rsc_ok {
            Ok(())
        } else {
            Err(format!(
                "{url} answered HTTP {} with X-M2M-RSC {}",
                status.as_u16(),
                rsc.as_deref().unwrap_or("(none)")
            ))
        }
    }

    /// Tries `urls` in order (an AE's `poa` list) until one accepts.
    pub async fn post_first(
        &self,
        urls: &[String],
        body: &Value,
        latest: bool,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for url in urls {
            match self.post(url, body, latest).await {
                Ok(()) => return Ok(()),
                Err(e) => errors.push(e),
            }
        }
        Err(if errors.is_empty() {
            "no target URL".to_owned()
        } else {
            errors.join("; ")
        })
    }
}

fn describe(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}
