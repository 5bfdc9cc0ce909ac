//! The benchmark's notification receiver: records when each notification arrived,
//! keyed by the content of the instance it reports.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

/// Arrival times by content.
pub type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A running receiver.
pub struct Receiver {
    /// URL to subscribe with.
    pub url: String,
    /// What arrived, and when.
    pub arrivals: Arrivals,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    /// Listens on 127.0.0.1 on a free port, with a few threads.
    pub fn start() -> anyhow::Result<Self> {
        let server = Arc::new(
            tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("receiver: {e}"))?,
        );
        let url = format!("http://{}/notify", server.server_addr());
        let arrivals: Arrivals = Arc::default();
        for _ in 0..4 {
            let (server, arrivals) = (Arc::clone(&server), Arc::clone(&arrivals));
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let now = Instant::now();
                    let mut text = String::new();
                    let _ = request.as_reader().read_to_string(&mut text);
                    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    for con in contents(&body) {
                        if let Ok(mut map) = arrivals.lock() {
                            map.entry(con).or_insert(now);
                        }
                    }
                    let mut response = tiny_http::Response::empty(200);
                    if let Ok(h) = tiny_http::Header::from_bytes(&b"X-M2M-RSC"[..], &b"2000"[..]) {
                        response.add_header(h);
                    }
                    let _ = request.respond(response);
                }
            });
        }
        Ok(Self {
            url,
            arrivals,
            server,
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// The `con` of every instance a notification (or batch) reports.
fn contents(body: &Value) -> Vec<String> {
    let single = |sgn: &Value| {
        sgn.pointer("/nev/rep/m2m:cin/con")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(batch) = body.pointer("/m2m:agn/m2m:sgn").and_then(Value::as_array) {
        return batch.iter().filter_map(single).collect();
    }
    body.get("m2m:sgn").and_then(single).into_iter().collect()
}
