//! Subscriptions and notifications (TS-0004 §7.4.8, §7.5.1; spec digest
//! notifications.md): verification, events and content types, exc, su, bn, ln,
//! durable delivery with retries, restarts and several processes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, TestDb, postgres_url, spawn_app, spawn_app_on};

async fn subscribe(app: &TestApp, parent: &str, attrs: Value) -> Reply {
    app.create(parent, 23, &json!({ "m2m:sub": attrs }), Some("CAdmin"))
        .await
}

/// A container `/cse-in/c` with a subscription `/cse-in/c/s` towards `rx`; the
/// verification request is consumed.
pub(crate) async fn watched(app: &TestApp, rx: &Receiver, extra: Value) -> Reply {
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let mut attrs = json!({"rn": "s", "nu": [rx.url()]});
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let reply = subscribe(app, "/cse-in/c", attrs).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let verification = rx.next().await;
    assert_eq!(verification.sgn()["vrq"], true);
    reply
}

/// The contents of the next `n` distinct instance notifications, in arrival order
/// (repeated attempts of the same notification count once).
async fn distinct_contents(rx: &Receiver, n: usize) -> Vec<String> {
    let mut delivered: Vec<String> = Vec::new();
    while delivered.len() < n {
        let received = rx.next().await;
        let con = received.sgn()["nev"]["rep"]["m2m:cin"]["con"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if delivered.last() != Some(&con) {
            delivered.push(con);
        }
    }
    delivered
}

fn cons(batch: &Value) -> Vec<String> {
    batch["m2m:agn"]["m2m:sgn"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    s["nev"]["rep"]["m2m:cin"]["con"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn creation_sends_a_verification_request_and_stores_defaults() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "s", "nu": [rx.url()], "su": rx.url()}),
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)));
    let sub = reply.expect_resource("m2m:sub");
    assert_eq!(sub["ty"], 23);
    assert_eq!(sub["nct"], 1);
    assert_eq!(sub["enc"], json!({"net": [1]}));
    assert!(
        sub.get("cr").is_none(),
        "a URL target may be the originator's own: no creator unless asked for"
    );
    let ri = sub["ri"].as_str().unwrap_or_default();
    let verification = rx.next().await;
    assert_eq!(verification.sgn()["vrq"], true);
    assert_eq!(verification.sgn()["sur"], format!("/id-in/{ri}").as_str());
    assert_eq!(verification.sgn()["cr"], "CAdmin");
    assert_eq!(verification.header("x-m2m-origin"), Some("/id-in"));
    assert_eq!(
        verification.header("content-type"),
        Some("application/json")
    );
    assert!(
        verification.header("x-m2m-ri").is_some() && verification.header("x-m2m-rvi").is_some()
    );
    assert!(verification.header("content-length").is_some());
}

#[tokio::test]
async fn failed_verification_creates_nothing() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    rx.answer(403);
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let reply = subscribe(&app, "/cse-in/c", json!({"rn": "s", "nu": [rx.url()]})).await;
    reply.assert_error(5204, 500, "HTTP 403");
    rx.stop().await;
    let reply = subscribe(&app, "/cse-in/c", json!({"rn": "s", "nu": [rx.url()]})).await;
    reply.assert_error(5204, 500, "no answer from the target");
    app.register_ae("nopoa", "Cnopoa").await;
    let reply = subscribe(&app, "/cse-in/c", json!({"rn": "s", "nu": ["Cnopoa"]})).await;
    reply.assert_error(5204, 500, "point of access");
    app.retrieve("/cse-in/c/s", "CAdmin")
        .await
        .assert_error(4004, 404, "s");
}

#[tokio::test]
async fn subscription_errors_get_their_codes() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let cin = app.instance("/cse-in/c", "x", "CAdmin").await;
    let cin_path = format!(
        "/cse-in/c/{}",
        cin.expect_resource("m2m:cin")["rn"]
            .as_str()
            .unwrap_or_default()
    );
    subscribe(&app, &cin_path, json!({"nu": [rx.url()]}))
        .await
        .assert_error(5203, 403, "cannot be subscribed");
    let cases = [
        (json!({}), 4000, "mandatory attribute 'nu'"),
        (json!({"nu": []}), 4000, "at least one"),
        (json!({"nu": ["not a target"]}), 4000, "neither"),
        (json!({"nu": ["coap://127.0.0.1:5683/x"]}), 5001, "coap"),
        (json!({"nu": [rx.url()], "enc": {"net": [9]}}), 5001, "9"),
        (json!({"nu": [rx.url()], "enc": {"net": [42]}}), 4000, "42"),
        (
            json!({"nu": [rx.url()], "enc": {"net": [3], "nct": 1}}),
            4000,
            "nct",
        ),
        (
            json!({"nu": [rx.url()], "enc": {"net": [3]}, "nct": 2}),
            4000,
            "nct 2",
        ),
        (json!({"nu": [rx.url()], "nct": 7}), 4000, "nct"),
        (json!({"nu": [rx.url()], "exc": 0}), 4000, "exc"),
        (json!({"nu": [rx.url()], "bn": {"num": 0}}), 4000, "bn"),
        (
            json!({"nu": [rx.url()], "bn": {"num": 2, "dur": "later"}}),
            4000,
            "bn",
        ),
        (json!({"nu": [rx.url()], "ln": "yes"}), 4000, "ln"),
        (json!({"nu": [rx.url()], "rl": {"mnn": 1}}), 5001, "rl"),
    ];
    for (attrs, rsc, needle) in cases {
        let status = if rsc == 5001 { 501 } else { 400 };
        subscribe(&app, "/cse-in/c", attrs)
            .await
            .assert_error(rsc, status, needle);
    }
}

#[tokio::test]
async fn child_creation_is_notified_with_the_new_resource() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let sub = watched(&app, &rx, json!({"enc": {"net": [3]}})).await;
    let sub_ri = sub.expect_resource("m2m:sub")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let created = app.instance("/cse-in/c", "21.5", "CAdmin").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["net"], 3);
    assert_eq!(n.sgn()["nev"]["rep"]["m2m:cin"], created.body["m2m:cin"]);
    assert_eq!(n.sgn()["sur"], format!("/id-in/{sub_ri}").as_str());
    assert_eq!(n.header("content-type"), Some("application/json"));
    // Other events are not sent to a net-3 subscription.
    app.update("/cse-in/c", &json!({"m2m:cnt": {"lbl": ["x"]}}), "CAdmin")
        .await;
    rx.assert_quiet(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn updates_are_notified_per_nct_and_atr() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [1], "atr": ["lbl"]}, "nct": 2}),
    )
    .await;
    app.update("/cse-in/c", &json!({"m2m:cnt": {"mni": 5}}), "CAdmin")
        .await;
    rx.assert_quiet(Duration::from_millis(400)).await;
    app.update("/cse-in/c", &json!({"m2m:cnt": {"lbl": ["a"]}}), "CAdmin")
        .await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["net"], 1);
    let rep = n.sgn()["nev"]["rep"]["m2m:cnt"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rep["lbl"], json!(["a"]));
    assert!(
        rep.contains_key("lt") && !rep.contains_key("rn"),
        "only modified attributes: {rep:?}"
    );
}

#[tokio::test]
async fn resource_id_content_and_child_type_filter() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [3], "chty": [3]}, "nct": 3}),
    )
    .await;
    app.instance("/cse-in/c", "ignored", "CAdmin").await;
    let inner = app
        .container("/cse-in/c", "inner", json!({}), "CAdmin")
        .await;
    let n = rx.next().await;
    assert_eq!(
        n.sgn()["nev"]["rep"],
        json!({"m2m:uri": inner.expect_resource("m2m:cnt")["ri"]})
    );
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn deletions_notify_parent_subscribers_and_deleted_subscriptions() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let su = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [2, 4]}, "su": su.url()})).await;
    let cin = app
        .create(
            "/cse-in/c",
            4,
            &json!({"m2m:cin": {"con": "x", "rn": "one"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(cin.rsc, Some(2001));
    app.delete("/cse-in/c/one", "CAdmin").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["net"], 4);
    assert_eq!(n.sgn()["nev"]["rep"]["m2m:cin"]["rn"], "one");
    app.delete("/cse-in/c", "CAdmin").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["net"], 2);
    assert_eq!(n.sgn()["nev"]["rep"]["m2m:cnt"]["rn"], "c");
    let deleted = su.next().await;
    assert_eq!(deleted.sgn()["sud"], true);
    assert!(
        deleted.sgn()["sur"]
            .as_str()
            .is_some_and(|s| s.starts_with("/id-in/sub"))
    );
}

#[tokio::test]
async fn expiration_counter_deletes_the_subscription_after_exc_notifications() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let su = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [3]}, "exc": 2, "su": su.url()}),
    )
    .await;
    for i in 0..2 {
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
        rx.next().await;
    }
    assert_eq!(su.next().await.sgn()["sud"], true);
    app.retrieve("/cse-in/c/s", "CAdmin")
        .await
        .assert_error(4004, 404, "s");
    app.instance("/cse-in/c", "late", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn deleting_a_subscription_notifies_its_subscriber_uri() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let su = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"su": su.url()})).await;
    assert_eq!(app.delete("/cse-in/c/s", "CAdmin").await.rsc, Some(2002));
    let n = su.next().await;
    assert_eq!(n.sgn()["sud"], true);
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn batch_notify_sends_num_notifications_in_one_request() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [3]}, "bn": {"num": 3, "dur": "PT60S"}}),
    )
    .await;
    for i in 0..3 {
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    let batch = rx.next().await;
    assert_eq!(cons(&batch.body), ["0", "1", "2"]);
    app.instance("/cse-in/c", "3", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn batch_notify_sends_what_it_has_when_dur_passes() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [3]}, "bn": {"num": 10, "dur": "PT1S"}}),
    )
    .await;
    app.instance("/cse-in/c", "a", "CAdmin").await;
    app.instance("/cse-in/c", "b", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(500)).await;
    let batch = rx.next().await;
    assert_eq!(cons(&batch.body), ["a", "b"]);
}

#[tokio::test]
async fn latest_notify_keeps_only_the_newest_pending_notification() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"net": [3]}, "ln": true, "bn": {"num": 3, "dur": "PT1S"}}),
    )
    .await;
    for con in ["old", "older", "newest"] {
        app.instance("/cse-in/c", con, "CAdmin").await;
    }
    let n = rx.next().await;
    assert_eq!(cons(&n.body), ["newest"]);
    assert_eq!(n.header("x-m2m-ec"), Some("4"));
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn notifications_wait_for_a_receiver_that_is_down_and_arrive_in_order() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [3]}})).await;
    rx.answer(503);
    for i in 0..5 {
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    // Failed attempts come again and again for the first one only: order is kept.
    for _ in 0..2 {
        let attempt = rx.next().await;
        assert_eq!(attempt.sgn()["nev"]["rep"]["m2m:cin"]["con"], "0");
    }
    rx.answer(200);
    assert_eq!(distinct_contents(&rx, 5).await, ["0", "1", "2", "3", "4"]);
}

#[tokio::test]
async fn ae_targets_are_reached_through_their_point_of_access() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let body = json!({"m2m:ae": {"rn": "listener", "api": "Nl", "rr": true, "srv": ["3"], "poa": [rx.url()]}});
    assert_eq!(
        app.create("/cse-in", 2, &body, Some("Clistener")).await.rsc,
        Some(2001)
    );
    app.container("/cse-in/listener", "c", json!({}), "Clistener")
        .await;
    let reply = app
        .create(
            "/cse-in/listener/c",
            23,
            &json!({"m2m:sub": {"nu": ["Clistener"], "enc": {"net": [3]}}}),
            Some("Clistener"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001));
    assert!(
        reply.expect_resource("m2m:sub").get("cr").is_none(),
        "the originator is its own target"
    );
    app.instance("/cse-in/listener/c", "for the AE", "CAdmin")
        .await;
    let n = rx.next().await;
    assert_eq!(
        n.sgn()["nev"]["rep"]["m2m:cin"]["con"],
        "for the AE",
        "no verification for the originator itself"
    );
}

#[tokio::test]
async fn pending_notifications_are_delivered_after_a_restart() {
    let (db, url) = TestDb::fresh();
    let rx = Receiver::start().expect("receiver");
    let first = spawn_app_on(&url, |_| {}).await;
    watched(&first, &rx, json!({"enc": {"net": [3]}})).await;
    let port = rx.port();
    rx.stop().await;
    for i in 0..3 {
        first.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    first.stop().await;
    let rx = Receiver::start_on(([127, 0, 0, 1], port).into()).expect("receiver on its old port");
    let second = spawn_app_on(&url, |_| {}).await;
    assert_eq!(distinct_contents(&rx, 3).await, ["0", "1", "2"]);
    second.stop().await;
    drop(db);
}

#[tokio::test]
async fn two_processes_on_one_postgres_database_deliver_each_notification_once() {
    if postgres_url().is_none() {
        // Several processes share a database only on PostgreSQL.
        return;
    }
    let (db, url) = TestDb::fresh();
    let rx = Receiver::start().expect("receiver");
    let one = spawn_app_on(&url, |_| {}).await;
    let two = spawn_app_on(&url, |_| {}).await;
    watched(&one, &rx, json!({"enc": {"net": [3]}})).await;
    for i in 0..40 {
        let app = if i % 2 == 0 { &one } else { &two };
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    while seen.len() < 40 {
        let n = rx.next().await;
        let con = n.sgn()["nev"]["rep"]["m2m:cin"]["con"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        *seen.entry(con).or_default() += 1;
    }
    rx.assert_quiet(Duration::from_millis(800)).await;
    assert!(
        seen.values().all(|n| *n == 1),
        "each exactly once: {seen:?}"
    );
    one.stop().await;
    two.stop().await;
    drop(db);
}

/// Two processes of one CSE on the database at `url` (one process, twice, on SQLite,
/// where a second process would only wait for the first's writer lock).
async fn two_processes(url: &str) -> (Arc<TestApp>, Arc<TestApp>) {
    let one = Arc::new(spawn_app_on(url, |_| {}).await);
    let two = match postgres_url() {
        Some(_) => Arc::new(spawn_app_on(url, |_| {}).await),
        None => Arc::clone(&one),
    };
    (one, two)
}

/// Creates instances "0".."total" in `/cse-in/c` concurrently, alternating between
/// the two processes.
async fn create_concurrently(one: &Arc<TestApp>, two: &Arc<TestApp>, total: usize) {
    let tasks: Vec<_> = (0..total)
        .map(|i| {
            let app = Arc::clone(if i % 2 == 0 { one } else { two });
            tokio::spawn(async move { app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await })
        })
        .collect();
    for task in tasks {
        task.await.expect("create task");
    }
}

/// Asserts that `rx` received each of the `total` instances exactly once, in `st`
/// order, and nothing more within `quiet`.
async fn assert_each_once_in_st_order(rx: &Receiver, total: usize, quiet: Duration, who: &str) {
    let mut arrived: Vec<(i64, String)> = Vec::new();
    while arrived.len() < total {
        let n = rx.next().await;
        let cin = &n.sgn()["nev"]["rep"]["m2m:cin"];
        let st = cin["st"].as_i64().expect("st in the notification");
        arrived.push((st, cin["con"].as_str().unwrap_or_default().to_owned()));
    }
    rx.assert_quiet(quiet).await;
    assert!(
        arrived.windows(2).all(|w| w[0].0 < w[1].0),
        "{who}: in st order, none twice: {arrived:?}"
    );
    let mut contents: Vec<String> = arrived.into_iter().map(|(_, con)| con).collect();
    contents.sort_by_key(|con| con.parse::<usize>().unwrap_or(usize::MAX));
    let expected: Vec<String> = (0..total).map(|i| i.to_string()).collect();
    assert_eq!(contents, expected, "{who}: every instance notified");
}

/// Concurrent creates into one watched container, sent to two processes on one
/// PostgreSQL database (one process on SQLite): every instance is notified exactly
/// once, and in the order of its `st` (the container's commit order), although both
/// processes claim and send at the same time.
#[tokio::test]
async fn concurrent_creates_through_two_processes_arrive_once_each_in_st_order() {
    let (db, url) = TestDb::fresh();
    let rx = Receiver::start().expect("receiver");
    let (one, two) = two_processes(&url).await;
    watched(&one, &rx, json!({"enc": {"net": [3]}})).await;
    create_concurrently(&one, &two, 60).await;
    assert_each_once_in_st_order(&rx, 60, Duration::from_millis(800), "the subscriber").await;
    one.stop().await;
    two.stop().await;
    drop(db);
}

/// One event to many subscriptions: the outbox rows of all of them are written with
/// one set-based head check and one multi-row INSERT per create. Concurrent creates
/// through two processes (one on SQLite) into a container with five subscriptions,
/// each to its own receiver: every receiver gets every instance exactly once, in `st`
/// order, although the creates lock the five streams' heads together and both
/// processes claim and record them at the same time.
#[tokio::test]
async fn one_event_to_many_subscriptions_arrives_once_each_in_st_order() {
    let (db, url) = TestDb::fresh();
    let (one, two) = two_processes(&url).await;
    one.container("/cse-in", "c", json!({}), "CAdmin").await;
    let mut receivers = Vec::new();
    for i in 0..5 {
        let rx = Receiver::start().expect("receiver");
        let reply = subscribe(
            &one,
            "/cse-in/c",
            json!({"rn": format!("s{i}"), "nu": [rx.url()], "enc": {"net": [3]}}),
        )
        .await;
        assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
        assert_eq!(rx.next().await.sgn()["vrq"], true);
        receivers.push(rx);
    }
    create_concurrently(&one, &two, 30).await;
    for (i, rx) in receivers.iter().enumerate() {
        let who = format!("subscription s{i}");
        assert_each_once_in_st_order(rx, 30, Duration::from_millis(300), &who).await;
    }
    one.stop().await;
    two.stop().await;
    drop(db);
}

#[tokio::test]
async fn an_update_adding_targets_verifies_them_first() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({})).await;
    let dead = Receiver::start().expect("receiver");
    dead.answer(404);
    let reply = app
        .update(
            "/cse-in/c/s",
            &json!({"m2m:sub": {"nu": [rx.url(), dead.url()]}}),
            "CAdmin",
        )
        .await;
    reply.assert_error(5204, 500, "HTTP 404");
    let stored = app.retrieve("/cse-in/c/s", "CAdmin").await;
    assert_eq!(stored.expect_resource("m2m:sub")["nu"], json!([rx.url()]));
    let added = Receiver::start().expect("receiver");
    let reply = app
        .update(
            "/cse-in/c/s",
            &json!({"m2m:sub": {"nu": [rx.url(), added.url()]}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004));
    assert_eq!(added.next().await.sgn()["vrq"], true);
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn an_expiring_subscription_sends_its_deletion_notification() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let su = Receiver::start().expect("receiver");
    let soon = onecse_models::time::Timestamp::now()
        .plus_seconds(1)
        .to_string();
    watched(&app, &rx, json!({"su": su.url(), "et": soon})).await;
    let n = su.next().await;
    assert_eq!(n.sgn()["sud"], true);
    app.retrieve("/cse-in/c/s", "CAdmin")
        .await
        .assert_error(4004, 404, "s");
}

/// A notification's wake-up belongs to the request that queued it: unrelated writes
/// committing around it must not consume it, so with a poll interval far longer than
/// the test the notification still leaves at once, every time.
#[tokio::test]
async fn a_create_racing_unrelated_writes_is_notified_without_waiting_for_the_poll() {
    let app = crate::helpers::spawn_app_with(|c| c.notify_poll_ms = 60_000).await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [3]}})).await;
    app.container("/cse-in", "busy", json!({}), "CAdmin").await;
    for round in 0..15 {
        let contents: Vec<String> = (0..12).map(|i| format!("u{i}")).collect();
        let writes = contents
            .iter()
            .map(|con| app.instance("/cse-in/busy", con, "CAdmin"));
        let reads = (0..24).map(|_| app.retrieve("/cse-in/busy", "CAdmin"));
        let mine = format!("w{round}");
        let watched_create = app.instance("/cse-in/c", &mine, "CAdmin");
        let (created, others, read) = tokio::join!(
            watched_create,
            futures_util::future::join_all(writes),
            futures_util::future::join_all(reads)
        );
        assert!(read.iter().all(|r| r.rsc == Some(2000)));
        assert_eq!(created.rsc, Some(2001), "{created:#?}");
        assert!(others.iter().all(|r| r.rsc == Some(2001)));
        let started = std::time::Instant::now();
        let received = rx.next_within(Duration::from_secs(3)).await;
        let con = received.as_ref().and_then(|n| {
            n.sgn()["nev"]["rep"]["m2m:cin"]["con"]
                .as_str()
                .map(str::to_owned)
        });
        assert_eq!(
            con.as_deref(),
            Some(format!("w{round}").as_str()),
            "round {round}: the notification did not arrive within 3 s (poll interval 60 s)"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

#[tokio::test]
async fn su_naming_an_ae_needs_the_notify_privilege_as_nu_does() {
    let app = spawn_app().await;
    app.register_ae("victim", "Cvictim").await;
    app.register_ae("subber", "Csubber").await;
    app.container("/cse-in/subber", "c", json!({}), "Csubber")
        .await;
    // nu is the subscriber itself (nothing to verify); su points elsewhere.
    let sub = |rn: &str, su: &str| json!({"m2m:sub": {"rn": rn, "nu": ["Csubber"], "su": su}});
    let create = |rn: &str, su: &str| {
        let body = sub(rn, su);
        let app = &app;
        async move {
            app.create("/cse-in/subber/c", 23, &body, Some("Csubber"))
                .await
        }
    };
    create("s1", "Cvictim")
        .await
        .assert_error(4103, 403, "NOTIFY");
    create("s2", "cse-in/victim")
        .await
        .assert_error(4103, 403, "NOTIFY");
    create("s3", "cse-in/subber/c")
        .await
        .assert_error(4000, 400, "must name an AE");
    // Its own AE, as a nu entry may.
    assert_eq!(create("s4", "Csubber").await.rsc, Some(2001));
    // An UPDATE to another AE is refused the same way.
    app.update(
        "/cse-in/subber/c/s4",
        &json!({"m2m:sub": {"su": "Cvictim"}}),
        "Csubber",
    )
    .await
    .assert_error(4103, 403, "NOTIFY");
    // The victim allows it: then it may be named.
    let acp = json!({"m2m:acp": {"rn": "letin", "pv": {"acr": [
        {"acor": ["Csubber"], "acop": 16}, {"acor": ["Cvictim"], "acop": 63}]},
        "pvs": {"acr": [{"acor": ["Cvictim"], "acop": 63}]}}});
    let reply = app.create("/cse-in/victim", 1, &acp, Some("Cvictim")).await;
    let acp_ri = reply.expect_resource("m2m:acp")["ri"].clone();
    let reply = app
        .update(
            "/cse-in/victim",
            &json!({"m2m:ae": {"acpi": [acp_ri]}}),
            "Cvictim",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert_eq!(create("s5", "Cvictim").await.rsc, Some(2001));
}
