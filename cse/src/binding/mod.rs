//! Protocol bindings: each turns its wire format into request primitives and
//! responses back. Only HTTP (TS-0009) exists today.

pub mod connections;
pub mod guard;
pub mod http;
mod media;
pub mod ops;
mod query;
mod timing;
pub mod tls;
pub mod upper_tester_endpoint;
