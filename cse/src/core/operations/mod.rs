//! One module per operation; each runs inside the request's transaction on the
//! target dispatch loaded, and asks the resource's kind for type-specific behaviour.

pub mod body;
pub mod content;
pub mod create;
pub mod delete;
pub mod expiration_time;
pub mod hierarchy;
pub mod policy_ids;
pub mod result;
pub mod retrieve;
pub mod update;
