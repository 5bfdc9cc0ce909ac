//! The core's half of notifications, run inside the request's transaction: matching
//! a change to subscriptions and queuing outbox rows that commit with it
//! ([`matcher`]), and reading notification targets ([`target`]). Sending is
//! `notify/`'s job, which depends on this module and never the other way round.

pub mod blocking;
pub mod matcher;
pub mod missing_data;
pub mod monitor;
pub mod stats;
pub mod target;
pub mod watch;

pub use matcher::Event;

/// Targets to verify before a subscription CREATE/UPDATE runs, and the identity the
/// verification request names. The caller sends it outside any transaction, so no
/// database lock is held while a remote target answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// resourceID of the subscription (chosen now for a CREATE).
    pub sub_ri: String,
    /// The creator sent as `cr`.
    pub creator: Option<String>,
    /// Each new `nu` entry with how it is reached, or why it cannot be.
    pub targets: Vec<(String, Result<target::Route, String>)>,
}
