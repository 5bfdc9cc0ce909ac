//! The receiver's HTTP side: accepts connections, records each request with its
//! arrival time and answers it as configured. Kept apart from [`crate::Receiver`], the
//! handle tests hold, which only reads and configures the shared state.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::{Answer, Notification, headers};

/// What the server and the waiting test share.
#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Woken at every arrival.
    pub(crate) arrived: Notify,
}

/// The requests kept and the answers configured.
pub(crate) struct State {
    /// Requests not taken yet, oldest first.
    pub(crate) queue: VecDeque<Notification>,
    /// Requests received since the start.
    pub(crate) total: usize,
    /// The answer for paths without their own.
    pub(crate) answer: Answer,
    /// Answers for particular paths.
    pub(crate) answers_by_path: HashMap<String, Answer>,
    /// How long to hold the answer on particular paths (a slow target).
    pub(crate) delays_by_path: HashMap<String, Duration>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            total: 0,
            answer: Answer::OK,
            answers_by_path: HashMap::new(),
            delays_by_path: HashMap::new(),
        }
    }
}

impl Shared {
    /// The state, for reading or configuring.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not hide later failures.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a request and decides its answer under one lock, so a test that sees
    /// the request and then changes the answer cannot change this one.
    /// Also says how long to hold the answer.
    fn record(&self, notification: Notification) -> (Answer, Option<Duration>) {
        let decided = {
            let mut state = self.lock();
            let answer = state
                .answers_by_path
                .get(&notification.path)
                .copied()
                .unwrap_or(state.answer);
            let delay = state.delays_by_path.get(&notification.path).copied();
            state.queue.push_back(notification);
            state.total += 1;
            (answer, delay)
        };
        self.arrived.notify_waiters();
        decided
    }

    /// Removes and returns the oldest request `wanted` accepts.
    pub(crate) fn take(&self, wanted: &dyn Fn(&Notification) -> bool) -> Option<Notification> {
        let mut state = self.lock();
        let index = state.queue.iter().position(wanted)?;
        state.queue.remove(index)
    }
}

/// Accepts connections (each after a TLS handshake, with `tls`) until told to stop,
/// then closes the listener and every connection before returning.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        // A client that fails the handshake is simply not served.
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                serve_connection(stream, shared).await;
                            }
                        }
                        None => serve_connection(stream, shared).await,
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves the requests of one connection until the client closes it.
async fn serve_connection<T>(io: T, shared: Arc<Shared>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// Records one request and answers it, echoing `X-M2M-RI` as TS-0004 asks.
async fn handle(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Empty<Bytes>>, Infallible> {
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let raw = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_owned());
    let headers = headers::collect(&parts.headers);
    // A CBOR notification is decoded into the same tree a JSON one gives.
    let cbor = headers::find(&headers, "Content-Type")
        .and_then(onecse_models::Serialization::of_media_type)
        == Some(onecse_models::Serialization::Cbor);
    let body = if cbor {
        onecse_models::cbor::decode(&raw).unwrap_or(Value::Null)
    } else {
        serde_json::from_slice(&raw).unwrap_or(Value::Null)
    };
    let (answer, delay) = shared.record(Notification {
        method: parts.method.to_string(),
        path,
        headers,
        body,
        arrived,
    });
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = hyper::Response::new(Empty::new());
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert("x-m2m-rsc", header::HeaderValue::from(answer.rsc));
    if let Some(rqi) = parts.headers.get("x-m2m-ri") {
        response.headers_mut().insert("x-m2m-ri", rqi.clone());
    }
    Ok(response)
}
