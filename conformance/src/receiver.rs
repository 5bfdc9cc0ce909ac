//! The suite's own notification receiver: an HTTP server that records every request.
//! Each test purpose listens on its own path; a path containing `/refuse` answers 403,
//! which lets a test make a verification fail.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One request received.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Request path.
    pub path: String,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Value,
}

impl Notification {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `m2m:sgn` member.
    pub fn sgn(&self) -> &Value {
        &self.body["m2m:sgn"]
    }

    /// True for a verification request.
    pub fn is_verification(&self) -> bool {
        self.sgn()["vrq"] == Value::Bool(true)
    }
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Notification>>,
    arrived: Condvar,
}

/// The running receiver.
pub struct Receiver {
    base: String,
    inbox: Arc<Inbox>,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    /// Listens on `bind` (e.g. `127.0.0.1:0`); `host` is how the CSE reaches it
    /// (defaults to the bound address).
    pub fn start(bind: &str, host: Option<&str>) -> anyhow::Result<Self> {
        let server =
            Arc::new(tiny_http::Server::http(bind).map_err(|e| {
                anyhow::anyhow!("notification receiver cannot listen on {bind}: {e}")
            })?);
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
        let base = match host {
            Some(h) => format!("http://{h}:{port}"),
            None => format!("http://{}", server.server_addr()),
        };
        let inbox = Arc::new(Inbox::default());
        let (srv, inbox2) = (Arc::clone(&server), Arc::clone(&inbox));
        std::thread::spawn(move || serve(&srv, &inbox2));
        Ok(Self {
            base,
            inbox,
            server,
        })
    }

    /// The URL a test gives as notification target.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next request on `path` (removed from the inbox), waiting at most `timeout`.
    pub fn next(&self, path: &str, timeout: Duration) -> Option<Notification> {
        let deadline = Instant::now() + timeout;
        let mut received = self
            .inbox
            .received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(i) = received.iter().position(|n| n.path == path) {
                return Some(received.remove(i));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            received = self
                .inbox
                .arrived
                .wait_timeout(received, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// The next non-verification request on `path`.
    pub fn next_notification(&self, path: &str, timeout: Duration) -> Option<Notification> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let n = self.next(path, left)?;
            if !n.is_verification() {
                return Some(n);
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn serve(server: &tiny_http::Server, inbox: &Inbox) {
    for mut request in server.incoming_requests() {
        let mut text = String::new();
        let _ = request.as_reader().read_to_string(&mut text);
        let path = request.url().to_owned();
        let headers = request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect();
        let refuse = path.contains("/refuse");
        let rqi = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("X-M2M-RI"))
            .map(|h| h.value.as_str().to_owned())
            .unwrap_or_default();
        {
            let mut received = inbox
                .received
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            received.push(Notification {
                path,
                headers,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
            });
        }
        inbox.arrived.notify_all();
        let (status, rsc) = if refuse { (403, "4101") } else { (200, "2000") };
        let mut response = tiny_http::Response::empty(status);
        for (name, value) in [("X-M2M-RSC", rsc), ("X-M2M-RI", rqi.as_str())] {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        let _ = request.respond(response);
    }
}
