//! How the notification receiver answers: the HTTP status and `X-M2M-RSC` a test
//! chooses, so one receiver can play a healthy, refusing or broken target.

use onecse_models::types::ResponseStatusCode;

/// How the receiver answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `X-M2M-RSC`.
    pub rsc: u16,
}

impl Answer {
    /// Success: HTTP 200, RSC 2000.
    pub const OK: Self = Self {
        status: 200,
        rsc: 2000,
    };

    /// An HTTP status alone: RSC 2000 for a 2xx status, 5000 otherwise, which is what
    /// a target that is up but broken tends to send.
    pub fn status(status: u16) -> Self {
        let rsc = if (200..300).contains(&status) {
            2000
        } else {
            5000
        };
        Self { status, rsc }
    }

    /// A oneM2M status code with its HTTP status from the one mapping table in
    /// `onecse-models` (TS-0009 table 6.3.2-1).
    pub fn rsc(rsc: ResponseStatusCode) -> Self {
        Self {
            status: rsc.http_status(),
            rsc: rsc.code(),
        }
    }
}
