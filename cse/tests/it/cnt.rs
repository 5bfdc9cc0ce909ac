//! container (ty 3): creation under CSEBase, AE and container, attributes, update of
//! limits, and subtree deletion.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn container_is_created_with_counters_and_retrievable() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let reply = app
        .container(
            "/cse-in/app",
            "temp",
            json!({"mni": 10, "mbs": 1000, "mia": 3600, "lbl": ["k:v"], "cr": null}),
            "Capp",
        )
        .await;
    assert_eq!(reply.header("Content-Location"), Some("/cse-in/app/temp"));
    let cnt = reply.expect_resource("m2m:cnt");
    assert_eq!(cnt["ty"], 3);
    assert_eq!(cnt["pi"], "Capp");
    assert!(cnt["ri"].as_str().is_some_and(|ri| ri.starts_with("cnt")));
    assert_eq!(
        (cnt["st"].clone(), cnt["cni"].clone(), cnt["cbs"].clone()),
        (json!(0), json!(0), json!(0))
    );
    assert_eq!(
        (cnt["mni"].clone(), cnt["mbs"].clone(), cnt["mia"].clone()),
        (json!(10), json!(1000), json!(3600))
    );
    assert_eq!(cnt["cr"], "Capp");
    assert_eq!(cnt["lbl"], json!(["k:v"]));
    let ri = cnt["ri"].as_str().unwrap_or_default().to_owned();
    for path in [
        "/cse-in/app/temp".to_owned(),
        format!("/{ri}"),
        format!("/~/id-in/{ri}"),
    ] {
        let got = app.retrieve(&path, "Capp").await;
        assert_eq!(got.expect_resource("m2m:cnt")["ri"], ri.as_str(), "{path}");
    }
}

#[tokio::test]
async fn containers_live_under_the_cse_base_aes_and_containers_only() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in", "top", json!({}), "CAdmin").await;
    app.container("/cse-in/top", "nested", json!({}), "CAdmin")
        .await;
    app.container("/cse-in/top/nested", "deeper", json!({}), "CAdmin")
        .await;
    assert_eq!(
        app.retrieve("/cse-in/top/nested/deeper", "CAdmin")
            .await
            .rsc,
        Some(2000)
    );
    app.instance("/cse-in/top", "x", "CAdmin").await;
    let la = app.retrieve("/cse-in/top/la", "CAdmin").await;
    let cin_ri = la.expect_resource("m2m:cin")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reply = app
        .create(
            &format!("/{cin_ri}"),
            3,
            &json!({"m2m:cnt": {}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4108, 403, "cannot be created under a contentInstance");
    let reply = app
        .create(
            "/cse-in/top",
            2,
            &json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}}),
            Some("Cx"),
        )
        .await;
    reply.assert_error(4108, 403, "AE cannot be created under a container");
}

#[tokio::test]
async fn container_attribute_errors_are_refused() {
    let app = spawn_app().await;
    let cases = [
        (json!({"mni": -1}), "mni"),
        (json!({"mni": "10"}), "mni"),
        (json!({"mbs": 1.5}), "mbs"),
        (json!({"mia": -5}), "mia"),
        (json!({"mia": "1h"}), "mia"),
        (json!({"disr": "no"}), "disr"),
        (json!({"cni": 3}), "cni"),
        (json!({"cbs": 3}), "cbs"),
        (json!({"st": 1}), "st"),
        (json!({"cr": "Cme"}), "cr"),
        (json!({"li": "x"}), "li"),
        (json!({"con": "x"}), "con"),
        (json!({"rn": "la"}), "reserved"),
    ];
    app.container("/cse-in", "parent", json!({}), "CAdmin")
        .await;
    for (attrs, needle) in cases {
        let reply = app
            .create(
                "/cse-in/parent",
                3,
                &json!({ "m2m:cnt": attrs }),
                Some("CAdmin"),
            )
            .await;
        reply.assert_error(4000, 400, needle);
    }
    let reply = app
        .create(
            "/cse-in/parent",
            3,
            &json!({"m2m:cnt": {"acpi": ["x"]}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4000, 400, "'x', which is not an accessControlPolicy");
    let listing = app.retrieve("/cse-in/parent?rcn=6", "CAdmin").await;
    assert_eq!(
        listing.body,
        json!({"m2m:rrl": {"rrf": []}}),
        "nothing was created"
    );
}

#[tokio::test]
async fn update_increments_state_tag_and_changes_limits() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mni": 5}), "CAdmin")
        .await;
    for i in 0..5 {
        app.instance("/cse-in/c", &format!("v{i}"), "CAdmin").await;
    }
    let reply = app
        .update(
            "/cse-in/c",
            &json!({"m2m:cnt": {"mni": 2, "lbl": ["x"]}}),
            "CAdmin",
        )
        .await;
    assert_eq!(reply.rsc, Some(2004));
    let cnt = reply.expect_resource("m2m:cnt");
    assert_eq!(cnt["st"], 6, "five instances and one update");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone(), cnt["mni"].clone()),
        (json!(2), json!(4), json!(2))
    );
    let ol = app.retrieve("/cse-in/c/ol", "CAdmin").await;
    assert_eq!(
        ol.expect_resource("m2m:cin")["con"],
        "v3",
        "the oldest were removed"
    );

    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"mni": null}}), "CAdmin")
        .await;
    assert!(reply.expect_resource("m2m:cnt").get("mni").is_none());
    for (attrs, needle) in [
        (json!({"cni": 0}), "cni"),
        (json!({"st": 0}), "st"),
        (json!({"rn": "d"}), "rn"),
        (json!({"mbs": -1}), "mbs"),
        (json!({"cr": null}), "cr"),
    ] {
        app.update("/cse-in/c", &json!({ "m2m:cnt": attrs }), "CAdmin")
            .await
            .assert_error(4000, 400, needle);
    }
}

#[tokio::test]
async fn lowering_mbs_removes_the_oldest_instances_until_it_fits() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    for con in ["aaaa", "bbbb", "cccc", "dddd"] {
        app.instance("/cse-in/c", con, "CAdmin").await;
    }
    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"mbs": 9}}), "CAdmin")
        .await;
    let cnt = reply.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone()),
        (json!(2), json!(8))
    );
    assert_eq!(
        app.retrieve("/cse-in/c/ol", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "cccc"
    );
}

#[tokio::test]
async fn switching_disr_off_removes_all_instances() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"disr": true}), "CAdmin")
        .await;
    app.instance("/cse-in/c", "secret", "CAdmin").await;
    app.retrieve("/cse-in/c/la", "CAdmin")
        .await
        .assert_error(4005, 405, "disableRetrieval");
    app.delete("/cse-in/c/ol", "CAdmin")
        .await
        .assert_error(4005, 405, "disableRetrieval");
    let reply = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"disr": false}}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["cni"], 0);
    app.retrieve("/cse-in/c/la", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
}

#[tokio::test]
async fn deleting_a_container_removes_its_subtree_only() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "a", json!({}), "Capp").await;
    app.container("/cse-in/app/a", "inner", json!({}), "Capp")
        .await;
    app.instance("/cse-in/app/a/inner", "1", "Capp").await;
    app.container("/cse-in/app", "a0", json!({}), "Capp").await;
    app.container("/cse-in/app", "ab", json!({}), "Capp").await;
    let reply = app.delete("/cse-in/app/a", "Capp").await;
    assert_eq!(reply.rsc, Some(2002));
    app.retrieve("/cse-in/app/a/inner", "Capp")
        .await
        .assert_error(4004, 404, "inner");
    assert_eq!(app.retrieve("/cse-in/app/a0", "Capp").await.rsc, Some(2000));
    assert_eq!(app.retrieve("/cse-in/app/ab", "Capp").await.rsc, Some(2000));
    // Deleting the AE takes the rest.
    app.delete("/cse-in/app", "Capp").await;
    app.retrieve("/cse-in/app/a0", "CAdmin")
        .await
        .assert_error(4004, 404, "a0");
    let reply = app
        .onem2m(Method::GET, "/cse-in?rcn=6", Some("CAdmin"), None, None)
        .await;
    // Only the CSEBase's own policy is left.
    assert_eq!(
        reply.body,
        json!({"m2m:rrl": {"rrf": [{"nm": "acpCSEBase", "typ": 1, "val": "cse-in/acpCSEBase"}]}})
    );
}

#[tokio::test]
async fn an_offset_past_a_closed_container_still_hides_its_instances() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "d", json!({"disr": true}), "Capp")
        .await;
    app.instance("/cse-in/app/d", "secret", "Capp").await;
    app.instance("/cse-in/app/d", "hidden", "Capp").await;
    app.container("/cse-in/app", "e", json!({}), "Capp").await;
    // ofst=2 starts after the container's own row, which the page then never reads.
    for originator in ["Capp", "CAdmin"] {
        for rcn in [4, 5, 6, 8] {
            let path = format!("/cse-in/app?rcn={rcn}&ofst=2");
            let reply = app.retrieve(&path, originator).await;
            assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
            assert!(
                !reply.raw.contains("m2m:cin")
                    && !reply.raw.contains("secret")
                    && !reply.raw.contains("\"typ\":4"),
                "rcn={rcn} as {originator}: {}",
                reply.raw
            );
            assert!(
                reply.raw.contains("\"e\"") || reply.raw.contains("app/e"),
                "{}",
                reply.raw
            );
        }
    }
}
