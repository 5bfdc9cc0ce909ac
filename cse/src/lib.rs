//! onecse: a oneM2M Common Services Entity. The library holds the whole server so the
//! binary and the integration tests build exactly the same application.

pub mod announcer;
pub mod app;
pub mod binding;
pub mod blocking;
pub mod config;
pub mod core;
pub mod error;
pub mod metrics;
pub mod notify;
pub mod pem;
pub mod registree;
pub mod security;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
