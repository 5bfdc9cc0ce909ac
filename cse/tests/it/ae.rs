//! AE registration, retrieval, update and deregistration (TS-0001 §10.2.2.2,
//! TS-0004 §7.4.5), good and bad inputs side by side.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

fn ae(extra: Value) -> Value {
    let mut attrs = json!({"api": "Nmyapp", "rr": true, "srv": ["3"]});
    if let (Some(base), Some(extra)) = (attrs.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    json!({ "m2m:ae": attrs })
}

async fn register(app: &TestApp, originator: Option<&str>, extra: Value) -> Reply {
    app.create("/cse-in", 2, &ae(extra), originator).await
}

#[tokio::test]
async fn registration_with_a_given_c_originator_uses_it_as_ae_id() {
    let app = spawn_app().await;
    let reply = register(
        &app,
        Some("Cmyapp"),
        json!({"rn": "myapp", "poa": ["http://127.0.0.1:9/n"], "lbl": ["floor:1"]}),
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)));
    assert_eq!(reply.header("Content-Location"), Some("/cse-in/myapp"));
    let ae = reply.expect_resource("m2m:ae");
    assert_eq!(ae["ri"], "Cmyapp");
    assert_eq!(ae["aei"], "Cmyapp");
    assert_eq!(ae["pi"], "id-in");
    assert_eq!(ae["ty"], 2);
    assert_eq!(ae["rn"], "myapp");
    assert_eq!(ae["api"], "Nmyapp");
    assert_eq!(ae["rr"], true);
    assert_eq!(ae["srv"], json!(["3"]));
    assert_eq!(ae["poa"], json!(["http://127.0.0.1:9/n"]));
    assert_eq!(ae["lbl"], json!(["floor:1"]));
    assert_eq!(ae["ct"], ae["lt"]);
    assert!(ae["et"].as_str() > ae["ct"].as_str());
    assert!(ae.get("st").is_none() && ae.get("cr").is_none());
}

#[tokio::test]
async fn empty_missing_or_c_originator_gets_an_assigned_c_ae_id() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    for originator in [None, Some(""), Some("C")] {
        let reply = register(&app, originator, json!({})).await;
        assert_eq!(reply.rsc, Some(2001), "{originator:?}: {reply:#?}");
        let aei = reply.expect_resource("m2m:ae")["aei"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(aei.starts_with('C') && aei.len() > 1, "{aei}");
        assert_eq!(reply.expect_resource("m2m:ae")["ri"], aei.as_str());
        // The assigned AE-ID is usable as originator from now on.
        let path = format!("/{aei}");
        assert_eq!(app.retrieve(&path, &aei).await.rsc, Some(2000));
        seen.push(aei);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "assigned AE-IDs must be unique");
}

#[tokio::test]
async fn s_originator_gets_an_assigned_s_ae_id_and_s_stems_are_kept() {
    let app = spawn_app().await;
    let reply = register(&app, Some("S"), json!({})).await;
    let aei = reply.expect_resource("m2m:ae")["aei"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(aei.starts_with('S') && aei.len() > 1, "{aei}");
    let reply = register(&app, Some("S563423"), json!({})).await;
    assert_eq!(reply.expect_resource("m2m:ae")["aei"], "S563423");
}

#[tokio::test]
async fn registering_an_already_registered_ae_id_is_refused() {
    let app = spawn_app().await;
    register(&app, Some("Cdup"), json!({"rn": "first"})).await;
    let reply = register(&app, Some("Cdup"), json!({"rn": "second"})).await;
    reply.assert_error(4117, 403, "Cdup");
    assert_eq!(
        app.retrieve("/cse-in/second", "CAdmin").await.rsc,
        Some(4004)
    );
}

#[tokio::test]
async fn originators_that_are_not_ae_ids_cannot_register() {
    let app = spawn_app().await;
    register(&app, Some("/id-in"), json!({}))
        .await
        .assert_error(4107, 403, "/id-in");
    register(&app, Some("id-in"), json!({}))
        .await
        .assert_error(4107, 403, "id-in");
    register(&app, Some("//acme.example.com/id-in/Cx"), json!({}))
        .await
        .assert_error(4107, 403, "CSE-ID");
    register(&app, Some("myapp"), json!({})).await.assert_error(
        4126,
        403,
        "must start with 'C' or 'S'",
    );
    register(&app, Some("Cmy#app"), json!({}))
        .await
        .assert_error(4000, 400, "characters");
}

#[tokio::test]
async fn mandatory_attributes_are_required() {
    let app = spawn_app().await;
    for (missing, body) in [
        ("api", json!({"m2m:ae": {"rr": true, "srv": ["3"]}})),
        ("rr", json!({"m2m:ae": {"api": "Nx", "srv": ["3"]}})),
        ("srv", json!({"m2m:ae": {"api": "Nx", "rr": true}})),
    ] {
        let reply = app.create("/cse-in", 2, &body, Some("Cm")).await;
        reply.assert_error(4000, 400, &format!("mandatory attribute '{missing}'"));
    }
}

#[tokio::test]
async fn attribute_values_are_checked() {
    let app = spawn_app().await;
    let cases = [
        (json!({"api": "Xapp"}), "api"),
        (json!({"api": "N"}), "api"),
        (json!({"api": 5}), "api"),
        (json!({"rr": "true"}), "rr"),
        (json!({"srv": "3"}), "srv"),
        (json!({"srv": ["9"]}), "srv"),
        (json!({"srv": []}), "srv"),
        (json!({"poa": ["no scheme"]}), "poa"),
        (json!({"poa": "http://x"}), "poa"),
        (json!({"lbl": "a"}), "lbl"),
        (json!({"lbl": [1]}), "lbl"),
        (json!({"rn": "my app"}), "my app"),
        (json!({"rn": 7}), "rn"),
        (json!({"et": "tomorrow"}), "tomorrow"),
        (json!({"et": "20000101T000000"}), "not in the future"),
        (json!({"regs": 3}), "regs"),
        (json!({"lbl": null}), "null"),
    ];
    for (extra, needle) in cases {
        let reply = register(&app, Some("Cbad"), extra.clone()).await;
        reply.assert_error(4000, 400, needle);
    }
    // Nothing was written by any of the refused requests.
    assert_eq!(app.retrieve("/Cbad", "CAdmin").await.rsc, Some(4004));
}

#[tokio::test]
async fn attributes_the_cse_assigns_or_that_do_not_exist_are_refused() {
    let app = spawn_app().await;
    for name in ["ri", "pi", "ct", "lt", "ty", "aei", "st"] {
        let reply = register(&app, Some("Cnp"), json!({ name: "x" })).await;
        let needle = if name == "st" {
            "not defined"
        } else {
            "not allowed in CREATE"
        };
        reply.assert_error(4000, 400, needle);
    }
    register(&app, Some("Cnp"), json!({"cr": null}))
        .await
        .assert_error(4000, 400, "'cr'");
    register(&app, Some("Cnp"), json!({"bogus": 1}))
        .await
        .assert_error(4000, 400, "'bogus'");
    register(&app, Some("Cnp"), json!({"acpi": ["x"]}))
        .await
        .assert_error(4000, 400, "'x', which is not an accessControlPolicy");
    register(&app, Some("Cnp"), json!({"at": ["/id-mn"]}))
        .await
        .assert_error(4000, 400, "not registered");
}

#[tokio::test]
async fn wrong_root_or_shape_of_content_is_refused() {
    let app = spawn_app().await;
    for (body, needle) in [
        (
            json!({"m2m:cnt": {"api": "Nx", "rr": true, "srv": ["3"]}}),
            "m2m:ae",
        ),
        (
            json!({"ae": {"api": "Nx", "rr": true, "srv": ["3"]}}),
            "m2m:ae",
        ),
        (
            json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}, "extra": 1}),
            "exactly one",
        ),
        (json!({"m2m:ae": ["x"]}), "object"),
        (json!(["m2m:ae"]), "m2m:ae"),
    ] {
        app.create("/cse-in", 2, &body, Some("Cw"))
            .await
            .assert_error(4000, 400, needle);
    }
}

#[tokio::test]
async fn resource_names_are_unique_among_siblings_and_generated_when_absent() {
    let app = spawn_app().await;
    register(&app, Some("Cone"), json!({"rn": "same"})).await;
    let reply = register(&app, Some("Ctwo"), json!({"rn": "same"})).await;
    reply.assert_error(4105, 409, "same");
    assert_eq!(app.retrieve("/Ctwo", "CAdmin").await.rsc, Some(4004));

    let reply = register(&app, Some("Cnoname"), json!({})).await;
    let rn = reply.expect_resource("m2m:ae")["rn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!rn.is_empty());
    assert_eq!(
        reply.header("Content-Location"),
        Some(format!("/cse-in/{rn}").as_str())
    );
    assert_eq!(
        app.retrieve(&format!("/cse-in/{rn}"), "Cnoname").await.rsc,
        Some(2000)
    );
}

#[tokio::test]
async fn an_ae_cannot_be_created_under_an_ae() {
    let app = spawn_app().await;
    register(&app, Some("Cparent"), json!({"rn": "parent"})).await;
    let reply = app
        .create("/cse-in/parent", 2, &ae(json!({})), Some("Cchild"))
        .await;
    reply.assert_error(4108, 403, "cannot be created under");
    let reply = app
        .create("/cse-in/missing", 2, &ae(json!({})), Some("Cchild"))
        .await;
    reply.assert_error(4004, 404, "cse-in/missing");
}

#[tokio::test]
async fn ae_is_retrieved_by_structured_unstructured_and_sp_relative_addresses() {
    let app = spawn_app().await;
    register(&app, Some("Cfind"), json!({"rn": "findme"})).await;
    for path in [
        "/cse-in/findme",
        "/-/findme",
        "/Cfind",
        "/~/id-in/Cfind",
        "/~/id-in/cse-in/findme",
        "/_/acme.example.com/id-in/cse-in/findme",
        "/id-in/findme",
    ] {
        let reply = app.retrieve(path, "Cfind").await;
        assert_eq!(reply.rsc, Some(2000), "{path}: {reply:#?}");
        assert_eq!(reply.expect_resource("m2m:ae")["ri"], "Cfind", "{path}");
    }
    app.retrieve("/cse-in/findme/", "Cfind")
        .await
        .assert_error(4000, 400, "ends with '/'");
    app.retrieve("/cse-in/nothere", "Cfind")
        .await
        .assert_error(4004, 404, "cse-in/nothere");
    app.retrieve("/Cnothere", "Cfind")
        .await
        .assert_error(4004, 404, "Cnothere");
}

#[tokio::test]
async fn update_changes_only_updatable_attributes_and_advances_lt() {
    let app = spawn_app().await;
    let created = register(
        &app,
        Some("Cupd"),
        json!({"rn": "upd", "lbl": ["a"], "apn": "old"}),
    )
    .await;
    let before = created.expect_resource("m2m:ae").clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let reply = app
        .update("/cse-in/upd", &json!({"m2m:ae": {"lbl": ["b", "c"], "apn": null, "rr": false, "poa": ["mqtt://127.0.0.1:1883"]}}), "Cupd")
        .await;
    assert_eq!((reply.status, reply.rsc), (200, Some(2004)));
    let after = reply.expect_resource("m2m:ae");
    assert_eq!(after["lbl"], json!(["b", "c"]));
    assert_eq!(after["rr"], false);
    assert_eq!(after["poa"], json!(["mqtt://127.0.0.1:1883"]));
    assert!(after.get("apn").is_none(), "null deletes the attribute");
    assert_eq!(after["ct"], before["ct"]);
    assert!(after["lt"].as_str() > before["lt"].as_str());
    assert_eq!(after["api"], before["api"]);
    // The change is stored, not only echoed.
    let stored = app.retrieve("/cse-in/upd", "Cupd").await;
    assert_eq!(stored.expect_resource("m2m:ae"), after);
}

#[tokio::test]
async fn update_refuses_what_may_not_change() {
    let app = spawn_app().await;
    register(&app, Some("Cfix"), json!({"rn": "fix"})).await;
    let cases = [
        (
            json!({"m2m:ae": {"api": "Nother"}}),
            4000,
            "not allowed in UPDATE",
        ),
        (
            json!({"m2m:ae": {"rn": "other"}}),
            4000,
            "not allowed in UPDATE",
        ),
        (
            json!({"m2m:ae": {"aei": "Cx"}}),
            4000,
            "not allowed in UPDATE",
        ),
        (
            json!({"m2m:ae": {"ct": "20200101T000000"}}),
            4000,
            "not allowed in UPDATE",
        ),
        (json!({"m2m:ae": {"rr": null}}), 4000, "cannot be deleted"),
        (json!({"m2m:ae": {"srv": null}}), 4000, "cannot be deleted"),
        (json!({"m2m:ae": {"rr": 1}}), 4000, "true or false"),
        (json!({"m2m:ae": {"srv": ["0"]}}), 4000, "srv"),
        (
            json!({"m2m:ae": {"et": "20000101T000000"}}),
            4000,
            "not in the future",
        ),
        (json!({"m2m:ae": {"nope": 1}}), 4000, "'nope'"),
        (json!({"m2m:cnt": {"lbl": []}}), 4000, "m2m:ae"),
        (
            json!({"m2m:ae": {"acpi": []}}),
            4000,
            "at least one accessControlPolicy",
        ),
    ];
    for (body, rsc, needle) in cases {
        let status = if rsc == 5001 { 501 } else { 400 };
        app.update("/cse-in/fix", &body, "Cfix")
            .await
            .assert_error(rsc, status, needle);
    }
    let reply = app
        .onem2m(
            Method::PUT,
            "/cse-in/fix",
            Some("Cfix"),
            Some("application/json"),
            Some("{not json"),
        )
        .await;
    reply.assert_error(4000, 400, "JSON");
    app.update("/cse-in/gone", &json!({"m2m:ae": {"lbl": []}}), "Cfix")
        .await
        .assert_error(4004, 404, "gone");
    let unchanged = app.retrieve("/cse-in/fix", "Cfix").await;
    assert_eq!(
        unchanged.expect_resource("m2m:ae")["ct"],
        unchanged.expect_resource("m2m:ae")["lt"]
    );
}

#[tokio::test]
async fn update_of_et_within_the_maximum_is_kept() {
    let app = spawn_app().await;
    register(&app, Some("Cet"), json!({"rn": "et"})).await;
    // A year ahead, within the default maximum expiration delta (5 years); one
    // beyond it is lowered (tests in lifetime.rs).
    let et = onecse_models::time::Timestamp::now().plus_seconds(365 * 24 * 3600);
    let reply = app
        .update(
            "/cse-in/et",
            &json!({"m2m:ae": {"et": et.to_string()}}),
            "Cet",
        )
        .await;
    assert_eq!(reply.expect_resource("m2m:ae")["et"], et.to_string());
}

#[tokio::test]
async fn result_content_shapes_create_and_update_responses() {
    let app = spawn_app().await;
    let ct = "application/json;ty=2";
    let body = |rn: &str| ae(json!({ "rn": rn })).to_string();

    let nothing = app
        .onem2m(
            Method::POST,
            "/cse-in?rcn=0",
            Some("Crcn0"),
            Some(ct),
            Some(&body("r0")),
        )
        .await;
    assert_eq!((nothing.rsc, nothing.raw.as_str()), (Some(2001), ""));
    assert_eq!(nothing.header("Content-Location"), Some("/cse-in/r0"));

    let address = app
        .onem2m(
            Method::POST,
            "/cse-in?rcn=2",
            Some("Crcn2"),
            Some(ct),
            Some(&body("r2")),
        )
        .await;
    assert_eq!(address.body, json!({"m2m:uri": "cse-in/r2"}));

    let both = app
        .onem2m(
            Method::POST,
            "/cse-in?rcn=3",
            Some("Crcn3"),
            Some(ct),
            Some(&body("r3")),
        )
        .await;
    assert_eq!(both.body["m2m:rce"]["uri"], "cse-in/r3");
    assert_eq!(both.body["m2m:rce"]["m2m:ae"]["ri"], "Crcn3");

    let modified = app
        .onem2m(
            Method::POST,
            "/cse-in?rcn=9",
            Some("Crcn9"),
            Some(ct),
            Some(&body("r9")),
        )
        .await;
    let attrs = modified.expect_resource("m2m:ae");
    assert!(attrs.contains_key("ri") && attrs.contains_key("ct") && attrs.contains_key("et"));
    assert!(
        !attrs.contains_key("api") && !attrs.contains_key("rn"),
        "{attrs:?}"
    );

    let refused = app
        .onem2m(
            Method::POST,
            "/cse-in?rcn=4",
            Some("Crcn4"),
            Some(ct),
            Some(&body("r4")),
        )
        .await;
    refused.assert_error(4000, 400, "rcn=4");
    assert_eq!(app.retrieve("/cse-in/r4", "CAdmin").await.rsc, Some(4004));

    let update = |q: &str| format!("/cse-in/r0{q}");
    let lbl = json!({"m2m:ae": {"lbl": ["x"]}}).to_string();
    let reply = app
        .onem2m(
            Method::PUT,
            &update("?rcn=0"),
            Some("Crcn0"),
            Some("application/json"),
            Some(&lbl),
        )
        .await;
    assert_eq!((reply.rsc, reply.raw.as_str()), (Some(2004), ""));
    let reply = app
        .onem2m(
            Method::PUT,
            &update("?rcn=9"),
            Some("Crcn0"),
            Some("application/json"),
            Some(&lbl),
        )
        .await;
    let attrs = reply.expect_resource("m2m:ae");
    assert!(
        attrs.contains_key("lt") && !attrs.contains_key("lbl"),
        "{attrs:?}"
    );
    let reply = app
        .onem2m(
            Method::PUT,
            &update("?rcn=2"),
            Some("Crcn0"),
            Some("application/json"),
            Some(&lbl),
        )
        .await;
    reply.assert_error(4000, 400, "rcn=2");
}

#[tokio::test]
async fn delete_removes_the_ae_and_frees_its_ae_id() {
    let app = spawn_app().await;
    register(&app, Some("Cbye"), json!({"rn": "bye"})).await;
    let reply = app.delete("/cse-in/bye", "Cbye").await;
    assert_eq!(
        (reply.status, reply.rsc, reply.raw.as_str()),
        (200, Some(2002), "")
    );
    app.retrieve("/cse-in/bye", "CAdmin")
        .await
        .assert_error(4004, 404, "bye");
    app.retrieve("/Cbye", "CAdmin")
        .await
        .assert_error(4004, 404, "Cbye");
    // The deregistered AE-ID no longer originates anything (TS-0004 §7.2.2.2).
    app.delete("/cse-in/bye", "Cbye")
        .await
        .assert_error(4106, 403, "not registered");
    // The AE-ID and the name can be registered again.
    register(&app, Some("Cbye"), json!({"rn": "bye"})).await;
}

#[tokio::test]
async fn delete_with_rcn_1_returns_the_deleted_resource() {
    let app = spawn_app().await;
    register(&app, Some("Cgone"), json!({"rn": "gone"})).await;
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/gone?rcn=1",
            Some("Cgone"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.rsc, Some(2002));
    assert_eq!(reply.expect_resource("m2m:ae")["ri"], "Cgone");
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/nothing?rcn=9",
            Some("Cgone"),
            None,
            None,
        )
        .await;
    reply.assert_error(4000, 400, "rcn=9");
}

#[tokio::test]
async fn partial_retrieve_returns_the_named_attributes() {
    let app = spawn_app().await;
    register(
        &app,
        Some("Cpart"),
        json!({"rn": "part", "poa": ["http://127.0.0.1:1/x"]}),
    )
    .await;
    let reply = app.retrieve("/cse-in/part?atrl=rr+poa", "Cpart").await;
    assert_eq!(
        reply.body,
        json!({"m2m:ae": {"rr": true, "poa": ["http://127.0.0.1:1/x"]}})
    );
    app.retrieve("/cse-in/part?atrl=nonsense", "Cpart")
        .await
        .assert_error(4000, 400, "nonsense");
    app.retrieve("/cse-in/part?atrl=rr&rcn=5", "Cpart")
        .await
        .assert_error(4000, 400, "rcn=1");
}

#[tokio::test]
async fn an_expired_ae_is_never_returned() {
    let app = spawn_app().await;
    let soon = onecse_models::time::Timestamp::now()
        .plus_seconds(1)
        .to_string();
    register(&app, Some("Cshort"), json!({"rn": "short", "et": soon})).await;
    assert_eq!(
        app.retrieve("/cse-in/short", "Cshort").await.rsc,
        Some(2000)
    );
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    app.retrieve("/cse-in/short", "CAdmin")
        .await
        .assert_error(4004, 404, "short");
    app.retrieve("/Cshort", "CAdmin")
        .await
        .assert_error(4004, 404, "Cshort");
    // Expired, it is no longer registered either.
    app.retrieve("/Cshort", "Cshort")
        .await
        .assert_error(4106, 403, "not registered");
}

#[tokio::test]
async fn an_unregistered_ae_id_is_refused_except_for_its_registration_and_the_cse_base() {
    let app = spawn_app().await;
    let acp = json!({"m2m:acp": {"rn": "squat", "pv": {"acr": []},
        "pvs": {"acr": [{"acor": ["Cnobody"], "acop": 63}]}}});
    // Every form of an AE-ID of this CSE claims a registration it does not have.
    for originator in [
        "Cnobody",
        "/id-in/Cnobody",
        "//acme.example.com/id-in/Cnobody",
    ] {
        app.create("/cse-in", 1, &acp, Some(originator))
            .await
            .assert_error(4106, 403, "not registered");
    }
    app.retrieve("/cse-in/acpCSEBase", "Cnobody")
        .await
        .assert_error(4106, 403, "Cnobody");
    // Left open: the CSEBase itself, and the registration.
    assert_eq!(app.retrieve("/cse-in", "Cnobody").await.rsc, Some(2000));
    register(&app, Some("Cnobody"), json!({"rn": "nobody"})).await;
    assert_eq!(
        app.create("/cse-in", 1, &acp, Some("Cnobody")).await.rsc,
        Some(2001)
    );
    // The name it could not take before it registered was never taken.
    assert_eq!(
        app.retrieve("/cse-in/squat", "CAdmin").await.rsc,
        Some(2000)
    );
}

#[tokio::test]
async fn an_ae_cannot_take_another_ae_id_as_its_name() {
    let app = spawn_app().await;
    register(&app, Some("Cother"), json!({"rn": "other"})).await;
    register(&app, Some("Cmine"), json!({"rn": "Cother"}))
        .await
        .assert_error(4105, 409, "AE-ID of another registered AE");
    // A name taken first keeps the AE-ID it spells from being registered.
    let first = register(&app, Some("Cfirst"), json!({"rn": "Clater"})).await;
    assert_eq!(first.rsc, Some(2001), "{first:#?}");
    register(&app, Some("Clater"), json!({"rn": "later"}))
        .await
        .assert_error(4105, 409, "name of another AE");
    // Its own AE-ID is a fine name.
    let own = register(&app, Some("Cself"), json!({"rn": "Cself"})).await;
    assert_eq!(own.rsc, Some(2001), "{own:#?}");
    assert_eq!(
        app.retrieve("/cse-in/Cother", "CAdmin").await.rsc,
        Some(4004)
    );
}
