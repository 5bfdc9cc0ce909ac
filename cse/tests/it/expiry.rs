//! Resource expiration: `et` rules, the default, children never outliving parents, and
//! the expiry task removing subtrees while keeping counters right.

use std::time::Duration;

use onecse_models::time::Timestamp;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_default_et_is_assigned_and_children_never_outlive_their_parent() {
    let app = spawn_app().await;
    let parent_et = Timestamp::now().plus_seconds(3600).to_string();
    let reply = app
        .container("/cse-in", "p", json!({"et": parent_et}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["et"], parent_et.as_str());
    let child = app
        .container(
            "/cse-in/p",
            "child",
            json!({"et": "20991231T000000"}),
            "CAdmin",
        )
        .await;
    assert_eq!(
        child.expect_resource("m2m:cnt")["et"],
        parent_et.as_str(),
        "capped at the parent's et"
    );
    let other = app.container("/cse-in", "q", json!({}), "CAdmin").await;
    let et = other.expect_resource("m2m:cnt")["et"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        et > Timestamp::now().plus_seconds(365 * 24 * 3600).to_string(),
        "default et is years ahead: {et}"
    );
    let reply = app
        .update(
            "/cse-in/p",
            &json!({"m2m:cnt": {"et": Timestamp::now().plus_seconds(60).to_string()}}),
            "CAdmin",
        )
        .await;
    reply.assert_error(4000, 400, "child");
}

#[tokio::test]
async fn an_expired_container_is_hidden_then_removed_with_its_subtree() {
    let app = spawn_app().await;
    let soon = Timestamp::now().plus_seconds(1).to_string();
    app.container("/cse-in", "short", json!({"et": soon}), "CAdmin")
        .await;
    app.container("/cse-in/short", "inner", json!({}), "CAdmin")
        .await;
    app.instance("/cse-in/short/inner", "x", "CAdmin").await;
    assert_eq!(
        app.retrieve("/cse-in/short/inner/la", "CAdmin").await.rsc,
        Some(2000)
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    app.retrieve("/cse-in/short", "CAdmin")
        .await
        .assert_error(4004, 404, "short");
    app.retrieve("/cse-in/short/inner", "CAdmin")
        .await
        .assert_error(4004, 404, "inner");
    // Once the task has run, the name is free again.
    let mut created = None;
    for _ in 0..40 {
        let body = json!({"m2m:cnt": {"rn": "short"}});
        let reply = app.create("/cse-in", 3, &body, Some("CAdmin")).await;
        if reply.rsc == Some(2001) {
            created = reply.rsc;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(created, Some(2001));
    app.retrieve("/cse-in/short/inner", "CAdmin")
        .await
        .assert_error(4004, 404, "inner");
}

#[tokio::test]
async fn expired_instances_are_removed_and_counted_out() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let soon = Timestamp::now().plus_seconds(1).to_string();
    app.create(
        "/cse-in/c",
        4,
        &json!({"m2m:cin": {"con": "gone", "et": soon}}),
        Some("CAdmin"),
    )
    .await;
    app.instance("/cse-in/c", "stays", "CAdmin").await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        app.retrieve("/cse-in/c/ol", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "stays"
    );
    let mut counters = json!(null);
    for _ in 0..40 {
        let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
        counters = json!([
            cnt.expect_resource("m2m:cnt")["cni"],
            cnt.expect_resource("m2m:cnt")["cbs"]
        ]);
        if counters == json!([1, 5]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counters, json!([1, 5]));
}
