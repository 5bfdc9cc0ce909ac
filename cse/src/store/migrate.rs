//! Schema migrations, embedded in the binary and run at start-up and by `onecse migrate`.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::db::DbConn;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Arbitrary constant naming onecse's start-up lock (migrations, then the CSEBase)
/// among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x6f6e_6563_7365;

/// Applies pending migrations and returns how many ran.
///
/// On PostgreSQL this holds an advisory lock, so several onecse processes starting
/// against one database do not race on the migrations table.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = pg.run_pending_migrations(POSTGRES).map(|done| done.len());
            let unlock =
                pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
            let ran = result?;
            unlock?;
            Ok(ran)
        }
        DbConn::Sqlite(sqlite) => Ok(sqlite.run_pending_migrations(SQLITE)?.len()),
    }
}

/// Holds the start-up lock until the caller's transaction ends, on PostgreSQL, so
/// processes starting together on a fresh database create the CSEBase and its policy
/// once: the others wait, then find them. SQLite serialises writers already.
pub fn lock_start_up(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))?;
    }
    Ok(())
}

/// Whether migrations embedded in this binary are missing from the database (the
/// readiness check: a process must not take traffic on an older schema).
pub fn has_pending(conn: &mut DbConn) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConn::Pg(pg) => pg.has_pending_migration(POSTGRES),
        DbConn::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE),
    }
}

/// Rolls every migration back; used by the up→down→up test.
pub fn revert_all(conn: &mut DbConn) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConn::Pg(pg) => pg.revert_all_migrations(POSTGRES).map(|_| ()),
        DbConn::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE).map(|_| ()),
    }
}
