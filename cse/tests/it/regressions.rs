//! Edge cases found in review: each once answered wrongly (500, silent success, wrong
//! order); each must now get the right oneM2M answer.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn nul_characters_and_oversized_labels_are_bad_requests() {
    let app = spawn_app().await;
    app.retrieve("/cse-in/c%00", "CAdmin")
        .await
        .assert_error(4000, 400, "NUL");
    let reply = app
        .create(
            "/cse-in",
            3,
            &json!({"m2m:cnt": {"lbl": ["a\u{0}b"]}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4000, 400, "NUL");
    let reply = app
        .create(
            "/cse-in",
            3,
            &json!({"m2m:cnt": {"lbl": ["x".repeat(3000)]}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4000, 400, "longer than");
}

#[tokio::test]
async fn deep_paths_are_refused_before_they_reach_the_index_limit() {
    let app = spawn_app().await;
    let mut parent = "/cse-in".to_owned();
    let name = "n".repeat(200);
    let mut last = None;
    for _ in 0..8 {
        let reply = app
            .create(
                &parent,
                3,
                &json!({"m2m:cnt": {"rn": name}}),
                Some("CAdmin"),
            )
            .await;
        if reply.rsc != Some(2001) {
            last = Some(reply);
            break;
        }
        parent = format!("{parent}/{name}");
    }
    last.expect("a path over the limit is refused")
        .assert_error(4000, 400, "longer than");
}

#[tokio::test]
async fn an_ae_whose_id_is_a_sibling_name_gets_another_name() {
    let app = spawn_app().await;
    app.container("/cse-in", "Cfoo", json!({}), "CAdmin").await;
    let reply = app
        .create(
            "/cse-in",
            2,
            &json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}}),
            Some("Cfoo"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001));
    let ae = reply.expect_resource("m2m:ae");
    assert_eq!(ae["aei"], "Cfoo");
    assert_ne!(ae["rn"], "Cfoo");
}

#[tokio::test]
async fn modified_attributes_of_an_update_are_only_what_the_cse_changed() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let body = json!({"m2m:cnt": {"lbl": ["a"]}}).to_string();
    let reply = app
        .onem2m(
            Method::PUT,
            "/cse-in/c?rcn=9",
            Some("CAdmin"),
            Some("application/json"),
            Some(&body),
        )
        .await;
    let keys: Vec<String> = reply.expect_resource("m2m:cnt").keys().cloned().collect();
    assert_eq!(keys, ["lt", "st"]);
}

#[tokio::test]
async fn partial_retrieve_parameters_are_refused_outside_retrieve() {
    let app = spawn_app().await;
    let body = json!({"m2m:cnt": {}}).to_string();
    let reply = app
        .onem2m(
            Method::POST,
            "/cse-in?atrl=lbl",
            Some("CAdmin"),
            Some("application/json;ty=3"),
            Some(&body),
        )
        .await;
    reply.assert_error(4000, 400, "atrl");
}

#[tokio::test]
async fn non_ascii_originators_are_refused_not_replaced() {
    let app = spawn_app().await;
    let headers = [
        ("X-M2M-Origin", "Cm\u{e9}app"),
        ("X-M2M-RI", "r"),
        ("X-M2M-RVI", "3"),
        ("Content-Type", "application/json;ty=2"),
    ];
    let body = json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}}).to_string();
    let reply = app
        .send(Method::POST, "/cse-in", &headers, Some(&body))
        .await;
    reply.assert_error(4000, 400, "X-M2M-Origin");
}

#[tokio::test]
async fn disabled_retrieval_also_hides_instances_in_hierarchical_results() {
    let app = spawn_app().await;
    app.container("/cse-in", "d", json!({"disr": true}), "CAdmin")
        .await;
    app.instance("/cse-in/d", "secret", "CAdmin").await;
    let reply = app.retrieve("/cse-in/d?rcn=4", "CAdmin").await;
    assert!(
        reply.expect_resource("m2m:cnt").get("m2m:cin").is_none(),
        "{}",
        reply.raw
    );
    let reply = app.retrieve("/cse-in/d?rcn=6", "CAdmin").await;
    assert_eq!(
        reply.body["m2m:rrl"]["rrf"].as_array().map(Vec::len),
        Some(0)
    );
    // null restores the default (false) and, like false, removes the instances.
    let reply = app
        .update("/cse-in/d", &json!({"m2m:cnt": {"disr": null}}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["cni"], 0);
}

#[tokio::test]
async fn a_huge_max_instance_age_does_not_expire_anything() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    app.instance("/cse-in/c", "kept", "CAdmin").await;
    let reply = app
        .update(
            "/cse-in/c",
            &json!({"m2m:cnt": {"mia": 300_000_000_000_i64}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.retrieve("/cse-in/c/la", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "kept"
    );
}

#[tokio::test]
async fn latest_follows_commit_order_under_parallel_creates() {
    let app = Arc::new(spawn_app().await);
    app.container("/cse-in", "one", json!({"mni": 1}), "CAdmin")
        .await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                app.instance("/cse-in/one", &format!("{i}"), "CAdmin")
                    .await
                    .rsc
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), Some(2001));
    }
    let cnt = app.retrieve("/cse-in/one", "CAdmin").await;
    let la = app.retrieve("/cse-in/one/la", "CAdmin").await;
    assert_eq!(cnt.expect_resource("m2m:cnt")["cni"], 1);
    assert_eq!(
        la.expect_resource("m2m:cin")["st"],
        cnt.expect_resource("m2m:cnt")["st"]
    );
}

#[tokio::test]
async fn lowering_mni_far_below_cni_removes_in_batches() {
    let app = spawn_app().await;
    app.container("/cse-in", "many", json!({}), "CAdmin").await;
    for i in 0..300 {
        app.instance("/cse-in/many", &format!("{i}"), "CAdmin")
            .await;
    }
    let reply = app
        .update("/cse-in/many", &json!({"m2m:cnt": {"mni": 1}}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["cni"], 1);
    assert_eq!(
        app.retrieve("/cse-in/many/ol", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "299"
    );
}
