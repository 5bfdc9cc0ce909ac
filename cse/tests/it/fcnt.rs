//! flexContainer (ty 28) and flexContainerInstance (ty 58): the generic form, TS-0023
//! specializations and their validation, st/cs, nesting, instance history with `la`/
//! `ol`, notifications of changed custom attributes, and discovery.

use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

const SWITCH: &str = "org.onem2m.common.moduleclass.binarySwitch";
const TEMPERATURE: &str = "org.onem2m.common.moduleclass.temperature";

async fn flex(app: &TestApp, parent: &str, root: &str, attrs: Value) -> Reply {
    app.create(parent, 28, &json!({ root: attrs }), Some("CAdmin"))
        .await
}

/// A binarySwitch `/cse-in/sw` with `extra` attributes; panics unless created.
pub(crate) async fn switch(app: &TestApp, extra: Value) -> Reply {
    let mut attrs = json!({"rn": "sw", "cnd": SWITCH, "powSe": false});
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let reply = flex(app, "/cse-in", "cod:binSh", attrs).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    reply
}

pub(crate) async fn set_power(app: &TestApp, on: bool) -> Reply {
    app.update("/cse-in/sw", &json!({"cod:binSh": {"powSe": on}}), "CAdmin")
        .await
}

#[tokio::test]
async fn generic_flex_container_takes_any_custom_attribute_through_its_lifecycle() {
    let app = spawn_app().await;
    let attrs = json!({"rn": "g", "cnd": "com.example.thing", "speed": 3, "mode": "eco"});
    let reply = flex(&app, "/cse-in", "m2m:fcnt", attrs).await;
    let fcnt = reply.expect_resource("m2m:fcnt");
    assert_eq!(fcnt["ty"], 28);
    assert_eq!(
        (fcnt["st"].clone(), fcnt["cs"].clone()),
        (json!(0), json!(4))
    );
    assert_eq!(fcnt["mode"], "eco");
    let got = app.retrieve("/cse-in/g", "CAdmin").await;
    assert_eq!(got.expect_resource("m2m:fcnt")["speed"], 3);

    let reply = app
        .update(
            "/cse-in/g",
            &json!({"m2m:fcnt": {"speed": 10, "extra": [1]}}),
            "CAdmin",
        )
        .await;
    let fcnt = reply.expect_resource("m2m:fcnt");
    assert_eq!(
        (fcnt["st"].clone(), fcnt["cs"].clone()),
        (json!(1), json!(8))
    );
    // Common attributes alone leave the state tag.
    let reply = app
        .update("/cse-in/g", &json!({"m2m:fcnt": {"lbl": ["x"]}}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:fcnt")["st"], 1);
    let reply = app
        .update("/cse-in/g", &json!({"m2m:fcnt": {"mode": null}}), "CAdmin")
        .await;
    let fcnt = reply.expect_resource("m2m:fcnt");
    assert!(!fcnt.contains_key("mode"));
    assert_eq!(fcnt["st"], 2);

    assert_eq!(app.delete("/cse-in/g", "CAdmin").await.rsc, Some(2002));
    assert_eq!(app.retrieve("/cse-in/g", "CAdmin").await.rsc, Some(4004));
}

#[tokio::test]
async fn a_specialization_is_answered_under_its_own_root() {
    let app = spawn_app().await;
    let reply = flex(
        &app,
        "/cse-in",
        "cod:tempe",
        json!({"rn": "t", "cnd": TEMPERATURE, "curT0": 21.5, "unit": 1, "tarTe": 20}),
    )
    .await;
    let tempe = reply.expect_resource("cod:tempe");
    assert_eq!(tempe["curT0"], 21.5);
    assert_eq!(tempe["cs"], 7, "21.5, 1 and 20 take 4 + 1 + 2 bytes");
    // A generic root naming a known definition is that specialization.
    let reply = flex(
        &app,
        "/cse-in",
        "m2m:fcnt",
        json!({"rn": "s", "cnd": SWITCH, "powSe": true}),
    )
    .await;
    assert_eq!(reply.expect_resource("cod:binSh")["powSe"], true);
    let listing = app.retrieve("/cse-in?rcn=4", "CAdmin").await;
    let cb = &listing.body["m2m:cb"];
    assert_eq!(cb["cod:tempe"][0]["rn"], "t", "{cb}");
    assert_eq!(cb["cod:binSh"][0]["rn"], "s");
}

#[tokio::test]
async fn specialization_content_is_checked_against_its_definition() {
    let app = spawn_app().await;
    let cases = [
        (
            "cod:nope",
            json!({"cnd": SWITCH, "powSe": true}),
            "cod:nope",
        ),
        (
            "cod:binSh",
            json!({"cnd": TEMPERATURE, "powSe": true}),
            "does not match",
        ),
        (
            "cod:binSh",
            json!({"cnd": SWITCH, "powSe": true, "bogus": 1}),
            "bogus",
        ),
        ("cod:binSh", json!({"cnd": SWITCH, "powSe": "on"}), "powSe"),
        ("cod:binSh", json!({"cnd": SWITCH}), "powSe"),
        ("cod:binSh", json!({"powSe": true}), "cnd"),
        (
            "cod:tempe",
            json!({"cnd": TEMPERATURE, "curT0": "warm"}),
            "curT0",
        ),
        (
            "cod:tempe",
            json!({"cnd": TEMPERATURE, "curT0": 1, "unit": 9}),
            "unit",
        ),
        (
            "cod:brigs",
            json!({"cnd": "org.onem2m.common.moduleclass.brightness", "brigs": 101}),
            "brigs",
        ),
        (
            "cod:binSh",
            json!({"cnd": SWITCH, "powSe": true, "cs": 3}),
            "cs",
        ),
    ];
    for (root, attrs, needle) in cases {
        let reply = flex(&app, "/cse-in", root, attrs.clone()).await;
        reply.assert_error(4000, 400, needle);
    }
}

#[tokio::test]
async fn update_keeps_the_definition_and_the_root() {
    let app = spawn_app().await;
    switch(&app, json!({})).await;
    let cases = [
        (json!({"cod:binSh": {"cnd": TEMPERATURE}}), "cnd"),
        (json!({"m2m:fcnt": {"powSe": true}}), "cod:binSh"),
        (json!({"cod:tempe": {"curT0": 3}}), "cod:binSh"),
        (json!({"cod:binSh": {"powSe": 1}}), "powSe"),
        (json!({"cod:binSh": {"powSe": null}}), "powSe"),
        (json!({"cod:binSh": {"curT0": 3}}), "curT0"),
    ];
    for (body, needle) in cases {
        let reply = app.update("/cse-in/sw", &body, "CAdmin").await;
        reply.assert_error(4000, 400, needle);
    }
    let reply = set_power(&app, true).await;
    let sw = reply.expect_resource("cod:binSh");
    assert_eq!(
        (sw["powSe"].clone(), sw["st"].clone()),
        (json!(true), json!(1))
    );
    // The same value again is no change.
    assert_eq!(
        set_power(&app, true).await.expect_resource("cod:binSh")["st"],
        1
    );
}

#[tokio::test]
async fn flex_containers_nest_and_hold_containers() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let dev = json!({"rn": "dev", "cnd": "com.example.device"});
    assert_eq!(
        flex(&app, "/cse-in/app", "m2m:fcnt", dev).await.rsc,
        Some(2001)
    );
    let attrs = json!({"rn": "sw", "cnd": SWITCH, "powSe": false});
    assert_eq!(
        flex(&app, "/cse-in/app/dev", "cod:binSh", attrs).await.rsc,
        Some(2001)
    );
    app.container("/cse-in/app/dev", "log", json!({}), "CAdmin")
        .await;
    app.container("/cse-in/app/dev/log", "inner", json!({}), "CAdmin")
        .await;
    let attrs = json!({"rn": "under", "cnd": "com.example.x"});
    assert_eq!(
        flex(&app, "/cse-in/app/dev/log", "m2m:fcnt", attrs)
            .await
            .rsc,
        Some(2001)
    );
    let got = app.retrieve("/cse-in/app/dev/sw", "CAdmin").await;
    assert_eq!(got.expect_resource("cod:binSh")["powSe"], false);
    // An instance cannot be created by a request, nor a contentInstance here.
    let reply = app
        .create(
            "/cse-in/app/dev",
            58,
            &json!({"m2m:fcin": {}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4005, 405, "flexContainerInstance");
    let reply = app
        .create(
            "/cse-in/app/dev",
            4,
            &json!({"m2m:cin": {"con": "x"}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4108, 403, "flexContainer");
    assert_eq!(
        app.delete("/cse-in/app/dev", "CAdmin").await.rsc,
        Some(2002)
    );
    let gone = app.retrieve("/cse-in/app/dev/log/under", "CAdmin").await;
    assert_eq!(gone.rsc, Some(4004));
}

#[tokio::test]
async fn history_keeps_instances_under_mni_with_latest_and_oldest() {
    let app = spawn_app().await;
    let reply = switch(&app, json!({"fcied": true, "mni": 2})).await;
    let sw = reply.expect_resource("cod:binSh");
    assert_eq!((sw["st"].clone(), sw["cni"].clone()), (json!(0), json!(1)));
    let la = app.retrieve("/cse-in/sw/la", "CAdmin").await;
    let first = la.expect_resource("cod:binShInst");
    assert_eq!(
        (first["ty"].clone(), first["powSe"].clone()),
        (json!(58), json!(false))
    );
    assert_eq!(
        (first["st"].clone(), first["cs"].clone()),
        (json!(0), json!(5))
    );

    set_power(&app, true).await;
    app.update(
        "/cse-in/sw",
        &json!({"cod:binSh": {"lbl": ["a"]}}),
        "CAdmin",
    )
    .await;
    let reply = set_power(&app, false).await;
    let sw = reply.expect_resource("cod:binSh");
    assert_eq!((sw["st"].clone(), sw["cni"].clone()), (json!(2), json!(2)));
    assert_eq!(sw["cbs"], 9);
    let ol = app.retrieve("/cse-in/sw/ol", "CAdmin").await;
    let oldest = ol.expect_resource("cod:binShInst");
    assert_eq!(
        (oldest["powSe"].clone(), oldest["st"].clone()),
        (json!(true), json!(1))
    );
    let la = app.retrieve("/cse-in/sw/la", "CAdmin").await;
    let latest = la.expect_resource("cod:binShInst");
    assert_eq!(
        (latest["powSe"].clone(), latest["st"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(latest["cnd"], SWITCH);

    let path = format!("/{}", latest["ri"].as_str().unwrap_or_default());
    let reply = app
        .update(&path, &json!({"cod:binShInst": {"powSe": true}}), "CAdmin")
        .await;
    reply.assert_error(4005, 405, "cannot be updated");
    assert_eq!(app.delete(&path, "CAdmin").await.rsc, Some(2002));
    let sw = app.retrieve("/cse-in/sw", "CAdmin").await;
    assert_eq!(sw.expect_resource("cod:binSh")["cni"], 1);
}

#[tokio::test]
async fn generic_history_uses_the_fcin_root_and_limits_apply_on_update() {
    let app = spawn_app().await;
    let attrs = json!({"rn": "g", "cnd": "com.example.meter", "v": 1});
    flex(&app, "/cse-in", "m2m:fcnt", attrs).await;
    assert_eq!(app.retrieve("/cse-in/g/la", "CAdmin").await.rsc, Some(4004));
    for v in 2..5 {
        let body = json!({"m2m:fcnt": {"v": v, "fcied": true, "mni": 5}});
        assert_eq!(
            app.update("/cse-in/g", &body, "CAdmin").await.rsc,
            Some(2004)
        );
    }
    let la = app.retrieve("/cse-in/g/la", "CAdmin").await;
    assert_eq!(la.expect_resource("m2m:fcin")["v"], 4);
    let reply = app
        .update("/cse-in/g", &json!({"m2m:fcnt": {"mni": 1}}), "CAdmin")
        .await;
    assert_eq!(reply.expect_resource("m2m:fcnt")["cni"], 1);
    let ol = app.retrieve("/cse-in/g/ol", "CAdmin").await;
    assert_eq!(ol.expect_resource("m2m:fcin")["v"], 4);
}

#[tokio::test]
async fn an_update_notifies_the_changed_custom_attributes() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    switch(&app, json!({})).await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [rx.url()], "enc": {"net": [1]}, "nct": 2}});
    let reply = app.create("/cse-in/sw", 23, &sub, Some("CAdmin")).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    set_power(&app, true).await;
    let n = rx.next().await;
    let rep = n.sgn()["nev"]["rep"]["cod:binSh"].clone();
    assert_eq!(rep["powSe"], true, "{rep}");
    assert_eq!(rep["st"], 1);
    assert!(rep.get("cnd").is_none(), "only changed attributes: {rep}");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn discovery_finds_flex_containers_by_type_and_custom_attribute() {
    let app = spawn_app().await;
    for (rn, on) in [("a", true), ("b", false), ("c", true)] {
        let attrs = json!({"rn": rn, "cnd": SWITCH, "powSe": on});
        assert_eq!(
            flex(&app, "/cse-in", "cod:binSh", attrs).await.rsc,
            Some(2001)
        );
    }
    app.container("/cse-in", "k", json!({}), "CAdmin").await;
    let all = app.retrieve("/cse-in?fu=1&ty=28", "CAdmin").await.uril();
    assert_eq!(all, ["cse-in/a", "cse-in/b", "cse-in/c"]);
    let on = app
        .retrieve("/cse-in?fu=1&ty=28&powSe=true", "CAdmin")
        .await
        .uril();
    assert_eq!(on, ["cse-in/a", "cse-in/c"]);
    let reply = app.retrieve("/cse-in/a?rcn=1&atrl=powSe", "CAdmin").await;
    assert_eq!(reply.body["cod:binSh"], json!({"powSe": true}));
}

#[tokio::test]
async fn history_limits_bytes_and_age_like_a_container() {
    let app = spawn_app().await;
    let attrs = json!({"rn": "g", "cnd": "com.example.text", "t": "abcd", "fcied": true, "mbs": 8, "mia": 60});
    let reply = flex(&app, "/cse-in", "m2m:fcnt", attrs).await;
    assert_eq!(reply.expect_resource("m2m:fcnt")["cbs"], 4);
    let la = app.retrieve("/cse-in/g/la", "CAdmin").await;
    let fcnt_et = reply.expect_resource("m2m:fcnt")["et"].clone();
    let instance_et = la.expect_resource("m2m:fcin")["et"].clone();
    assert!(
        instance_et.as_str() < fcnt_et.as_str(),
        "mia caps the instance's et: {instance_et} vs {fcnt_et}"
    );
    // Two instances of 4 bytes fit in 8; a third evicts the oldest.
    for t in ["efgh", "ijkl"] {
        let body = json!({"m2m:fcnt": {"t": t}});
        assert_eq!(
            app.update("/cse-in/g", &body, "CAdmin").await.rsc,
            Some(2004)
        );
    }
    let ol = app.retrieve("/cse-in/g/ol", "CAdmin").await;
    assert_eq!(ol.expect_resource("m2m:fcin")["t"], "efgh");
    // One snapshot larger than mbs is refused, and nothing changes.
    let body = json!({"m2m:fcnt": {"t": "far too long for eight bytes"}});
    let reply = app.update("/cse-in/g", &body, "CAdmin").await;
    reply.assert_error(5207, 406, "mbs");
    let got = app.retrieve("/cse-in/g", "CAdmin").await;
    assert_eq!(got.expect_resource("m2m:fcnt")["t"], "ijkl");
}
