//! The polling queue: requests waiting for an AE that polls its `<pollingChannel>`.
//! Rows are written in the transaction that decided to queue them and deleted in the
//! transaction that hands them out, so a request is never lost by a restart and never
//! handed out twice, also with several processes on one PostgreSQL database.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::{polling_answers, polling_queue};

/// A request to queue for `owner`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = polling_queue)]
pub struct NewQueued {
    /// The AE-ID of the polling AE.
    pub owner: String,
    /// The queued request's identifier.
    pub rqi: String,
    /// The request primitive as JSON.
    pub rqp: String,
    /// Now.
    pub created: String,
    /// When it expires.
    pub et: String,
}

/// Queues a request behind the owner's earlier ones.
pub fn enqueue(conn: &mut DbConn, row: &NewQueued) -> QueryResult<usize> {
    diesel::insert_into(polling_queue::table)
        .values(row)
        .execute(conn)
}

/// Takes the owner's oldest live request out of the queue: the row is deleted in the
/// caller's transaction, so it is handed out once. On PostgreSQL the row is locked
/// and rows another process is handing out are skipped (SQLite writers are
/// serialised already). Served by the `(owner, id)` index.
pub fn take_oldest(conn: &mut DbConn, owner: &str, now: &str) -> QueryResult<Option<String>> {
    // The locking clause is typed per backend, so the statement is built in each arm.
    macro_rules! oldest {
        () => {
            polling_queue::table
                .filter(polling_queue::owner.eq(owner))
                .filter(polling_queue::et.gt(now))
                .order(polling_queue::id.asc())
                .select((polling_queue::id, polling_queue::rqp))
        };
    }
    let found: Option<(i64, String)> = match conn {
        DbConn::Pg(pg) => oldest!().for_update().skip_locked().first(pg).optional()?,
        DbConn::Sqlite(sqlite) => oldest!().first(sqlite).optional()?,
    };
    let Some((id, rqp)) = found else {
        return Ok(None);
    };
    diesel::delete(polling_queue::table.filter(polling_queue::id.eq(id))).execute(conn)?;
    Ok(Some(rqp))
}

/// Whether `owner` has a live queued request: a read, so a waiting long poll looks
/// without taking the write lock (SQLite's is the whole database) until there is
/// something to take. Served by the `(owner, id)` index.
pub fn any_queued(conn: &mut DbConn, owner: &str, now: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        polling_queue::table
            .filter(polling_queue::owner.eq(owner))
            .filter(polling_queue::et.gt(now)),
    ))
    .get_result(conn)
}

/// Deletes up to `limit` expired requests (`et ≤ now`), served by the `et` index;
/// returns the (owner, rqi) of each, for the log.
pub fn drop_expired(
    conn: &mut DbConn,
    now: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    let expired: Vec<(i64, String, String)> = polling_queue::table
        .filter(polling_queue::et.le(now))
        .order(polling_queue::et.asc())
        .limit(limit)
        .select((polling_queue::id, polling_queue::owner, polling_queue::rqi))
        .load(conn)?;
    let ids: Vec<i64> = expired.iter().map(|(id, _, _)| *id).collect();
    diesel::delete(polling_queue::table.filter(polling_queue::id.eq_any(&ids))).execute(conn)?;
    Ok(expired
        .into_iter()
        .map(|(_, owner, rqi)| (owner, rqi))
        .collect())
}

/// Notes that an answer to request `rqi` of `owner` is awaited until `et`, so the
/// process an answer reaches can leave it for the waiting one.
pub fn await_answer(conn: &mut DbConn, owner: &str, rqi: &str, et: &str) -> QueryResult<usize> {
    diesel::insert_into(polling_answers::table)
        .values((
            polling_answers::owner.eq(owner),
            polling_answers::rqi.eq(rqi),
            polling_answers::et.eq(et),
        ))
        .execute(conn)
}

/// Leaves an answer for a waiter of another process; false when no one awaits it
/// (an answer to a notification), which is not an error.
pub fn record_answer(conn: &mut DbConn, owner: &str, rqi: &str, rsp: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        polling_answers::table
            .filter(polling_answers::owner.eq(owner))
            .filter(polling_answers::rqi.eq(rqi))
            .filter(polling_answers::rsp.is_null()),
    )
    .set(polling_answers::rsp.eq(rsp))
    .execute(conn)?;
    Ok(updated > 0)
}

/// The answer left for this waiter, if it arrived; the row is deleted once the
/// answer is taken, or when `done` (the waiter gives up).
pub fn take_answer(
    conn: &mut DbConn,
    owner: &str,
    rqi: &str,
    done: bool,
) -> QueryResult<Option<String>> {
    let row = polling_answers::table
        .filter(polling_answers::owner.eq(owner))
        .filter(polling_answers::rqi.eq(rqi));
    let rsp: Option<Option<String>> = row.select(polling_answers::rsp).first(conn).optional()?;
    let rsp = rsp.flatten();
    if rsp.is_some() || done {
        diesel::delete(row).execute(conn)?;
    }
    Ok(rsp)
}

/// Deletes answers no one waits for any more (`et ≤ now`), served by the `et` index.
pub fn drop_expired_answers(conn: &mut DbConn, now: &str) -> QueryResult<usize> {
    diesel::delete(polling_answers::table.filter(polling_answers::et.le(now))).execute(conn)
}

/// Forgets everything queued for and awaited from `owner` (its channel or its AE is
/// deleted), so an AE registering later with the same AE-ID does not receive it.
/// Served by the `(owner, id)` index and the answers' primary key.
pub fn purge_owner(conn: &mut DbConn, owner: &str) -> QueryResult<usize> {
    diesel::delete(polling_answers::table.filter(polling_answers::owner.eq(owner)))
        .execute(conn)?;
    diesel::delete(polling_queue::table.filter(polling_queue::owner.eq(owner))).execute(conn)
}
