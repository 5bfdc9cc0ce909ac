//! A oneM2M-level failure: a response status code plus a message for `m2m:dbg`.

use crate::types::ResponseStatusCode;

/// A rule violation found while interpreting oneM2M data.
///
/// Models has no error framework of its own: every check that can reject client input
/// returns a `Problem`, which the server turns into its response (status code, HTTP
/// status and `m2m:dbg`) without losing the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rsc:?}: {message}")]
pub struct Problem {
    /// The response status code the request must be answered with.
    pub rsc: ResponseStatusCode,
    /// Human-readable explanation, sent as `m2m:dbg`.
    pub message: String,
}

impl Problem {
    /// Any code with a message.
    pub fn new(rsc: ResponseStatusCode, message: impl Into<String>) -> Self {
        Self {
            rsc,
            message: message.into(),
        }
    }

    /// 4000 BAD_REQUEST, the answer to most malformed input.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::BadRequest, message)
    }

    /// 5001 NOT_IMPLEMENTED, for valid oneM2M that onecse does not support yet.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::NotImplemented, message)
    }
}
