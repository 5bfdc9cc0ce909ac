//! flexContainer history switched by `fcied` (fcinEnabled, R4): limits only with it
//! and never 0, `mbs` at least the custom attributes' size, `fcied` false keeps only
//! the latest instance, removing it removes the history and its limits; `loc` is a
//! checked `m2m:geoCoordinates`.

use serde_json::json;

use crate::fcnt::{set_power, switch};

const ADMIN: &str = "CAdmin";

#[tokio::test]
async fn limits_need_fcied_and_are_never_zero() {
    let app = crate::helpers::spawn_app().await;
    let body = |extra: serde_json::Value| {
        let mut attrs =
            json!({"rn": "x", "cnd": "org.onem2m.common.moduleclass.binarySwitch", "powSe": false});
        if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        json!({ "cod:binSh": attrs })
    };
    for (extra, needle) in [
        (json!({"mni": 3}), "needs fcied"),
        (json!({"mia": 60}), "needs fcied"),
        (json!({"fcied": false, "mni": 0}), "at least 1"),
        (json!({"fcied": true, "mbs": 0}), "at least 1"),
        (
            json!({"fcied": true, "mbs": 2}),
            "mbs (2 bytes) must be at least",
        ),
    ] {
        app.create("/cse-in", 28, &body(extra), Some(ADMIN))
            .await
            .assert_error(4000, 400, needle);
    }
    // Without fcied there is no history, no counters and no la.
    let plain = switch(&app, json!({})).await;
    assert!(!plain.expect_resource("cod:binSh").contains_key("cni"));
    app.retrieve("/cse-in/sw/la", ADMIN)
        .await
        .assert_error(4004, 404, "no latest");
    app.update("/cse-in/sw", &json!({"cod:binSh": {"mni": 2}}), ADMIN)
        .await
        .assert_error(4000, 400, "needs fcied");
}

#[tokio::test]
async fn fcied_switches_the_history_on_off_and_away() {
    let app = crate::helpers::spawn_app().await;
    switch(&app, json!({"fcied": true, "mni": 10})).await;
    set_power(&app, true).await;
    let on = set_power(&app, false).await;
    assert_eq!(on.expect_resource("cod:binSh")["cni"], 3);
    // Off: only the latest stays, and changes keep no more instances.
    let off = app
        .update("/cse-in/sw", &json!({"cod:binSh": {"fcied": false}}), ADMIN)
        .await;
    assert_eq!(off.expect_resource("cod:binSh")["cni"], 1, "{}", off.raw);
    let frozen = set_power(&app, true).await;
    assert_eq!(frozen.expect_resource("cod:binSh")["cni"], 1);
    let la = app.retrieve("/cse-in/sw/la", ADMIN).await;
    assert_eq!(la.expect_resource("cod:binShInst")["powSe"], false);
    // On again: a snapshot of now.
    let again = app
        .update("/cse-in/sw", &json!({"cod:binSh": {"fcied": true}}), ADMIN)
        .await;
    assert_eq!(again.expect_resource("cod:binSh")["cni"], 2);
    let la = app.retrieve("/cse-in/sw/la", ADMIN).await;
    assert_eq!(la.expect_resource("cod:binShInst")["powSe"], true);
    // mbs below the custom attributes' size is refused; removing fcied with a limit too.
    app.update("/cse-in/sw", &json!({"cod:binSh": {"mbs": 3}}), ADMIN)
        .await
        .assert_error(4000, 400, "mbs (3 bytes)");
    app.update(
        "/cse-in/sw",
        &json!({"cod:binSh": {"fcied": null, "mni": 4}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "needs fcied");
    let removed = app
        .update("/cse-in/sw", &json!({"cod:binSh": {"fcied": null}}), ADMIN)
        .await;
    let sw = removed.expect_resource("cod:binSh");
    for gone in ["fcied", "mni", "cni", "cbs"] {
        assert!(!sw.contains_key(gone), "{gone}: {}", removed.raw);
    }
    app.retrieve("/cse-in/sw/la", ADMIN)
        .await
        .assert_error(4004, 404, "no latest");
    let listed = app.retrieve("/cse-in/sw?rcn=6", ADMIN).await;
    assert!(!listed.raw.contains("\"typ\":58"), "{}", listed.raw);
}

#[tokio::test]
async fn a_flex_container_location_is_stored_and_checked() {
    let app = crate::helpers::spawn_app().await;
    let loc = json!({"typ": 1, "crd": "[6.96, 50.94]"});
    let made = switch(&app, json!({"loc": loc})).await;
    assert_eq!(made.expect_resource("cod:binSh")["loc"], loc);
    let la = app
        .update(
            "/cse-in/sw",
            &json!({"cod:binSh": {"loc": {"typ": 9, "crd": "[1, 2]"}}}),
            ADMIN,
        )
        .await;
    la.assert_error(4000, 400, "geometryType");
    app.update(
        "/cse-in/sw",
        &json!({"cod:binSh": {"loc": "50.94,6.96"}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "loc");
    // loc is not a custom attribute: it changes no st.
    let moved = app
        .update(
            "/cse-in/sw",
            &json!({"cod:binSh": {"loc": {"typ": 1, "crd": "[7, 51]"}}}),
            ADMIN,
        )
        .await;
    assert_eq!(moved.expect_resource("cod:binSh")["st"], 0, "{}", moved.raw);
}
