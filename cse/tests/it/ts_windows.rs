//! timeSeries missing-data details: where an instance's `dgt` falls against the
//! expected time (within `peid` it is the expected instance; later, the expected
//! times it jumped over are missing at once; earlier, the expected one is still
//! awaited), and the rules for changing detection settings (`mdd` switches alone;
//! new settings while paused clear `mdlt`/`mdc`; `mdn` can be removed then).

use std::time::Duration;

use onecse_models::time::Timestamp;
use onecse_testkit::Receiver;
use serde_json::json;

use crate::ts::{attrs_of, point, quick_app, series, wait_for_missing};

const ADMIN: &str = "CAdmin";

#[tokio::test]
async fn an_instance_jumping_over_expected_times_reports_them_at_once() {
    let app = quick_app().await;
    let rx = Receiver::start().expect("receiver");
    // A 10 s period: the timer never runs during the test.
    series(
        &app,
        "/cse-in",
        "ts",
        json!({"pei": 10000, "mdt": 8000, "mdd": true}),
    )
    .await;
    let sub = json!({"m2m:sub": {"nu": [rx.url()], "nct": 5,
        "enc": {"net": [8], "md": {"num": 1, "dur": "PT1M"}}}});
    assert_eq!(
        app.create("/cse-in/ts", 23, &sub, Some(ADMIN)).await.rsc,
        Some(2001)
    );
    assert!(rx.next().await.is_verification());
    let t0 = Timestamp::now();
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": t0.to_string(), "con": "a"}),
    )
    .await;
    // Within peid (5 s) of the expected t0+10 s: on time, nothing missing.
    let on_time = t0.plus_millis(13_000);
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": on_time.to_string(), "con": "b"}),
    )
    .await;
    assert_eq!(attrs_of(&app, "/cse-in/ts", "m2m:ts").await["mdc"], 0);
    // Expected next at t0+23 s; this one at t0+48 s jumps over t0+23 and t0+33.
    let late = point(
        &app,
        "/cse-in/ts",
        json!({"dgt": t0.plus_millis(48_000).to_string(), "con": "c"}),
    )
    .await;
    assert_eq!(late.rsc, Some(2001), "{}", late.raw);
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts["mdc"], 2, "{ts:?}");
    let expected = [t0.plus_millis(33_000), t0.plus_millis(23_000)];
    let listed: Vec<Timestamp> = ts["mdlt"]
        .as_array()
        .expect("mdlt")
        .iter()
        .filter_map(|v| v.as_str().and_then(|s| Timestamp::parse(s).ok()))
        .collect();
    assert_eq!(listed, expected, "{ts:?}");
    let n = rx.next().await;
    let sgn = n.sgn();
    assert_eq!(sgn["nev"]["net"], 8, "{sgn}");
    assert_eq!(
        sgn["nev"]["rep"]["m2m:tsn"]["mdlt"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{sgn}"
    );
}

#[tokio::test]
async fn an_early_instance_does_not_stand_for_the_expected_one() {
    let app = quick_app().await;
    series(
        &app,
        "/cse-in",
        "ts",
        json!({"pei": 400, "mdt": 300, "mdd": true}),
    )
    .await;
    let t0 = Timestamp::now();
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": t0.to_string(), "con": "a"}),
    )
    .await;
    // Expected at t0+400 ms ± 200 ms; t0+150 ms is too early to be that instance.
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": t0.plus_millis(150).to_string(), "con": "b"}),
    )
    .await;
    let ts = wait_for_missing(&app, "/cse-in/ts", 1).await;
    let oldest = ts["mdlt"]
        .as_array()
        .and_then(|l| l.last())
        .and_then(|v| v.as_str())
        .and_then(|s| Timestamp::parse(s).ok());
    assert_eq!(
        oldest,
        Some(t0.plus_millis(400)),
        "the expected t0+400 ms is the first missing: {ts:?}"
    );
}

#[tokio::test]
async fn detection_settings_change_only_while_paused_and_clear_the_list() {
    let app = quick_app().await;
    series(
        &app,
        "/cse-in",
        "ts",
        json!({"pei": 300, "mdt": 200, "mdd": true, "mdn": 5}),
    )
    .await;
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": Timestamp::now().to_string(), "con": "a"}),
    )
    .await;
    wait_for_missing(&app, "/cse-in/ts", 1).await;
    let update = |body: serde_json::Value| {
        let app = &app;
        async move {
            app.update("/cse-in/ts", &json!({ "m2m:ts": body }), ADMIN)
                .await
        }
    };
    update(json!({"mdn": null}))
        .await
        .assert_error(4000, 400, "mdn cannot be changed while");
    update(json!({"mdd": false, "mdt": 250}))
        .await
        .assert_error(4000, 400, "same UPDATE");
    let paused = update(json!({"mdd": false})).await;
    let kept = paused.expect_resource("m2m:ts")["mdc"]
        .as_i64()
        .unwrap_or(0);
    assert!(kept >= 1, "pausing keeps the list: {}", paused.raw);
    let removed = update(json!({"mdn": null})).await;
    let ts = removed.expect_resource("m2m:ts");
    assert!(!ts.contains_key("mdn"), "{}", removed.raw);
    assert_eq!(
        (ts["mdc"].clone(), ts["mdlt"].clone()),
        (json!(0), json!([]))
    );
    // Another setting changed while paused clears again; mdd still switches alone.
    update(json!({"mdd": true, "pei": 500}))
        .await
        .assert_error(4000, 400, "same UPDATE");
    let resumed = update(json!({"mdd": true})).await;
    assert_eq!(resumed.expect_resource("m2m:ts")["mdd"], true);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Without mdn the list is still bounded (the CSE default), and detection runs.
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": Timestamp::now().to_string(), "con": "b"}),
    )
    .await;
    wait_for_missing(&app, "/cse-in/ts", 1).await;
}
