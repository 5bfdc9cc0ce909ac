//! The `cross_resource_heard` side table: which member subscriptions of a
//! crossResourceSubscription notified in its current time window. Written by the
//! transaction that raised the event and cleared by the timer run that closes the
//! window; both hold the crossResourceSubscription's row first, so the check-then-
//! insert below never races.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::cross_resource_heard;

/// Records that `member` notified `crs_ri` in the current window (once per window).
pub fn insert(conn: &mut DbConn, crs_ri: &str, member: &str) -> QueryResult<()> {
    let known: i64 = cross_resource_heard::table
        .filter(cross_resource_heard::crs_ri.eq(crs_ri))
        .filter(cross_resource_heard::member.eq(member))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(());
    }
    diesel::insert_into(cross_resource_heard::table)
        .values((
            cross_resource_heard::crs_ri.eq(crs_ri),
            cross_resource_heard::member.eq(member),
        ))
        .execute(conn)
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

/// Forgets the window (it closed, or the window settings changed).
pub fn clear(conn: &mut DbConn, crs_ri: &str) -> QueryResult<()> {
    diesel::delete(cross_resource_heard::table.filter(cross_resource_heard::crs_ri.eq(crs_ri)))
        .execute(conn)
        .map(|_| ())
}
