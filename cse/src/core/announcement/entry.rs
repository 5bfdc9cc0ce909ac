//! The two forms of an `at` entry (TS-0001 §9.6.26.1): a target CSE-ID whose copy
//! is still to be made (`/id-in`), and the address of the copy made there
//! (`/id-in/cntA12`).

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
