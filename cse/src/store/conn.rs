//! The two-backend connection type, alone in its module because the diesel derive
//! generates items without doc comments.

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// A connection to either backend; diesel dispatches each query to the active variant.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL, for deployments.
    Pg(PgConnection),
    /// Embedded SQLite, the zero-install default.
    Sqlite(SqliteConnection),
}
