//! expirationTime limits (TS-0001 §9.6.1.3): the maximum expiration delta lowers an
//! `et` too far away, a past `et` is refused, a child never outlives its parent, and
//! `"et": null` on UPDATE restores the default lifetime.

use onecse_models::time::Timestamp;
use serde_json::json;

use crate::helpers::spawn_app_with;

/// An hour: the maximum expiration delta of these tests.
const MAX: i64 = 3600;

fn et_of(body: &serde_json::Value, key: &str) -> Timestamp {
    body[key]["et"]
        .as_str()
        .and_then(|s| Timestamp::parse(s).ok())
        .unwrap_or_else(|| panic!("an et in {body}"))
}

#[tokio::test]
async fn et_beyond_the_maximum_is_lowered_and_a_missing_one_gets_it() {
    let app = spawn_app_with(|c| c.max_expiration_delta_s = 3600).await;
    let before = Timestamp::now();
    let ae = app.register_ae("app", "Capp").await;
    let after = Timestamp::now();
    let ae_et = et_of(&ae.body, "m2m:ae");
    assert!(
        ae_et >= before.plus_seconds(MAX) && ae_et <= after.plus_seconds(MAX),
        "default lifetime is the maximum: {ae_et}"
    );
    let far = app
        .container(
            "/cse-in/app",
            "far",
            json!({"et": "20991231T000000"}),
            "Capp",
        )
        .await;
    assert_eq!(far.rsc, Some(2001), "{far:#?}");
    assert!(et_of(&far.body, "m2m:cnt") <= ae_et);
    let update = app
        .update(
            "/cse-in/app",
            &json!({"m2m:ae": {"et": "20991231T000000"}}),
            "Capp",
        )
        .await;
    assert_eq!(update.rsc, Some(2004), "{update:#?}");
    assert!(et_of(&update.body, "m2m:ae") <= Timestamp::now().plus_seconds(MAX));
}

#[tokio::test]
async fn et_in_the_past_is_refused() {
    let app = spawn_app_with(|c| c.max_expiration_delta_s = 3600).await;
    app.register_ae("app", "Capp").await;
    let past = app
        .create(
            "/cse-in/app",
            3,
            &json!({"m2m:cnt": {"rn": "old", "et": "20000101T000000"}}),
            Some("Capp"),
        )
        .await;
    past.assert_error(4000, 400, "not in the future");
    let update = app
        .update(
            "/cse-in/app",
            &json!({"m2m:ae": {"et": "20000101T000000"}}),
            "Capp",
        )
        .await;
    update.assert_error(4000, 400, "not in the future");
}

#[tokio::test]
async fn a_child_never_outlives_its_parent() {
    let app = spawn_app_with(|c| c.max_expiration_delta_s = 3600).await;
    app.register_ae("app", "Capp").await;
    let soon = Timestamp::now().plus_seconds(600);
    let parent = app
        .container("/cse-in/app", "p", json!({"et": soon.to_string()}), "Capp")
        .await;
    let parent_et = et_of(&parent.body, "m2m:cnt");
    let child = app
        .container(
            "/cse-in/app/p",
            "c",
            json!({"et": soon.plus_seconds(60).to_string()}),
            "Capp",
        )
        .await;
    assert_eq!(child.rsc, Some(2001));
    assert_eq!(et_of(&child.body, "m2m:cnt"), parent_et);
    // Lowering the parent below its child's et is refused.
    let lower = app
        .update(
            "/cse-in/app/p",
            &json!({"m2m:cnt": {"et": Timestamp::now().plus_seconds(60).to_string()}}),
            "Capp",
        )
        .await;
    lower.assert_error(4000, 400, "child");
}

#[tokio::test]
async fn null_et_on_update_restores_the_default_lifetime() {
    let app = spawn_app_with(|c| c.max_expiration_delta_s = 3600).await;
    app.register_ae("app", "Capp").await;
    let short = Timestamp::now().plus_seconds(120).to_string();
    app.container("/cse-in/app", "c", json!({"et": short}), "Capp")
        .await;
    let before = Timestamp::now();
    let reset = app
        .update("/cse-in/app/c", &json!({"m2m:cnt": {"et": null}}), "Capp")
        .await;
    assert_eq!(reset.rsc, Some(2004), "{reset:#?}");
    let et = et_of(&reset.body, "m2m:cnt");
    assert!(
        et > before.plus_seconds(MAX - 60),
        "back to about an hour: {et}"
    );
    let stored = app.retrieve("/cse-in/app/c", "Capp").await;
    assert_eq!(et_of(&stored.body, "m2m:cnt"), et);
}

#[tokio::test]
async fn mia_caps_instances_of_containers_and_flex_containers_even_when_too_large() {
    let app = spawn_app_with(|c| c.max_expiration_delta_s = 3600).await;
    // A mia of a few seconds: the instance's et is ct + mia.
    app.container("/cse-in", "short", json!({"mia": 5}), "CAdmin")
        .await;
    let cin = app.instance("/cse-in/short", "v", "CAdmin").await;
    let ct = cin.body["m2m:cin"]["ct"]
        .as_str()
        .and_then(|s| Timestamp::parse(s).ok());
    let ct = ct.unwrap_or_else(|| panic!("a ct: {cin:#?}"));
    assert!(et_of(&cin.body, "m2m:cin") <= ct.plus_seconds(5));
    // A mia far beyond every other limit (and beyond what a timestamp can hold) is
    // accepted; the instance lives no longer than its parent.
    for (rn, mia) in [
        ("huge", json!(4_000_000_000_000_i64)),
        ("max", json!(i64::MAX)),
    ] {
        let parent = app
            .container("/cse-in", rn, json!({"mia": mia}), "CAdmin")
            .await;
        let parent_et = et_of(&parent.body, "m2m:cnt");
        let cin = app.instance(&format!("/cse-in/{rn}"), "v", "CAdmin").await;
        assert_eq!(cin.rsc, Some(2001), "{cin:#?}");
        assert!(et_of(&cin.body, "m2m:cin") <= parent_et);
        let la = app.retrieve(&format!("/cse-in/{rn}/la"), "CAdmin").await;
        assert_eq!(la.rsc, Some(2000), "{la:#?}");
    }
    let flex = app
        .create(
            "/cse-in",
            28,
            &json!({"m2m:fcnt": {"rn": "f", "cnd": "com.example.text", "t": "a", "fcied": true, "mia": i64::MAX}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(flex.rsc, Some(2001), "{flex:#?}");
    let flex_et = et_of(&flex.body, "m2m:fcnt");
    let la = app.retrieve("/cse-in/f/la", "CAdmin").await;
    assert_eq!(la.rsc, Some(2000), "{la:#?}");
    assert!(et_of(&la.body, "m2m:fcin") <= flex_et);
    // mia of a flexContainer: its instances go after mia seconds.
    let aged = app
        .create(
            "/cse-in",
            28,
            &json!({"m2m:fcnt": {"rn": "g", "cnd": "com.example.text", "t": "a", "fcied": true, "mia": 1}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(aged.rsc, Some(2001));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.retrieve("/cse-in/g/la", "CAdmin").await.rsc, Some(4004));
}
