//! One module per operation; each runs inside the request's transaction.

pub mod create;
pub mod delete;
pub mod expiration;
pub mod hierarchy;
pub mod result;
pub mod retrieve;
pub mod subscription;
pub mod target;
pub mod update;
