//! Test harness: spawns onecse on a fresh database and speaks oneM2M to it.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use onecse::app::App;
use onecse::config::Config;
use reqwest::Method;
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

/// A running onecse and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    _db: Option<TestDb>,
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub rsc: Option<u16>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw_body: String,
}

impl Reply {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `m2m:dbg` message of an error response.
    pub fn dbg(&self) -> &str {
        self.body
            .get("m2m:dbg")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Asserts an error: RSC, HTTP status, and a `m2m:dbg` containing `needle`.
    #[track_caller]
    pub fn assert_error(&self, rsc: u16, status: u16, needle: &str) {
        assert_eq!(self.rsc, Some(rsc), "RSC of {self:#?}");
        assert_eq!(self.status, status, "HTTP status of {self:#?}");
        assert!(
            self.dbg().to_lowercase().contains(&needle.to_lowercase()),
            "m2m:dbg '{}' should mention '{needle}'",
            self.dbg()
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
    }

    /// The attributes inside the response's root key.
    #[track_caller]
    pub fn resource(&self, root: &str) -> &serde_json::Map<String, Value> {
        self.body
            .get(root)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("body should have '{root}': {}", self.raw_body))
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
        onecse::telemetry::init("debug");
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
        ..Config::default()
    };
    adjust(&mut config);
    let app = App::build(&config).expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("http client");
    TestApp {
        base,
        client,
        handle,
        _db: None,
    }
}

static RQI: AtomicU64 = AtomicU64::new(1);

impl TestApp {
    /// Stops this instance (server, expiry and delivery) as a process exit would.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    /// Sends a request with exactly the given headers (no defaults added).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.expect("request reaches onecse");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let rsc = headers
            .get("X-M2M-RSC")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let raw_body = response.text().await.expect("body");
        let body = if raw_body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&raw_body)
                .unwrap_or_else(|e| panic!("body is not JSON ({e}): {raw_body}"))
        };
        Reply {
            status,
            rsc,
            headers,
            body,
            raw_body,
        }
    }

    /// Sends a request with the usual oneM2M headers (originator, fresh RI, RVI 3).
    pub async fn onem2m(
        &self,
        method: Method,
        path: &str,
        originator: Option<&str>,
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let rqi = format!("rqi-{}", RQI.fetch_add(1, Ordering::SeqCst));
        let mut headers = vec![
            ("X-M2M-RI", rqi.as_str()),
            ("X-M2M-RVI", "3"),
            ("Accept", "application/json"),
        ];
        if let Some(originator) = originator {
            headers.push(("X-M2M-Origin", originator));
        }
        if let Some(ct) = content_type {
            headers.push(("Content-Type", ct));
        }
        let reply = self.send(method, path, &headers, body).await;
        assert_eq!(
            reply.header("X-M2M-RI"),
            Some(rqi.as_str()),
            "X-M2M-RI must be echoed"
        );
        reply
    }

    /// CREATE of type `ty` under `parent` (an HTTP path such as `/cse-in`).
    pub async fn create(
        &self,
        parent: &str,
        ty: u16,
        body: &Value,
        originator: Option<&str>,
    ) -> Reply {
        let ct = format!("application/json;ty={ty}");
        let body = body.to_string();
        self.onem2m(Method::POST, parent, originator, Some(&ct), Some(&body))
            .await
    }

    /// RETRIEVE.
    pub async fn retrieve(&self, path: &str, originator: &str) -> Reply {
        self.onem2m(Method::GET, path, Some(originator), None, None)
            .await
    }

    /// UPDATE.
    pub async fn update(&self, path: &str, body: &Value, originator: &str) -> Reply {
        let body = body.to_string();
        self.onem2m(
            Method::PUT,
            path,
            Some(originator),
            Some("application/json"),
            Some(&body),
        )
        .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str, originator: &str) -> Reply {
        self.onem2m(Method::DELETE, path, Some(originator), None, None)
            .await
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
