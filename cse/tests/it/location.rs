//! Locations: `<locationPolicy>` (TS-0001 §9.6.10, §10.2.9) with its location
//! container, `loc` on located resources, and geo-queries (`gmty`/`geom`/`gsf`) in
//! discovery and conditional retrieval.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const SQUARE: &str = "[[0,0],[10,0],[10,10],[0,10],[0,0]]";

fn point(lon: f64, lat: f64) -> Value {
    json!({"typ": 1, "crd": format!("[{lon},{lat}]")})
}

async fn located(app: &TestApp, rn: &str, loc: Value) {
    let reply = app
        .container("/cse-in/app", rn, json!({"loc": loc}), "Capp")
        .await;
    assert_eq!(reply.rsc, Some(2001), "{}", reply.raw);
}

/// Three located containers (inside, on the far side, a line crossing the square's
/// edge) and one without a location.
async fn field(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    located(app, "inside", point(5.0, 5.0)).await;
    located(app, "outside", point(20.0, 20.0)).await;
    located(app, "road", json!({"typ": 2, "crd": "[[5,5],[15,5]]"})).await;
    app.container("/cse-in/app", "nowhere", json!({}), "Capp")
        .await;
}

fn geo(gmty: u8, geom: &str, gsf: u8) -> String {
    format!("gmty={gmty}&geom={}&gsf={gsf}", urlencode(geom))
}

fn urlencode(text: &str) -> String {
    text.replace('[', "%5B")
        .replace(']', "%5D")
        .replace(',', "%2C")
}

#[tokio::test]
async fn a_device_based_policy_gets_its_location_container_which_goes_with_it() {
    let app = spawn_app().await;
    app.register_ae("dev", "Cdev").await;
    let body =
        json!({"m2m:lcp": {"rn": "gps", "los": 2, "lit": 1, "lou": ["PT1M"], "lon": "positions"}});
    let reply = app.create("/cse-in/dev", 10, &body, Some("Cdev")).await;
    assert_eq!(reply.rsc, Some(2001), "{}", reply.raw);
    let policy = reply.expect_resource("m2m:lcp");
    let loi = policy["loi"].as_str().unwrap_or_default().to_owned();
    assert!(loi.starts_with("cnt"), "{policy:?}");
    let policy_ri = policy["ri"].clone();
    let container = app.retrieve("/cse-in/dev/positions", "Cdev").await;
    assert_eq!(container.rsc, Some(2000));
    let cnt = container.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["ri"].as_str(), &cnt["li"]),
        (Some(loi.as_str()), &policy_ri)
    );
    // The device writes its positions there.
    let fix = app
        .instance("/cse-in/dev/positions", "[13.4,52.5]", "Cdev")
        .await;
    assert_eq!(fix.rsc, Some(2001));
    let srt = app.retrieve("/cse-in", "Cdev").await;
    let types = srt.expect_resource("m2m:cb")["srt"].clone();
    assert!(
        types.as_array().is_some_and(|t| t.contains(&json!(10))),
        "{types}"
    );
    assert_eq!(app.delete("/cse-in/dev/gps", "Cdev").await.rsc, Some(2002));
    assert_eq!(
        app.retrieve("/cse-in/dev/positions", "Cdev").await.rsc,
        Some(4004),
        "the location container goes with its policy"
    );
}

#[tokio::test]
async fn sources_and_information_out_of_reach_answer_5001_and_bad_content_4000() {
    let app = spawn_app().await;
    app.register_ae("dev", "Cdev").await;
    let create = |body: Value| {
        let app = &app;
        async move { app.create("/cse-in/dev", 10, &body, Some("Cdev")).await }
    };
    create(json!({"m2m:lcp": {"los": 1}}))
        .await
        .assert_error(5001, 501, "network based");
    create(json!({"m2m:lcp": {"los": 3}}))
        .await
        .assert_error(5001, 501, "sharing based");
    create(json!({"m2m:lcp": {"los": 2, "lit": 2}}))
        .await
        .assert_error(5001, 501, "geofence");
    create(json!({"m2m:lcp": {"lit": 1}}))
        .await
        .assert_error(4000, 400, "los");
    create(json!({"m2m:lcp": {"los": 2, "lot": "imsi-1"}}))
        .await
        .assert_error(4000, 400, "lot");
    create(json!({"m2m:lcp": {"los": 2, "lou": ["every minute"]}}))
        .await
        .assert_error(4000, 400, "lou");
    create(json!({"m2m:lcp": {"los": 2, "loi": "cnt1"}}))
        .await
        .assert_error(4000, 400, "loi");
    app.container("/cse-in/dev", "taken", json!({}), "Cdev")
        .await;
    create(json!({"m2m:lcp": {"los": 2, "lon": "taken"}}))
        .await
        .assert_error(4105, 409, "taken");
    let ok = create(json!({"m2m:lcp": {"rn": "p", "los": 2}})).await;
    assert_eq!(ok.rsc, Some(2001), "{}", ok.raw);
    app.update("/cse-in/dev/p", &json!({"m2m:lcp": {"lit": 2}}), "Cdev")
        .await
        .assert_error(5001, 501, "geofence");
    app.update("/cse-in/dev/p", &json!({"m2m:lcp": {"los": 1}}), "Cdev")
        .await
        .assert_error(4000, 400, "los");
}

#[tokio::test]
async fn loc_is_checked_stored_and_returned() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    for (bad, needle) in [
        (json!("wrong"), "loc"),
        (json!({"typ": 1, "crd": "[1.0, 2.0]", "wrong": 1}), "wrong"),
        (json!({"typ": 1, "crd": "[[1,2],[3,4]]"}), "Point"),
        (json!({"typ": 3, "crd": "[[1,2],[3,4],[5,6]]"}), "four"),
        (
            json!({"typ": 3, "crd": "[[1,2],[3,4],[5,6],[7,8]]"}),
            "first position",
        ),
        (json!({"typ": 1, "crd": "[2, 95]"}), "latitude"),
        (json!({"typ": 9, "crd": "[2, 5]"}), "geometryType"),
    ] {
        let body = json!({"m2m:cnt": {"rn": "c", "loc": bad}});
        let reply = app.create("/cse-in/app", 3, &body, Some("Capp")).await;
        reply.assert_error(4000, 400, needle);
    }
    let loc = json!({"typ": 3, "crd": SQUARE});
    let reply = app
        .container("/cse-in/app", "area", json!({"loc": loc}), "Capp")
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["loc"], loc);
    let ae = app
        .update(
            "/cse-in/app",
            &json!({"m2m:ae": {"loc": point(1.5, 2.5)}}),
            "Capp",
        )
        .await;
    assert_eq!(ae.expect_resource("m2m:ae")["loc"], point(1.5, 2.5));
}

#[tokio::test]
async fn geo_queries_select_by_within_contains_and_intersects_in_discovery() {
    let app = spawn_app().await;
    field(&app).await;
    let found = |query: String| {
        let app = &app;
        async move {
            let reply = app.retrieve(&format!("/cse-in?fu=1&{query}"), "Capp").await;
            assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
            reply.uril()
        }
    };
    assert_eq!(found(geo(3, SQUARE, 1)).await, ["cse-in/app/inside"]);
    assert_eq!(
        found(geo(3, SQUARE, 3)).await,
        ["cse-in/app/inside", "cse-in/app/road"]
    );
    assert_eq!(found(geo(1, "[10,5]", 2)).await, ["cse-in/app/road"]);
    assert_eq!(found(geo(1, "[5,5]", 1)).await, ["cse-in/app/inside"]);
    assert!(found(geo(1, "[50,50]", 3)).await.is_empty());
    // Combined with other conditions (AND), and under OR.
    assert!(
        found(format!("{}&ty=4", geo(3, SQUARE, 3)))
            .await
            .is_empty()
    );
    assert_eq!(
        found(format!("{}&rn=outside&fo=2", geo(3, SQUARE, 1))).await,
        ["cse-in/app/inside", "cse-in/app/outside"]
    );
}

#[tokio::test]
async fn geo_queries_select_children_in_conditional_retrieval() {
    let app = spawn_app().await;
    field(&app).await;
    let reply = app
        .retrieve(&format!("/cse-in/app?rcn=6&{}", geo(3, SQUARE, 1)), "Capp")
        .await;
    assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
    let names: Vec<&str> = reply.body["m2m:rrl"]["rrf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["nm"].as_str())
        .collect();
    assert_eq!(names, ["inside"]);
    let reply = app
        .retrieve(&format!("/cse-in/app?rcn=4&{}", geo(1, "[2,2]", 1)), "Capp")
        .await;
    assert!(
        reply.body["m2m:ae"].get("m2m:cnt").is_none(),
        "{}",
        reply.raw
    );
}

#[tokio::test]
async fn incomplete_or_malformed_geo_queries_are_4000() {
    let app = spawn_app().await;
    field(&app).await;
    for (query, needle) in [
        ("gmty=1".to_owned(), "geom, gsf"),
        (format!("geom={}", urlencode("[1,2]")), "gmty"),
        ("gsf=1".to_owned(), "gmty, geom"),
        ("gmty=1&gsf=1&geom=1.0".to_owned(), "Point"),
        (geo(7, "[1,2]", 1), "geometryType"),
        (geo(1, "[1,2]", 4), "gsf"),
        (geo(3, "[[0,0],[1,1],[0,0]]", 1), "four"),
        (geo(1, "[1,2", 1), "JSON"),
    ] {
        let reply = app.retrieve(&format!("/cse-in?fu=1&{query}"), "Capp").await;
        reply.assert_error(4000, 400, needle);
    }
}

#[tokio::test]
async fn moving_or_removing_a_location_moves_the_resource_in_the_results() {
    let app = spawn_app().await;
    field(&app).await;
    let query = format!("/cse-in?fu=1&{}", geo(3, SQUARE, 1));
    let moved = app
        .update(
            "/cse-in/app/outside",
            &json!({"m2m:cnt": {"loc": point(9.0, 9.0)}}),
            "Capp",
        )
        .await;
    assert_eq!(moved.rsc, Some(2004), "{}", moved.raw);
    assert_eq!(
        app.retrieve(&query, "Capp").await.uril(),
        ["cse-in/app/inside", "cse-in/app/outside"]
    );
    let removed = app
        .update(
            "/cse-in/app/inside",
            &json!({"m2m:cnt": {"loc": null}}),
            "Capp",
        )
        .await;
    assert_eq!(removed.rsc, Some(2004));
    assert_eq!(
        app.retrieve(&query, "Capp").await.uril(),
        ["cse-in/app/outside"]
    );
}
