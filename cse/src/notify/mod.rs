//! The asynchronous half of notifications: delivery workers that claim outbox rows
//! and send them, the HTTP and MQTT senders, verification requests, and the wake-up signal.
//! Matching changes and writing outbox rows is the core's job
//! (`core::notification`); this module depends on the core, never the reverse.

pub mod courier;
pub mod deliver;
pub mod egress;
pub mod mqtt;
pub mod polling_hub;
pub mod send;
pub mod signal;
pub mod verify;

pub use signal::OutboxSignal;
