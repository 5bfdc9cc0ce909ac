//! timeSyncBeacon (ty 60), R4: attribute checks, periodic beacons carrying the CSE's
//! time delivered through the outbox, and one beacon per interval with several
//! processes on one database.

use std::time::{Duration, Instant};

use onecse_models::time::Timestamp;
use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, TestDb, postgres_url, spawn_app_on, spawn_app_with};

const ADMIN: &str = "CAdmin";

async fn quick_app() -> TestApp {
    spawn_app_with(|c| {
        c.timer_interval_ms = 40;
        c.notify_poll_ms = 50;
        c.notify_allowed_networks = Some("127.0.0.0/8".into());
    })
    .await
}

async fn beacon(app: &TestApp, attrs: Value) -> Reply {
    app.create("/cse-in", 60, &json!({ "m2m:tsb": attrs }), Some(ADMIN))
        .await
}

#[tokio::test]
async fn bad_beacons_are_refused_naming_what_is_wrong() {
    let app = quick_app().await;
    let uri = json!(["http://127.0.0.1:9/b"]);
    let cases = [
        (
            json!({"bcnc": 1, "bcnu": uri, "bcni": "PT0.2S"}),
            4000,
            "shorter",
        ),
        (json!({"bcnc": 1, "bcnu": uri, "bcni": "10"}), 4000, "bcni"),
        (
            json!({"bcnc": 1, "bcnu": uri, "bcnt": "PT5S"}),
            4000,
            "bcnt",
        ),
        (json!({"bcnc": 1, "bcnu": []}), 4000, "bcnu"),
        (json!({"bcnc": 1, "bcnu": ["not a uri"]}), 4000, "bcnu"),
        (json!({"bcnc": 3, "bcnu": uri}), 4000, "bcnc"),
        (json!({"bcnu": uri}), 4000, "bcnc"),
        (
            json!({"bcnc": 2, "bcnu": uri, "bcnr": "Cx", "bcnt": "PT5S"}),
            5001,
            "loss-of-synchronization",
        ),
    ];
    for (attrs, rsc, needle) in cases {
        let reply = beacon(&app, attrs.clone()).await;
        assert_eq!(reply.rsc, Some(rsc), "{attrs}: {reply:#?}");
        assert!(reply.dbg().contains(needle), "{attrs}: {}", reply.dbg());
    }
    let default = beacon(&app, json!({"rn": "b", "bcnc": 1, "bcnu": uri})).await;
    assert_eq!(default.rsc, Some(2001), "{default:#?}");
    let tsb = default.expect_resource("m2m:tsb");
    assert_eq!(
        (tsb["ty"].clone(), tsb["bcni"].clone()),
        (json!(60), json!("PT60S"))
    );
    let too_small = app
        .update("/cse-in/b", &json!({"m2m:tsb": {"bcni": "PT0S"}}), ADMIN)
        .await;
    assert_eq!(too_small.rsc, Some(4000), "{too_small:#?}");
}

fn check_beacon(n: &onecse_testkit::Notification, ri: &str) {
    let tsbn = &n.body["m2m:tsbn"];
    assert_eq!(tsbn["tbr"], format!("/id-in/{ri}"), "{}", n.body);
    let ctm = Timestamp::parse(tsbn["ctm"].as_str().unwrap_or_default()).expect("ctm");
    let skew = Timestamp::now().as_datetime() - ctm.as_datetime();
    assert!(
        skew.num_seconds().abs() < 5,
        "ctm {ctm} is not the CSE's current time"
    );
}

#[tokio::test]
async fn periodic_beacons_carry_the_cse_time_every_interval_until_deleted() {
    let app = quick_app().await;
    let rx = Receiver::start().expect("receiver");
    let reply = beacon(
        &app,
        json!({"rn": "b", "bcnc": 1, "bcni": "PT1S", "bcnu": [rx.url()]}),
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let ri = reply.expect_resource("m2m:tsb")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let started = Instant::now();
    let first = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("a first beacon");
    let second = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("a second beacon");
    check_beacon(&first, &ri);
    check_beacon(&second, &ri);
    assert!(
        first.arrived.duration_since(started) >= Duration::from_millis(800),
        "not before the interval"
    );
    let gap = second.arrived.duration_since(first.arrived);
    assert!(
        gap >= Duration::from_millis(700) && gap <= Duration::from_millis(1600),
        "{gap:?}"
    );
    assert_eq!(app.delete("/cse-in/b", ADMIN).await.rsc, Some(2002));
    tokio::time::sleep(Duration::from_millis(300)).await;
    rx.drain();
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn two_processes_on_one_database_send_each_beacon_once() {
    if postgres_url().is_none() {
        return;
    }
    let (db, url) = TestDb::fresh();
    let quick = |c: &mut onecse::config::Config| {
        c.timer_interval_ms = 40;
        c.notify_poll_ms = 50;
        c.notify_allowed_networks = Some("127.0.0.0/8".into());
    };
    let one = spawn_app_on(&url, quick).await;
    let two = spawn_app_on(&url, quick).await;
    let rx = Receiver::start().expect("receiver");
    let reply = beacon(&one, json!({"bcnc": 1, "bcni": "PT1S", "bcnu": [rx.url()]})).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let beacons = rx.drain().len();
    assert!(
        (2..=4).contains(&beacons),
        "{beacons} beacons in 3.5 s at one per second"
    );
    one.stop().await;
    two.stop().await;
    drop(db);
}
