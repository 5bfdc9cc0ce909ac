//! Synchronous facades for callers without an async runtime (the conformance suite):
//! the same [`crate::Client`] and [`crate::Receiver`], driven by a small runtime each
//! facade owns. Not for use inside an async task (blocking there would stall it); run
//! them on a plain thread or in `spawn_blocking`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::mqtt::Inbox;
use crate::{Answer, Error, Notification, Reply, Request, Target};

/// A runtime to drive one facade's futures on the calling thread.
fn runtime() -> Result<Runtime, Error> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// [`crate::Client`], blocking.
pub struct Client {
    inner: crate::Client,
    runtime: Runtime,
}

impl Client {
    /// A client with default settings.
    pub fn new(target: Target) -> Result<Self, Error> {
        Self::wrap(crate::Client::new(target)?)
    }

    /// Drives an async client built with [`crate::Client::builder`].
    pub fn wrap(inner: crate::Client) -> Result<Self, Error> {
        Ok(Self {
            inner,
            runtime: runtime()?,
        })
    }

    fn block<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    /// [`crate::mqtt::MqttTransport::listen`] on the target's broker, with the
    /// inbox read through this facade (`None`: the target names no broker).
    pub fn mqtt_listen(&self, filter: &str) -> Option<Result<Inbox, String>> {
        let mqtt = self.inner.mqtt()?;
        Some(self.block(mqtt.listen(filter)))
    }

    /// The target's broker URL, when the client speaks MQTT.
    pub fn mqtt_broker(&self) -> Option<String> {
        self.inner
            .mqtt()
            .map(crate::mqtt::MqttTransport::broker_url)
    }

    /// The next message of `inbox` within `wait`, driving the connection meanwhile.
    pub fn mqtt_next(&self, inbox: &mut Inbox, wait: Duration) -> Option<(String, Value)> {
        self.block(inbox.next_within(wait))
    }

    /// See [`crate::Client::target`].
    pub fn target(&self) -> &Target {
        self.inner.target()
    }

    /// See [`crate::Client::answered`].
    pub fn answered(&self) -> Vec<(String, u64)> {
        self.inner.answered()
    }

    /// See [`crate::Client::request`].
    pub fn request(&self, method: Method, path: &str) -> Request {
        self.inner.request(method, path)
    }

    /// See [`crate::Client::execute`].
    pub fn execute(&self, request: Request) -> Reply {
        self.block(self.inner.execute(request))
    }

    /// See [`crate::Client::create`].
    pub fn create(&self, parent: &str, ty: u16, body: &Value, originator: Option<&str>) -> Reply {
        self.block(self.inner.create(parent, ty, body, originator))
    }

    /// See [`crate::Client::retrieve`].
    pub fn retrieve(&self, path: &str, originator: &str) -> Reply {
        self.block(self.inner.retrieve(path, originator))
    }

    /// See [`crate::Client::update`].
    pub fn update(&self, path: &str, body: &Value, originator: &str) -> Reply {
        self.block(self.inner.update(path, body, originator))
    }

    /// See [`crate::Client::delete`].
    pub fn delete(&self, path: &str, originator: &str) -> Reply {
        self.block(self.inner.delete(path, originator))
    }
}

/// [`crate::Receiver`], with blocking waits.
pub struct Receiver {
    inner: crate::Receiver,
    runtime: Runtime,
}

impl Receiver {
    /// See [`crate::Receiver::start`] (127.0.0.1, a free port).
    pub fn start() -> Result<Self, Error> {
        Self::wrap(crate::Receiver::start()?)
    }

    /// See [`crate::Receiver::start_on`].
    pub fn start_on(addr: SocketAddr) -> Result<Self, Error> {
        Self::wrap(crate::Receiver::start_on(addr)?)
    }

    fn wrap(inner: crate::Receiver) -> Result<Self, Error> {
        Ok(Self {
            inner,
            runtime: runtime()?,
        })
    }

    /// The async receiver, for what needs no waiting (URLs, answers, counts).
    pub fn inner(&self) -> &crate::Receiver {
        &self.inner
    }

    /// See [`crate::Receiver::advertise_host`].
    pub fn advertise_host(&mut self, host: &str) {
        self.inner.advertise_host(host);
    }

    /// See [`crate::Receiver::url_for`].
    pub fn url_for(&self, path: &str) -> String {
        self.inner.url_for(path)
    }

    /// See [`crate::Receiver::answer_on`].
    pub fn answer_on(&self, path: &str, answer: Answer) {
        self.inner.answer_on(path, answer);
    }

    /// See [`crate::Receiver::delay_on`].
    pub fn delay_on(&self, path: &str, delay: Duration) {
        self.inner.delay_on(path, delay);
    }

    /// See [`crate::Receiver::next_on`].
    pub fn next_on(&self, path: &str, timeout: Duration) -> Option<Notification> {
        self.runtime.block_on(self.inner.next_on(path, timeout))
    }

    /// See [`crate::Receiver::next_notification_on`].
    pub fn next_notification_on(&self, path: &str, timeout: Duration) -> Option<Notification> {
        self.runtime
            .block_on(self.inner.next_notification_on(path, timeout))
    }
}
