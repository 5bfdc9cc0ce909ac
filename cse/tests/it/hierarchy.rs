//! rcn 4, 5, 6 and 8 on RETRIEVE and DELETE: descendants with `lvl`, `ofst` and `lim`
//! applied in the database.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn tree(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "c1", json!({}), "Capp").await;
    app.container("/cse-in/app/c1", "inner", json!({}), "Capp")
        .await;
    app.create(
        "/cse-in/app/c1",
        4,
        &json!({"m2m:cin": {"con": "v1", "rn": "i1"}}),
        Some("Capp"),
    )
    .await;
    app.create(
        "/cse-in/app/c1/inner",
        4,
        &json!({"m2m:cin": {"con": "v2", "rn": "i2"}}),
        Some("Capp"),
    )
    .await;
    app.container("/cse-in/app", "c2", json!({}), "Capp").await;
}

fn names(refs: &Value) -> Vec<String> {
    refs.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["val"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn rcn_6_lists_descendant_references_parents_first() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app?rcn=6", "Capp").await;
    assert_eq!(reply.rsc, Some(2000));
    let refs = &reply.body["m2m:rrl"]["rrf"];
    assert_eq!(
        names(refs),
        [
            "cse-in/app/c1",
            "cse-in/app/c1/i1",
            "cse-in/app/c1/inner",
            "cse-in/app/c1/inner/i2",
            "cse-in/app/c2"
        ]
    );
    assert_eq!(
        refs[0],
        json!({"nm": "c1", "typ": 3, "val": "cse-in/app/c1"})
    );
    assert_eq!(refs[1]["typ"], 4);
    let direct = app.retrieve("/cse-in/app?rcn=6&lvl=1", "Capp").await;
    assert_eq!(
        names(&direct.body["m2m:rrl"]["rrf"]),
        ["cse-in/app/c1", "cse-in/app/c2"]
    );
}

#[tokio::test]
async fn lim_and_ofst_page_the_result() {
    let app = spawn_app().await;
    tree(&app).await;
    let page = app.retrieve("/cse-in/app?rcn=6&lim=2&ofst=2", "Capp").await;
    assert_eq!(
        names(&page.body["m2m:rrl"]["rrf"]),
        ["cse-in/app/c1/i1", "cse-in/app/c1/inner"]
    );
    assert!(
        page.header("X-M2M-CTS").is_none(),
        "a page the client asked for is not a truncation"
    );
    let none = app.retrieve("/cse-in/app?rcn=6&lim=0", "Capp").await;
    assert_eq!(none.body, json!({"m2m:rrl": {"rrf": []}}));
    let past = app.retrieve("/cse-in/app?rcn=6&ofst=99", "Capp").await;
    assert_eq!(past.body, json!({"m2m:rrl": {"rrf": []}}));
}

#[tokio::test]
async fn rcn_5_adds_references_to_the_attributes() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app/c1?rcn=5&lvl=1", "Capp").await;
    let cnt = reply.expect_resource("m2m:cnt");
    assert_eq!(cnt["rn"], "c1");
    assert_eq!(
        names(&cnt["ch"]),
        ["cse-in/app/c1/i1", "cse-in/app/c1/inner"]
    );
}

#[tokio::test]
async fn rcn_4_and_8_nest_children_by_type() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app?rcn=4", "Capp").await;
    let ae = reply.expect_resource("m2m:ae");
    assert_eq!(ae["ri"], "Capp");
    let containers = ae["m2m:cnt"].as_array().cloned().unwrap_or_default();
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["rn"], "c1");
    assert_eq!(containers[0]["m2m:cin"][0]["con"], "v1");
    assert_eq!(containers[0]["m2m:cnt"][0]["rn"], "inner");
    assert_eq!(containers[0]["m2m:cnt"][0]["m2m:cin"][0]["con"], "v2");
    let only_children = app.retrieve("/cse-in/app/c1?rcn=8&lvl=1", "Capp").await;
    let cnt = only_children.expect_resource("m2m:cnt");
    assert!(
        cnt.get("ri").is_none(),
        "rcn 8 leaves out the target's attributes"
    );
    assert_eq!(cnt["m2m:cin"][0]["rn"], "i1");
    assert!(
        cnt["m2m:cnt"][0].get("m2m:cin").is_none(),
        "lvl=1 stops below c1"
    );
}

#[tokio::test]
async fn delete_with_rcn_returns_the_subtree_before_removing_it() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/app/c1?rcn=6",
            Some("Capp"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.rsc, Some(2002));
    assert_eq!(names(&reply.body["m2m:rrl"]["rrf"]).len(), 3);
    app.retrieve("/cse-in/app/c1/inner", "Capp")
        .await
        .assert_error(4004, 404, "inner");
}

#[tokio::test]
async fn hierarchical_results_reject_what_does_not_apply() {
    let app = spawn_app().await;
    tree(&app).await;
    app.retrieve("/cse-in/app?rcn=6&lvl=0", "Capp")
        .await
        .assert_error(4000, 400, "lvl");
    app.retrieve("/cse-in/app?rcn=6&ofst=0", "Capp")
        .await
        .assert_error(4000, 400, "ofst");
    // rcn=7 (original resource) is for announced resources.
    app.retrieve("/cse-in/app?rcn=7", "Capp")
        .await
        .assert_error(4000, 400, "rcn=7");
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/app?rcn=2",
            Some("Capp"),
            None,
            None,
        )
        .await;
    reply.assert_error(4000, 400, "rcn=2");
    assert_eq!(app.retrieve("/cse-in/app", "Capp").await.rsc, Some(2000));
}
