//! Subscription rules an outside conformance run checks (spec digest notifications
//! §3, §6, §7): the batch a deleted subscription still holds, who gets a creator,
//! unreachable AE targets, `nu` deletion, and a blocking-update subscription's `net`.

use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

async fn subscribe(app: &TestApp, parent: &str, attrs: Value) -> Reply {
    app.create(parent, 23, &json!({ "m2m:sub": attrs }), Some("CAdmin"))
        .await
}

fn batch_contents(body: &Value) -> Vec<String> {
    body["m2m:agn"]["m2m:sgn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["nev"]["rep"]["m2m:cin"]["con"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Registers AE `C<rn>` whose point of access is `poa`.
async fn ae_at(app: &TestApp, rn: &str, poa: &str) {
    let body = json!({"m2m:ae": {"rn": rn, "api": "Nl", "rr": true, "srv": ["3"], "poa": [poa]}});
    let reply = app
        .create("/cse-in", 2, &body, Some(&format!("C{rn}")))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

#[tokio::test]
async fn a_deleted_subscription_sends_its_batch_before_the_deletion_notice() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    // A minute-long batch: only the deletion can send it within the test's wait.
    let attrs = json!({"rn": "s", "nu": [rx.url()], "su": rx.url(),
        "enc": {"net": [3]}, "bn": {"num": 10, "dur": "PT60S"}});
    assert_eq!(subscribe(&app, "/cse-in/c", attrs).await.rsc, Some(2001));
    assert!(rx.next().await.is_verification());
    app.instance("/cse-in/c", "a", "CAdmin").await;
    app.instance("/cse-in/c", "b", "CAdmin").await;
    rx.assert_quiet(Duration::from_millis(300)).await;
    assert_eq!(app.delete("/cse-in/c/s", "CAdmin").await.rsc, Some(2002));
    let batch = rx.next().await;
    assert_eq!(batch_contents(&batch.body), ["a", "b"], "{}", batch.body);
    let notice = rx.next().await;
    assert_eq!(notice.sgn()["sud"], true, "{}", notice.body);
    // Deleting the subscribed-to resource sends the batch too, net 2 included.
    let attrs = json!({"rn": "t", "nu": [rx.url()], "enc": {"net": [2, 3]},
        "bn": {"num": 10, "dur": "PT60S"}});
    assert_eq!(subscribe(&app, "/cse-in/c", attrs).await.rsc, Some(2001));
    assert!(rx.next().await.is_verification());
    app.instance("/cse-in/c", "c", "CAdmin").await;
    assert_eq!(app.delete("/cse-in/c", "CAdmin").await.rsc, Some(2002));
    let batch = rx.next().await;
    let nets: Vec<i64> = batch.body["m2m:agn"]["m2m:sgn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["nev"]["net"].as_i64())
        .collect();
    assert_eq!(nets, [3, 2], "{}", batch.body);
}

#[tokio::test]
async fn a_creator_is_recorded_for_another_entity_or_when_asked_never_for_a_url() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    ae_at(&app, "listener", &rx.url_for("/ae")).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    // A URL target may be the originator's own receiver: no creator, no `cr`.
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "url", "nu": [rx.url()], "enc": {"net": [3]}}),
    )
    .await;
    assert!(
        reply.expect_resource("m2m:sub").get("cr").is_none(),
        "{reply:#?}"
    );
    assert!(rx.next().await.is_verification());
    app.instance("/cse-in/c", "1", "CAdmin").await;
    let n = rx.next().await;
    assert!(n.sgn().get("cr").is_none(), "{}", n.body);
    assert_eq!(app.delete("/cse-in/c/url", "CAdmin").await.rsc, Some(2002));
    // Another AE named by resource ID is "not the Originator" (TS-0004 §7.4.8.2.1).
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "ae", "nu": ["Clistener"], "enc": {"net": [3]}}),
    )
    .await;
    assert_eq!(reply.expect_resource("m2m:sub")["cr"], "CAdmin");
    let verification = rx.next().await;
    assert_eq!(verification.sgn()["cr"], "CAdmin", "{}", verification.body);
    app.instance("/cse-in/c", "2", "CAdmin").await;
    let n = rx.next().await;
    assert_eq!(n.sgn()["cr"], "CAdmin", "{}", n.body);
    assert_eq!(app.delete("/cse-in/c/ae", "CAdmin").await.rsc, Some(2002));
    // `"cr": null` asks for it with a URL target as well.
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "asked", "nu": [rx.url()], "enc": {"net": [3]}, "cr": null}),
    )
    .await;
    assert_eq!(reply.expect_resource("m2m:sub")["cr"], "CAdmin");
    assert!(rx.next().await.is_verification());
    app.instance("/cse-in/c", "3", "CAdmin").await;
    assert_eq!(rx.next().await.sgn()["cr"], "CAdmin");
}

#[tokio::test]
async fn an_ae_whose_point_of_access_cannot_be_reached_fails_verification() {
    let app = spawn_app().await;
    // Port 1 on loopback: nothing listens there.
    ae_at(&app, "gone", "http://127.0.0.1:1").await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    for nu in ["Cgone", "cse-in/gone"] {
        subscribe(&app, "/cse-in/c", json!({"rn": "s", "nu": [nu]}))
            .await
            .assert_error(5204, 500, "no answer from the target");
    }
    app.retrieve("/cse-in/c/s", "CAdmin")
        .await
        .assert_error(4004, 404, "s");
}

#[tokio::test]
async fn nu_cannot_be_deleted_by_an_update() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    assert_eq!(
        subscribe(&app, "/cse-in/c", json!({"rn": "s", "nu": [rx.url()]}))
            .await
            .rsc,
        Some(2001)
    );
    for nu in [Value::Null, json!([])] {
        app.update("/cse-in/c/s", &json!({"m2m:sub": {"nu": nu}}), "CAdmin")
            .await
            .assert_error(4000, 400, "nu");
    }
    let kept = app.retrieve("/cse-in/c/s", "CAdmin").await;
    assert_eq!(kept.expect_resource("m2m:sub")["nu"], json!([rx.url()]));
}

#[tokio::test]
async fn a_blocking_update_subscription_keeps_its_event_type_and_rules() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    ae_at(&app, "blk", &rx.url()).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let reply = subscribe(
        &app,
        "/cse-in/c",
        json!({"rn": "s", "nu": ["Cblk"], "enc": {"net": [7]}}),
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    for (update, needle) in [
        (json!({"enc": {"net": [1]}}), "cannot be changed"),
        (json!({"nu": [rx.url()]}), "must be a resource ID"),
        (
            json!({"enc": {"net": [7], "cra": "20200101T000000"}}),
            "only atr",
        ),
        (json!({"exc": 3}), "exc is not allowed"),
    ] {
        app.update("/cse-in/c/s", &json!({"m2m:sub": update}), "CAdmin")
            .await
            .assert_error(4000, 400, needle);
    }
    // `atr` is the one condition it may have.
    let reply = app
        .update(
            "/cse-in/c/s",
            &json!({"m2m:sub": {"enc": {"net": [7], "atr": ["lbl"]}}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
}
