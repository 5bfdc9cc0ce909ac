//! What a subscription CREATE/UPDATE asks to verify before it runs: the new
//! notification targets and the identity the verification request names.

use super::target;

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
