//! What the background sweeps read: expired resources for the expiry task, and
//! resources whose timer is due for the timer task.

use diesel::prelude::*;

use super::resource_row::ResourceRow;
use crate::store::db::DbConn;
use crate::store::schema::resources;

/// Expired resources (up to `limit`), earliest first, for the expiry task.
pub fn expired(conn: &mut DbConn, now: &str, limit: i64) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::et.le(now))
        .order(resources::et.asc())
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Live resources whose timer is due (`due ≤ now`, up to `limit`, earliest first),
/// for the timer task; served by the partial `due` index. On PostgreSQL the rows are
/// locked and rows another process holds are skipped, so several onecse processes on
/// one database never run the same timer twice (SQLite writers are serialised).
pub fn due(conn: &mut DbConn, now: &str, limit: i64) -> QueryResult<Vec<ResourceRow>> {
    // `as_select` is typed per backend, so the statement is built in each arm.
    macro_rules! due_rows {
        () => {
            resources::table
                .filter(resources::due.le(now))
                .filter(resources::et.is_null().or(resources::et.gt(now)))
                .order(resources::due.asc())
                .limit(limit)
                .select(ResourceRow::as_select())
        };
    }
    match conn {
        DbConn::Pg(pg) => due_rows!().for_update().skip_locked().load(pg),
        DbConn::Sqlite(sqlite) => due_rows!().load(sqlite),
    }
}

/// Whether some live resource's timer is due (`due ≤ now`): a read that lets the
/// timer task skip its write transaction (on SQLite, the one writer slot) when there
/// is nothing to do. Asked as "the earliest due one" (ordered, one row) rather than
/// `EXISTS`: PostgreSQL then walks the partial `due` index even before the table has
/// statistics, where for `EXISTS` with a range it guessed a third of the rows matched
/// and scanned the whole table (30 ms at 100,000 resources, several times a second,
/// measured after a bulk load that autovacuum had not analyzed yet).
pub fn any_due(conn: &mut DbConn, now: &str) -> QueryResult<bool> {
    resources::table
        .filter(resources::due.le(now))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .order(resources::due.asc())
        .select(resources::ri)
        .first::<String>(conn)
        .optional()
        .map(|earliest| earliest.is_some())
}
