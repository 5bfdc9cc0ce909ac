//! The core's one error type: a oneM2M response status code and a message for `m2m:dbg`.

use onecse_models::{Problem, ResourceType, ResponseStatusCode};

/// The underlying failure of a server error, kept for the log line.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failed request, carried up to the binding, which renders it and logs server
/// errors once, with their source.
///
/// Displayed (in logs) as the message followed by its source, so a background task's
/// warning says what failed underneath; clients only ever see `message`.
#[derive(Debug, thiserror::Error)]
#[error("{message}{}", with_cause(.source.as_ref()))]
pub struct CseError {
    /// Code to answer with.
    pub rsc: ResponseStatusCode,
    /// Explanation sent as `m2m:dbg`.
    pub message: String,
    /// What went wrong underneath (a database error, a panicked task): logged,
    /// never sent to the client.
    #[source]
    pub source: Option<Source>,
    /// The type of the resource the refused request addressed (or would have
    /// created), once dispatch knows it: the request metrics count a refusal on an
    /// existing resource under its type, not under `unknown`.
    pub resource_type: Option<ResourceType>,
}

/// Result of core and store-facing operations.
pub type CseResult<T> = Result<T, CseError>;

impl CseError {
    /// Any code with a message.
    pub fn new(rsc: ResponseStatusCode, message: impl Into<String>) -> Self {
        Self {
            rsc,
            message: message.into(),
            source: None,
            resource_type: None,
        }
    }

    /// Keeps the underlying failure.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Names the type of the resource the request addressed, unless a deeper step
    /// already named one.
    #[must_use]
    pub fn about(mut self, ty: ResourceType) -> Self {
        self.resource_type.get_or_insert(ty);
        self
    }

    /// 4000 BAD_REQUEST.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::BadRequest, message)
    }

    /// 4004 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::NotFound, message)
    }

    /// 4005 OPERATION_NOT_ALLOWED.
    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::OperationNotAllowed, message)
    }

    /// 5000 INTERNAL_SERVER_ERROR; the message is logged, not the place to leak internals.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ResponseStatusCode::InternalServerError, message)
    }
}

fn with_cause(source: Option<&Source>) -> String {
    source.map(|s| format!(": {s}")).unwrap_or_default()
}

impl From<Problem> for CseError {
    fn from(p: Problem) -> Self {
        Self::new(p.rsc, p.message)
    }
}

impl From<diesel::result::Error> for CseError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::not_found("resource does not exist"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::new(
                ResponseStatusCode::Conflict,
                "a resource with this name or identifier already exists",
            ),
            // The parent was deleted by a concurrent request after it was looked up.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::not_found("the parent resource was deleted while this request ran")
            }
            // The connection died under the request (server restart, cut network).
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::internal(UNREACHABLE).with_source(err),
            other => Self::internal("internal database error").with_source(other),
        }
    }
}

/// What a client reads when onecse cannot reach its database: 5000, as TS-0004 has no
/// "service unavailable" code and 5103 TARGET_NOT_REACHABLE means the request's target.
const UNREACHABLE: &str = "the database is unreachable; retry later";

impl From<crate::store::NoConnection> for CseError {
    fn from(err: crate::store::NoConnection) -> Self {
        let message = if err.unreachable {
            UNREACHABLE
        } else {
            "database busy: every connection is in use; retry later"
        };
        Self::internal(message).with_source(err)
    }
}

impl crate::store::db::Fault for CseError {
    /// A refusal of the request (1xxx–4xxx) is never the database's failure; a server
    /// error (5xxx) may be a lost connection.
    fn may_be_connection_loss(&self) -> bool {
        self.rsc.code() >= 5000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_errors_map_to_onem2m_codes() {
        let nf: CseError = diesel::result::Error::NotFound.into();
        assert_eq!(nf.rsc, ResponseStatusCode::NotFound);
        let other: CseError = diesel::result::Error::RollbackTransaction.into();
        assert_eq!(other.rsc, ResponseStatusCode::InternalServerError);
        let cause = std::error::Error::source(&other).map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("rollback")), "{other:?}");
        assert!(other.to_string().starts_with("internal database error: "));
    }
}
