//! The CSE core: addressing, the dispatch choke point, per-operation processing,
//! per-type rules and the in-transaction half of notifications. Synchronous by
//! design: it runs on the blocking pool inside one database transaction and never
//! sees HTTP types, nor the asynchronous delivery side (`notify/`).

pub mod action_runs;
pub mod addressing;
pub mod announcement;
pub mod context;
pub mod discovery;
pub mod dispatch;
pub mod expiry_sweep;
pub mod fan_out_point;
pub mod filter_query;
pub mod filter_relatives;
pub mod group_membership;
pub mod ids;
pub mod nonblocking_requests;
pub mod notification;
pub mod operations;
pub mod polling_channel;
pub mod record;
pub mod registration;
pub mod remote_cses;
pub mod removal;
pub mod resources;
pub mod retrieval_count;
pub mod scan;
pub mod security_facts;
pub mod semantics;
pub mod timer_sweep;
pub mod transaction;
pub mod upper_tester;

pub use context::Cse;
