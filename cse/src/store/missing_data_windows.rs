//! The `missing_data_windows` side table: the counting window of each missing-data
//! subscription (net 8), read and written only by the timer run that found missing
//! points, which holds the timeSeries' row.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::missing_data_windows;

/// A subscription's counting window.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = missing_data_windows)]
pub struct Window {
    /// The subscription.
    pub sub_ri: String,
    /// When the window closes (timestamp text).
    pub window_end: String,
    /// Missing points counted in the window.
    pub count: i32,
    /// Points not notified yet, a JSON array, newest first.
    pub pending: String,
}

/// The subscription's window, if one was ever opened.
pub fn find(conn: &mut DbConn, sub_ri: &str) -> QueryResult<Option<Window>> {
    missing_data_windows::table
        .find(sub_ri)
        .select(Window::as_select())
        .first(conn)
        .optional()
}

/// Stores the window (replacing the previous one).
pub fn save(conn: &mut DbConn, window: &Window) -> QueryResult<()> {
    diesel::delete(missing_data_windows::table.find(&window.sub_ri)).execute(conn)?;
    diesel::insert_into(missing_data_windows::table)
        .values(window)
        .execute(conn)
        .map(|_| ())
}
