//! `<crossResourceSubscription>` (ty 48): creation checks, member subscriptions,
//! periodic and sliding windows, `eem`, `exc`, `nsi`, deletion and members going
//! away (spec digest notifications-advanced §13).

use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, TestDb, spawn_app, spawn_app_on};

const QUIET: Duration = Duration::from_millis(1500);

/// Two containers `a` and `b` under the CSEBase.
async fn two_containers(app: &TestApp) {
    app.container("/cse-in", "a", json!({}), "CAdmin").await;
    app.container("/cse-in", "b", json!({}), "CAdmin").await;
}

async fn create_crs(app: &TestApp, attrs: Value) -> Reply {
    app.create("/cse-in", 48, &json!({ "m2m:crs": attrs }), Some("CAdmin"))
        .await
}

/// A crossResourceSubscription `x` over `a` and `b` notifying `rx`, its
/// verification request consumed.
async fn watching(app: &TestApp, rx: &Receiver, extra: Value) -> Reply {
    two_containers(app).await;
    let mut attrs = json!({
        "rn": "x",
        "nu": [rx.url()],
        "rrat": ["cse-in/a", "cse-in/b"],
        "encs": {"encn": [{"net": [3]}]},
        "twt": 1,
        "tws": "PT2S",
    });
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let reply = create_crs(app, attrs).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    reply
}

#[tokio::test]
async fn create_without_targets_or_window_is_refused() {
    let app = spawn_app().await;
    two_containers(&app).await;
    let nu = json!(["http://127.0.0.1:9/n"]);
    create_crs(&app, json!({"nu": nu, "twt": 1, "tws": "PT2S"}))
        .await
        .assert_error(4000, 400, "at least one target");
    create_crs(
        &app,
        json!({"nu": nu, "rrat": ["cse-in/a"], "twt": 1, "tws": "PT2S"}),
    )
    .await
    .assert_error(4000, 400, "encs");
    let encs = json!({"encn": [{}, {}]});
    let three = json!(["cse-in/a", "cse-in/b", "cse-in/a"]);
    create_crs(
        &app,
        json!({"nu": nu, "rrat": three, "encs": encs, "twt": 1, "tws": "PT2S"}),
    )
    .await
    .assert_error(4000, 400, "one per target");
    create_crs(&app, json!({"nu": nu, "srat": ["x"], "tws": "PT2S"}))
        .await
        .assert_error(4000, 400, "twt");
    create_crs(
        &app,
        json!({"nu": nu, "srat": ["x"], "twt": 3, "tws": "PT2S"}),
    )
    .await
    .assert_error(4000, 400, "twt");
    create_crs(
        &app,
        json!({"nu": nu, "srat": ["x"], "twt": 1, "tws": "later"}),
    )
    .await
    .assert_error(4000, 400, "tws");
    create_crs(&app, json!({"srat": ["x"], "twt": 1, "tws": "PT2S"}))
        .await
        .assert_error(4000, 400, "nu");
    // Not a child of a container.
    let body = json!({"m2m:crs": {"nu": nu, "srat": ["x"], "twt": 1, "tws": "PT2S"}});
    let reply = app.create("/cse-in/a", 48, &body, Some("CAdmin")).await;
    assert_eq!(reply.rsc, Some(4108), "{reply:#?}");
}

#[tokio::test]
async fn rrat_naming_nothing_fails_as_a_cross_resource_operation_and_leaves_nothing() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    two_containers(&app).await;
    let attrs = json!({
        "rn": "x", "nu": [rx.url()], "rrat": ["cse-in/a", "cse-in/missing"],
        "encs": {"encn": [{"net": [3]}]}, "twt": 1, "tws": "PT2S",
    });
    create_crs(&app, attrs)
        .await
        .assert_error(5221, 500, "cse-in/missing");
    // Rolled back: no crossResourceSubscription, no member subscription on `a`.
    assert_eq!(app.retrieve("/cse-in/x", "CAdmin").await.rsc, Some(4004));
    let subs = app.retrieve("/cse-in/a?fu=1&ty=23", "CAdmin").await;
    assert_eq!(subs.body["m2m:uril"], json!([]), "{subs:#?}");
}

#[tokio::test]
async fn srat_must_name_a_subscription() {
    let app = spawn_app().await;
    two_containers(&app).await;
    let rx = Receiver::start().expect("receiver");
    let attrs = json!({"nu": [rx.url()], "srat": ["cse-in/a"], "twt": 1, "tws": "PT2S"});
    create_crs(&app, attrs)
        .await
        .assert_error(5221, 500, "not a subscription");
}

#[tokio::test]
async fn create_makes_member_subscriptions_and_is_listed_in_srt() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let reply = watching(&app, &rx, json!({})).await;
    let crs = reply.expect_resource("m2m:crs");
    assert_eq!(crs["ty"], 48);
    let rrats = crs["rrats"].as_array().cloned().unwrap_or_default();
    assert_eq!(rrats.len(), 2, "{crs:#?}");
    // The member subscription on `a` notifies the crossResourceSubscription.
    let subs = app.retrieve("/cse-in/a?fu=1&ty=23", "CAdmin").await;
    let member = subs.body["m2m:uril"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let sub = app.retrieve(&format!("/{member}"), "CAdmin").await;
    let sub = sub.expect_resource("m2m:sub");
    let id = format!("/id-in/{}", crs["ri"].as_str().unwrap_or_default());
    assert_eq!(sub["nu"], json!([id]));
    assert_eq!(sub["acrs"], json!([id]));
    assert_eq!(sub["enc"]["net"], json!([3]));
    let cb = app.retrieve("/cse-in", "CAdmin").await;
    let srt = cb.expect_resource("m2m:cb")["srt"].clone();
    assert!(
        srt.as_array().is_some_and(|s| s.contains(&json!(48))),
        "{srt}"
    );
}

#[tokio::test]
async fn periodic_window_notifies_only_when_every_target_changed() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let reply = watching(&app, &rx, json!({})).await;
    let ri = reply.expect_resource("m2m:crs")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Only `a` changes: the windows close without a notification.
    app.instance("/cse-in/a", "1", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(4500)).await;
    // Both change within one window: one notification naming the crs.
    app.instance("/cse-in/a", "2", "CAdmin").await;
    app.instance("/cse-in/b", "3", "CAdmin").await;
    let n = rx
        .next_within(Duration::from_secs(6))
        .await
        .expect("window notification");
    assert_eq!(n.sgn()["sur"], format!("/id-in/{ri}"));
    assert!(n.sgn().get("nev").is_none(), "{:?}", n.sgn());
    // The next window starts empty.
    rx.assert_quiet(Duration::from_millis(2500)).await;
}

#[tokio::test]
async fn sliding_window_opens_with_the_first_event() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({"twt": 2, "tws": "PT2S"})).await;
    app.instance("/cse-in/a", "1", "CAdmin").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.instance("/cse-in/b", "2", "CAdmin").await;
    let n = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("window notification");
    assert!(
        n.sgn()["sur"]
            .as_str()
            .is_some_and(|s| s.starts_with("/id-in/crs"))
    );
    // One target alone opens a window that closes without a notification.
    app.instance("/cse-in/b", "3", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(3500)).await;
}

#[tokio::test]
async fn eem_all_events_missing_fires_for_a_quiet_window() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({"eem": 5})).await;
    let n = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("quiet window notification");
    assert!(n.sgn()["sur"].is_string());
}

#[tokio::test]
async fn exc_deletes_the_crs_and_its_members_after_the_last_notification() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({"exc": 1, "su": rx.url_for("/gone")})).await;
    app.instance("/cse-in/a", "1", "CAdmin").await;
    app.instance("/cse-in/b", "2", "CAdmin").await;
    let n = rx
        .next_within(Duration::from_secs(6))
        .await
        .expect("window notification");
    assert!(n.sgn()["sur"].is_string());
    let gone = rx
        .next_on("/gone", Duration::from_secs(5))
        .await
        .expect("deletion notification");
    assert_eq!(gone.sgn()["sud"], true);
    assert_eq!(app.retrieve("/cse-in/x", "CAdmin").await.rsc, Some(4004));
    let subs = app.retrieve("/cse-in/a?fu=1&ty=23", "CAdmin").await;
    assert_eq!(
        subs.body["m2m:uril"],
        json!([]),
        "members removed: {subs:#?}"
    );
}

#[tokio::test]
async fn statistics_count_window_notifications() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({"nse": true})).await;
    app.instance("/cse-in/a", "1", "CAdmin").await;
    app.instance("/cse-in/b", "2", "CAdmin").await;
    rx.next_within(Duration::from_secs(6))
        .await
        .expect("window notification");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let crs = app.retrieve("/cse-in/x", "CAdmin").await;
    let nsi = crs.expect_resource("m2m:crs")["nsi"].clone();
    assert_eq!(nsi[0]["tg"], rx.url());
    assert_eq!(nsi[0]["noec"], 1, "{nsi}");
    assert_eq!(nsi[0]["rqs"], 1, "{nsi}");
    assert_eq!(nsi[0]["rsr"], 1, "{nsi}");
}

#[tokio::test]
async fn srat_subscription_feeds_the_window_and_is_left_on_delete() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "a", json!({}), "CAdmin").await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [rx.url_for("/own")], "enc": {"net": [3]}}});
    assert_eq!(
        app.create("/cse-in/a", 23, &sub, Some("CAdmin")).await.rsc,
        Some(2001)
    );
    rx.next_on("/own", Duration::from_secs(5))
        .await
        .expect("verification");
    let attrs =
        json!({"rn": "x", "nu": [rx.url()], "srat": ["cse-in/a/s"], "twt": 1, "tws": "PT2S"});
    assert_eq!(create_crs(&app, attrs).await.rsc, Some(2001));
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    let joined = app.retrieve("/cse-in/a/s", "CAdmin").await;
    let joined = joined.expect_resource("m2m:sub");
    assert_eq!(
        joined["nu"].as_array().map(Vec::len),
        Some(2),
        "{joined:#?}"
    );
    app.instance("/cse-in/a", "1", "CAdmin").await;
    // The subscription's own target still hears of the event, and the window fires.
    rx.next_on("/own", Duration::from_secs(5))
        .await
        .expect("own notification");
    let n = rx
        .next_on("/notify", Duration::from_secs(6))
        .await
        .expect("window notification");
    assert!(n.sgn()["sur"].as_str().is_some_and(|s| s.contains("crs")));
    assert_eq!(app.delete("/cse-in/x", "CAdmin").await.rsc, Some(2002));
    let left = app.retrieve("/cse-in/a/s", "CAdmin").await;
    let left = left.expect_resource("m2m:sub");
    assert_eq!(left["nu"], json!([rx.url_for("/own")]));
    assert!(left.get("acrs").is_none(), "{left:#?}");
}

#[tokio::test]
async fn deleting_a_regular_target_deletes_the_crs() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({"su": rx.url_for("/gone")})).await;
    assert_eq!(app.delete("/cse-in/b", "CAdmin").await.rsc, Some(2002));
    assert_eq!(app.retrieve("/cse-in/x", "CAdmin").await.rsc, Some(4004));
    let gone = rx
        .next_on("/gone", Duration::from_secs(5))
        .await
        .expect("deletion notification");
    assert_eq!(gone.sgn()["sud"], true);
    // Its other member went with it.
    let subs = app.retrieve("/cse-in/a?fu=1&ty=23", "CAdmin").await;
    assert_eq!(subs.body["m2m:uril"], json!([]), "{subs:#?}");
    rx.assert_quiet(QUIET).await;
}

#[tokio::test]
async fn update_of_the_window_restarts_it_and_rrat_is_fixed() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    watching(&app, &rx, json!({})).await;
    let reply = app
        .update(
            "/cse-in/x",
            &json!({"m2m:crs": {"twt": 2, "tws": "PT3S"}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:crs")["twt"], 2);
    app.update(
        "/cse-in/x",
        &json!({"m2m:crs": {"rrat": ["cse-in/a"]}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "rrat");
    app.update("/cse-in/x", &json!({"m2m:crs": {"tws": "PT0S"}}), "CAdmin")
        .await
        .assert_error(4000, 400, "tws");
}

#[tokio::test]
async fn unreachable_nu_fails_verification() {
    let app = spawn_app().await;
    two_containers(&app).await;
    let attrs = json!({
        "nu": ["http://127.0.0.1:9/n"], "rrat": ["cse-in/a"],
        "encs": {"encn": [{"net": [3]}]}, "twt": 1, "tws": "PT2S",
    });
    let reply = create_crs(&app, attrs).await;
    assert_eq!(reply.rsc, Some(5204), "{reply:#?}");
    let subs = app.retrieve("/cse-in/a?fu=1&ty=23", "CAdmin").await;
    assert_eq!(subs.body["m2m:uril"], json!([]), "{subs:#?}");
}

#[tokio::test]
async fn two_processes_on_one_database_share_a_window_and_either_closes_it() {
    let (db, url) = TestDb::fresh();
    let rx = Receiver::start().expect("receiver");
    let first = spawn_app_on(&url, |_| {}).await;
    let second = spawn_app_on(&url, |_| {}).await;
    watching(&first, &rx, json!({"twt": 2, "tws": "PT3S"})).await;
    // One target changes through each process; the window's state is shared.
    first.instance("/cse-in/a", "1", "CAdmin").await;
    second.instance("/cse-in/b", "2", "CAdmin").await;
    // The first process stops before the window closes: the other one closes it.
    first.stop().await;
    let n = rx
        .next_within(Duration::from_secs(8))
        .await
        .expect("window notification");
    assert!(
        n.sgn()["sur"]
            .as_str()
            .is_some_and(|s| s.starts_with("/id-in/crs"))
    );
    // Exactly one notification for the window, not one per process.
    rx.assert_quiet(QUIET).await;
    second.stop().await;
    drop(db);
}
