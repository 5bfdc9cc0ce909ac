//! Subscription features beyond the basics (issue 13 point 6; spec digests
//! notifications.md, notifications-advanced.md): operationMonitor, notification
//! statistics, blocking update, batch duration across a restart, the creator in
//! notifications, chty checked against the parent, structured `nu` resource IDs.

use std::time::Duration;

use onecse_testkit::{Answer, Receiver};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, TestDb, spawn_app, spawn_app_on, spawn_app_with};
use crate::sub::watched;

async fn subscribe(app: &TestApp, parent: &str, attrs: Value, originator: &str) -> Reply {
    app.create(parent, 23, &json!({ "m2m:sub": attrs }), Some(originator))
        .await
}

/// Registers AE `C<rn>` whose point of access is `poa`.
async fn listener(app: &TestApp, rn: &str, poa: &str) {
    let body = json!({"m2m:ae": {"rn": rn, "api": "Nl", "rr": true, "srv": ["3"], "poa": [poa]}});
    let reply = app
        .create("/cse-in", 2, &body, Some(&format!("C{rn}")))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

const QUIET: Duration = Duration::from_millis(600);

// --- operationMonitor (enc/om) ---

#[tokio::test]
async fn operation_monitor_notifies_watched_operations_even_when_refused() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let sub = watched(&app, &rx, json!({"enc": {"om": [{"ops": 2}]}})).await;
    assert_eq!(
        sub.expect_resource("m2m:sub")["enc"],
        json!({"om": [{"ops": 2}]}),
        "no net default is added to an operationMonitor subscription"
    );
    app.retrieve("/cse-in/c", "CAdmin").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["om"], json!({"op": 2, "or": "CAdmin"}));
    assert_eq!(n.sgn()["nev"]["net"], 1);
    // A RETRIEVE that is refused is still an access to the resource.
    app.register_ae("stranger", "Cstranger").await;
    app.retrieve("/cse-in/c", "Cstranger")
        .await
        .assert_error(4103, 403, "");
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["om"], json!({"op": 2, "or": "Cstranger"}));
    // UPDATE (bit 4) is not watched.
    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"lbl": ["x"]}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004));
    rx.assert_quiet(QUIET).await;
}

#[tokio::test]
async fn operation_monitor_by_originator_accepts_or_and_acme_org() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(
        &app,
        &rx,
        json!({"enc": {"om": [{"or": "Cwatched"}, {"org": "Cother", "ops": 8}]}}),
    )
    .await;
    app.register_ae("watched", "Cwatched").await;
    app.register_ae("other", "Cother").await;
    app.instance("/cse-in/c", "by the admin", "CAdmin").await;
    app.retrieve("/cse-in/c", "CAdmin").await;
    rx.assert_quiet(QUIET).await;
    // A CREATE by the watched originator, refused for lack of privilege: notified.
    let body = json!({"m2m:cin": {"con": "x"}});
    app.create("/cse-in/c", 4, &body, Some("Cwatched"))
        .await
        .assert_error(4103, 403, "");
    assert_eq!(
        rx.next().await.sgn()["nev"]["om"],
        json!({"op": 1, "or": "Cwatched"})
    );
    // Cother only for DELETE: its RETRIEVE is quiet, its DELETE notifies.
    app.retrieve("/cse-in/c", "Cother").await;
    rx.assert_quiet(QUIET).await;
    app.delete("/cse-in/c", "Cother").await;
    assert_eq!(
        rx.next().await.sgn()["nev"]["om"],
        json!({"op": 4, "or": "Cother"})
    );
}

#[tokio::test]
async fn operation_monitor_stops_with_its_subscription() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"om": [{"ops": 63}]}})).await;
    let reply = app.delete("/cse-in/c/s", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2002));
    // The DELETE of the subscription is not a request to the container.
    app.retrieve("/cse-in/c", "CAdmin").await;
    app.instance("/cse-in/c", "x", "CAdmin").await;
    rx.assert_quiet(QUIET).await;
}

#[tokio::test]
async fn operation_monitor_errors_are_4000() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    for (enc, needle) in [
        (json!({"om": [{"ops": 2}], "net": [1]}), "together"),
        (json!({"om": []}), "non-empty"),
        (json!({"om": [{}]}), "ops, or"),
        (json!({"om": [{"ops": 64}]}), "bit mask"),
        (json!({"om": [{"ops": 2, "op": 1}]}), "unknown member 'op'"),
        (json!({"om": [{"or": 7}]}), "originator"),
        (
            json!({"om": [{"ops": 2}], "atr": ["lbl"]}),
            "cannot be combined",
        ),
    ] {
        subscribe(
            &app,
            "/cse-in/c",
            json!({"nu": [rx.url()], "enc": enc}),
            "CAdmin",
        )
        .await
        .assert_error(4000, 400, needle);
    }
    // UPDATE: net and om together are refused there as well.
    subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "s", "nu": [rx.url()]}),
        "CAdmin",
    )
    .await;
    app.update(
        "/cse-in/c/s",
        &json!({"m2m:sub": {"enc": {"net": [1], "om": [{"ops": 2}]}}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "together");
    // An UPDATE to om only replaces net and starts monitoring.
    rx.drain();
    let reply = app
        .update(
            "/cse-in/c/s",
            &json!({"m2m:sub": {"enc": {"om": [{"ops": 2}]}}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(rx.next().await.sgn()["nev"]["om"]["op"], 2);
}

// --- notification statistics (nse/nsi) ---

async fn statistics(app: &TestApp, path: &str) -> Value {
    let reply = app.retrieve(path, "CAdmin").await;
    reply
        .expect_resource("m2m:sub")
        .get("nsi")
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn statistics_count_events_requests_and_responses_per_target() {
    let app = spawn_app_with(|c| c.notify_max_attempts = 1).await;
    let rx = Receiver::start().expect("receiver");
    let (good, bad) = (rx.url_for("/good"), rx.url_for("/bad"));
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "s", "nu": [good, bad], "enc": {"net": [3]}, "nse": true}),
        "CAdmin",
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert!(
        reply.expect_resource("m2m:sub").get("nsi").is_none(),
        "nsi is absent until the first count"
    );
    rx.drain();
    rx.answer_on("/bad", Answer::status(500));
    for i in 0..3 {
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    let expected = json!([
        {"tg": good, "rqs": 3, "rsr": 3, "noec": 3},
        {"tg": bad, "rqs": 3, "rsr": 0, "noec": 3},
    ]);
    let mut nsi = Value::Null;
    for _ in 0..100 {
        nsi = statistics(&app, "/cse-in/c/s").await;
        if nsi == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(nsi, expected);
    // Verification requests are not counted; an nu UPDATE keeps the surviving entry.
    let reply = app
        .update("/cse-in/c/s", &json!({"m2m:sub": {"nu": [good]}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004));
    assert_eq!(
        statistics(&app, "/cse-in/c/s").await,
        json!([{"tg": good, "rqs": 3, "rsr": 3, "noec": 3}])
    );
}

#[tokio::test]
async fn statistics_reset_rules_and_read_only_nsi() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [3]}, "nse": true})).await;
    let path = "/cse-in/c/s";
    app.instance("/cse-in/c", "a", "CAdmin").await;
    rx.next().await;
    let one = json!([{"tg": rx.url(), "rqs": 1, "rsr": 1, "noec": 1}]);
    for _ in 0..50 {
        if statistics(&app, path).await == one {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(statistics(&app, path).await, one);
    let set = |v: Value| json!({"m2m:sub": {"nse": v}});
    // false: counting stops, nsi stays.
    assert_eq!(
        app.update(path, &set(json!(false)), "CAdmin").await.rsc,
        Some(2004)
    );
    app.instance("/cse-in/c", "b", "CAdmin").await;
    rx.next().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(statistics(&app, path).await, one);
    // true again: counting restarts from nothing.
    let reply = app.update(path, &set(json!(true)), "CAdmin").await;
    assert!(reply.expect_resource("m2m:sub").get("nsi").is_none());
    // null: nse and nsi go.
    app.instance("/cse-in/c", "c", "CAdmin").await;
    rx.next().await;
    let reply = app.update(path, &set(Value::Null), "CAdmin").await;
    let sub = reply.expect_resource("m2m:sub");
    assert!(
        sub.get("nse").is_none() && sub.get("nsi").is_none(),
        "{sub:?}"
    );
    // nsi is read-only; nse must be a boolean.
    app.update(path, &json!({"m2m:sub": {"nsi": []}}), "CAdmin")
        .await
        .assert_error(4000, 400, "nsi");
    subscribe(
        &app,
        "/cse-in/c",
        json!({"nu": [rx.url()], "nsi": []}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "nsi");
    subscribe(
        &app,
        "/cse-in/c",
        json!({"nu": [rx.url()], "nse": 1}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "nse");
}

// --- blocking update (net 7) ---

/// A container with a blocking-update subscription (extra `enc` members merged)
/// whose subscriber is AE `Cblk`, reached at `rx`'s path `/blk`.
async fn blocked(app: &TestApp, rx: &Receiver, enc: Value) {
    listener(app, "blk", &rx.url_for("/blk")).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let mut e = json!({"net": [7]});
    if let (Some(a), Some(b)) = (e.as_object_mut(), enc.as_object()) {
        a.extend(b.clone());
    }
    let reply = subscribe(
        app,
        "/cse-in/c",
        json!({"rn": "s", "nu": ["Cblk"], "enc": e}),
        "CAdmin",
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:sub")["nct"], 2);
    assert!(rx.next().await.is_verification());
}

#[tokio::test]
async fn blocking_update_waits_for_the_subscriber_and_applies_only_when_accepted() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    blocked(&app, &rx, json!({})).await;
    let lbl = |l: &str| json!({"m2m:cnt": {"lbl": [l]}});
    let reply = app.update("/cse-in/c", &lbl("yes"), "CAdmin").await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    let n = rx.next().await;
    assert_eq!(n.sgn()["nev"]["net"], 7);
    assert_eq!(n.sgn()["nev"]["rep"], lbl("yes"));
    rx.assert_quiet(QUIET).await;
    // An UPDATE that is invalid anyway is refused without asking the subscriber.
    app.update("/cse-in/c", &json!({"m2m:cnt": {"mni": -1}}), "CAdmin")
        .await
        .assert_error(4000, 400, "mni");
    rx.assert_quiet(QUIET).await;
    // Refused by the subscriber: 4127 and nothing changes.
    rx.answer_on("/blk", Answer::status(403));
    app.update("/cse-in/c", &lbl("no"), "CAdmin")
        .await
        .assert_error(4127, 403, "did not accept");
    rx.answer_on(
        "/blk",
        Answer::rsc(onecse_models::ResponseStatusCode::TargetNotReachable),
    );
    app.update("/cse-in/c", &lbl("no"), "CAdmin")
        .await
        .assert_error(5107, 404, "did not accept");
    // Not answering at all: 5107.
    rx.stop().await;
    app.update("/cse-in/c", &lbl("no"), "CAdmin")
        .await
        .assert_error(5107, 404, "no answer");
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(cnt.expect_resource("m2m:cnt")["lbl"], json!(["yes"]));
}

#[tokio::test]
async fn blocking_update_with_atr_holds_only_those_attributes() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    blocked(&app, &rx, json!({"atr": ["lbl"]})).await;
    rx.answer_on("/blk", Answer::status(403));
    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"mni": 5}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004), "mni is not watched: {reply:#?}");
    rx.assert_quiet(QUIET).await;
    app.update("/cse-in/c", &json!({"m2m:cnt": {"lbl": ["x"]}}), "CAdmin")
        .await
        .assert_error(4127, 403, "");
}

#[tokio::test]
async fn blocking_update_subscriptions_have_strict_rules() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    blocked(&app, &rx, json!({})).await;
    let net7 = |extra: Value| {
        let mut attrs = json!({"nu": ["Cblk"], "enc": {"net": [7]}});
        if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        attrs
    };
    subscribe(&app, "/cse-in/c", net7(json!({})), "CAdmin")
        .await
        .assert_error(4124, 409, "already has a blocking-update");
    app.container("/cse-in", "d", json!({}), "CAdmin").await;
    for (extra, needle) in [
        (json!({"nu": ["Cblk", rx.url()]}), "exactly one nu"),
        (json!({"nu": [rx.url()]}), "must be a resource ID"),
        (json!({"bn": {"num": 2}}), "bn is not allowed"),
        (json!({"exc": 3}), "exc is not allowed"),
        (json!({"enc": {"net": [7, 1]}}), "cannot be combined"),
        (
            json!({"enc": {"net": [7], "cra": "20200101T000000"}}),
            "only atr",
        ),
        (json!({"nct": 1}), "nct 1"),
    ] {
        subscribe(&app, "/cse-in/d", net7(extra), "CAdmin")
            .await
            .assert_error(4000, 400, needle);
    }
    // Net 7 cannot be brought in by an UPDATE.
    let reply = subscribe(
        &app,
        "/cse-in/d",
        json!({"rn": "s", "nu": ["Cblk"]}),
        "CAdmin",
    )
    .await;
    assert_eq!(reply.rsc, Some(2001));
    app.update(
        "/cse-in/d/s",
        &json!({"m2m:sub": {"enc": {"net": [7]}, "nct": 2}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "only be chosen when the subscription is created");
    // After the blocking subscription is deleted the container updates freely again.
    rx.answer_on("/blk", Answer::status(403));
    assert_eq!(app.delete("/cse-in/c/s", "CAdmin").await.rsc, Some(2002));
    let reply = app
        .update(
            "/cse-in/c",
            &json!({"m2m:cnt": {"lbl": ["free"]}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004));
}

// --- batchNotify duration across a restart ---

#[tokio::test]
async fn a_half_full_batch_is_sent_after_dur_even_across_a_restart() {
    let (db, url) = TestDb::fresh();
    let rx = Receiver::start().expect("receiver");
    let first = spawn_app_on(&url, |_| {}).await;
    watched(
        &first,
        &rx,
        json!({"enc": {"net": [3]}, "bn": {"num": 10, "dur": "PT2S"}}),
    )
    .await;
    first.instance("/cse-in/c", "a", "CAdmin").await;
    first.instance("/cse-in/c", "b", "CAdmin").await;
    first.stop().await;
    rx.assert_quiet(Duration::from_millis(300)).await;
    let second = spawn_app_on(&url, |_| {}).await;
    let batch = rx.next().await;
    let cons: Vec<&str> = batch
        .sgns()
        .iter()
        .filter_map(|s| s["nev"]["rep"]["m2m:cin"]["con"].as_str())
        .collect();
    assert_eq!(cons, ["a", "b"], "{}", batch.body);
    assert!(batch.body.get("m2m:agn").is_some());
    second.stop().await;
    drop(db);
}

// --- the creator in notifications ---

#[tokio::test]
async fn notifications_carry_cr_only_when_the_subscription_has_one() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    listener(&app, "me", &rx.url()).await;
    app.container("/cse-in/me", "c", json!({}), "Cme").await;
    // Its own target, no "cr": null: no creator, and none in the notification.
    let reply = subscribe(
        &app,
        "/cse-in/me/c",
        json!({"rn": "own", "nu": ["Cme"], "enc": {"net": [3]}}),
        "Cme",
    )
    .await;
    assert!(reply.expect_resource("m2m:sub").get("cr").is_none());
    app.instance("/cse-in/me/c", "1", "Cme").await;
    let n = rx.next().await;
    assert!(!n.is_verification());
    assert!(n.sgn().get("cr").is_none(), "{}", n.body);
    // "cr": null asks for it: then every notification names the creator.
    let reply = subscribe(
        &app,
        "/cse-in/me/c",
        json!({"rn": "asked", "nu": ["Cme"], "enc": {"net": [3]}, "cr": null}),
        "Cme",
    )
    .await;
    assert_eq!(reply.expect_resource("m2m:sub")["cr"], "Cme");
    assert_eq!(app.delete("/cse-in/me/c/own", "Cme").await.rsc, Some(2002));
    app.instance("/cse-in/me/c", "2", "Cme").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["cr"], "Cme", "{}", n.body);
    // A creator value other than null is refused.
    subscribe(
        &app,
        "/cse-in/me/c",
        json!({"nu": ["Cme"], "cr": "Cme"}),
        "Cme",
    )
    .await
    .assert_error(4000, 400, "cr");
}

// --- chty against the subscribed-to resource ---

#[tokio::test]
async fn chty_must_name_a_possible_child_type() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let sub = |chty: Value| json!({"rn": "s", "nu": [rx.url()], "enc": {"net": [3], "chty": chty}});
    for chty in [json!([2]), json!([4, 5]), json!([99999])] {
        subscribe(&app, "/cse-in/c", sub(chty), "CAdmin")
            .await
            .assert_error(4000, 400, "cannot be a child of a container");
    }
    let reply = subscribe(&app, "/cse-in/c", sub(json!([4, 3])), "CAdmin").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    app.update(
        "/cse-in/c/s",
        &json!({"m2m:sub": {"enc": {"net": [3], "chty": [2]}}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "cannot be a child");
    // Under the CSEBase an AE is a possible child.
    let reply = subscribe(&app, "/cse-in", sub(json!([2])), "CAdmin").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

// --- structured resource IDs in nu ---

#[tokio::test]
async fn structured_resource_ids_in_nu_are_verified_and_delivered() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    listener(&app, "listener", &rx.url()).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    for (rn, nu) in [("rel", "cse-in/listener"), ("sp", "/id-in/cse-in/listener")] {
        let reply = subscribe(
            &app,
            "/cse-in/c",
            json!({"rn": rn, "nu": [nu], "enc": {"net": [3]}}),
            "CAdmin",
        )
        .await;
        assert_eq!(reply.rsc, Some(2001), "{nu}: {reply:#?}");
        assert!(rx.next().await.is_verification(), "{nu}");
    }
    app.instance("/cse-in/c", "x", "CAdmin").await;
    for _ in 0..2 {
        let n = rx.next().await;
        assert_eq!(n.sgn()["nev"]["rep"]["m2m:cin"]["con"], "x");
    }
    // An UPDATE to another structured form is verified like a new target.
    let reply = app
        .update(
            "/cse-in/c/sp",
            &json!({"m2m:sub": {"nu": ["cse-in/listener"]}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert!(rx.next().await.is_verification());
    // A structured ID naming nothing, or something that is not an AE: 4000.
    for nu in ["cse-in/nosuch", "cse-in/c"] {
        subscribe(&app, "/cse-in/c", json!({"nu": [nu]}), "CAdmin")
            .await
            .assert_error(4000, 400, nu);
    }
    let reply = app
        .update(
            "/cse-in/c/sp",
            &json!({"m2m:sub": {"nu": ["cse-in/listener", "cse-in/nosuch"]}}),
            "CAdmin",
        )
        .await;
    reply.assert_error(4000, 400, "nosuch");
}

// --- nec: the event category of notifications ---

#[tokio::test]
async fn nec_is_sent_as_the_event_category() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [3]}, "nec": 3})).await;
    app.instance("/cse-in/c", "x", "CAdmin").await;
    assert_eq!(rx.next().await.header("x-m2m-ec"), Some("3"));
    // latestNotify keeps its own category, 4.
    let reply = app
        .update("/cse-in/c/s", &json!({"m2m:sub": {"ln": true}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004));
    app.instance("/cse-in/c", "y", "CAdmin").await;
    assert_eq!(rx.next().await.header("x-m2m-ec"), Some("4"));
    for nec in [json!(1), json!(50), json!(1000)] {
        subscribe(
            &app,
            "/cse-in/c",
            json!({"nu": [rx.url()], "nec": nec}),
            "CAdmin",
        )
        .await
        .assert_error(4000, 400, "nec");
    }
}
