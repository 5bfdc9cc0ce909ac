//! The `cross_resource_heard` side table: which member subscriptions of a
//! crossResourceSubscription notified in its current time window. Written by the
//! transaction that raised the event, without locking the crossResourceSubscription's
//! row (a busy one would otherwise be locked by every event and its timer skipped),
//! and emptied by the timer run that closes the window, which removes only the rows
//! it counted.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::cross_resource_heard;

/// Records that `member` notified `crs_ri` in the current window (once per window;
/// a concurrent record of the same member is absorbed by the primary key).
pub fn insert(conn: &mut DbConn, crs_ri: &str, member: &str) -> QueryResult<()> {
    let insert = diesel::insert_into(cross_resource_heard::table)
        .values((
            cross_resource_heard::crs_ri.eq(crs_ri),
            cross_resource_heard::member.eq(member),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConn::Pg(pg) => insert.execute(pg),
        DbConn::Sqlite(sqlite) => insert.execute(sqlite),
    }
    .map(|_| ())
}

/// The members heard from in the current window.
pub fn members(conn: &mut DbConn, crs_ri: &str) -> QueryResult<Vec<String>> {
    cross_resource_heard::table
        .filter(cross_resource_heard::crs_ri.eq(crs_ri))
        .select(cross_resource_heard::member)
        .order(cross_resource_heard::member)
        .load(conn)
}

/// Forgets the members a closing window counted; members heard meanwhile stay for
/// the next window.
pub fn remove(conn: &mut DbConn, crs_ri: &str, members: &[String]) -> QueryResult<()> {
    diesel::delete(
        cross_resource_heard::table
            .filter(cross_resource_heard::crs_ri.eq(crs_ri))
            .filter(cross_resource_heard::member.eq_any(members)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets the window (the window settings changed).
pub fn clear(conn: &mut DbConn, crs_ri: &str) -> QueryResult<()> {
    diesel::delete(cross_resource_heard::table.filter(cross_resource_heard::crs_ri.eq(crs_ri)))
        .execute(conn)
        .map(|_| ())
}
