//! Notifications: matching events to subscriptions and writing outbox rows (sync, in
//! the request's transaction), resolving targets, verification, and the delivery
//! workers (async).

pub mod deliver;
pub mod matcher;
pub mod send;
pub mod signal;
pub mod target;

pub use signal::OutboxSignal;
