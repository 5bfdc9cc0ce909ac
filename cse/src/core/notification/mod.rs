//! The core's half of notifications, run inside the request's transaction: matching
//! a change to subscriptions and queuing outbox rows that commit with it
//! ([`matcher`]), and reading notification targets ([`target`]). Sending is
//! `notify/`'s job, which depends on this module and never the other way round.

pub mod blocking_update;
pub mod cross_resource;
pub mod cross_resource_members;
pub mod matcher;
pub mod missing_data_report;
pub mod monitor;
pub mod schedule;
pub mod stats;
pub mod subscriber;
pub mod target;
pub mod target_removal;
mod verification;
pub mod watch;

pub use matcher::Event;
pub use verification::Verification;
