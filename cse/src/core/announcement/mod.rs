//! Announcement of this CSE's resources to other CSEs (TS-0001 §9.6.26, §10.2.13;
//! TS-0004 §7.3.3.10–11; spec digest inter-cse §4). In a request's transaction:
//! `at`/`aa` are checked ([`check`]) and the work each change owes the announced
//! copies is queued ([`queue`]) beside the change. After the commit the worker
//! (`crate::announcer`) sends it; [`copy`] is its database side (what to send, and
//! what an answer changes here). A failure to announce never fails the request.

pub mod check;
pub mod copy;
mod entry;
pub mod queue;

pub use entry::{entry_target, is_copy_address};
