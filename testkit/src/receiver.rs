//! The notification receiver: an HTTP/1.1 server (keep-alive, like a real AE) that
//! records every request with its arrival time and answers with the HTTP status and
//! `X-M2M-RSC` the test chose, so a test can play a healthy, refusing or failing
//! notification target. It runs on its own thread and runtime, so synchronous and
//! async callers use it alike, and [`Receiver::stop`] closes the port and every open
//! connection, as a target that goes away would. [`Receiver::start_tls`] serves the
//! same over TLS, for `https://` targets.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::server::{Shared, serve};
use crate::{Answer, Error, Notification};

/// A running notification receiver. Dropping it stops the server.
pub struct Receiver {
    addr: SocketAddr,
    scheme: &'static str,
    base: String,
    shared: Arc<Shared>,
    /// Dropping the sender stops the server; the receiver reports when it has stopped.
    running: Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

impl Receiver {
    /// Starts on 127.0.0.1 on a free port: the way every test uses it.
    pub fn start() -> Result<Self, Error> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts on a given address: a known port, to come back where a stopped receiver
    /// was, or (conformance `--notify-bind`) an address a remote CSE can reach.
    pub fn start_on(addr: SocketAddr) -> Result<Self, Error> {
        Self::launch(addr, None)
    }

    /// Starts on 127.0.0.1 on a free port, serving HTTPS with this configuration (its
    /// certificate, and whether it asks for client certificates): URLs are then
    /// `https://127.0.0.1:<port>/…`.
    pub fn start_tls(config: Arc<rustls::ServerConfig>) -> Result<Self, Error> {
        Self::launch(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            Some(TlsAcceptor::from(config)),
        )
    }

    fn launch(addr: SocketAddr, tls: Option<TlsAcceptor>) -> Result<Self, Error> {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let shared = Arc::new(Shared::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let server = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("receiver-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(serve(listener, tls, server, stop_rx));
                // Every socket is closed once the runtime is gone; only then is the
                // receiver reported stopped.
                drop(runtime);
                drop(done_tx);
            })?;
        Ok(Self {
            addr,
            scheme,
            base: format!("{scheme}://{addr}"),
            shared,
            running: Mutex::new(Some((stop_tx, done_rx))),
        })
    }

    /// Makes URLs name `host` instead of the bound address, for a CSE that reaches
    /// the receiver under another name (conformance `--notify-host`).
    pub fn advertise_host(&mut self, host: &str) {
        self.base = format!("{}://{host}:{}", self.scheme, self.addr.port());
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The notification URL tests subscribe with: `http://127.0.0.1:<port>/notify`
    /// (`https://` when started with TLS).
    pub fn url(&self) -> String {
        self.url_for("/notify")
    }

    /// The URL of another path, so one receiver can serve many targets apart.
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers every following request with this HTTP status (see [`Answer::status`]).
    pub fn answer(&self, status: u16) {
        self.answer_with(Answer::status(status));
    }

    /// Answers every following request (on paths without their own answer) so.
    pub fn answer_with(&self, answer: Answer) {
        self.shared.lock().answer = answer;
    }

    /// Answers following requests on exactly this path (as in [`Receiver::url_for`]) so,
    /// whatever the answer for other paths is.
    pub fn answer_on(&self, path: &str, answer: Answer) {
        self.shared
            .lock()
            .answers_by_path
            .insert(path.to_owned(), answer);
    }

    /// Holds the answer to following requests on exactly this path for `delay`: a
    /// slow target (the request is recorded at once).
    pub fn delay_on(&self, path: &str, delay: Duration) {
        self.shared
            .lock()
            .delays_by_path
            .insert(path.to_owned(), delay);
    }

    /// How many requests arrived since the start, taken or not.
    pub fn count(&self) -> usize {
        self.shared.lock().total
    }

    /// Removes and returns every request not taken yet, oldest first.
    pub fn drain(&self) -> Vec<Notification> {
        self.shared.lock().queue.drain(..).collect()
    }

    /// The next request on any path, waiting at most `timeout`.
    pub async fn next_within(&self, timeout: Duration) -> Option<Notification> {
        self.wait(&|_| true, timeout).await
    }

    /// The next request on `path`, waiting at most `timeout`; requests on other paths
    /// stay for their own tests.
    pub async fn next_on(&self, path: &str, timeout: Duration) -> Option<Notification> {
        self.wait(&|n| n.path == path, timeout).await
    }

    /// The next request on `path` that is not a verification request; verification
    /// requests met on the way are consumed.
    pub async fn next_notification_on(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Option<Notification> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let n = self.next_on(path, left).await?;
            if !n.is_verification() {
                return Some(n);
            }
        }
    }

    /// For tests: the next request within 10 s; panics if none comes.
    pub async fn next(&self) -> Notification {
        match self.next_within(Duration::from_secs(10)).await {
            Some(n) => n,
            None => panic!("no notification arrived at {} within 10 s", self.url()),
        }
    }

    /// For tests: panics if any request arrives within `wait`.
    pub async fn assert_quiet(&self, wait: Duration) {
        if let Some(unexpected) = self.next_within(wait).await {
            panic!("unexpected request: {unexpected:#?}");
        }
    }

    /// Stops listening and closes every open connection; when this returns, the port
    /// refuses connections (waits at most 5 s for the server to wind down).
    pub async fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((stop, done)) = running {
            drop(stop);
            let _ = tokio::time::timeout(Duration::from_secs(5), done).await;
        }
    }

    async fn wait(
        &self,
        wanted: &dyn Fn(&Notification) -> bool,
        timeout: Duration,
    ) -> Option<Notification> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so an arrival in between is not missed.
            let arrived = self.shared.arrived.notified();
            if let Some(n) = self.shared.take(wanted) {
                return Some(n);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.shared.take(wanted);
            }
        }
    }
}
