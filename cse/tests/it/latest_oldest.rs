//! The virtual resources `la` and `ol` (TS-0004 §6.8): RETRIEVE and DELETE only,
//! by structured and unstructured address, 4004 on an empty container.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn latest_and_oldest_are_retrieved_by_every_address_form() {
    let app = spawn_app().await;
    let cnt = app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let ri = cnt.expect_resource("m2m:cnt")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for con in ["first", "second", "third"] {
        app.instance("/cse-in/c", con, "CAdmin").await;
    }
    for (path, con) in [
        ("/cse-in/c/la".to_owned(), "third"),
        ("/cse-in/c/ol".to_owned(), "first"),
        (format!("/{ri}/la"), "third"),
        (format!("/{ri}/ol"), "first"),
        (format!("/~/id-in/{ri}/la"), "third"),
        ("/~/id-in/cse-in/c/ol".to_owned(), "first"),
        ("/-/c/la".to_owned(), "third"),
    ] {
        let reply = app.retrieve(&path, "CAdmin").await;
        assert_eq!(reply.rsc, Some(2000), "{path}");
        assert_eq!(reply.expect_resource("m2m:cin")["con"], con, "{path}");
    }
}

#[tokio::test]
async fn deleting_latest_and_oldest_removes_those_instances() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    for con in ["a", "bb", "ccc"] {
        app.instance("/cse-in/c", con, "CAdmin").await;
    }
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/c/la?rcn=1",
            Some("CAdmin"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (reply.rsc, reply.expect_resource("m2m:cin")["con"].clone()),
        (Some(2002), json!("ccc"))
    );
    let reply = app.delete("/cse-in/c/ol", "CAdmin").await;
    assert_eq!((reply.rsc, reply.raw.as_str()), (Some(2002), ""));
    assert_eq!(
        app.retrieve("/cse-in/c/la", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "bb"
    );
    assert_eq!(
        app.retrieve("/cse-in/c/ol", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "bb"
    );
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(
        (
            cnt.expect_resource("m2m:cnt")["cni"].clone(),
            cnt.expect_resource("m2m:cnt")["cbs"].clone()
        ),
        (json!(1), json!(2))
    );
}

#[tokio::test]
async fn latest_and_oldest_of_an_empty_container_are_not_found() {
    let app = spawn_app().await;
    app.container("/cse-in", "empty", json!({}), "CAdmin").await;
    app.retrieve("/cse-in/empty/la", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
    app.retrieve("/cse-in/empty/ol", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
    app.delete("/cse-in/empty/la", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
    app.retrieve("/cse-in/nothing/la", "CAdmin")
        .await
        .assert_error(4004, 404, "nothing");
}

#[tokio::test]
async fn create_and_update_on_latest_and_oldest_are_not_allowed() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    app.instance("/cse-in/c", "x", "CAdmin").await;
    let reply = app
        .create(
            "/cse-in/c/la",
            4,
            &json!({"m2m:cin": {"con": "y"}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4005, 405, "la and ol");
    let reply = app
        .update(
            "/cse-in/c/ol",
            &json!({"m2m:cin": {"lbl": ["z"]}}),
            "CAdmin",
        )
        .await;
    reply.assert_error(4005, 405, "la and ol");
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(cnt.expect_resource("m2m:cnt")["cni"], 1);
}

#[tokio::test]
async fn la_below_a_non_container_is_an_ordinary_name() {
    let app = spawn_app().await;
    app.register_ae("la", "Cla").await;
    let reply = app.retrieve("/cse-in/la", "Cla").await;
    assert_eq!(reply.expect_resource("m2m:ae")["ri"], "Cla");
    app.retrieve("/Cla/la", "Cla")
        .await
        .assert_error(4004, 404, "Cla/la");
}

/// Point reads run on the HTTP worker only on a connection that is idle at that
/// moment; with none idle they wait for one on the blocking pool. One pooled
/// connection, shared by concurrent creates and reads of `la`: every read answers
/// 2000 with an instance that was created, on either setting of `inline_point_reads`
/// (which only PostgreSQL reads: on SQLite both rounds take the same path).
#[tokio::test]
async fn latest_reads_with_every_connection_busy_wait_their_turn() {
    for inline in [true, false] {
        let app = std::sync::Arc::new(
            crate::helpers::spawn_app_with(|c| {
                c.pool_size = 1;
                c.workers = Some(2);
                c.inline_point_reads = inline;
            })
            .await,
        );
        app.container("/cse-in", "busy", json!({}), "CAdmin").await;
        app.instance("/cse-in/busy", "0", "CAdmin").await;
        let tasks: Vec<_> = (1..=48_u32)
            .map(|i| {
                let app = std::sync::Arc::clone(&app);
                tokio::spawn(async move {
                    if i.is_multiple_of(4) {
                        let reply = app.instance("/cse-in/busy", &i.to_string(), "CAdmin").await;
                        (reply.rsc, None)
                    } else {
                        let reply = app.retrieve("/cse-in/busy/la", "CAdmin").await;
                        let con = reply.body.pointer("/m2m:cin/con").cloned();
                        (reply.rsc, con)
                    }
                })
            })
            .collect();
        for (i, task) in (1..=48_u32).zip(tasks) {
            let (rsc, con) = task.await.expect("request task");
            if i.is_multiple_of(4) {
                assert_eq!(rsc, Some(2001), "create {i}, inline {inline}");
            } else {
                assert_eq!(rsc, Some(2000), "read {i}, inline {inline}");
                let con: u32 = con
                    .and_then(|c| c.as_str().and_then(|c| c.parse().ok()))
                    .expect("la holds a created instance");
                assert!(con == 0 || (con.is_multiple_of(4) && con <= 48), "{con}");
            }
        }
    }
}
