//! onecse-testkit: the one oneM2M HTTP test client and the one notification receiver,
//! shared by onecse's integration tests (`cse/tests`), the black-box conformance suite
//! (`conformance`) and the load generator (`bench`), so that all three speak oneM2M the
//! same way and a fix to either tool lands everywhere.
//!
//! The core is async (the benchmark needs thousands of requests in flight, the
//! integration tests run on tokio); [`blocking`] wraps the same implementation for the
//! synchronous conformance suite. The kit talks to a CSE over HTTP, or over MQTT
//! (TS-0010) when the target names a broker, and depends on `onecse-models` for
//! vocabulary, never on the onecse server crate.

mod answer;
pub mod blocking;
mod client;
mod credentials;
mod error;
mod headers;
pub mod mqtt;
mod notification;
mod receiver;
mod reply;
mod request;
mod rotation;
mod server;
mod target;

pub use answer::Answer;
pub use client::{Client, ClientBuilder};
pub use credentials::{Credentials, Mint};
pub use error::Error;
pub use notification::Notification;
pub use receiver::Receiver;
pub use reply::Reply;
pub use request::Request;
pub use reqwest::Method;
pub use target::Target;
