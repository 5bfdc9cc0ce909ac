//! Announcement of this CSE's resources to other CSEs (TS-0001 §9.6.26, §10.2.13;
//! TS-0004 §7.3.3.10–11; spec digest inter-cse §4). In a request's transaction:
//! `at`/`aa` are checked ([`check`]) and the work each change owes the announced
//! copies is queued ([`queue`]) beside the change. After the commit the worker
//! (`crate::announcer`) sends it; [`copy`] is its database side (what to send, and
//! what an answer changes here). A failure to announce never fails the request.

pub mod check;
pub mod copy;
pub mod queue;

/// The CSE-ID an `at` entry names: `/id-in` for the pending target `/id-in` and for
/// the announced copy's address `/id-in/cntA12`.
pub fn entry_target(entry: &str) -> &str {
    let rest = entry.strip_prefix('/').unwrap_or(entry);
    match rest.find('/') {
        Some(end) => entry.get(..end + 1).unwrap_or(entry),
        None => entry,
    }
}

/// Whether an `at` entry is the address of a copy (`/id-in/cntA12`), not a target
/// still waiting for its copy (`/id-in`).
pub fn is_copy_address(entry: &str) -> bool {
    entry_target(entry).len() < entry.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_their_target_cse() {
        assert_eq!(entry_target("/id-in"), "/id-in");
        assert_eq!(entry_target("/id-in/cntA12"), "/id-in");
        assert!(is_copy_address("/id-in/cntA12"));
        assert!(!is_copy_address("/id-in"));
    }
}
