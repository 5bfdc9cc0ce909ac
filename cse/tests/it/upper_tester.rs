//! The Upper Tester interface (`upper_tester` setting; TS-0019, ACME conventions):
//! absent by default, and when on each command answers as test systems expect.

use std::time::{Duration, Instant};

use onecse_testkit::Reply;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn command(app: &TestApp, cmd: Option<&str>) -> Reply {
    let mut headers = vec![("X-M2M-Origin", "CAdmin"), ("X-M2M-RI", "ut")];
    if let Some(cmd) = cmd {
        headers.push(("X-M2M-UTCMD", cmd));
    }
    app.send(Method::POST, "/__ut__", &headers, None).await
}

fn assert_ok(reply: &Reply, utrsp: Option<&str>) {
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
    assert_eq!(reply.header("X-M2M-UTRSP"), utrsp, "{reply:#?}");
}

#[tokio::test]
async fn without_the_setting_the_path_is_an_ordinary_missing_target() {
    let app = spawn_app().await;
    let reply = app
        .onem2m(
            Method::POST,
            "/__ut__",
            Some("CAdmin"),
            Some("application/json"),
            Some(r#"{"m2m:sgn": {}}"#),
        )
        .await;
    reply.assert_error(4004, 404, "__ut__");
    assert_eq!(reply.header("X-M2M-UTRSP"), None);
    let reply = app.retrieve("/__ut__", "CAdmin").await;
    reply.assert_error(4004, 404, "__ut__");
    // The header alone does nothing either.
    let reply = command(&app, Some("Status")).await;
    assert_ne!(reply.rsc, Some(2000), "{reply:#?}");
}

#[tokio::test]
async fn status_and_test_case_markers_answer_2000() {
    let app = spawn_app_with(|c| c.upper_tester = true).await;
    assert_ok(&command(&app, Some("Status")).await, Some("RUNNING"));
    assert_ok(&command(&app, Some("status")).await, Some("RUNNING"));
    assert_ok(&command(&app, Some("testCaseStart TC_CNT_001")).await, None);
    assert_ok(&command(&app, Some("testCaseEnd TC_CNT_001")).await, None);
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration 5")).await,
        Some("5"),
    );
    assert_ok(
        &command(&app, Some("disableShortRequestExpiration")).await,
        None,
    );
    // The oneM2M tree is served as before.
    assert_eq!(app.retrieve("/cse-in", "CAdmin").await.rsc, Some(2000));
}

#[tokio::test]
async fn unknown_missing_and_malformed_commands_are_refused_with_4000() {
    let app = spawn_app_with(|c| c.upper_tester = true).await;
    for (cmd, needle) in [
        (Some("reboot"), "unknown upper tester command 'reboot'"),
        (None, "missing"),
        (Some("enableShortResourceExpiration soon"), "'soon'"),
        (Some("enableShortRequestExpiration 0"), "'0'"),
    ] {
        let reply = command(&app, cmd).await;
        assert_eq!((reply.status, reply.rsc), (400, Some(4000)), "{cmd:?}");
        let why = reply.header("X-M2M-UTRSP").unwrap_or_default();
        assert!(why.contains(needle), "{cmd:?}: {why}");
    }
}

#[tokio::test]
async fn short_resource_expiration_expires_resources_created_without_et() {
    let app = spawn_app_with(|c| c.upper_tester = true).await;
    let reply = command(&app, Some("enableShortResourceExpiration 1")).await;
    // The expiry check interval (100 ms in tests, reported as at least 1 s) and the
    // lifetime.
    assert_ok(&reply, Some("1,1"));
    let created = app.container("/cse-in", "short", json!({}), "CAdmin").await;
    assert_eq!(created.rsc, Some(2001));
    // A resource with its own et keeps it.
    let kept = app
        .container(
            "/cse-in",
            "kept",
            json!({"et": "20991231T000000"}),
            "CAdmin",
        )
        .await;
    assert!(
        kept.body["m2m:cnt"]["et"]
            .as_str()
            .is_some_and(|et| et.starts_with("20991231T000000")),
        "{kept:#?}"
    );
    let started = Instant::now();
    loop {
        let reply = app.retrieve("/cse-in/short", "CAdmin").await;
        if reply.rsc == Some(4004) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the container did not expire within 10 s: {reply:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.retrieve("/cse-in/kept", "CAdmin").await.rsc, Some(2000));

    assert_ok(
        &command(&app, Some("disableShortResourceExpiration")).await,
        None,
    );
    let normal = app
        .container("/cse-in", "normal", json!({}), "CAdmin")
        .await;
    let et = normal.body["m2m:cnt"]["et"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ct = normal.body["m2m:cnt"]["ct"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        et[..4] > ct[..4],
        "the normal default lifetime is years: ct {ct}, et {et}"
    );
}
