//! The MQTT binding (TS-0010): a thin adapter beside HTTP. A request primitive
//! published on this CSE's request topic becomes the same request primitive the HTTP
//! binding builds (`codec`) and runs through the same service (`binding::run`);
//! the response primitive is published on the matching response topic. Answers to
//! this CSE's own requests (notifications over MQTT) go to the sender's
//! `notify::mqtt::MqttLink`.

mod codec;
pub mod connection;
mod replay;
mod serve;

pub use serve::serve;
