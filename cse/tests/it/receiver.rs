//! A notification receiver for tests: an HTTP server on 127.0.0.1 that records every
//! request it gets and answers with a status the test chooses.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;
use tokio::sync::mpsc;

/// One request received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Value,
}

impl Received {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `m2m:sgn` object.
    pub fn sgn(&self) -> &Value {
        &self.body["m2m:sgn"]
    }
}

/// The running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:<port>/notify`.
    pub url: String,
    status: Arc<AtomicU16>,
    rx: mpsc::UnboundedReceiver<Received>,
    handle: actix_web::dev::ServerHandle,
}

struct State {
    tx: mpsc::UnboundedSender<Received>,
    status: Arc<AtomicU16>,
}

async fn record(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // Decide the answer before the test can see the request and change it.
    let status = state.status.load(Ordering::SeqCst);
    let _ = state.tx.send(Received { headers, body });
    let rsc = if status == 200 { "2000" } else { "5000" };
    let rqi = req
        .headers()
        .get("X-M2M-RI")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .insert_header(("X-M2M-RSC", rsc))
    .insert_header(("X-M2M-RI", rqi))
    .finish()
}

impl Receiver {
    /// Starts on a free port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Starts on a given port (0 for any), e.g. to come back where a stopped one was.
    pub async fn start_on(port: u16) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let status = Arc::new(AtomicU16::new(200));
        let state = web::Data::new(State {
            tx,
            status: Arc::clone(&status),
        });
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("receiver binds");
        let addr = listener.local_addr().expect("receiver address");
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("receiver listens")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{addr}/notify"),
            status,
            rx,
            handle,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// Answers every following request with this HTTP status (200 means success).
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// The next request, waiting at most `timeout`.
    pub async fn next_within(&mut self, timeout: Duration) -> Option<Received> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next request within 10 s; panics if none comes.
    pub async fn next(&mut self) -> Received {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("a notification within 10 s")
    }

    /// Asserts that nothing arrives for `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        if let Some(unexpected) = self.next_within(wait).await {
            panic!("unexpected request: {unexpected:#?}");
        }
    }

    /// Stops listening (the port then refuses connections).
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}
