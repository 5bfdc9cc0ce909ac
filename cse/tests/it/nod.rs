//! node (ty 14) and mgmtObj (ty 13): placement, the specializations as data (root key
//! and `mgd` agreeing, mandatory and enumerated object attributes, NP/WO rules),
//! once-per-node objects, exclusive triggers, triggers notified to a subscriber, the
//! `nl`/`hael`/`hcl` links, discovery by type.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const ADMIN: &str = "CAdmin";

async fn node(app: &TestApp, rn: &str, extra: Value) -> onecse_testkit::Reply {
    let mut body = json!({"rn": rn, "ni": format!("urn:dev:{rn}")});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    app.create("/cse-in", 14, &json!({ "m2m:nod": body }), Some(ADMIN))
        .await
}

fn firmware(rn: &str) -> Value {
    json!({"m2m:fwr": {"rn": rn, "mgd": 1001, "vr": "1.2.0", "fwn": "main",
        "url": "http://127.0.0.1/fw.bin", "ud": false}})
}

#[tokio::test]
async fn a_node_holds_mgmt_objects_of_each_specialization() {
    let app = spawn_app().await;
    let created = node(
        &app,
        "dev1",
        json!({"lbl": ["site:1"], "mgca": "coap://10.0.0.9"}),
    )
    .await;
    let nod = created.expect_resource("m2m:nod");
    assert_eq!(nod["ty"], 14);
    assert_eq!(nod["ni"], "urn:dev:dev1");
    let cases = [
        (firmware("fw"), "m2m:fwr"),
        (
            json!({"m2m:swr": {"mgd": 1002, "vr": "2", "swn": "agent", "url": "http://127.0.0.1/s.pkg"}}),
            "m2m:swr",
        ),
        (
            json!({"m2m:mem": {"mgd": 1003, "mma": 1024, "mmt": 4096}}),
            "m2m:mem",
        ),
        (
            json!({"m2m:ani": {"mgd": 1004, "ant": "802.15.4", "ldv": ["andi1"]}}),
            "m2m:ani",
        ),
        (
            json!({"m2m:andi": {"mgd": 1005, "dvd": "d1", "dvt": "sensor", "awi": "ani1", "sli": 60}}),
            "m2m:andi",
        ),
        (
            json!({"m2m:bat": {"mgd": 1006, "btl": 87, "bts": 1}}),
            "m2m:bat",
        ),
        (
            json!({"m2m:dvi": {"mgd": 1007, "dlb": "SN-1", "man": "ACME", "mod": "T1", "dty": "thermometer", "fwv": "1.2.0"}}),
            "m2m:dvi",
        ),
        (
            json!({"m2m:dvc": {"mgd": 1008, "can": "camera", "att": true, "cas": {"acn": "", "sus": 0}, "cus": true}}),
            "m2m:dvc",
        ),
        (json!({"m2m:rbo": {"mgd": 1009, "rbo": false}}), "m2m:rbo"),
        (
            json!({"m2m:evl": {"mgd": 1010, "lgt": 1, "lgd": "", "lgst": 2}}),
            "m2m:evl",
        ),
    ];
    for (body, root) in cases {
        let reply = app.create("/cse-in/dev1", 13, &body, Some(ADMIN)).await;
        assert_eq!(reply.rsc, Some(2001), "{root}: {}", reply.raw);
        let mgo = reply.expect_resource(root);
        assert_eq!(mgo["ty"], 13, "{root}");
        let path = reply
            .header("Content-Location")
            .unwrap_or_default()
            .to_owned();
        let again = app.retrieve(&path, ADMIN).await;
        assert_eq!(
            again.expect_resource(root)["mgd"],
            body[root]["mgd"],
            "{root}"
        );
    }
    let children = app.retrieve("/cse-in/dev1?rcn=6", ADMIN).await;
    let refs = children.expect_resource("m2m:rrl")["rrf"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(refs.len(), 10);
    assert!(refs.iter().all(|r| r["typ"] == 13));
    let nested = app.retrieve("/cse-in/dev1?rcn=4", ADMIN).await;
    let nod = nested.expect_resource("m2m:nod");
    assert_eq!(nod["m2m:fwr"][0]["fwn"], "main");
    assert_eq!(nod["m2m:bat"][0]["btl"], 87);
    let found = app.retrieve("/cse-in?fu=1&ty=13", ADMIN).await;
    let count = found.body["m2m:uril"].as_array().map_or(0, Vec::len);
    assert_eq!(count, 10);
}

#[tokio::test]
async fn placement_is_checked() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    node(&app, "dev1", json!({})).await;
    app.create("/cse-in", 13, &firmware("fw"), Some(ADMIN))
        .await
        .assert_error(4108, 403, "mgmtObj cannot be created under a CSEBase");
    app.create(
        "/cse-in/app",
        14,
        &json!({"m2m:nod": {"ni": "x"}}),
        Some("Capp"),
    )
    .await
    .assert_error(4108, 403, "node cannot be created under an AE");
    app.create("/cse-in/dev1", 3, &json!({"m2m:cnt": {}}), Some(ADMIN))
        .await
        .assert_error(4108, 403, "container cannot be created under a node");
}

#[tokio::test]
async fn bad_node_and_mgmt_object_content_is_refused() {
    let app = spawn_app().await;
    app.create("/cse-in", 14, &json!({"m2m:nod": {"rn": "x"}}), Some(ADMIN))
        .await
        .assert_error(4000, 400, "mandatory attribute 'ni'");
    app.create(
        "/cse-in",
        14,
        &json!({"m2m:nod": {"ni": "n", "rms": true}}),
        Some(ADMIN),
    )
    .await
    .assert_error(4000, 400, "rms");
    node(&app, "dev1", json!({})).await;
    let cases = [
        (
            json!({"m2m:fwr": {"mgd": 1001, "vr": "1", "fwn": "f", "url": "u"}}),
            4000,
            "mandatory attribute 'ud'",
        ),
        (
            json!({"m2m:fwr": {"mgd": 1002, "vr": "1", "fwn": "f", "url": "u", "ud": false}}),
            4000,
            "does not match the root key",
        ),
        (
            json!({"m2m:fwr": {"vr": "1", "fwn": "f", "url": "u", "ud": false}}),
            4000,
            "mandatory attribute 'mgd'",
        ),
        (
            json!({"m2m:fwr": {"mgd": 1001, "vr": "1", "fwn": "f", "url": "u", "ud": false, "uds": {}}}),
            4000,
            "'uds' is not allowed in CREATE",
        ),
        (
            json!({"m2m:fwr": {"mgd": 1001, "vr": "1", "fwn": "f", "url": "u", "ud": false, "btl": 3}}),
            4000,
            "'btl' is not defined",
        ),
        (
            json!({"m2m:bat": {"mgd": 1006, "btl": 101, "bts": 1}}),
            4000,
            "from 0 to 100",
        ),
        (
            json!({"m2m:bat": {"mgd": 1006, "btl": 50, "bts": 8}}),
            4000,
            "from 1 to 7",
        ),
        (
            json!({"m2m:evl": {"mgd": 1010, "lgt": 9, "lgd": "", "lgst": 1}}),
            4000,
            "lgt",
        ),
        (
            json!({"m2m:xyz": {"mgd": 1001}}),
            4000,
            "not a mgmtObj specialization",
        ),
        (json!({"m2m:cmdp": {"mgd": 1011}}), 5001, "mgd=1011"),
        (
            json!({"m2m:rbo": {"mgd": 1009, "rbo": true, "far": true}}),
            4000,
            "cannot both be true",
        ),
        (
            json!({"m2m:nod": {"ni": "n"}}),
            4000,
            "not a mgmtObj specialization",
        ),
    ];
    for (body, rsc, needle) in cases {
        let status = if rsc == 5001 { 501 } else { 400 };
        app.create("/cse-in/dev1", 13, &body, Some(ADMIN))
            .await
            .assert_error(rsc, status, needle);
    }
    let listed = app.retrieve("/cse-in/dev1?rcn=6", ADMIN).await;
    let children = listed.expect_resource("m2m:rrl").get("rrf").cloned();
    assert!(
        children.is_none_or(|c| c == json!([])),
        "nothing was created: {}",
        listed.raw
    );
}

#[tokio::test]
async fn updates_follow_the_specialization_rules() {
    let app = spawn_app().await;
    node(&app, "dev1", json!({})).await;
    let dvi = json!({"m2m:dvi": {"rn": "info", "mgd": 1007, "dlb": "SN", "man": "ACME", "mod": "T", "dty": "t"}});
    assert_eq!(
        app.create("/cse-in/dev1", 13, &dvi, Some(ADMIN)).await.rsc,
        Some(2001)
    );
    let path = "/cse-in/dev1/info";
    let ok = app
        .update(
            path,
            &json!({"m2m:dvi": {"fwv": "2.0", "dvnm": "kitchen"}}),
            ADMIN,
        )
        .await;
    assert_eq!(ok.expect_resource("m2m:dvi")["fwv"], "2.0");
    app.update(path, &json!({"m2m:dvi": {"man": "Other"}}), ADMIN)
        .await
        .assert_error(4000, 400, "'man' is not allowed in UPDATE");
    app.update(path, &json!({"m2m:dvi": {"mgd": 1006}}), ADMIN)
        .await
        .assert_error(4000, 400, "'mgd' is not allowed in UPDATE");
    app.update(path, &json!({"m2m:fwr": {"vr": "3"}}), ADMIN)
        .await
        .assert_error(4000, 400, "'m2m:dvi'");
    app.update(path, &json!({"m2m:dvi": {"dlb": null}}), ADMIN)
        .await
        .assert_error(4000, 400, "mandatory");
    let sw = json!({"m2m:swr": {"rn": "sw", "mgd": 1002, "vr": "1", "swn": "a", "url": "http://127.0.0.1/a"}});
    app.create("/cse-in/dev1", 13, &sw, Some(ADMIN)).await;
    app.update(
        "/cse-in/dev1/sw",
        &json!({"m2m:swr": {"in": true, "un": true}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "cannot both be true");
    let status = json!({"m2m:swr": {"in": true, "ins": {"acn": "in", "sus": 3}}});
    let ok = app.update("/cse-in/dev1/sw", &status, ADMIN).await;
    assert_eq!(ok.expect_resource("m2m:swr")["ins"]["sus"], 3);
}

#[tokio::test]
async fn memory_reboot_and_event_log_exist_once_per_node() {
    let app = spawn_app().await;
    node(&app, "dev1", json!({})).await;
    node(&app, "dev2", json!({})).await;
    let reboot = json!({"m2m:rbo": {"mgd": 1009}});
    assert_eq!(
        app.create("/cse-in/dev1", 13, &reboot, Some(ADMIN))
            .await
            .rsc,
        Some(2001)
    );
    app.create("/cse-in/dev1", 13, &reboot, Some(ADMIN))
        .await
        .assert_error(4105, 409, "already has a reboot");
    assert_eq!(
        app.create("/cse-in/dev2", 13, &reboot, Some(ADMIN))
            .await
            .rsc,
        Some(2001)
    );
    // Firmware may exist several times.
    for rn in ["a", "b"] {
        assert_eq!(
            app.create("/cse-in/dev1", 13, &firmware(rn), Some(ADMIN))
                .await
                .rsc,
            Some(2001)
        );
    }
}

#[tokio::test]
async fn ae_node_links_are_kept_on_both_sides() {
    let app = spawn_app().await;
    let ri = node(&app, "dev1", json!({}))
        .await
        .expect_resource("m2m:nod")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    node(&app, "dev2", json!({})).await;
    let ae = json!({"m2m:ae": {"rn": "app", "api": "Napp", "rr": false, "srv": ["3"], "nl": ri}});
    assert_eq!(
        app.create("/cse-in", 2, &ae, Some("Capp")).await.rsc,
        Some(2001)
    );
    let hael = |reply: onecse_testkit::Reply| reply.expect_resource("m2m:nod").get("hael").cloned();
    assert_eq!(
        hael(app.retrieve("/cse-in/dev1", ADMIN).await),
        Some(json!(["Capp"]))
    );
    // Moving the AE to another node (by structured address) moves the link.
    let moved = app
        .update(
            "/cse-in/app",
            &json!({"m2m:ae": {"nl": "cse-in/dev2"}}),
            "Capp",
        )
        .await;
    assert_eq!(moved.rsc, Some(2004), "{}", moved.raw);
    assert_eq!(hael(app.retrieve("/cse-in/dev1", ADMIN).await), None);
    assert_eq!(
        hael(app.retrieve("/cse-in/dev2", ADMIN).await),
        Some(json!(["Capp"]))
    );
    app.update("/cse-in/app", &json!({"m2m:ae": {"nl": "nowhere"}}), "Capp")
        .await
        .assert_error(4000, 400, "does not name a node");
    // Deleting the node removes the AE's nl; deleting the AE empties hael.
    assert_eq!(app.delete("/cse-in/dev2", ADMIN).await.rsc, Some(2002));
    let after = app.retrieve("/cse-in/app", "Capp").await;
    assert!(
        !after.expect_resource("m2m:ae").contains_key("nl"),
        "{}",
        after.raw
    );
    app.update(
        "/cse-in/app",
        &json!({"m2m:ae": {"nl": ri.clone()}}),
        "Capp",
    )
    .await;
    assert_eq!(app.delete("/cse-in/app", "Capp").await.rsc, Some(2002));
    assert_eq!(hael(app.retrieve("/cse-in/dev1", ADMIN).await), None);
}

#[tokio::test]
async fn a_node_hosting_this_cse_is_the_cse_base_node_link() {
    let app = spawn_app().await;
    let reply = node(&app, "self", json!({"hcl": "/id-in"})).await;
    let ri = reply.expect_resource("m2m:nod")["ri"].clone();
    let base = app.retrieve("/cse-in", ADMIN).await;
    assert_eq!(base.expect_resource("m2m:cb")["nl"], ri);
    assert_eq!(app.delete("/cse-in/self", ADMIN).await.rsc, Some(2002));
    let base = app.retrieve("/cse-in", ADMIN).await;
    assert!(!base.expect_resource("m2m:cb").contains_key("nl"));
}

#[tokio::test]
async fn a_trigger_reaches_the_subscribed_device() {
    let app = spawn_app().await;
    let receiver = onecse_testkit::Receiver::start().expect("receiver");
    node(&app, "dev1", json!({})).await;
    app.create("/cse-in/dev1", 13, &firmware("fw"), Some(ADMIN))
        .await;
    let sub = json!({"m2m:sub": {"rn": "watch", "nu": [receiver.url_for("/fw")], "nct": 2,
        "enc": {"net": [1]}}});
    let made = app.create("/cse-in/dev1/fw", 23, &sub, Some(ADMIN)).await;
    assert_eq!(made.rsc, Some(2001), "{}", made.raw);
    let triggered = app
        .update("/cse-in/dev1/fw", &json!({"m2m:fwr": {"ud": true}}), ADMIN)
        .await;
    assert_eq!(triggered.rsc, Some(2004));
    let note = receiver
        .next_notification_on("/fw", std::time::Duration::from_secs(5))
        .await
        .expect("notification");
    assert_eq!(
        note.sgn()["nev"]["rep"]["m2m:fwr"]["ud"],
        true,
        "{:?}",
        note.body
    );
}
