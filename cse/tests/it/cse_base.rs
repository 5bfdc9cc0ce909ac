//! CSEBase: attributes, every addressing form, and what may not be done to it.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

/// The resource types onecse serves, as the CSEBase `srt` lists them: written out
/// here, so adding or dropping a type is a visible change of this test.
const SERVED_TYPES: &[u16] = &[
    1, 2, 3, 4, 5, 9, 10, 13, 14, 15, 16, 17, 18, 23, 24, 25, 26, 27, 28, 29, 30, 34, 48, 58, 60,
    65, 66, 10001, 10002, 10003, 10004, 10005, 10009, 10013, 10014, 10028, 10029,
];

#[tokio::test]
async fn retrieve_cse_base_returns_its_attributes() {
    let app = spawn_app().await;
    let reply = app.retrieve("/cse-in", "CAdmin").await;
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)));
    assert_eq!(reply.header("X-M2M-RVI"), Some("3"));
    assert!(reply.header("X-M2M-OT").is_some_and(|t| t.len() == 22));
    let cb = reply.expect_resource("m2m:cb");
    assert_eq!(cb["ri"], "id-in");
    assert_eq!(cb["rn"], "cse-in");
    assert_eq!(cb["ty"], 5);
    assert_eq!(cb["pi"], "");
    assert_eq!(cb["csi"], "/id-in");
    assert_eq!(cb["cst"], 1);
    assert_eq!(cb["srt"], json!(SERVED_TYPES));
    assert_eq!(cb["srv"], json!(["2a", "3", "4", "5"]));
    assert_eq!(cb["poa"], json!([app.base]));
    assert_eq!(cb["acpi"], json!(["acpCSEBase"]));
    for ts in ["ct", "lt", "ctm"] {
        let value = cb[ts].as_str().unwrap_or_default();
        assert_eq!(value.len(), 22, "{ts} = {value}");
    }
}

#[tokio::test]
async fn cse_base_is_found_by_every_addressing_form() {
    let app = spawn_app().await;
    for path in [
        "/cse-in",
        "/-",
        "/id-in",
        "/~/id-in/cse-in",
        "/~/id-in/-",
        "/_/acme.example.com/id-in/cse-in",
        "/_/acme.example.com/id-in/id-in",
    ] {
        let reply = app.retrieve(path, "CAdmin").await;
        assert_eq!(reply.rsc, Some(2000), "{path}: {reply:#?}");
        assert_eq!(reply.expect_resource("m2m:cb")["ri"], "id-in", "{path}");
    }
}

#[tokio::test]
async fn foreign_cse_ids_and_sp_ids_are_not_found() {
    let app = spawn_app().await;
    for path in [
        "/~/id-mn/cse-mn",
        "/_/other.example.com/id-in/cse-in",
        "/_/acme.example.com/id-mn/cse-in",
    ] {
        app.retrieve(path, "CAdmin")
            .await
            .assert_error(4004, 404, "not");
    }
}

#[tokio::test]
async fn cse_base_cannot_be_updated_deleted_or_created() {
    let app = spawn_app().await;
    app.update("/cse-in", &json!({"m2m:cb": {"lbl": ["x"]}}), "CAdmin")
        .await
        .assert_error(4005, 405, "CSEBase");
    app.delete("/cse-in", "CAdmin")
        .await
        .assert_error(4005, 405, "CSEBase");
    app.create("/cse-in", 5, &json!({"m2m:cb": {}}), Some("CAdmin"))
        .await
        .assert_error(4005, 405, "CSEBase");
    let still_there = app.retrieve("/cse-in", "CAdmin").await;
    assert_eq!(still_there.rsc, Some(2000));
    assert!(still_there.expect_resource("m2m:cb").get("lbl").is_none());
}

#[tokio::test]
async fn cse_base_partial_retrieve_returns_only_the_named_attributes() {
    let app = spawn_app().await;
    let reply = app.retrieve("/cse-in?atrl=csi+srt", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000));
    assert_eq!(
        reply.body,
        json!({"m2m:cb": {"csi": "/id-in", "srt": SERVED_TYPES}})
    );
}

#[tokio::test]
async fn configured_identity_is_served() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.cse_id = "/my-cse".into();
        c.cse_name = "mybase".into();
        c.sp_id = "iot.example.org".into();
    })
    .await;
    let reply = app.retrieve("/mybase", "CAdmin").await;
    assert_eq!(reply.expect_resource("m2m:cb")["csi"], "/my-cse");
    assert_eq!(
        app.retrieve("/~/my-cse/mybase", "CAdmin").await.rsc,
        Some(2000)
    );
    assert_eq!(
        app.retrieve("/_/iot.example.org/my-cse/-", "CAdmin")
            .await
            .rsc,
        Some(2000)
    );
    app.retrieve("/cse-in", "CAdmin")
        .await
        .assert_error(4004, 404, "cse-in");
    let reply = app
        .onem2m(Method::GET, "/~/id-in/cse-in", Some("CAdmin"), None, None)
        .await;
    reply.assert_error(4004, 404, "/id-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_starting_at_once_on_a_fresh_postgres_database_all_start() {
    if crate::helpers::postgres_url().is_none() {
        return;
    }
    for _ in 0..3 {
        let (db, url) = crate::helpers::TestDb::fresh();
        let starting: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { crate::helpers::spawn_app_on(&url, |_| {}).await })
            })
            .collect();
        let mut apps = Vec::new();
        for start in starting {
            apps.push(start.await.expect("every process starts"));
        }
        for app in &apps {
            let cb = app.retrieve("/cse-in", "CAdmin").await;
            assert_eq!(cb.expect_resource("m2m:cb")["acpi"], json!(["acpCSEBase"]));
            app.stop().await;
        }
        drop(db);
    }
}
