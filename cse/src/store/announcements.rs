//! The `announcements` table: requests this CSE owes announced copies on other CSEs,
//! written in the transaction of the change that caused them and worked per target
//! CSE in insertion order by the process holding the announcement lease.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::announcements;

/// A request to queue for an announced copy.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = announcements)]
pub struct NewAnnouncement {
    /// The CSE-ID the copy lives on.
    pub target: String,
    /// resourceID of the original.
    pub original: String,
    /// `create`, `update` or `delete`.
    pub op: String,
    /// For an update: the attribute names to send, as a JSON list.
    pub names: Option<String>,
    /// For a delete: the copy's address.
    pub address: Option<String>,
    /// Not before this time (now).
    pub due: String,
}

/// A queued request, as the worker reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = announcements)]
pub struct AnnouncementRow {
    /// Insertion order.
    pub id: i64,
    /// The CSE-ID the copy lives on.
    pub target: String,
    /// resourceID of the original.
    pub original: String,
    /// `create`, `update` or `delete`.
    pub op: String,
    /// For an update: the attribute names to send, as a JSON list.
    pub names: Option<String>,
    /// For a delete: the copy's address.
    pub address: Option<String>,
    /// Failed attempts so far.
    pub attempts: i32,
}

/// Queues `rows` (one statement each: a multi-row INSERT is not portable across the
/// two backends of `DbConn`; a change queues a row per announced copy, a handful).
pub fn insert_all(conn: &mut DbConn, rows: &[NewAnnouncement]) -> QueryResult<usize> {
    let mut inserted = 0;
    for row in rows {
        inserted += diesel::insert_into(announcements::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(inserted)
}

/// The oldest row of every target CSE that is due at `now` (a target's later rows
/// wait behind it, so its copies see the changes in order), at most `limit`.
pub fn heads_due(conn: &mut DbConn, now: &str, limit: i64) -> QueryResult<Vec<AnnouncementRow>> {
    let heads: Vec<i64> = announcements::table
        .group_by(announcements::target)
        .select(diesel::dsl::min(announcements::id))
        .load::<Option<i64>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    announcements::table
        .filter(announcements::id.eq_any(heads))
        .filter(announcements::due.le(now))
        .order(announcements::id.asc())
        .limit(limit)
        .select(AnnouncementRow::as_select())
        .load(conn)
}

/// Removes a row that is done (sent, or no longer needed).
pub fn complete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(announcements::table.filter(announcements::id.eq(id))).execute(conn)
}

/// Puts a failed row off until `due`, noting why it failed.
pub fn retry(conn: &mut DbConn, id: i64, due: &str, error: &str) -> QueryResult<usize> {
    diesel::update(announcements::table.filter(announcements::id.eq(id)))
        .set((
            announcements::due.eq(due),
            announcements::attempts.eq(announcements::attempts + 1),
            announcements::last_error.eq(error),
        ))
        .execute(conn)
}
