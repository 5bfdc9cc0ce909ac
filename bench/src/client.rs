//! How the benchmark talks to the CSE under test: one HTTP/1.1 keep-alive connection
//! per simulated client, oneM2M headers on every request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

/// The CSE under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port`.
    pub origin: String,
    /// HTTP path of the CSEBase (`/cse-in`).
    pub base: String,
    /// SP-relative CSE-ID.
    pub cse_id: String,
    /// Originator with all rights.
    pub admin: String,
    /// `X-M2M-RVI`.
    pub rvi: String,
}

impl Target {
    /// Reads `http://host:port/cse-base`.
    pub fn from_url(url: &str, cse_id: &str, admin: &str, rvi: &str) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("--target must be an http:// URL of the CSEBase"))?;
        let (host, path) = rest.split_once('/').ok_or_else(|| {
            anyhow::anyhow!(
                "--target must include the CSEBase path, e.g. http://127.0.0.1:8080/cse-in"
            )
        })?;
        Ok(Self {
            origin: format!("http://{host}"),
            base: format!("/{}", path.trim_end_matches('/')),
            cse_id: cse_id.to_owned(),
            admin: admin.to_owned(),
            rvi: rvi.to_owned(),
        })
    }
}

/// What a request produced.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// `X-M2M-RSC`, or the HTTP status when absent, or 0 for a transport error.
    pub code: u16,
}

impl Outcome {
    /// A 2xxx response status code.
    pub fn ok(&self) -> bool {
        (2000..3000).contains(&self.code)
    }
}

static RQI: AtomicU64 = AtomicU64::new(0);

/// One simulated client: its own connection.
#[derive(Clone)]
pub struct Conn {
    http: reqwest::Client,
    target: Target,
}

impl Conn {
    /// A client keeping one connection to the target.
    pub fn new(target: &Target) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            target: target.clone(),
        })
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends one request; `ty` makes it a CREATE.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        ty: Option<u16>,
        body: Option<&Value>,
    ) -> Outcome {
        let rqi = RQI.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.target.origin))
            .header("X-M2M-Origin", &self.target.admin)
            .header("X-M2M-RI", format!("b{rqi}"))
            .header("X-M2M-RVI", &self.target.rvi)
            .header("Accept", "application/json");
        if let Some(body) = body {
            let ct = match ty {
                Some(ty) => format!("application/json;ty={ty}"),
                None => "application/json".to_owned(),
            };
            request = request.header("Content-Type", ct).body(body.to_string());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let rsc = response
                    .headers()
                    .get("X-M2M-RSC")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(status);
                // Read the body: the connection is reused only once it is consumed.
                let _ = response.bytes().await;
                Outcome { code: rsc }
            }
            Err(_) => Outcome { code: 0 },
        }
    }

    /// CREATE under `parent`.
    pub async fn create(&self, parent: &str, ty: u16, body: &Value) -> Outcome {
        self.send(reqwest::Method::POST, parent, Some(ty), Some(body))
            .await
    }

    /// RETRIEVE.
    pub async fn retrieve(&self, path: &str) -> Outcome {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Outcome {
        self.send(reqwest::Method::DELETE, path, None, None).await
    }
}
