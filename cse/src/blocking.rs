//! The one way async code runs blocking database work: on tokio's blocking pool,
//! inside the caller's tracing span, with a panic turned into an internal error.

use crate::error::{CseError, CseResult};

/// Runs blocking database work on the blocking pool, inside the caller's tracing
/// span (request id, originator), so its log lines name the request they belong to.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> CseResult<T> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(|err| CseError::internal("request processing was interrupted").with_source(err))
}
