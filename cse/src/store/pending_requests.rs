//! Accepted non-blocking requests waiting to run or running (table `requests`): one
//! row per `<request>` until its result is recorded. Workers claim due rows oldest
//! first under a lease, with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
//! onecse processes on one database never run a request twice at the same time.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::db::DbConn;
use super::schema::requests;

/// A request row, as written at acceptance and read by a claim.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = requests)]
pub struct RequestRow {
    /// The `<request>` resource.
    pub ri: String,
    /// The originator.
    pub originator: String,
    /// Acceptance time.
    pub created: String,
    /// When it may run.
    pub due: String,
    /// The lease of the worker running it.
    pub claimed_until: Option<String>,
    /// The request primitive and caller, JSON.
    pub primitive: String,
}

/// Keeps an accepted request.
pub fn insert(conn: &mut DbConn, row: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(requests::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Names onecse's per-originator request locks among PostgreSQL advisory locks
/// (two-key form, apart from the outbox's stream locks).
const ORIGINATOR_LOCK_SPACE: i32 = 0x6f6e_6532;

/// How many requests of `originator` are not finished (read through its index). On
/// PostgreSQL a per-originator advisory lock is taken first and held until commit, so
/// two acceptances for one originator count one after the other and the bound holds;
/// SQLite serialises writers already.
pub fn count_for(conn: &mut DbConn, originator: &str) -> QueryResult<i64> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<Integer, _>(ORIGINATOR_LOCK_SPACE)
            .bind::<Text, _>(originator)
            .execute(pg)?;
    }
    requests::table
        .filter(requests::originator.eq(originator))
        .count()
        .get_result(conn)
}

/// The lease of the request kept for `ri` (`Some(None)`: waiting, not claimed), read
/// with a row lock on PostgreSQL so that a claim cannot start it while the caller
/// decides (a DELETE cancelling it). `None` when no request is kept (it finished).
pub fn lease_of(conn: &mut DbConn, ri: &str) -> QueryResult<Option<Option<String>>> {
    let query = requests::table
        .filter(requests::ri.eq(ri))
        .select(requests::claimed_until);
    match conn {
        DbConn::Pg(pg) => query.for_update().first(pg).optional(),
        DbConn::Sqlite(sqlite) => query.first(sqlite).optional(),
    }
}

/// Forgets the request kept for `ri` (its result is recorded).
pub fn remove(conn: &mut DbConn, ri: &str) -> QueryResult<usize> {
    diesel::delete(requests::table.filter(requests::ri.eq(ri))).execute(conn)
}

const CLAIM: &str = "\
    UPDATE requests SET claimed_until = {lease} WHERE ri IN ( \
      SELECT r.ri FROM requests r \
      WHERE r.due <= {now} AND (r.claimed_until IS NULL OR r.claimed_until < {now}) \
      ORDER BY r.due, r.created LIMIT {limit} {lock}) \
    RETURNING ri, originator, created, due, claimed_until, primitive";

/// Claims up to `limit` due requests, oldest first, until `lease_until`.
pub fn claim(
    conn: &mut DbConn,
    now: &str,
    lease_until: &str,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    let (sql, placeholders) = match conn {
        DbConn::Pg(_) => (
            CLAIM.replace("{lock}", "FOR UPDATE SKIP LOCKED"),
            ["$1", "$2", "$3"],
        ),
        DbConn::Sqlite(_) => (CLAIM.replace("{lock}", ""), ["?1", "?2", "?3"]),
    };
    let [lease, at, most] = placeholders;
    let sql = sql
        .replace("{lease}", lease)
        .replace("{now}", at)
        .replace("{limit}", most);
    let query = diesel::sql_query(sql)
        .bind::<Text, _>(lease_until)
        .bind::<Text, _>(now)
        .bind::<BigInt, _>(limit);
    let mut rows: Vec<RequestRow> = match conn {
        DbConn::Pg(pg) => query.load(pg)?,
        DbConn::Sqlite(sqlite) => query.load(sqlite)?,
    };
    // RETURNING does not keep the subquery's order.
    rows.sort_by(|a, b| (&a.due, &a.created).cmp(&(&b.due, &b.created)));
    Ok(rows)
}
