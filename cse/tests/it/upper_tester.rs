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
    // Each enable answers the value it replaces: the configured request lifetime
    // (600 s), then the one set before; decimals are accepted.
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration 5")).await,
        Some("600"),
    );
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration 3.0")).await,
        Some("5"),
    );
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration 2.5")).await,
        Some("3"),
    );
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration")).await,
        Some("2.5"),
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
        (Some("enableShortRequestExpiration -1"), "'-1'"),
        (Some("enableShortRequestExpiration NaN"), "'NaN'"),
        (Some("enableShortResourceExpiration 1e9"), "'1e9'"),
    ] {
        let reply = command(&app, cmd).await;
        assert_eq!((reply.status, reply.rsc), (400, Some(4000)), "{cmd:?}");
        let why = reply.header("X-M2M-UTRSP").unwrap_or_default();
        assert!(why.contains(needle), "{cmd:?}: {why}");
    }
}

#[tokio::test]
async fn short_resource_expiration_reports_interval_and_maximum_and_keeps_default_lifetimes() {
    let app = spawn_app_with(|c| {
        c.upper_tester = true;
        c.max_expiration_delta_s = 86_400;
    })
    .await;
    // The previous check interval (100 ms in tests, reported as at least 1 s) and the
    // maximum expiration delta; decimals are accepted.
    let reply = command(&app, Some("enableShortResourceExpiration 3.0")).await;
    assert_ok(&reply, Some("1,86400"));
    // What a test system registers first lives on: no short default lifetime.
    let ae = app.register_ae("tester", "Ctester").await;
    assert_eq!(ae.rsc, Some(2001), "{ae:#?}");
    let et = ae.body["m2m:ae"]["et"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ct = ae.body["m2m:ae"]["ct"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        et[..8] > ct[..8],
        "a lifetime of a day, not seconds: ct {ct}, et {et}"
    );
    // A resource given a short et expires and is removed.
    let soon = onecse_models::time::Timestamp::now()
        .plus_seconds(2)
        .to_string();
    let created = app
        .container("/cse-in/tester", "short", json!({"et": soon}), "Ctester")
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    let started = Instant::now();
    loop {
        let reply = app.retrieve("/cse-in/tester/short", "Ctester").await;
        if reply.rsc == Some(4004) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the container did not expire within 10 s: {reply:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.retrieve("/cse-in/tester", "Ctester").await.rsc,
        Some(2000)
    );
    assert_ok(
        &command(&app, Some("disableShortResourceExpiration")).await,
        None,
    );
}

#[tokio::test]
async fn short_request_expiration_shortens_the_lifetime_of_request_resources() {
    let app = spawn_app_with(|c| c.upper_tester = true).await;
    assert_ok(
        &command(&app, Some("enableShortRequestExpiration 2")).await,
        Some("600"),
    );
    let accepted = crate::nonblocking::create_container(&app, "nb", &[("rt", "1")], &[]).await;
    let ri = crate::nonblocking::request_id(&accepted);
    let request = app.retrieve(&format!("/{ri}"), "CAdmin").await;
    let et = request.body["m2m:req"]["et"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let limit = onecse_models::time::Timestamp::now()
        .plus_seconds(30)
        .to_string();
    assert!(
        et < limit,
        "the request resource lives seconds, not minutes: {et}"
    );
    let started = Instant::now();
    while app.retrieve(&format!("/{ri}"), "CAdmin").await.rsc != Some(4004) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the request resource did not expire"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn reset_returns_the_cse_to_its_start_state() {
    let app = spawn_app_with(|c| c.upper_tester = true).await;
    let before = app.retrieve("/cse-in", "CAdmin").await;
    let ct_before = before.body["m2m:cb"]["ct"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.register_ae("gone", "Cgone").await;
    app.container("/cse-in/gone", "c", json!({"lbl": ["x"]}), "Cgone")
        .await;
    app.instance("/cse-in/gone/c", "v", "Cgone").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_ok(&command(&app, Some("Reset")).await, None);
    assert_eq!(app.retrieve("/cse-in/gone", "CAdmin").await.rsc, Some(4004));
    let left = app.retrieve("/cse-in?fu=1", "CAdmin").await;
    assert_eq!(left.body, json!({"m2m:uril": ["cse-in/acpCSEBase"]}));
    let after = app.retrieve("/cse-in", "CAdmin").await;
    assert_eq!(after.rsc, Some(2000));
    let ct_after = after.body["m2m:cb"]["ct"].as_str().unwrap_or_default();
    assert!(ct_after > ct_before.as_str(), "{ct_before} then {ct_after}");
    // The same names can be registered again.
    assert_eq!(app.register_ae("gone", "Cgone").await.rsc, Some(2001));
    assert_eq!(
        app.container("/cse-in/gone", "c", json!({}), "Cgone")
            .await
            .rsc,
        Some(2001)
    );
}
