//! The CSE core: addressing, per-operation processing and per-type resource rules.
//! Synchronous by design: it runs on the blocking pool inside one database
//! transaction and never sees HTTP types.

pub mod addressing;
pub mod bootstrap;
pub mod context;
pub mod discovery;
pub mod dispatch;
pub mod expiry;
pub mod ids;
pub mod operations;
pub mod removal;
pub mod resource;
pub mod resources;

pub use context::Cse;
