//! schedule (ty 18): entries checked on CREATE and UPDATE, its parents and the one
//! per parent, the subscription's notificationSchedule and what it does to
//! notifications (dropped, or held by `pn` until the next window opens).

use std::time::{Duration, Instant};

use chrono::Timelike;
use onecse_models::time::Timestamp;
use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};

const ADMIN: &str = "CAdmin";

async fn schedule(app: &TestApp, parent: &str, attrs: Value) -> Reply {
    app.create(parent, 18, &json!({ "m2m:sch": attrs }), Some(ADMIN))
        .await
}

fn entries(sce: &[&str]) -> Value {
    json!({ "sce": sce })
}

#[tokio::test]
async fn a_schedule_with_valid_entries_is_created_and_listed_in_srt() {
    let app = spawn_app().await;
    let reply = schedule(
        &app,
        "/cse-in",
        json!({"rn": "sch", "se": entries(&["* 0-5 2,6,10 * * * *", "0 0 12 * * 1-5 *"])}),
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    let sch = reply.expect_resource("m2m:sch");
    assert_eq!(sch["ty"], 18);
    assert_eq!(sch["se"]["sce"][1], "0 0 12 * * 1-5 *");
    let cb = app.retrieve("/cse-in", ADMIN).await;
    let srt = cb.expect_resource("m2m:cb")["srt"].clone();
    assert!(
        srt.as_array().is_some_and(|t| t.contains(&json!(18))),
        "{srt}"
    );
}

#[tokio::test]
async fn a_bad_entry_is_refused_naming_it_on_create_and_update() {
    let app = spawn_app().await;
    let reply = schedule(
        &app,
        "/cse-in",
        json!({"rn": "sch", "se": entries(&["* * * * * * *", "* * * * *"])}),
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (400, Some(4000)));
    assert!(
        reply.dbg().contains("sce[1]") && reply.dbg().contains("'* * * * *'"),
        "{}",
        reply.dbg()
    );
    for bad in [
        "61 * * * * * *",
        "* * 25 * * * *",
        "* * * * * 8 *",
        "a b c d e f g",
    ] {
        let reply = schedule(&app, "/cse-in", json!({"se": entries(&[bad])})).await;
        assert_eq!(reply.rsc, Some(4000), "{bad}: {reply:#?}");
        assert!(reply.dbg().contains(bad), "{bad}: {}", reply.dbg());
    }
    let missing = schedule(&app, "/cse-in", json!({"rn": "sch"})).await;
    assert_eq!(missing.rsc, Some(4000));
    assert!(missing.dbg().contains("se"), "{}", missing.dbg());
    let empty = schedule(&app, "/cse-in", json!({"se": entries(&[])})).await;
    assert_eq!(empty.rsc, Some(4000));

    let ok = schedule(
        &app,
        "/cse-in",
        json!({"rn": "sch", "se": entries(&["* * * * * * *"])}),
    )
    .await;
    assert_eq!(ok.rsc, Some(2001));
    let bad_update = app
        .update(
            "/cse-in/sch",
            &json!({"m2m:sch": {"se": entries(&["* * * * * * 1999 x"])}}),
            ADMIN,
        )
        .await;
    assert_eq!(bad_update.rsc, Some(4000));
    assert!(bad_update.dbg().contains("sce[0]"), "{}", bad_update.dbg());
    let update = app
        .update(
            "/cse-in/sch",
            &json!({"m2m:sch": {"se": entries(&["0 30 8 * * 1 *"])}}),
            ADMIN,
        )
        .await;
    assert_eq!(update.rsc, Some(2004));
    assert_eq!(
        update.expect_resource("m2m:sch")["se"]["sce"][0],
        "0 30 8 * * 1 *"
    );
    let deleted = app
        .update("/cse-in/sch", &json!({"m2m:sch": {"se": null}}), ADMIN)
        .await;
    assert_eq!(deleted.rsc, Some(4000), "se is mandatory");
}

#[tokio::test]
async fn parents_are_the_cse_base_a_node_and_a_subscription_one_each() {
    let app = spawn_app().await;
    let se = entries(&["* * * * * * *"]);
    assert_eq!(
        schedule(&app, "/cse-in", json!({"rn": "a", "se": se}))
            .await
            .rsc,
        Some(2001)
    );
    let second = schedule(&app, "/cse-in", json!({"rn": "b", "se": se})).await;
    assert_eq!(second.rsc, Some(4105), "{second:#?}");
    app.register_ae("ae", "Cae").await;
    let under_ae = app
        .create(
            "/cse-in/ae",
            18,
            &json!({"m2m:sch": {"se": se}}),
            Some("Cae"),
        )
        .await;
    assert_eq!(under_ae.rsc, Some(4108));
    let node = app
        .create(
            "/cse-in",
            14,
            &json!({"m2m:nod": {"rn": "n", "ni": "n1"}}),
            Some(ADMIN),
        )
        .await;
    assert_eq!(node.rsc, Some(2001), "{node:#?}");
    assert_eq!(
        schedule(&app, "/cse-in/n", json!({"se": se, "nco": false}))
            .await
            .rsc,
        Some(2001)
    );
    let coordinated = schedule(&app, "/cse-in", json!({"se": se, "nco": true})).await;
    assert_eq!(coordinated.rsc, Some(4000), "nco only under a node");
    app.delete("/cse-in/a", ADMIN).await;
    let coordinated = schedule(&app, "/cse-in", json!({"se": se, "nco": false})).await;
    assert_eq!(coordinated.rsc, Some(4000), "nco only under a node");
}

#[tokio::test]
async fn network_coordination_is_not_implemented() {
    let app = spawn_app().await;
    app.create(
        "/cse-in",
        14,
        &json!({"m2m:nod": {"rn": "n", "ni": "n1"}}),
        Some(ADMIN),
    )
    .await;
    let reply = schedule(
        &app,
        "/cse-in/n",
        json!({"se": entries(&["* * * * * * *"]), "nco": true}),
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (501, Some(5001)));
    assert!(reply.dbg().contains("nco"), "{}", reply.dbg());
}

/// A container `/cse-in/c` with a subscription `/cse-in/c/s` (with `extra`) towards
/// `rx`; the verification request is consumed.
async fn watched(app: &TestApp, rx: &Receiver, extra: Value) {
    app.container("/cse-in", "c", json!({}), ADMIN).await;
    let mut attrs = json!({"rn": "s", "nu": [rx.url()]});
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let reply = app
        .create("/cse-in/c", 23, &json!({ "m2m:sub": attrs }), Some(ADMIN))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(rx.next().await.sgn()["vrq"], true);
}

async fn touch(app: &TestApp, label: &str) {
    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"lbl": [label]}}), ADMIN)
        .await;
    assert_eq!(reply.rsc, Some(2004));
}

fn label_of(n: &onecse_testkit::Notification) -> String {
    n.sgn()["nev"]["rep"]["m2m:cnt"]["lbl"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_schedule_of_a_subscription_is_its_notification_schedule() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({})).await;
    let reply = schedule(
        &app,
        "/cse-in/c/s",
        json!({"se": entries(&["* * * * * * *"])}),
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(
        reply.expect_resource("m2m:sch")["rn"],
        "notificationSchedule"
    );
    assert_eq!(
        app.retrieve("/cse-in/c/s/notificationSchedule", ADMIN)
            .await
            .rsc,
        Some(2000)
    );
    app.delete("/cse-in/c/s/notificationSchedule", ADMIN).await;
    let named = schedule(
        &app,
        "/cse-in/c/s",
        json!({"rn": "other", "se": entries(&["* * * * * * *"])}),
    )
    .await;
    assert_eq!(named.rsc, Some(4000));
    assert!(
        named.dbg().contains("notificationSchedule"),
        "{}",
        named.dbg()
    );
}

#[tokio::test]
async fn outside_the_schedule_without_pn_notifications_are_dropped() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({})).await;
    // Open only in 2099: closed now.
    let reply = schedule(
        &app,
        "/cse-in/c/s",
        json!({"se": entries(&["* * * * * * 2099"])}),
    )
    .await;
    assert_eq!(reply.rsc, Some(2001));
    touch(&app, "closed").await;
    rx.assert_quiet(Duration::from_millis(1200)).await;
    // Always open: sent at once.
    app.update(
        "/cse-in/c/s/notificationSchedule",
        &json!({"m2m:sch": {"se": entries(&["* * * * * * *"])}}),
        ADMIN,
    )
    .await;
    touch(&app, "open").await;
    let n = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("sent inside the window");
    assert_eq!(label_of(&n), "open");
    rx.assert_quiet(Duration::from_millis(500)).await;
}

/// An entry open during the two whole seconds that start `lead` seconds from now,
/// and when that is.
fn window_ahead(lead: u32) -> (String, Instant) {
    let now = Timestamp::now().as_datetime();
    let first = (now.second() + lead) % 60;
    let second = (first + 1) % 60;
    let wait =
        Duration::from_secs(u64::from(lead)) - Duration::from_nanos(u64::from(now.nanosecond()));
    (
        format!("{first},{second} * * * * * *"),
        Instant::now() + wait,
    )
}

#[tokio::test]
async fn send_all_pending_holds_every_notification_until_the_window_opens() {
    let app = spawn_app_with(|c| c.notify_poll_ms = 50).await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"pn": 2})).await;
    let (entry, opens) = window_ahead(3);
    schedule(&app, "/cse-in/c/s", json!({"se": entries(&[&entry])})).await;
    touch(&app, "one").await;
    touch(&app, "two").await;
    let first = rx
        .next_within(Duration::from_secs(8))
        .await
        .expect("held, then sent");
    assert!(
        first.arrived + Duration::from_millis(100) >= opens,
        "sent before the window opened"
    );
    let second = rx
        .next_within(Duration::from_secs(2))
        .await
        .expect("second held one");
    assert_eq!(
        (label_of(&first), label_of(&second)),
        ("one".into(), "two".into())
    );
}

#[tokio::test]
async fn send_latest_keeps_only_the_newest_and_marks_it_latest() {
    let app = spawn_app_with(|c| c.notify_poll_ms = 50).await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"pn": 1})).await;
    let (entry, opens) = window_ahead(3);
    schedule(&app, "/cse-in/c/s", json!({"se": entries(&[&entry])})).await;
    for label in ["one", "two", "three"] {
        touch(&app, label).await;
    }
    let n = rx
        .next_within(Duration::from_secs(8))
        .await
        .expect("latest sent");
    assert!(
        n.arrived + Duration::from_millis(100) >= opens,
        "sent before the window opened"
    );
    assert_eq!(label_of(&n), "three");
    assert_eq!(n.header("X-M2M-EC"), Some("4"));
    rx.assert_quiet(Duration::from_millis(800)).await;
}
