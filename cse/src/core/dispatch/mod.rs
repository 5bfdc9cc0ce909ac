//! The one choke point every request passes (DESIGN §1): [`admit`] runs the checks
//! that need no database once; [`handle`] opens the request's one transaction,
//! resolves the target once, decides access once (`security::authorize`), and either
//! runs the operation or returns the [`Route`] the service executes (fan-out, long
//! poll, relay, verification, blocking-update approval). Nothing else decides access
//! on a request's target.

mod admit;
mod handle;
mod originator;
mod route;

pub use admit::{Admitted, Arrival, admit};
pub use handle::{
    Handled, Monitored, Pass, Step, error_response, handle, handle_batch, may_need_verification,
    record_access,
};
pub use route::Route;
