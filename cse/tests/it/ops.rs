//! Operations endpoints: /healthz, /readyz and the Prometheus /metrics, on the main
//! listener or on their own (`metrics_bind`).

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, postgres_url, spawn_app, spawn_app_on, spawn_app_with};

pub(crate) async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The value of the sample line that starts with `series` (name and labels exactly
/// as rendered), if present.
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// Scrapes until `series` reaches `at_least` (delivery is recorded after the fact).
async fn scrape_until(base: &str, series: &str, at_least: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, text) = get(&format!("{base}/metrics")).await;
        assert_eq!(status, 200);
        if sample(&text, series).is_some_and(|v| v >= at_least) || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn healthz_answers_alive() {
    let app = spawn_app().await;
    let (status, body) = get(&format!("{}/healthz", app.base)).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({"status": "alive"})
    );
}

#[tokio::test]
async fn head_on_the_operations_endpoints_answers_their_status_without_a_body() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = client
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("HEAD");
        assert_eq!(response.status().as_u16(), 200, "HEAD {path}");
        let body = response.bytes().await.expect("body");
        assert!(body.is_empty(), "HEAD {path} sent a body");
    }
}

#[tokio::test]
async fn readyz_answers_ready_on_a_healthy_app() {
    let app = spawn_app().await;
    let (status, body) = get(&format!("{}/readyz", app.base)).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));
}

/// Both backends: the newest migration is forgotten by the database, as when an
/// older binary's schema is found; the process must not take traffic.
#[tokio::test]
async fn readyz_refuses_when_migrations_are_pending() {
    let (db, url) = TestDb::fresh();
    let app = spawn_app_on(&url, |_| {}).await;
    let forget = "DELETE FROM __diesel_schema_migrations WHERE version = \
                  (SELECT MAX(version) FROM __diesel_schema_migrations)";
    match postgres_url() {
        Some(_) => diesel::pg::PgConnection::establish(&url)
            .expect("connect")
            .batch_execute(forget),
        None => diesel::sqlite::SqliteConnection::establish(&url)
            .expect("open")
            .batch_execute(forget),
    }
    .expect("forget a migration");
    let (status, body) = get(&format!("{}/readyz", app.base)).await;
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["reason"], "database migrations are pending");
    drop(db);
}

/// PostgreSQL only: the app's schema is dropped under it, so the pooled connections
/// answer but every table is gone. SQLite has no equivalent that is deterministic:
/// open connections keep a deleted or renamed file alive, and a locked file only
/// makes the check wait (its busy timeout) rather than fail.
#[tokio::test]
async fn readyz_refuses_with_a_reason_when_the_database_is_unusable() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let (db, url) = TestDb::fresh();
    let app = spawn_app_on(&url, |_| {}).await;
    let TestDb::Postgres { schema, .. } = &db else {
        panic!("a PostgreSQL URL gives a PostgreSQL test database");
    };
    diesel::pg::PgConnection::establish(&admin_url)
        .expect("connect")
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .expect("drop the schema");
    let (status, body) = get(&format!("{}/readyz", app.base)).await;
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not ready");
    let reason = body["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("cannot read the applied migrations"),
        "{reason}"
    );
    assert!(
        !reason.contains("postgres://"),
        "no URL in the reason: {reason}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_operation_type_and_rsc() {
    let app = spawn_app().await;
    app.register_ae("a1", "Cmetrics").await;
    app.container("/cse-in/a1", "c", json!({}), "Cmetrics")
        .await;
    app.instance("/cse-in/a1/c", "x", "Cmetrics").await;
    app.instance("/cse-in/a1/c", "y", "Cmetrics").await;
    assert_eq!(
        app.retrieve("/cse-in/a1/c", "Cmetrics").await.rsc,
        Some(2000)
    );
    assert_eq!(
        app.retrieve("/cse-in/nothing", "Cmetrics").await.rsc,
        Some(4004)
    );
    // Refused on an existing resource: counted under the type of what was addressed.
    app.register_ae("a2", "Cstranger").await;
    assert_eq!(
        app.retrieve("/cse-in/a1/c", "Cstranger").await.rsc,
        Some(4103)
    );
    let (status, text) = get(&format!("{}/metrics", app.base)).await;
    assert_eq!(status, 200);
    let expected = [
        (
            r#"onecse_requests_total{operation="create",resource_type="ae",rsc="2001"}"#,
            2.0,
        ),
        (
            r#"onecse_requests_total{operation="create",resource_type="cnt",rsc="2001"}"#,
            1.0,
        ),
        (
            r#"onecse_requests_total{operation="create",resource_type="cin",rsc="2001"}"#,
            2.0,
        ),
        (
            r#"onecse_requests_total{operation="retrieve",resource_type="cnt",rsc="2000"}"#,
            1.0,
        ),
        (
            r#"onecse_requests_total{operation="retrieve",resource_type="unknown",rsc="4004"}"#,
            1.0,
        ),
        (
            r#"onecse_requests_total{operation="retrieve",resource_type="cnt",rsc="4103"}"#,
            1.0,
        ),
        (
            r#"onecse_request_duration_seconds_count{operation="create"}"#,
            5.0,
        ),
        (
            r#"onecse_request_duration_seconds_count{operation="retrieve"}"#,
            3.0,
        ),
        // /metrics itself is no oneM2M request.
        ("onecse_requests_in_flight", 0.0),
        ("onecse_outbox_pending", 0.0),
        ("onecse_outbox_oldest_pending_age_seconds", 0.0),
        (
            r#"onecse_build_info{backend="sqlite",version="0.1.0"}"#,
            1.0,
        ),
    ];
    for (series, value) in expected {
        let series = if postgres_url().is_some() {
            series.replace(r#"backend="sqlite""#, r#"backend="postgresql""#)
        } else {
            series.to_owned()
        };
        assert_eq!(sample(&text, &series), Some(value), "{series} in\n{text}");
    }
    for present in [
        r#"onecse_request_duration_seconds_bucket{operation="create",le="0.005"}"#,
        // Buckets fine enough for sub-millisecond requests.
        r#"onecse_request_duration_seconds_bucket{operation="create",le="0.0001"}"#,
        r#"onecse_request_duration_seconds_bucket{operation="create",le="0.00025"}"#,
        r#"onecse_request_duration_seconds_bucket{operation="create",le="0.0005"}"#,
        r#"onecse_db_pool_connections{state="in_use"}"#,
        r#"onecse_db_pool_connections{state="idle"}"#,
        "onecse_db_pool_wait_seconds_count",
        "onecse_notifications_delivered_total",
        "onecse_notifications_retried_total",
        "onecse_notifications_failed_total",
        "onecse_expired_resources_removed_total",
        // The client library's process collector (Linux).
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
        "process_max_fds",
    ] {
        assert!(sample(&text, present).is_some(), "{present} in\n{text}");
    }
    // The scrape's own connection at least.
    assert!(sample(&text, "onecse_http_connections_open").unwrap_or(0.0) >= 1.0);
    assert!(sample(&text, "process_open_fds").unwrap_or(0.0) >= 1.0);
    assert!(sample(&text, "onecse_db_pool_wait_seconds_count").unwrap_or(0.0) >= 6.0);
    assert!(
        !text.contains("Cmetrics") && !text.contains("a1/c"),
        "no originators or paths"
    );
}

/// A container `/cse-in/c` with a subscription towards a new receiver.
async fn watched_container(app: &TestApp) -> Receiver {
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let body = json!({"m2m:sub": {"rn": "s", "nu": [rx.url()], "enc": {"net": [3]}}});
    let sub = app.create("/cse-in/c", 23, &body, Some("CAdmin")).await;
    assert_eq!(sub.rsc, Some(2001), "{sub:#?}");
    rx
}

#[tokio::test]
async fn metrics_count_delivered_notifications_and_expired_resources() {
    let app = spawn_app().await;
    let _rx = watched_container(&app).await;
    app.instance("/cse-in/c", "x", "CAdmin").await;
    let text = scrape_until(&app.base, "onecse_notifications_delivered_total", 1.0).await;
    assert_eq!(
        sample(&text, "onecse_notifications_delivered_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "onecse_notifications_failed_total"),
        Some(0.0)
    );

    let soon = onecse_models::time::Timestamp::now()
        .plus_millis(300)
        .to_string();
    app.container("/cse-in", "short", json!({"et": soon}), "CAdmin")
        .await;
    let text = scrape_until(&app.base, "onecse_expired_resources_removed_total", 1.0).await;
    assert_eq!(
        sample(&text, "onecse_expired_resources_removed_total"),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn outbox_gauges_show_undelivered_notifications() {
    let app = spawn_app_with(|c| {
        c.notify_retry_base_ms = 60_000;
        c.notify_retry_max_ms = 60_000;
    })
    .await;
    let rx = watched_container(&app).await;
    rx.answer(500);
    app.instance("/cse-in/c", "x", "CAdmin").await;
    let text = scrape_until(&app.base, "onecse_notifications_retried_total", 1.0).await;
    assert_eq!(sample(&text, "onecse_outbox_pending"), Some(1.0), "{text}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, text) = get(&format!("{}/metrics", app.base)).await;
    let age = sample(&text, "onecse_outbox_oldest_pending_age_seconds").unwrap_or(0.0);
    assert!((1.0..60.0).contains(&age), "{age} in\n{text}");
}

#[tokio::test]
async fn metrics_bind_moves_the_operations_endpoints_to_their_own_listener() {
    let (db, url) = TestDb::fresh();
    let app = onecse::app::App::build(&onecse::config::Config {
        bind: "127.0.0.1:0".into(),
        metrics_bind: Some("127.0.0.1:0".into()),
        database_url: url,
        pool_size: 2,
        workers: Some(1),
        ..onecse::config::Config::default()
    })
    .expect("app builds");
    let main = format!("http://{}", app.local_addr());
    let ops = format!("http://{}", app.metrics_addr().expect("a metrics address"));
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    let (status, text) = get(&format!("{ops}/metrics")).await;
    assert_eq!(status, 200);
    assert!(text.contains("onecse_build_info"), "{text}");
    assert_eq!(get(&format!("{ops}/healthz")).await.0, 200);
    assert_eq!(get(&format!("{ops}/readyz")).await.0, 200);
    // On the main listener the path is a oneM2M address like any other: no resource.
    let reply = crate::helpers::strict_client(&main)
        .retrieve("/metrics", "CAdmin")
        .await;
    assert_eq!((reply.status, reply.rsc), (404, Some(4004)), "{reply:#?}");
    assert_eq!(get(&format!("{main}/healthz")).await.0, 400);
    handle.stop(false).await;
    drop(db);
}

#[tokio::test]
async fn a_cse_base_cannot_take_an_operations_path() {
    for name in ["metrics", "healthz", "readyz"] {
        let config = onecse::config::Config {
            cse_name: name.into(),
            ..onecse::config::Config::default()
        };
        let err = onecse::startup::Settings::parse(&config)
            .err()
            .map(|e| e.to_string())
            .expect(name);
        assert!(err.contains("operations endpoint"), "{err}");
    }
}
