//! Conditional retrieval (TS-0004 §7.3.3.17): a RETRIEVE with filter conditions and
//! rcn 4/5/6/8 includes only the matching descendants; rcn 1 returns the target; the
//! discovery extras `rcn=6` and `arp`; CREATE's rcn 0, 2 and 3.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// app/{c1 (lbl a, cnf text/plain:0 instance "hello"), c1/i1, c2 (lbl b), c2/i2}.
async fn tree(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "c1", json!({"lbl": ["a"]}), "Capp")
        .await;
    app.create(
        "/cse-in/app/c1",
        4,
        &json!({"m2m:cin": {"con": "hello", "rn": "i1", "cnf": "text/plain:0", "lbl": ["x"]}}),
        Some("Capp"),
    )
    .await;
    app.container("/cse-in/app", "c2", json!({"lbl": ["b"], "mni": 5}), "Capp")
        .await;
    app.create(
        "/cse-in/app/c2",
        4,
        &json!({"m2m:cin": {"con": "a much longer content", "rn": "i2"}}),
        Some("Capp"),
    )
    .await;
}

fn vals(reply: &Value) -> Vec<String> {
    reply["m2m:rrl"]["rrf"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["val"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn refs(app: &TestApp, query: &str) -> Vec<String> {
    let reply = app.retrieve(&format!("/cse-in/app?{query}"), "Capp").await;
    assert_eq!(reply.rsc, Some(2000), "{query}: {}", reply.body);
    vals(&reply.body)
}

#[tokio::test]
async fn rcn_6_with_conditions_lists_only_matching_descendants() {
    let app = spawn_app().await;
    tree(&app).await;
    let cases: &[(&str, &[&str])] = &[
        ("rcn=6&ty=4", &["cse-in/app/c1/i1", "cse-in/app/c2/i2"]),
        ("rcn=6&ty=3&lvl=1", &["cse-in/app/c1", "cse-in/app/c2"]),
        ("rcn=6&ty=4&lvl=1", &[]),
        ("rcn=6&lbl=a", &["cse-in/app/c1"]),
        ("rcn=6&lbl=a&lbl=b", &["cse-in/app/c1", "cse-in/app/c2"]),
        ("rcn=6&lbl=a+x", &["cse-in/app/c1", "cse-in/app/c1/i1"]),
        ("rcn=6&cty=text/plain", &["cse-in/app/c1/i1"]),
        ("rcn=6&szb=10", &["cse-in/app/c1/i1"]),
        ("rcn=6&sza=10", &["cse-in/app/c2/i2"]),
        ("rcn=6&rn=c*", &["cse-in/app/c1", "cse-in/app/c2"]),
        ("rcn=6&mni=5", &["cse-in/app/c2"]),
        ("rcn=6&lbl=a&ty=4", &[]),
        (
            "rcn=6&lbl=a&ty=4&fo=2",
            &["cse-in/app/c1", "cse-in/app/c1/i1", "cse-in/app/c2/i2"],
        ),
        ("rcn=6&crb=20000101T000000", &[]),
        ("rcn=6&exb=20000101T000000", &[]),
        ("rcn=6&stb=1&ty=3", &["cse-in/app/c1", "cse-in/app/c2"]),
        ("rcn=6&sts=1&ty=3", &[]),
        ("rcn=6&fu=2&ty=3&lim=1", &["cse-in/app/c1"]),
    ];
    for (query, expected) in cases {
        assert_eq!(refs(&app, query).await, *expected, "{query}");
    }
}

#[tokio::test]
async fn rcn_4_5_8_with_conditions_include_only_matches() {
    let app = spawn_app().await;
    tree(&app).await;
    let four = app.retrieve("/cse-in/app?rcn=4&ty=4", "Capp").await;
    assert_eq!(four.rsc, Some(2000));
    let ae = &four.body["m2m:ae"];
    assert_eq!(ae["rn"], "app", "the target's attributes are there");
    assert!(ae.get("m2m:cnt").is_none(), "containers did not match");
    let instances: Vec<&str> = ae["m2m:cin"]
        .as_array()
        .expect("instances")
        .iter()
        .filter_map(|c| c["rn"].as_str())
        .collect();
    assert_eq!(instances, ["i1", "i2"]);

    let five = app.retrieve("/cse-in/app?rcn=5&lbl=b", "Capp").await;
    assert_eq!(
        five.body["m2m:ae"]["ch"],
        json!([{"nm": "c2", "typ": 3, "val": "cse-in/app/c2"}])
    );

    let eight = app
        .retrieve("/cse-in/app?rcn=8&cty=text/plain", "Capp")
        .await;
    let only = &eight.body["m2m:ae"];
    assert!(only.get("rn").is_none(), "rcn 8 has no target attributes");
    assert_eq!(only["m2m:cin"][0]["rn"], "i1");
    assert_eq!(only["m2m:cin"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn rcn_1_with_conditions_returns_the_target() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app/c1?ty=4&lbl=nope", "Capp").await;
    assert_eq!(reply.rsc, Some(2000));
    assert_eq!(reply.body["m2m:cnt"]["rn"], "c1");
}

#[tokio::test]
async fn conditions_on_update_and_delete_are_not_implemented_and_bad_rcn_is_refused() {
    let app = spawn_app().await;
    tree(&app).await;
    let update = app
        .update(
            "/cse-in/app/c1?ty=3",
            &json!({"m2m:cnt": {"lbl": ["z"]}}),
            "Capp",
        )
        .await;
    assert_eq!(update.rsc, Some(5001), "{}", update.body);
    assert!(update.body["m2m:dbg"].as_str().is_some());
    for query in ["rcn=2", "rcn=3", "rcn=9", "rcn=0", "rcn=99"] {
        let reply = app
            .retrieve(&format!("/cse-in/app?{query}&ty=3"), "Capp")
            .await;
        assert_eq!(reply.rsc, Some(4000), "{query}: {}", reply.body);
    }
    let arp_without_discovery = app.retrieve("/cse-in/app?rcn=6&arp=la", "Capp").await;
    assert_eq!(arp_without_discovery.rsc, Some(4000));
}

#[tokio::test]
async fn discovery_with_rcn_6_answers_references() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app?fu=1&ty=3&rcn=6", "Capp").await;
    assert_eq!(reply.rsc, Some(2000));
    assert_eq!(
        reply.body,
        json!({"m2m:rrl": {"rrf": [
            {"nm": "c1", "typ": 3, "val": "cse-in/app/c1"},
            {"nm": "c2", "typ": 3, "val": "cse-in/app/c2"}
        ]}})
    );
    let scanned = app
        .retrieve("/cse-in/app?fu=1&cty=text/plain&rcn=6", "Capp")
        .await;
    assert_eq!(vals(&scanned.body), ["cse-in/app/c1/i1"]);
    let none = app.retrieve("/cse-in/app?fu=1&ty=999&rcn=6", "Capp").await;
    assert_eq!(none.body, json!({"m2m:rrl": {"rrf": []}}));
    let refused = app.retrieve("/cse-in/app?fu=1&rcn=5", "Capp").await;
    assert_eq!(refused.rsc, Some(4000));
}

#[tokio::test]
async fn arp_is_appended_to_each_discovered_address() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in/app?fu=1&ty=3&arp=la", "Capp").await;
    assert_eq!(
        reply.body,
        json!({"m2m:uril": ["cse-in/app/c1/la", "cse-in/app/c2/la"]})
    );
    // The addresses it gives are usable as they are.
    let latest = app.retrieve("/cse-in/app/c2/la", "Capp").await;
    assert_eq!(latest.body["m2m:cin"]["rn"], "i2");
    for bad in ["/la", "", "a//b", "../x"] {
        let reply = app
            .retrieve(&format!("/cse-in/app?fu=1&arp={bad}"), "Capp")
            .await;
        assert_eq!(reply.rsc, Some(4000), "arp={bad}");
    }
    let with_rrl = app.retrieve("/cse-in/app?fu=1&arp=la&rcn=6", "Capp").await;
    assert_eq!(with_rrl.rsc, Some(4000));
}

#[tokio::test]
async fn create_answers_rcn_0_2_and_3() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let create = |rn: &str, rcn: u8| {
        let path = format!("/cse-in/app?rcn={rcn}");
        let body = json!({"m2m:cnt": {"rn": rn}});
        let app = &app;
        async move { app.create(&path, 3, &body, Some("Capp")).await }
    };
    let nothing = create("n0", 0).await;
    assert_eq!(nothing.rsc, Some(2001));
    assert_eq!(nothing.body, Value::Null);
    let address = create("n2", 2).await;
    assert_eq!(address.body, json!({"m2m:uri": "cse-in/app/n2"}));
    let both = create("n3", 3).await;
    assert_eq!(both.body["m2m:rce"]["uri"], "cse-in/app/n3");
    assert_eq!(both.body["m2m:rce"]["m2m:cnt"]["rn"], "n3");
    for bad in [4, 5, 6, 8] {
        assert_eq!(create("bad", bad).await.rsc, Some(4000), "rcn={bad}");
    }
}
