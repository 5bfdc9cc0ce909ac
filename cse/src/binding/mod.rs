//! Protocol bindings: each turns its wire format into request primitives and
//! responses back: HTTP (TS-0009) and MQTT (TS-0010), both running requests through
//! `run::run`.

pub mod connections;
pub mod console;
pub mod cors;
pub mod guard;
pub mod http;
mod media;
pub mod mqtt;
pub mod ops;
mod query;
mod run;
mod timing;
pub mod tls;
pub mod upper_tester_endpoint;
