//! Connections: the two-backend `DbConn`, an r2d2 manager that picks the backend from
//! the URL and keeps the backend's own connection error, per-connection settings, and
//! the transaction helper every request runs in.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;

pub use super::conn::DbConn;

/// The pool every request and worker borrows from.
pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://path`, `sqlite:path` or a plain file path.
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Postgres => "postgresql",
            Self::Sqlite => "sqlite",
        })
    }
}

/// A parsed database URL: the backend and what that backend's `establish` expects.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    /// The engine.
    pub backend: Backend,
    /// The URL (Postgres) or file path (SQLite) handed to diesel.
    connect_string: String,
}

impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Postgres URLs may carry a password: never print them.
        write!(f, "DatabaseTarget({})", self.backend)
    }
}

impl DatabaseTarget {
    /// Reads a database setting. Any other scheme is refused with the accepted ones named,
    /// so a typo (`postgress://`, `mysql://`) fails at start-up instead of creating a
    /// SQLite file with a strange name.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("the database URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                connect_string: with_liveness_defaults(url),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        if let Some(path) = path {
            if path.is_empty() {
                return Err(format!("database URL '{url}' names no SQLite file"));
            }
            return Ok(Self::sqlite(path));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme '{scheme}://' (use postgres://…, postgresql://…, sqlite://FILE or a file path)"
            ));
        }
        Ok(Self::sqlite(url))
    }

    fn sqlite(path: &str) -> Self {
        Self {
            backend: Backend::Sqlite,
            connect_string: path.to_owned(),
        }
    }

    /// A description safe for logs: the SQLite path, or the Postgres host and database
    /// without credentials.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => self.connect_string.clone(),
            Backend::Postgres => {
                let rest = self
                    .connect_string
                    .split_once("://")
                    .map_or("", |(_, rest)| rest);
                let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                let without_query = host_and_db.split('?').next().unwrap_or(host_and_db);
                format!("postgresql://{without_query}")
            }
        }
    }

    /// Opens one connection with onecse's per-connection settings applied.
    pub fn connect(&self) -> Result<DbConn, ConnectionError> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.connect_string)?;
                conn.batch_execute(
                    "SET application_name = 'onecse'; SET statement_timeout = '30s';",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.connect_string)?;
                // busy_timeout first, so that the statements after it (switching to
                // WAL needs a lock while another process or a stopping instance
                // writes) wait for the lock instead of failing with "database is
                // locked"; WAL lets readers run beside the single writer; foreign keys
                // are off by default in SQLite and needed for label cleanup.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// libpq settings that notice a database gone silent (a cut network, a host that
/// died) within about 30 s instead of the kernel's two hours, unless the URL sets them:
/// TCP keepalive probes after 10 s without traffic, 5 s apart, 3 of them, and at most
/// 30 s for sent data to be acknowledged. Without them a request waiting for an answer
/// that will never come holds its thread (an HTTP worker, for a point read) until the
/// kernel gives up. Ignored on Unix sockets.
const LIVENESS_DEFAULTS: [(&str, &str); 4] = [
    ("keepalives_idle", "10"),
    ("keepalives_interval", "5"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "30000"),
];

/// `url` with each of [`LIVENESS_DEFAULTS`] the URL does not set added to its query.
/// The query is found as libpq finds it: after the user part (which ends at the first
/// `@` before any `/`, and may hold a `?` in a password), and its keys are compared
/// percent-decoded, as libpq reads them. Not through the `url` crate: it follows the
/// WHATWG rules, under which libpq's own forms (a host list `h1:5432,h2:5433`, a `?`
/// in a password) are errors or read differently, so a URL that connects with `psql`
/// would be refused or changed; libpq is what reads the result.
fn with_liveness_defaults(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host_start = match rest.find(['@', '/']) {
        Some(at) if rest[at..].starts_with('@') => at + 1,
        _ => 0,
    };
    let (before_query, query) = match rest[host_start..].split_once('?') {
        Some((location, query)) => (&rest[..host_start + location.len()], query),
        None => (rest, ""),
    };
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(str::to_owned)
        .collect();
    let given: Vec<String> = pairs
        .iter()
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            percent_encoding::percent_decode_str(key)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    for (key, value) in LIVENESS_DEFAULTS {
        if !given.iter().any(|given| given == key) {
            pairs.push(format!("{key}={value}"));
        }
    }
    format!("{scheme}://{before_query}?{}", pairs.join("&"))
}

/// r2d2 manager that opens connections through [`DatabaseTarget::connect`], so pool
/// errors carry the backend's real reason (diesel's derived `establish` tries each
/// backend in turn and loses it).
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    health: Arc<Health>,
}

/// Whether the database currently refuses new connections, learned from the pool's own
/// attempts: while it does, a request that finds no idle connection fails at once
/// ("unreachable") instead of waiting the whole pool timeout for a connection that
/// cannot come. Under load without an outage nothing changes: waits stay as long as
/// the pool timeout allows.
#[derive(Debug, Default)]
pub struct Health {
    /// The last connection attempt failed, or a request waited the whole pool timeout
    /// while the pool could not fill up (an attempt that hangs, as behind a cut
    /// network, never fails by itself).
    failing: AtomicBool,
}

/// How long a request waits for a connection while the database refuses new ones:
/// enough for a connection being returned, far below the pool timeout.
const OUTAGE_WAIT: Duration = Duration::from_millis(200);

/// A pooled connection and whether it was found dead. diesel's `is_broken` only looks
/// at the transaction state, so a PostgreSQL connection whose server went away (a
/// restart, a cut network) would go back to the pool and fail every request it serves
/// until r2d2's idle timeout; marking it here makes r2d2 drop it instead.
pub struct PooledConn {
    conn: DbConn,
    lost: bool,
}

impl std::ops::Deref for PooledConn {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = PooledConn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<PooledConn, ConnectionError> {
        let connected = self.target.connect();
        self.health
            .failing
            .store(connected.is_err(), Ordering::Relaxed);
        connected.map(|conn| PooledConn { conn, lost: false })
    }

    fn is_valid(&self, conn: &mut PooledConn) -> Result<(), ConnectionError> {
        conn.conn
            .ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut PooledConn) -> bool {
        conn.lost || conn.conn.is_broken()
    }
}

/// Builds the pool. The first connection is opened eagerly by the caller (for
/// migrations), so a bad URL or unreachable server is reported before this point.
/// `timeout` bounds how long a caller waits for a connection: when the database is
/// gone, requests fail after it instead of hanging.
pub fn build_pool(
    target: &DatabaseTarget,
    max_size: u32,
    timeout: Duration,
    health: Arc<Health>,
) -> Result<DbPool, r2d2::Error> {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .error_handler(Box::new(LogConnectError {
            database: target.redacted(),
        }))
        .test_on_check_out(false)
        .build(ConnectionManager {
            target: target.clone(),
            health,
        })
}

/// Logs the pool's failed connection attempts as one WARN line each, without
/// credentials (r2d2's own handler logs libpq's several-line message at ERROR, and
/// r2d2 retries by itself with growing pauses, so this is not a tight loop).
#[derive(Debug)]
struct LogConnectError {
    database: String,
}

impl r2d2::HandleError<ConnectionError> for LogConnectError {
    fn handle_error(&self, error: ConnectionError) {
        let reason = error.to_string();
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        tracing::warn!(database = %self.database, error = %reason, "cannot open a database connection; the pool keeps trying");
    }
}

/// The database as the rest of onecse uses it: a pool plus the rule for running one
/// transaction on it.
#[derive(Clone)]
pub struct Database {
    pool: DbPool,
    /// A few connections of their own for the background tasks (delivery, expiry), so
    /// they never queue behind request traffic for a connection.
    background: DbPool,
    backend: Backend,
    /// Whether the database refuses new connections right now (both pools report).
    health: Arc<Health>,
    /// SQLite allows one writer at a time. Queuing writers here, in arrival order, keeps
    /// them off SQLite's busy-wait loop, whose sleeps gave p99 latencies near a second
    /// under 64 concurrent writers.
    sqlite_writers: Arc<Mutex<()>>,
    /// Where request-pool checkouts report their wait (`onecse_db_pool_wait_seconds`).
    pool_wait: Option<prometheus::Histogram>,
}

impl Database {
    /// Opens the pool for a target; `timeout` is the longest wait for a connection.
    pub fn open(
        target: &DatabaseTarget,
        max_size: u32,
        timeout: Duration,
    ) -> Result<Self, r2d2::Error> {
        let health = Arc::new(Health::default());
        Ok(Self {
            pool: build_pool(target, max_size, timeout, Arc::clone(&health))?,
            background: build_pool(target, BACKGROUND_CONNECTIONS, timeout, Arc::clone(&health))?,
            backend: target.backend,
            health,
            sqlite_writers: Arc::new(Mutex::new(())),
            pool_wait: None,
        })
    }

    /// Reports every request-pool checkout's wait to `histogram` from now on (the
    /// background tasks' pool is left out: its waits say nothing about requests).
    #[must_use]
    pub fn observing_pool_wait(mut self, histogram: prometheus::Histogram) -> Self {
        self.pool_wait = Some(histogram);
        self
    }

    /// The request pool's connections: (in use, idle), for the metrics scrape.
    pub fn pool_connections(&self) -> (u32, u32) {
        let state = self.pool.state();
        (
            state.connections.saturating_sub(state.idle_connections),
            state.idle_connections,
        )
    }

    /// The readiness check: a request-pool connection within `timeout` that answers a
    /// trivial query, on a schema with every migration of this binary applied. The
    /// error says which step failed, never the URL (it may hold a password).
    /// Blocking: call it from the blocking pool.
    pub fn check_ready(&self, timeout: Duration) -> Result<(), String> {
        let mut conn = self
            .pool
            .get_timeout(timeout)
            .map_err(|_| format!("no database connection within {} ms", timeout.as_millis()))?;
        conn.ping()
            .map_err(|e| format!("the database does not answer: {e}"))?;
        match super::migrate::has_pending(&mut conn) {
            Ok(false) => Ok(()),
            Ok(true) => Err("database migrations are pending".into()),
            Err(e) => Err(format!("cannot read the applied migrations: {e}")),
        }
    }

    /// Runs `work` on the calling thread with a request-pool connection that is idle
    /// right now reserved for it: every [`Database::run`] inside `work` (on this thread)
    /// uses that connection instead of checking one out. `None`, without running
    /// `work`, when no connection is idle: the caller then runs it on the blocking pool,
    /// where waiting for a connection blocks no HTTP worker.
    ///
    /// Why: a read handed from an HTTP worker to the blocking pool and back costs two
    /// thread wake-ups, more than a point read's own work on a loaded machine (see
    /// docs/performance-lab-notes.md). Run this only for work whose statements are bounded (point
    /// reads): the worker serves no other connection meanwhile.
    pub fn on_idle_connection<T>(&self, work: impl FnOnce() -> T) -> Option<T> {
        if self.health.failing.load(Ordering::Relaxed) {
            return None;
        }
        let conn = self.pool.try_get()?;
        if let Some(histogram) = &self.pool_wait {
            histogram.observe(0.0);
        }
        let previous = RESERVED.with(|slot| slot.replace(Some((Arc::clone(&self.health), conn))));
        // Whatever `work` does (even unwinding), the connection goes back to the pool
        // when this guard drops, and an outer reservation is restored.
        struct Restore(Option<Reserved>);
        impl Drop for Restore {
            fn drop(&mut self) {
                RESERVED.with(|slot| *slot.borrow_mut() = self.0.take());
            }
        }
        let _restore = Restore(previous);
        Some(work())
    }

    /// The engine behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `work` in one transaction on a pooled connection (see [`in_transaction`]).
    /// Blocking: call it from the blocking pool.
    pub fn run<T, E>(
        &self,
        kind: TransactionKind,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<NoConnection> + Fault,
    {
        if let Some((owner, mut conn)) = self.take_reserved(kind) {
            let result = self.run_with(&mut conn, kind, work);
            RESERVED.with(|slot| *slot.borrow_mut() = Some((owner, conn)));
            return result;
        }
        self.run_on(&self.pool, self.pool_wait.as_ref(), kind, work)
    }

    /// [`Database::run`] on the background tasks' own connections.
    pub fn run_background<T, E>(
        &self,
        kind: TransactionKind,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<NoConnection> + Fault,
    {
        self.run_on(&self.background, None, kind, work)
    }

    fn run_on<T, E>(
        &self,
        pool: &DbPool,
        wait: Option<&prometheus::Histogram>,
        kind: TransactionKind,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<NoConnection> + Fault,
    {
        let _writer = self.sqlite_writer_turn(kind);
        let timer = wait.map(prometheus::Histogram::start_timer);
        let outage =
            self.health.failing.load(Ordering::Relaxed) && pool.state().idle_connections == 0;
        let checkout = if outage {
            pool.get_timeout(OUTAGE_WAIT)
        } else {
            pool.get()
        };
        let mut conn = checkout.map_err(|source| {
            let state = pool.state();
            // Connections missing from a full pool mean r2d2 could not open them.
            let unreachable =
                outage || (state.idle_connections == 0 && state.connections < pool.max_size());
            // A whole pool timeout without a connection the pool could open: the next
            // requests need not wait it again (a connection attempt that succeeds
            // clears this).
            if unreachable {
                self.health.failing.store(true, Ordering::Relaxed);
            }
            NoConnection {
                unreachable,
                source,
            }
        })?;
        drop(timer);
        self.run_with(&mut conn, kind, work)
    }

    /// The connection [`Database::on_idle_connection`] reserved on this thread, if it
    /// is this database's and the transaction only reads (a write takes its turn and
    /// connection the usual way, leaving the reservation where it is).
    fn take_reserved(&self, kind: TransactionKind) -> Option<Reserved> {
        if kind != TransactionKind::Read {
            return None;
        }
        RESERVED.with(|slot| {
            let mut slot = slot.borrow_mut();
            let ours = slot
                .as_ref()
                .is_some_and(|(owner, _)| Arc::ptr_eq(owner, &self.health));
            if ours { slot.take() } else { None }
        })
    }

    /// A SQLite writer's turn, taken before its connection so that writers queue here
    /// in arrival order without holding connections (nothing for reads or PostgreSQL).
    fn sqlite_writer_turn(&self, kind: TransactionKind) -> Option<MutexGuard<'_, ()>> {
        (kind == TransactionKind::Write && self.backend == Backend::Sqlite).then(|| {
            self.sqlite_writers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        })
    }

    /// Runs one transaction on a checked-out connection, then marks the connection
    /// lost if the failure came from a server that went away.
    fn run_with<T, E>(
        &self,
        conn: &mut PooledConn,
        kind: TransactionKind,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + Fault,
    {
        let result = in_transaction(&mut conn.conn, kind, work);
        // Only on a failure that may be the database's, and only where a server can
        // vanish: one round trip tells a failed statement from a dead connection, which
        // r2d2 then drops. A refused request (4xxx) costs nothing more.
        let suspect = result
            .as_ref()
            .err()
            .is_some_and(Fault::may_be_connection_loss);
        if suspect && matches!(conn.conn, DbConn::Pg(_)) && conn.conn.ping().is_err() {
            conn.lost = true;
        }
        result
    }
}

/// What [`Database::run`] needs to know about a failed transaction: whether it may
/// come from a lost connection (worth a check) or is a refusal of the request.
pub trait Fault {
    /// True unless the failure is certainly not the database's.
    fn may_be_connection_loss(&self) -> bool;
}

/// No pooled connection came within the pool timeout.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", if *.unreachable { "the database is unreachable" } else { "every database connection is in use" })]
pub struct NoConnection {
    /// The pool could not open a connection (rather than all of them being in use),
    /// which tells the client "unreachable" instead of "busy".
    pub unreachable: bool,
    /// r2d2's error, with the last connection failure when it has one.
    #[source]
    pub source: r2d2::Error,
}

/// A reserved request-pool connection and the database it belongs to (its `health`,
/// which every clone of one [`Database`] shares).
type Reserved = (Arc<Health>, r2d2::PooledConnection<ConnectionManager>);

thread_local! {
    /// The request-pool connection [`Database::on_idle_connection`] reserved for the
    /// work running on this thread, if any.
    static RESERVED: RefCell<Option<Reserved>> = const { RefCell::new(None) };
}

/// Connections reserved for the background tasks: delivery (claiming and recording),
/// the expiry sweep and the resource timers.
const BACKGROUND_CONNECTIONS: u32 = 4;

/// Whether a transaction will write; decides how it starts (see [`in_transaction`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// Reads only: never writes (on PostgreSQL it runs without a transaction).
    Read,
    /// May write.
    Write,
}

/// Runs `work` in one transaction, committing on `Ok` and rolling back on `Err`.
///
/// On SQLite a writing transaction starts with `BEGIN IMMEDIATE`: a deferred
/// transaction that reads and then writes fails at once with SQLITE_BUSY when another
/// writer committed in between, and `busy_timeout` cannot help there.
///
/// On PostgreSQL a read runs without `BEGIN`/`COMMIT`: at READ COMMITTED every
/// statement takes its own snapshot even inside a transaction, so one would add two
/// round trips and no consistency. Work of kind [`TransactionKind::Read`] must
/// therefore never write. (SQLite keeps its deferred transaction, which does give
/// its statements one snapshot, at no round-trip cost.)
pub fn in_transaction<T, E>(
    conn: &mut DbConn,
    kind: TransactionKind,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match (kind, &mut *conn) {
        (TransactionKind::Read, DbConn::Pg(_)) => work(conn),
        (TransactionKind::Write, DbConn::Sqlite(inner)) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match work(conn) {
                Ok(value) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(err) => {
                    // The work's error is what the caller needs; a failed rollback
                    // leaves the connection marked broken, and r2d2 discards it.
                    let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                    Err(err)
                }
            }
        }
        _ => conn.transaction(work),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend_by_scheme() {
        let cases = [
            ("postgres://u:p@h/db", Some(Backend::Postgres)),
            ("postgresql://h/db", Some(Backend::Postgres)),
            ("sqlite://onecse.db", Some(Backend::Sqlite)),
            ("sqlite:data/x.db", Some(Backend::Sqlite)),
            ("onecse.db", Some(Backend::Sqlite)),
            ("/var/lib/onecse/onecse.db", Some(Backend::Sqlite)),
            ("mysql://h/db", None),
            ("postgress://h/db", None),
            ("", None),
            ("sqlite://", None),
        ];
        for (url, backend) in cases {
            assert_eq!(
                DatabaseTarget::parse(url).ok().map(|t| t.backend),
                backend,
                "{url}"
            );
        }
    }

    #[test]
    fn redaction_drops_credentials_and_options() {
        let target = DatabaseTarget::parse("postgres://user:secret@db:5432/onecse?sslmode=require");
        let shown = target.map(|t| t.redacted()).unwrap_or_default();
        assert_eq!(shown, "postgresql://db:5432/onecse");
        let listed = DatabaseTarget::parse("postgresql://u:p@h1:5432,h2:5433/db?sslmode=require");
        let shown = listed.map(|t| t.redacted()).unwrap_or_default();
        assert_eq!(shown, "postgresql://h1:5432,h2:5433/db");
    }

    #[test]
    fn postgres_urls_get_liveness_defaults_unless_they_set_them() {
        let connect = |url: &str| {
            DatabaseTarget::parse(url)
                .map(|t| t.connect_string)
                .unwrap_or_default()
        };
        assert_eq!(
            connect("postgres://u@h/db"),
            "postgres://u@h/db?keepalives_idle=10&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=30000"
        );
        assert_eq!(
            connect("postgres://u@h/db?sslmode=disable&keepalives_idle=60&tcp_user_timeout=0"),
            "postgres://u@h/db?sslmode=disable&keepalives_idle=60&tcp_user_timeout=0&keepalives_interval=5&keepalives_count=3"
        );
        let defaults =
            "keepalives_idle=10&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=30000";
        // An empty query, a stray separator, a `?` in the password, a Unix socket host.
        for (url, expected) in [
            (
                "postgres://u@h/db?",
                format!("postgres://u@h/db?{defaults}"),
            ),
            (
                "postgresql://h/db?sslmode=disable&",
                format!("postgresql://h/db?sslmode=disable&{defaults}"),
            ),
            (
                "postgres://u:p?w@h:5432/db",
                format!("postgres://u:p?w@h:5432/db?{defaults}"),
            ),
            (
                "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
                format!("postgres://u@%2Fvar%2Frun%2Fpostgresql/db?{defaults}"),
            ),
            // A host list (libpq tries each in turn).
            (
                "postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write",
                format!(
                    "postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write&{defaults}"
                ),
            ),
        ] {
            assert_eq!(connect(url), expected, "{url}");
        }
        // A key written percent-encoded is still the user's.
        assert_eq!(
            connect("postgres://h/db?keepalives%5Fidle=60"),
            "postgres://h/db?keepalives%5Fidle=60&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=30000"
        );
        assert_eq!(connect("sqlite://x.db"), "x.db");
    }

    /// A one-connection SQLite database whose pool gives up after 200 ms. Building
    /// the pool opens its first connection within that same timeout, which a loaded
    /// machine (parallel test binaries) can miss: the open is tried again, since what
    /// these tests exercise is the checkout, not the open.
    fn one_connection(dir: &tempfile::TempDir) -> Database {
        let url = format!("sqlite://{}", dir.path().join("one.db").display());
        let target = DatabaseTarget::parse(&url).expect("sqlite url");
        let mut last = None;
        for _ in 0..50 {
            match Database::open(&target, 1, Duration::from_millis(200)) {
                Ok(db) => return db,
                Err(err) => last = Some(err),
            }
        }
        panic!("cannot open a one-connection SQLite database: {last:?}")
    }

    fn select_one(db: &Database) -> Result<i32, diesel::result::Error> {
        db.run(TransactionKind::Read, |conn| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).get_result(conn)
        })
    }

    impl From<NoConnection> for diesel::result::Error {
        fn from(_: NoConnection) -> Self {
            diesel::result::Error::NotFound
        }
    }

    impl Fault for diesel::result::Error {
        fn may_be_connection_loss(&self) -> bool {
            false
        }
    }

    #[test]
    fn work_on_an_idle_connection_uses_it_and_frees_it_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_connection(&dir);
        // Inside, the pool's only connection is reserved: a run uses it (a checkout
        // would time out), twice in a row, and no second reservation is possible.
        let inside = db.on_idle_connection(|| {
            let started = std::time::Instant::now();
            let reads = (select_one(&db), select_one(&db));
            let nested = db.on_idle_connection(|| ());
            (reads, nested, started.elapsed())
        });
        let ((first, second), nested, took) = inside.expect("the connection was idle");
        assert_eq!((first.ok(), second.ok()), (Some(1), Some(1)));
        assert!(
            nested.is_none(),
            "no connection is idle while one is reserved"
        );
        assert!(
            took < Duration::from_millis(150),
            "no checkout waited: {took:?}"
        );
        // After, the connection is back in the pool.
        assert_eq!(select_one(&db).ok(), Some(1));
        assert!(db.on_idle_connection(|| ()).is_some());
    }

    #[test]
    fn a_reservation_serves_only_its_own_database() {
        let dir_a = tempfile::tempdir().expect("tempdir");
        let dir_b = tempfile::tempdir().expect("tempdir");
        let (a, b) = (one_connection(&dir_a), one_connection(&dir_b));
        let only_in_a = |db: &Database| {
            db.run(TransactionKind::Read, |conn| {
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
                    "(SELECT COUNT(*) FROM only_in_a)",
                ))
                .get_result::<i32>(conn)
            })
        };
        let created = a.run(TransactionKind::Write, |conn| {
            conn.batch_execute("CREATE TABLE only_in_a (x INTEGER)")
        });
        assert!(created.is_ok());
        let inside = a.on_idle_connection(|| (only_in_a(&a).ok(), only_in_a(&b).is_err()));
        assert_eq!(inside, Some((Some(0), true)), "b reads its own file");
    }

    #[test]
    fn no_idle_connection_means_the_work_does_not_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_connection(&dir);
        let held = db.pool.get().expect("the only connection");
        let mut ran = false;
        assert!(db.on_idle_connection(|| ran = true).is_none());
        assert!(!ran);
        drop(held);
        assert!(db.on_idle_connection(|| ran = true).is_some());
        assert!(ran);
    }
}
