//! timeSeries (ty 29) and timeSeriesInstance (ty 30): attributes and their rules,
//! instances kept like a container's, unique `dgt`, and missing-data detection with
//! its net 8 notifications, across a restart.

use std::time::Duration;

use onecse_models::time::Timestamp;
use onecse_testkit::Receiver;
use serde_json::{Map, Value, json};

use crate::helpers::{Reply, TestApp, TestDb, spawn_app, spawn_app_on, spawn_app_with};

const ADMIN: &str = "CAdmin";

/// Timers checked often, so detection with intervals of a few hundred ms is prompt.
pub(crate) async fn quick_app() -> TestApp {
    spawn_app_with(|c| c.timer_interval_ms = 40).await
}

pub(crate) async fn series(app: &TestApp, parent: &str, rn: &str, extra: Value) -> Reply {
    let mut attrs = json!({ "rn": rn });
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    app.create(parent, 29, &json!({ "m2m:ts": attrs }), Some(ADMIN))
        .await
}

pub(crate) async fn point(app: &TestApp, ts: &str, attrs: Value) -> Reply {
    app.create(ts, 30, &json!({ "m2m:tsi": attrs }), Some(ADMIN))
        .await
}

fn now_text() -> String {
    Timestamp::now().to_string()
}

pub(crate) async fn attrs_of(app: &TestApp, path: &str, root: &str) -> Map<String, Value> {
    app.retrieve(path, ADMIN)
        .await
        .expect_resource(root)
        .clone()
}

/// Polls the timeSeries until `mdc` reaches `at_least` (at most 5 s).
pub(crate) async fn wait_for_missing(app: &TestApp, ts: &str, at_least: i64) -> Map<String, Value> {
    for _ in 0..100 {
        let attrs = attrs_of(app, ts, "m2m:ts").await;
        if attrs["mdc"].as_i64().unwrap_or(0) >= at_least {
            return attrs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{ts} did not report {at_least} missing points within 5 s");
}

/// Detection with a 300 ms period and a 200 ms timer.
fn detecting() -> Value {
    json!({"pei": 300, "mdt": 200, "mdd": true})
}

#[tokio::test]
async fn series_and_instances_are_created_with_their_attributes() {
    let app = spawn_app().await;
    let created = series(
        &app,
        "/cse-in",
        "ts",
        json!({"pei": 1000, "cnf": "text/plain:0"}),
    )
    .await;
    let ts = created.expect_resource("m2m:ts");
    assert_eq!(ts["ty"], 29);
    assert_eq!((ts["cni"].clone(), ts["cbs"].clone()), (json!(0), json!(0)));
    assert_eq!(ts["peid"], 500, "default peid is half of pei");
    assert_eq!(ts["mdc"], 0);
    assert!(ts.get("st").is_none(), "a timeSeries has no stateTag in R3");
    let dgt = "20250101T100000";
    let tsi = point(
        &app,
        "/cse-in/ts",
        json!({"rn": "p1", "dgt": dgt, "con": "21.5", "snr": 1}),
    )
    .await;
    let tsi = tsi.expect_resource("m2m:tsi");
    assert_eq!(
        (
            tsi["ty"].clone(),
            tsi["cs"].clone(),
            tsi["dgt"].clone(),
            tsi["snr"].clone()
        ),
        (json!(30), json!(4), json!(dgt), json!(1))
    );
    assert!(
        tsi.get("st").is_none(),
        "a timeSeriesInstance has no stateTag"
    );
    let read = attrs_of(&app, "/cse-in/ts/p1", "m2m:tsi").await;
    assert_eq!(read["con"], "21.5");
    assert!(read.get("st").is_none());
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!((ts["cni"].clone(), ts["cbs"].clone()), (json!(1), json!(4)));
    app.register_ae("meter", "Cmeter").await;
    let under_ae = app
        .create(
            "/cse-in/meter",
            29,
            &json!({"m2m:ts": {"rn": "t"}}),
            Some("Cmeter"),
        )
        .await;
    assert_eq!(under_ae.rsc, Some(2001), "{under_ae:#?}");
    app.container("/cse-in", "c", json!({}), ADMIN).await;
    assert_eq!(
        series(&app, "/cse-in/c", "t", json!({})).await.rsc,
        Some(2001)
    );
    app.update(
        "/cse-in/ts",
        &json!({"m2m:ts": {"mni": 5, "lbl": ["x"]}}),
        ADMIN,
    )
    .await
    .expect_resource("m2m:ts");
    assert_eq!(app.delete("/cse-in/ts", ADMIN).await.rsc, Some(2002));
    app.retrieve("/cse-in/ts/p1", ADMIN)
        .await
        .assert_error(4004, 404, "");
}

#[tokio::test]
async fn instance_errors_get_their_codes() {
    let app = spawn_app().await;
    series(&app, "/cse-in", "ts", json!({})).await;
    point(&app, "/cse-in/ts", json!({"dgt": "20250101T100000"}))
        .await
        .assert_error(4000, 400, "con");
    point(&app, "/cse-in/ts", json!({"con": "1"}))
        .await
        .assert_error(4000, 400, "dgt");
    point(&app, "/cse-in/ts", json!({"dgt": "yesterday", "con": "1"}))
        .await
        .assert_error(4000, 400, "dgt");
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": "20250101T100000", "con": "1", "cs": 1}),
    )
    .await
    .assert_error(4000, 400, "cs");
    point(
        &app,
        "/cse-in/ts",
        json!({"rn": "a", "dgt": "20250101T100000", "con": "1"}),
    )
    .await;
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": "20250101T100000,000", "con": "2"}),
    )
    .await
    .assert_error(4105, 409, "dataGenerationTime");
    app.update("/cse-in/ts/a", &json!({"m2m:tsi": {"lbl": ["x"]}}), ADMIN)
        .await
        .assert_error(4005, 405, "cannot be updated");
    app.container("/cse-in", "c", json!({}), ADMIN).await;
    app.create(
        "/cse-in/c",
        30,
        &json!({"m2m:tsi": {"dgt": "20250101T100000", "con": "1"}}),
        Some(ADMIN),
    )
    .await
    .assert_error(4108, 403, "timeSeriesInstance");
    app.create(
        "/cse-in/ts",
        4,
        &json!({"m2m:cin": {"con": "1"}}),
        Some(ADMIN),
    )
    .await
    .assert_error(4108, 403, "contentInstance");
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts["cni"], 1, "refused instances count nothing");
}

#[tokio::test]
async fn periodic_settings_are_checked() {
    let app = spawn_app().await;
    series(&app, "/cse-in", "a", json!({"pei": 1000, "peid": 501}))
        .await
        .assert_error(4000, 400, "peid");
    series(
        &app,
        "/cse-in",
        "a",
        json!({"pei": 1000, "peid": 400, "mdt": 400}),
    )
    .await
    .assert_error(4000, 400, "mdt");
    series(&app, "/cse-in", "a", json!({"mdd": true, "pei": 1000}))
        .await
        .assert_error(4000, 400, "pei and mdt");
    series(&app, "/cse-in", "a", json!({"mdlt": []}))
        .await
        .assert_error(4000, 400, "mdlt");
    // mdlt is a bounded list: mdn cannot ask for more entries than a list may hold.
    series(&app, "/cse-in", "a", json!({"mdn": 257}))
        .await
        .assert_error(4000, 400, "from 1 to 256");
    let ts = series(
        &app,
        "/cse-in",
        "a",
        json!({"pei": 1000, "mdt": 600, "mdd": true}),
    )
    .await;
    assert_eq!(ts.expect_resource("m2m:ts")["peid"], 500);
    for change in [
        json!({"pei": 2000}),
        json!({"mdt": 700}),
        json!({"mdn": 3}),
        json!({"peid": 100}),
    ] {
        app.update("/cse-in/a", &json!({"m2m:ts": change}), ADMIN)
            .await
            .assert_error(4000, 400, "mdd");
    }
    // mdd switches alone (as ACME): not together with the settings it freezes.
    app.update(
        "/cse-in/a",
        &json!({"m2m:ts": {"mdd": false, "pei": 2000, "mdt": 1500}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "same UPDATE");
    // Turning detection off frees the settings; a defaulted peid follows pei.
    app.update("/cse-in/a", &json!({"m2m:ts": {"mdd": false}}), ADMIN)
        .await;
    let off = app
        .update(
            "/cse-in/a",
            &json!({"m2m:ts": {"pei": 2000, "mdt": 1500}}),
            ADMIN,
        )
        .await;
    let off = off.expect_resource("m2m:ts");
    assert_eq!(
        (off["pei"].clone(), off["peid"].clone()),
        (json!(2000), json!(1000))
    );
    app.update("/cse-in/a", &json!({"m2m:ts": {"mdt": 900}}), ADMIN)
        .await
        .assert_error(4000, 400, "mdt");
}

#[tokio::test]
async fn limits_evict_the_oldest_and_latest_and_oldest_follow() {
    let app = spawn_app().await;
    series(&app, "/cse-in", "ts", json!({"mni": 2, "mbs": 10})).await;
    for (i, con) in ["aaaa", "bbbb", "cccc"].iter().enumerate() {
        let dgt = format!("20250101T10000{i}");
        point(
            &app,
            "/cse-in/ts",
            json!({"rn": format!("p{i}"), "dgt": dgt, "con": con}),
        )
        .await;
    }
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!((ts["cni"].clone(), ts["cbs"].clone()), (json!(2), json!(8)));
    assert_eq!(attrs_of(&app, "/cse-in/ts/ol", "m2m:tsi").await["rn"], "p1");
    assert_eq!(attrs_of(&app, "/cse-in/ts/la", "m2m:tsi").await["rn"], "p2");
    point(
        &app,
        "/cse-in/ts",
        json!({"rn": "big", "dgt": "20250101T100009", "con": "123456"}),
    )
    .await;
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(
        (ts["cni"].clone(), ts["cbs"].clone()),
        (json!(2), json!(10)),
        "mbs evicts too"
    );
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": "20250101T100010", "con": "12345678901"}),
    )
    .await
    .assert_error(5207, 406, "mbs");
    for _ in 0..2 {
        assert_eq!(app.delete("/cse-in/ts/la", ADMIN).await.rsc, Some(2002));
    }
    app.retrieve("/cse-in/ts/la", ADMIN)
        .await
        .assert_error(4004, 404, "empty");
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!((ts["cni"].clone(), ts["cbs"].clone()), (json!(0), json!(0)));
}

#[tokio::test]
async fn missing_points_are_listed_newest_first_up_to_mdn() {
    let app = quick_app().await;
    let mut attrs = detecting();
    attrs["mdn"] = json!(2);
    series(&app, "/cse-in", "ts", attrs).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts["mdc"], 0, "detection starts with the first instance");
    let first = Timestamp::now();
    point(
        &app,
        "/cse-in/ts",
        json!({"dgt": first.to_string(), "con": "1"}),
    )
    .await;
    let ts = wait_for_missing(&app, "/cse-in/ts", 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let ts2 = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts2["mdc"], 2, "mdc is capped at mdn: {ts2:?}");
    let list: Vec<Timestamp> = ts2["mdlt"]
        .as_array()
        .expect("mdlt")
        .iter()
        .map(|v| Timestamp::parse(v.as_str().unwrap_or_default()).expect("timestamp"))
        .collect();
    assert_eq!(list.len(), 2, "{ts:?}");
    assert!(list[0] > list[1], "newest first: {list:?}");
    assert!(
        list[1] > first.plus_millis(300),
        "the oldest were dropped: {list:?}"
    );
    // Expected times are whole periods after the last instance.
    let offset = (list[0].as_datetime() - first.as_datetime()).num_milliseconds();
    assert_eq!(offset % 300, 0, "{offset}");
}

#[tokio::test]
async fn instances_on_time_are_not_missing_and_mdd_restarts_detection() {
    let app = quick_app().await;
    series(
        &app,
        "/cse-in",
        "ts",
        json!({"pei": 300, "mdt": 250, "mdd": true}),
    )
    .await;
    let start = Timestamp::now();
    let clock = std::time::Instant::now();
    for i in 0..4 {
        let dgt = start.plus_millis(300 * i).to_string();
        point(&app, "/cse-in/ts", json!({"dgt": dgt, "con": "v"})).await;
        // On the period, not 300 ms after the request: slow requests must not drift.
        let next = Duration::from_millis(300 * u64::try_from(i + 1).unwrap_or(0));
        tokio::time::sleep(next.saturating_sub(clock.elapsed())).await;
    }
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts["mdc"], 0, "every point came within mdt: {ts:?}");
    let ts = wait_for_missing(&app, "/cse-in/ts", 1).await;
    assert!(ts["mdlt"].as_array().is_some_and(|l| !l.is_empty()));
    let off = app
        .update("/cse-in/ts", &json!({"m2m:ts": {"mdd": false}}), ADMIN)
        .await;
    let kept = off.expect_resource("m2m:ts")["mdc"].as_i64().unwrap_or(0);
    assert!(kept >= 1, "turning detection off keeps the list");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        attrs_of(&app, "/cse-in/ts", "m2m:ts").await["mdc"],
        kept,
        "stopped"
    );
    let on = app
        .update("/cse-in/ts", &json!({"m2m:ts": {"mdd": true}}), ADMIN)
        .await;
    let on = on.expect_resource("m2m:ts");
    assert_eq!(
        (on["mdc"].clone(), on["mdlt"].clone()),
        (json!(0), json!([]))
    );
    point(&app, "/cse-in/ts", json!({"dgt": now_text(), "con": "v"})).await;
    wait_for_missing(&app, "/cse-in/ts", 1).await;
    let again = app
        .update("/cse-in/ts", &json!({"m2m:ts": {"mdd": true}}), ADMIN)
        .await;
    assert_eq!(
        again.expect_resource("m2m:ts")["mdc"],
        0,
        "setting mdd true again restarts"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stored = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(
        stored["mdc"], 0,
        "and waits for the next instance: {stored:?}"
    );
}

#[tokio::test]
async fn detection_survives_a_restart() {
    let (db, url) = TestDb::fresh();
    let quick = |c: &mut onecse::config::Config| c.timer_interval_ms = 40;
    let first = spawn_app_on(&url, quick).await;
    series(&first, "/cse-in", "ts", detecting()).await;
    point(&first, "/cse-in/ts", json!({"dgt": now_text(), "con": "1"})).await;
    first.stop().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let second = spawn_app_on(&url, quick).await;
    let ts = wait_for_missing(&second, "/cse-in/ts", 2).await;
    assert!(
        ts["mdlt"].as_array().is_some_and(|l| l.len() >= 2),
        "{ts:?}"
    );
    second.stop().await;
    drop(db);
}

#[tokio::test]
async fn missing_data_subscriptions_are_checked_and_notified() {
    let app = quick_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), ADMIN).await;
    series(&app, "/cse-in", "ts", detecting()).await;
    let md = json!({"num": 2, "dur": "PT10S"});
    let sub = |parent: &'static str, enc: Value, extra: Value| {
        let mut attrs = json!({"nu": [rx.url()], "enc": enc});
        if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        let app = &app;
        async move {
            app.create(parent, 23, &json!({"m2m:sub": attrs}), Some(ADMIN))
                .await
        }
    };
    sub("/cse-in/c", json!({"net": [8], "md": md}), json!({}))
        .await
        .assert_error(4000, 400, "timeSeries");
    sub("/cse-in/ts", json!({"net": [8]}), json!({}))
        .await
        .assert_error(4000, 400, "md");
    sub(
        "/cse-in/ts",
        json!({"net": [8], "md": md}),
        json!({"nct": 1}),
    )
    .await
    .assert_error(4000, 400, "nct");
    sub(
        "/cse-in/ts",
        json!({"net": [8], "md": {"num": 1}}),
        json!({}),
    )
    .await
    .assert_error(4000, 400, "dur");
    assert_eq!(rx.count(), 0, "a refused subscription verifies nothing");
    let created = sub(
        "/cse-in/ts",
        json!({"net": [8], "md": md}),
        json!({"rn": "s"}),
    )
    .await;
    assert_eq!(created.expect_resource("m2m:sub")["nct"], 5);
    assert!(rx.next().await.is_verification());
    point(&app, "/cse-in/ts", json!({"dgt": now_text(), "con": "1"})).await;
    let n = rx.next().await;
    let sgn = n.sgn();
    assert_eq!(sgn["nev"]["net"], 8, "{sgn}");
    let tsn = &sgn["nev"]["rep"]["m2m:tsn"];
    assert!(
        tsn["mdlt"].as_array().is_some_and(|l| !l.is_empty()),
        "{sgn}"
    );
    let first = tsn["mdc"].as_i64().unwrap_or(0);
    assert!(first >= 2, "nothing is sent before num points: {sgn}");
    assert!(
        tsn["mdlt"].as_array().is_some_and(|l| l.len() >= 2),
        "the points counted so far: {sgn}"
    );
    let next = rx.next().await;
    let tsn = &next.sgn()["nev"]["rep"]["m2m:tsn"];
    assert!(
        tsn["mdc"].as_i64().is_some_and(|c| c > first),
        "further points are sent as they come: {tsn}"
    );
    assert!(sgn["sur"].as_str().is_some_and(|s| {
        s.ends_with(
            created.expect_resource("m2m:sub")["ri"]
                .as_str()
                .unwrap_or("?"),
        )
    }));
}

#[tokio::test]
async fn two_processes_on_one_postgres_database_report_each_missing_point_once() {
    if crate::helpers::postgres_url().is_none() {
        // Several processes share a database only on PostgreSQL.
        return;
    }
    let (db, url) = TestDb::fresh();
    let quick = |c: &mut onecse::config::Config| c.timer_interval_ms = 20;
    let one = spawn_app_on(&url, quick).await;
    let two = spawn_app_on(&url, quick).await;
    let mut attrs = detecting();
    attrs["mdn"] = json!(100);
    series(&one, "/cse-in", "ts", attrs).await;
    point(&two, "/cse-in/ts", json!({"dgt": now_text(), "con": "1"})).await;
    let ts = wait_for_missing(&one, "/cse-in/ts", 4).await;
    let list: Vec<Timestamp> = ts["mdlt"]
        .as_array()
        .expect("mdlt")
        .iter()
        .map(|v| Timestamp::parse(v.as_str().unwrap_or_default()).expect("timestamp"))
        .collect();
    assert_eq!(ts["mdc"].as_i64(), i64::try_from(list.len()).ok(), "{ts:?}");
    for pair in list.windows(2) {
        let gap = (pair[0].as_datetime() - pair[1].as_datetime()).num_milliseconds();
        assert_eq!(
            gap, 300,
            "one entry per expected point, none twice: {list:?}"
        );
    }
    one.stop().await;
    two.stop().await;
    drop(db);
}

#[tokio::test]
async fn concurrent_instances_with_one_dgt_leave_exactly_one() {
    let app = std::sync::Arc::new(spawn_app_with(|c| c.workers = Some(4)).await);
    series(&app, "/cse-in", "ts", json!({})).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = std::sync::Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let con = format!("{i}");
            point(
                &app,
                "/cse-in/ts",
                json!({"dgt": "20250101T100000", "con": con}),
            )
            .await
            .rsc
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.expect("task"));
    }
    codes.sort_unstable();
    assert_eq!(codes.first(), Some(&Some(2001)), "{codes:?}");
    assert!(codes.iter().skip(1).all(|c| *c == Some(4105)), "{codes:?}");
    let ts = attrs_of(&app, "/cse-in/ts", "m2m:ts").await;
    assert_eq!(ts["cni"], 1, "refused duplicates are not counted");
}
