//! The core's half of notifications, run inside the request's transaction: matching
//! a change to subscriptions and queuing outbox rows that commit with it
//! ([`matcher`]), and reading notification targets ([`target`]). Sending is
//! `notify/`'s job, which depends on this module and never the other way round.

pub mod blocking_update;
pub mod matcher;
pub mod missing_data_report;
pub mod monitor;
pub mod schedule;
pub mod stats;
mod subscriber;
pub mod target;
mod verification;
pub mod watch;

pub use matcher::Event;
pub use verification::Verification;
