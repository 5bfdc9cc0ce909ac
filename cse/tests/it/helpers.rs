//! Test harness: spawns onecse on a fresh database and speaks oneM2M to it through
//! onecse-testkit's client.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use onecse::app::App;
use onecse::config::Config;
pub use onecse_testkit::Reply;
use onecse_testkit::{Client, Target};
use serde_json::Value;

/// The PostgreSQL URL tests run against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("ONECSE_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// A database owned by one test, removed when the test ends.
pub enum TestDb {
    /// A temporary directory holding `onecse.db`, removed on drop.
    Sqlite { _dir: tempfile::TempDir },
    /// A schema in the PostgreSQL test database, dropped on drop.
    Postgres { admin_url: String, schema: String },
}

impl TestDb {
    /// A fresh, empty database and the URL onecse should use for it.
    pub fn fresh() -> (Self, String) {
        match postgres_url() {
            Some(admin_url) => {
                static COUNTER: AtomicU64 = AtomicU64::new(0);
                let schema = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = PgConnection::establish(&admin_url)
                    .expect("connect to ONECSE_TEST_DATABASE_URL");
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create test schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
                (Self::Postgres { admin_url, schema }, url)
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("onecse.db").to_string_lossy().into_owned();
                (Self::Sqlite { _dir: dir }, url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, schema } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// A running onecse and a strict oneM2M client for it: every request a test sends
/// through it (`app.create(…)` and the rest of [`Client`], by `Deref`) fails the test
/// when onecse is unreachable, answers a body that is not JSON or does not echo the
/// generated `X-M2M-RI`.
pub struct TestApp {
    /// `http://127.0.0.1:<port>` (`https://` when the test configured TLS).
    pub base: String,
    client: Client,
    handle: actix_web::dev::ServerHandle,
    _db: Option<TestDb>,
}

impl Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Starts onecse with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts onecse after letting the test adjust the configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (db, url) = TestDb::fresh();
    let mut app = spawn_app_on(&url, adjust).await;
    app._db = Some(db);
    app
}

/// Starts onecse on an existing database (restarts, several processes); the caller
/// owns the database.
pub async fn spawn_app_on(url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        onecse::telemetry::init("debug", onecse::telemetry::LogFormat::Text);
    }
    let url = url.to_owned();
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: url,
        pool_size: 4,
        workers: Some(1),
        expiry_interval_ms: 100,
        notify_retry_base_ms: 100,
        notify_retry_max_ms: 400,
        notify_poll_ms: 100,
        notify_timeout_ms: 2000,
        // The tests' receivers listen on this machine, which the outgoing-request
        // policy refuses by default.
        notify_allowed_networks: Some("127.0.0.0/8,::1".into()),
        ..Config::default()
    };
    adjust(&mut config);
    let app = App::build(&config).expect("app builds");
    let base = app.origin();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: strict_client(&base),
        base,
        handle,
        _db: None,
    }
}

/// The strict client the tests speak to the CSE at `base` (`http://host:port`) with.
pub fn strict_client(base: &str) -> Client {
    Client::builder(test_target(base))
        .strict()
        .build()
        .expect("http client")
}

/// The CSE at `base` (`http://host:port` or `https://…`) as the tests configure it.
pub fn test_target(base: &str) -> Target {
    Target::from_url(
        &format!("{base}/cse-in"),
        "/id-in",
        "CAdmin",
        "3",
        Duration::from_secs(20),
    )
    .expect("target")
}

impl TestApp {
    /// Stops this instance (server, expiry and delivery) as a process exit would.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    /// Creates a container named `rn` under `parent` with extra attributes; panics
    /// unless created.
    pub async fn container(&self, parent: &str, rn: &str, extra: Value, originator: &str) -> Reply {
        let mut attrs = serde_json::json!({ "rn": rn });
        if let (Some(base), Some(extra)) = (attrs.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        let reply = self
            .create(
                parent,
                3,
                &serde_json::json!({ "m2m:cnt": attrs }),
                Some(originator),
            )
            .await;
        assert_eq!(reply.rsc, Some(2001), "container {rn}: {reply:#?}");
        reply
    }

    /// Creates a contentInstance with content `con` under `container`; panics unless
    /// created.
    pub async fn instance(&self, container: &str, con: &str, originator: &str) -> Reply {
        let body = serde_json::json!({"m2m:cin": {"con": con, "cnf": "text/plain:0"}});
        let reply = self.create(container, 4, &body, Some(originator)).await;
        assert_eq!(reply.rsc, Some(2001), "instance in {container}: {reply:#?}");
        reply
    }

    /// Registers an AE named `rn` with originator `originator`; panics unless created.
    pub async fn register_ae(&self, rn: &str, originator: &str) -> Reply {
        let body =
            serde_json::json!({"m2m:ae": {"rn": rn, "api": "Ntest", "rr": true, "srv": ["3"]}});
        let reply = self.create("/cse-in", 2, &body, Some(originator)).await;
        assert_eq!(reply.rsc, Some(2001), "registration of {rn}: {reply:#?}");
        reply
    }
}
