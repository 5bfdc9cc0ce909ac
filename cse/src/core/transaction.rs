//! The request's transaction as the core works in it: the connection, the CSE, the
//! request time, and what the work left for after the commit (notifications queued).
//! Each caller learns from its own [`Committed`] whether to wake delivery, so no
//! process-wide flag can be consumed by another request's commit.

use diesel::Connection;
use onecse_models::time::Timestamp;

use crate::core::Cse;
use crate::error::{CseError, CseResult};
use crate::security::Requester;
use crate::store::outbox::{self, NewNotification, Pending};
use crate::store::{DbConn, TransactionKind};

/// One transaction's context, handed to every step of an operation.
pub struct Txn<'a> {
    /// The connection, inside the open transaction.
    pub conn: &'a mut DbConn,
    /// The CSE the work runs in.
    pub cse: &'a Cse,
    /// The request time: one value for every timestamp the request writes.
    pub now: Timestamp,
    /// `now` in its stored text form, for queries.
    pub now_text: String,
    /// Who sent the request this transaction runs (set by dispatch; `None` for the
    /// CSE's own background work): what a type checks a resource named in content
    /// against, such as a group's members.
    pub requester: Option<Requester>,
    notifications: Vec<Pending>,
    flushed_batches: Vec<String>,
}

impl<'a> Txn<'a> {
    /// Starts the context on a connection that is already inside a transaction.
    pub fn new(conn: &'a mut DbConn, cse: &'a Cse, now: Timestamp) -> Self {
        Self {
            conn,
            cse,
            now,
            now_text: now.to_string(),
            requester: None,
            notifications: Vec::new(),
            flushed_batches: Vec::new(),
        }
    }

    /// Queues a notification; it is written to the outbox when the work succeeded,
    /// just before the commit (see [`outbox::enqueue_all`]). `batch_due` is the `bn`
    /// deadline of a batch it would start.
    pub fn notify(&mut self, row: NewNotification, batch_due: Option<String>) {
        self.notifications.push((row, batch_due));
    }

    /// Sends what the `bn` batch of outbox stream `stream` holds now rather than at
    /// its `dur` (the subscription is being deleted), after the notifications this
    /// transaction queued are written, so those are part of the last batch.
    pub fn flush_batch(&mut self, stream: String) {
        self.flushed_batches.push(stream);
    }

    /// How many notifications are queued so far: a mark to go back to.
    pub fn notifications_mark(&self) -> usize {
        self.notifications.len()
    }

    /// Drops the notifications queued since `mark` (for work that turned out to have
    /// nothing to notify about, such as a removal someone else did first).
    pub fn discard_notifications_since(&mut self, mark: usize) {
        self.notifications.truncate(mark);
    }

    /// Writes the queued notifications and makes flushed batches due; returns how
    /// many rows became ready to send (delivery is woken when non-zero).
    fn write_notifications(&mut self) -> CseResult<usize> {
        outbox::enqueue_all(self.conn, &self.notifications)?;
        let mut flushed = 0;
        if !self.flushed_batches.is_empty() {
            flushed = outbox::flush_batches(self.conn, &self.flushed_batches, &self.now_text)?;
        }
        Ok(self.notifications.len() + flushed)
    }
}

/// The result of committed work and what it leaves to do.
#[derive(Debug)]
pub struct Committed<T> {
    /// What the work returned.
    pub value: T,
    /// Outbox rows the commit made visible: the caller wakes delivery when non-zero.
    pub queued_notifications: usize,
}

/// Runs `work` in one transaction on a request connection, at time `now`.
pub fn run<T>(
    cse: &Cse,
    kind: TransactionKind,
    now: Timestamp,
    work: impl FnOnce(&mut Txn<'_>) -> CseResult<T>,
) -> CseResult<Committed<T>> {
    cse.db.run(kind, |conn| within(conn, cse, now, work))
}

/// Runs `count` pieces of work in one transaction, each in its own savepoint: a piece
/// that fails is rolled back alone and answers its own error, the others still
/// commit. Each piece gets its own request time, taken when its turn comes. One
/// transaction for many requests means one lock wait on a shared row and one WAL
/// flush instead of one per request (group commit). If the COMMIT itself fails, no
/// piece was committed and every piece answers that failure. A single piece runs as
/// [`run`] does, without a savepoint; no piece opens no transaction.
pub fn run_batch<T>(
    cse: &Cse,
    kind: TransactionKind,
    count: usize,
    mut work: impl FnMut(usize, &mut Txn<'_>) -> CseResult<T>,
) -> Vec<CseResult<Committed<T>>> {
    match count {
        0 => return Vec::new(),
        1 => return vec![run(cse, kind, Timestamp::now(), |tx| work(0, tx))],
        _ => {}
    }
    let ran = cse.db.run(kind, |conn| {
        let pieces = (0..count)
            .map(|i| {
                // diesel opens a SAVEPOINT inside the open transaction and rolls back
                // to it when the piece fails.
                conn.transaction(|conn| within(conn, cse, Timestamp::now(), |tx| work(i, tx)))
            })
            .collect::<Vec<_>>();
        Ok::<_, CseError>(pieces)
    });
    ran.unwrap_or_else(|err| (0..count).map(|_| Err(copy(&err))).collect())
}

/// The same failure for another request of a batch (the cause kept as text).
fn copy(err: &CseError) -> CseError {
    CseError::new(err.rsc, err.message.clone()).with_source(err.to_string())
}

/// How many times background work is tried when PostgreSQL aborts it to break a
/// deadlock or a serialization conflict (the other transaction goes on).
const BACKGROUND_ATTEMPTS: usize = 3;

/// [`run`] on the background tasks' own connections. Work that PostgreSQL aborted to
/// break a deadlock is tried again, so delivery results are recorded instead of
/// waiting for their leases to run out (and being sent twice).
pub fn run_background<T>(
    cse: &Cse,
    kind: TransactionKind,
    now: Timestamp,
    mut work: impl FnMut(&mut Txn<'_>) -> CseResult<T>,
) -> CseResult<Committed<T>> {
    let mut attempt = 1;
    loop {
        let result = cse
            .db
            .run_background(kind, |conn| within(conn, cse, now, &mut work));
        match result {
            Err(err) if attempt < BACKGROUND_ATTEMPTS && aborted_by_conflict(&err) => {
                tracing::info!(attempt, error = %err, "background transaction aborted by a conflict; trying again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether the database aborted the transaction to resolve a conflict with another
/// one (SQLSTATE 40001 or 40P01), so trying again can succeed.
fn aborted_by_conflict(err: &CseError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    let Some(source) = err.source.as_deref() else {
        return false;
    };
    match source.downcast_ref::<Error>() {
        Some(Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        Some(Error::DatabaseError(_, info)) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

fn within<T>(
    conn: &mut DbConn,
    cse: &Cse,
    now: Timestamp,
    work: impl FnOnce(&mut Txn<'_>) -> CseResult<T>,
) -> CseResult<Committed<T>> {
    let mut tx = Txn::new(conn, cse, now);
    let value = work(&mut tx)?;
    let queued_notifications = tx.write_notifications()?;
    Ok(Committed {
        value,
        queued_notifications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn database_error(kind: DatabaseErrorKind, message: &str) -> CseError {
        Error::DatabaseError(kind, Box::new(message.to_owned())).into()
    }

    #[test]
    fn only_conflicts_are_tried_again() {
        assert!(aborted_by_conflict(&database_error(
            DatabaseErrorKind::SerializationFailure,
            "could not serialize access"
        )));
        assert!(aborted_by_conflict(&database_error(
            DatabaseErrorKind::Unknown,
            "deadlock detected"
        )));
        assert!(!aborted_by_conflict(&database_error(
            DatabaseErrorKind::Unknown,
            "relation does not exist"
        )));
        assert!(!aborted_by_conflict(&CseError::bad_request("no")));
    }
}
