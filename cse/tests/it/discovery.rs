//! Discovery (fu=1, TS-0004 §7.3.3.14): filter criteria, lim/ofst, drt, in path order.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn tree(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    app.container(
        "/cse-in/app",
        "temp",
        json!({"lbl": ["room:1", "kind:temp"]}),
        "Capp",
    )
    .await;
    app.container("/cse-in/app", "hum", json!({"lbl": ["room:2"]}), "Capp")
        .await;
    for (con, lbl) in [("21", "room:1"), ("22", "room:1"), ("23", "room:3")] {
        let body = json!({"m2m:cin": {"con": con, "lbl": [lbl], "cnf": "text/plain:0"}});
        assert_eq!(
            app.create("/cse-in/app/temp", 4, &body, Some("Capp"))
                .await
                .rsc,
            Some(2001)
        );
    }
}

#[tokio::test]
async fn discovery_by_type_and_label_returns_structured_addresses_in_path_order() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in?fu=1&ty=3", "Capp").await;
    assert_eq!(reply.rsc, Some(2000));
    assert_eq!(reply.uril(), ["cse-in/app/hum", "cse-in/app/temp"]);
    let reply = app.retrieve("/cse-in/app?fu=1&lbl=room:1", "Capp").await;
    let found = reply.uril();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0], "cse-in/app/temp");
    let reply = app.retrieve("/cse-in?fu=1&ty=4&lbl=room:1", "Capp").await;
    assert_eq!(reply.uril().len(), 2);
    let reply = app
        .retrieve("/cse-in?fu=1&ty=3+4&lbl=room:2&lbl=room:3", "Capp")
        .await;
    assert_eq!(
        reply.uril().len(),
        2,
        "labels and types are ORed within their tag"
    );
}

#[tokio::test]
async fn discovery_pages_with_lim_and_ofst_and_gives_resource_ids_with_drt_2() {
    let app = spawn_app().await;
    tree(&app).await;
    let all = app.retrieve("/cse-in/app?fu=1", "Capp").await.uril();
    assert_eq!(all.len(), 5);
    let page = app
        .retrieve("/cse-in/app?fu=1&lim=2&ofst=2", "Capp")
        .await
        .uril();
    assert_eq!(page, all[1..3].to_vec());
    let ids = app
        .retrieve("/cse-in/app?fu=1&ty=3&drt=2", "Capp")
        .await
        .uril();
    assert!(ids.iter().all(|i| i.starts_with("cnt")), "{ids:?}");
    let none = app.retrieve("/cse-in/app?fu=1&lbl=nowhere", "Capp").await;
    assert_eq!(
        (none.rsc, none.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
}

#[tokio::test]
async fn discovery_conditions_combine_with_and_or_or() {
    let app = spawn_app().await;
    tree(&app).await;
    let and = app
        .retrieve("/cse-in?fu=1&ty=4&sza=2&szb=3", "Capp")
        .await
        .uril();
    assert_eq!(and.len(), 3);
    let cty = app
        .retrieve("/cse-in?fu=1&cty=text/plain", "Capp")
        .await
        .uril();
    assert_eq!(cty.len(), 3);
    let attr = app.retrieve("/cse-in?fu=1&rn=te*", "Capp").await.uril();
    assert_eq!(attr, ["cse-in/app/temp"]);
    let or = app
        .retrieve("/cse-in?fu=1&lbl=room:2&rn=te*&fo=2", "Capp")
        .await
        .uril();
    assert_eq!(or, ["cse-in/app/hum", "cse-in/app/temp"]);
    let reply = app.retrieve("/cse-in?fu=1&rcn=1", "Capp").await;
    reply.assert_error(4000, 400, "discovery");
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/app?fu=1&ty=4",
            Some("Capp"),
            None,
            None,
        )
        .await;
    reply.assert_error(5001, 501, "discovery");
}

#[tokio::test]
async fn huge_offsets_and_pathological_wildcards_answer_quickly() {
    let app = spawn_app().await;
    tree(&app).await;
    let started = std::time::Instant::now();
    let far = app.retrieve("/cse-in?fu=1&ofst=1000000000", "Capp").await;
    assert_eq!(
        (far.rsc, far.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
    let pattern = format!("{}b", "t*".repeat(40));
    let none = app
        .retrieve(&format!("/cse-in?fu=1&rn={pattern}"), "Capp")
        .await;
    assert_eq!(
        (none.rsc, none.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
