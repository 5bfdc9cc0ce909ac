//! mgmtObj specializations beyond the basic CRUD in `nod.rs`: the status and trigger
//! attributes a client reads back, one-shot triggers stored with a fixed value, the
//! TS-0022 device-configuration objects (dataCollection schedules, myCertFileCred
//! SUIDs, wifiClient credentials, SIM, mobileNetwork, credentials) and the node's
//! non-empty `hael`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const ADMIN: &str = "CAdmin";

async fn app_with_node() -> TestApp {
    let app = spawn_app().await;
    let node = json!({"m2m:nod": {"rn": "dev", "ni": "urn:dev:1"}});
    assert_eq!(
        app.create("/cse-in", 14, &node, Some(ADMIN)).await.rsc,
        Some(2001)
    );
    app
}

async fn created(app: &TestApp, body: Value, root: &str) -> serde_json::Map<String, Value> {
    let reply = app.create("/cse-in/dev", 13, &body, Some(ADMIN)).await;
    assert_eq!(reply.rsc, Some(2001), "{root}: {}", reply.raw);
    reply.expect_resource(root).clone()
}

#[tokio::test]
async fn status_and_trigger_attributes_are_filled_on_create() {
    let app = app_with_node().await;
    let fwr = created(
        &app,
        json!({"m2m:fwr": {"rn": "fw", "mgd": 1001, "vr": "1", "fwn": "f", "url": "http://127.0.0.1/f", "ud": false}}),
        "m2m:fwr",
    )
    .await;
    assert_eq!(fwr["uds"], json!({"acn": "", "sus": 0}));
    let swr = created(
        &app,
        json!({"m2m:swr": {"rn": "sw", "mgd": 1002, "vr": "1", "swn": "s", "url": "http://127.0.0.1/s"}}),
        "m2m:swr",
    )
    .await;
    for trigger in ["in", "un", "act", "dea"] {
        assert_eq!(swr[trigger], false, "{trigger}");
    }
    assert_eq!(swr["ins"]["sus"], 0);
    assert_eq!(swr["acts"]["sus"], 0);
    // A status the device reports later is kept.
    let reported = app
        .update(
            "/cse-in/dev/fw",
            &json!({"m2m:fwr": {"uds": {"acn": "ud", "sus": 1}}}),
            ADMIN,
        )
        .await;
    assert_eq!(reported.expect_resource("m2m:fwr")["uds"]["sus"], 1);
}

#[tokio::test]
async fn one_shot_triggers_are_stored_as_true() {
    let app = app_with_node().await;
    let dvc = created(
        &app,
        json!({"m2m:dvc": {"rn": "cap", "mgd": 1008, "can": "camera", "att": true,
            "cas": {"acn": "x", "sus": 1}, "cus": true}}),
        "m2m:dvc",
    )
    .await;
    assert_eq!(
        (dvc["ena"].clone(), dvc["dis"].clone()),
        (json!(true), json!(true))
    );
    let rbo = created(
        &app,
        json!({"m2m:rbo": {"rn": "rb", "mgd": 1009, "rbo": false, "far": false}}),
        "m2m:rbo",
    )
    .await;
    assert_eq!(
        (rbo["rbo"].clone(), rbo["far"].clone()),
        (json!(true), json!(true))
    );
    for body in [
        json!({"m2m:rbo": {"rbo": true}}),
        json!({"m2m:rbo": {"far": false}}),
        json!({"m2m:rbo": {"rbo": false, "far": false}}),
    ] {
        let reply = app.update("/cse-in/dev/rb", &body, ADMIN).await;
        let rbo = reply.expect_resource("m2m:rbo");
        assert_eq!(
            (rbo["rbo"].clone(), rbo["far"].clone()),
            (json!(true), json!(true)),
            "{body}"
        );
    }
    for body in [
        json!({"m2m:dvc": {"ena": false}}),
        json!({"m2m:dvc": {"dis": true}}),
    ] {
        let reply = app.update("/cse-in/dev/cap", &body, ADMIN).await;
        assert_eq!(reply.expect_resource("m2m:dvc")["ena"], true, "{body}");
    }
    app.update(
        "/cse-in/dev/cap",
        &json!({"m2m:dvc": {"ena": true, "dis": true}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "cannot both be true");
    let evl = created(
        &app,
        json!({"m2m:evl": {"mgd": 1010, "lgt": 1, "lgd": "log", "lgst": 2}}),
        "m2m:evl",
    )
    .await;
    assert_eq!(
        (evl["lga"].clone(), evl["lgo"].clone()),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn my_cert_file_cred_checks_its_suids() {
    let app = app_with_node().await;
    let good = json!({"m2m:nycfc": {"rn": "cert", "mgd": 1023, "suids": [42, 12],
        "mcff": "application/pkcs7mime", "mcfc": "secretKey"}});
    let nycfc = created(&app, good, "m2m:nycfc").await;
    assert_eq!(nycfc["suids"], json!([42, 12]));
    assert_eq!(nycfc["ty"], 13);
    for (suids, needle) in [
        (json!([99]), "99 is not one of"),
        (json!(["42"]), "is not one of"),
        (json!(42), "must be an array"),
    ] {
        let bad = json!({"m2m:nycfc": {"mgd": 1023, "suids": suids,
            "mcff": "application/pkcs7mime", "mcfc": "k"}});
        app.create("/cse-in/dev", 13, &bad, Some(ADMIN))
            .await
            .assert_error(4000, 400, needle);
    }
    app.update(
        "/cse-in/dev/cert",
        &json!({"m2m:nycfc": {"suids": [16]}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "16 is not one of");
    app.update(
        "/cse-in/dev/cert",
        &json!({"m2m:nycfc": {"mcfc": "other"}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "'mcfc' is not allowed in UPDATE");
    let ok = app
        .update(
            "/cse-in/dev/cert",
            &json!({"m2m:nycfc": {"suids": [40]}}),
            ADMIN,
        )
        .await;
    assert_eq!(ok.expect_resource("m2m:nycfc")["suids"], json!([40]));
}

#[tokio::test]
async fn wifi_client_credentials_match_the_encryption_type() {
    let app = app_with_node().await;
    let wific = created(
        &app,
        json!({"dcfg:wific": {"rn": "wifi", "mgd": 1028, "ssid": "home",
            "wcrds": {"enct": 8, "unm": "user", "pwd": "pwd"}}}),
        "dcfg:wific",
    )
    .await;
    assert_eq!(wific["wcrds"]["enct"], 8);
    assert_eq!(wific["scan"], false);
    assert_eq!(wific["scanr"], json!([]));
    assert_eq!(wific["ud"], false);
    assert_eq!(wific["trdst"], false);
    assert_eq!(wific["uds"]["sus"], 0);
    for (wcrds, needle) in [
        (
            json!({"enct": 2, "unm": "u", "pwd": "p"}),
            "unm/pwd only belong",
        ),
        (json!({"enct": 4, "wepk": "k"}), "wepk only belong"),
        (json!({"enct": 8, "wpap": "w"}), "wpap only belong"),
        (json!({"enct": 3}), "needs a passphrase"),
        (json!({"enct": 12}), "not an encryption type"),
    ] {
        let bad = json!({"dcfg:wific": {"mgd": 1028, "ssid": "x", "wcrds": wcrds}});
        app.create("/cse-in/dev", 13, &bad, Some(ADMIN))
            .await
            .assert_error(4000, 400, needle);
    }
    app.update(
        "/cse-in/dev/wifi",
        &json!({"dcfg:wific": {"wcrds": {"enct": 2}}}),
        ADMIN,
    )
    .await
    .assert_error(4000, 400, "needs a WEP key");
    let toggled = app
        .update(
            "/cse-in/dev/wifi",
            &json!({"dcfg:wific": {"trdst": true, "wcrds": {"enct": 4, "wpap": "secret"}}}),
            ADMIN,
        )
        .await;
    let wific = toggled.expect_resource("dcfg:wific");
    assert_eq!(wific["trdst"], false);
    assert_eq!(wific["wcrds"], json!({"enct": 4, "wpap": "secret"}));
    // The root key carries the dcfg namespace.
    let wrong = json!({"m2m:wific": {"mgd": 1028, "ssid": "x"}});
    app.create("/cse-in/dev", 13, &wrong, Some(ADMIN))
        .await
        .assert_error(4000, 400, "dcfg:wific");
}

#[tokio::test]
async fn data_collection_schedules_are_checked_and_exclusive() {
    let app = app_with_node().await;
    let datc = created(
        &app,
        json!({"dcfg:datc": {"rn": "dc", "mgd": 1021, "cntp": "cse-in/app/data"}}),
        "dcfg:datc",
    )
    .await;
    assert_eq!(datc["cntp"], "cse-in/app/data");
    let path = "/cse-in/dev/dc";
    for (rpsc, needle) in [
        (json!(10000), "list of scheduleEntries"),
        (json!([10]), "object with an 'sce' list"),
        (json!([{"sce": ["10 * * * *"]}]), "7 are required"),
        (json!([{"sce": ["10 * 25 * * * *"]}]), "hour '25'"),
    ] {
        app.update(path, &json!({"dcfg:datc": {"rpsc": rpsc}}), ADMIN)
            .await
            .assert_error(4000, 400, needle);
    }
    let ok = app
        .update(
            path,
            &json!({"dcfg:datc": {"rpsc": [{"sce": ["10 * * * * * *"]}], "mesc": [{"sce": ["0 */5 * * * * *"]}]}}),
            ADMIN,
        )
        .await;
    assert_eq!(ok.rsc, Some(2004), "{}", ok.raw);
    app.update(path, &json!({"dcfg:datc": {"rpil": 10000}}), ADMIN)
        .await
        .assert_error(4000, 400, "'rpsc' or 'rpil', not both");
    app.update(path, &json!({"dcfg:datc": {"meil": 10000}}), ADMIN)
        .await
        .assert_error(4000, 400, "'mesc' or 'meil', not both");
    let swapped = app
        .update(
            path,
            &json!({"dcfg:datc": {"mesc": null, "meil": 10000}}),
            ADMIN,
        )
        .await;
    let datc = swapped.expect_resource("dcfg:datc");
    assert!(!datc.contains_key("mesc"), "{}", swapped.raw);
    assert_eq!(datc["meil"], 10000);
    assert_eq!(datc["rpsc"][0]["sce"], json!(["10 * * * * * *"]));
    let both = json!({"dcfg:datc": {"mgd": 1021, "cntp": "c", "rpil": 5, "rpsc": [{"sce": ["* * * * * * *"]}]}});
    app.create("/cse-in/dev", 13, &both, Some(ADMIN))
        .await
        .assert_error(4000, 400, "not both");
}

#[tokio::test]
async fn sim_mobile_network_and_credentials_are_hosted() {
    let app = app_with_node().await;
    let sim = created(
        &app,
        json!({"dcfg:sim": {"mgd": 1030, "icid": "89490200001234567890", "imsi": "262011234567890", "sist": 1, "sity": 2}}),
        "dcfg:sim",
    )
    .await;
    assert_eq!(sim["sity"], 2);
    for (body, needle) in [
        (
            json!({"dcfg:sim": {"mgd": 1030, "icid": "12ab"}}),
            "not an ICCID",
        ),
        (
            json!({"dcfg:sim": {"mgd": 1030, "icid": "89490200001234567890", "sist": 3}}),
            "'sist'",
        ),
        (json!({"dcfg:sim": {"mgd": 1030}}), "'icid' is missing"),
        (json!({"dcfg:mnwk": {"mgd": 1031, "cnb": 9}}), "'cnb'"),
        (json!({"dcfg:crds": {"mgd": 1029, "pur": 5}}), "'pur'"),
    ] {
        app.create("/cse-in/dev", 13, &body, Some(ADMIN))
            .await
            .assert_error(4000, 400, needle);
    }
    let mnwk = created(
        &app,
        json!({"dcfg:mnwk": {"mgd": 1031, "cnb": 7, "rss": -85, "apna": ["iot.example"], "coel": 1}}),
        "dcfg:mnwk",
    )
    .await;
    assert_eq!(mnwk["rss"], -85);
    let crds = created(
        &app,
        json!({"dcfg:crds": {"mgd": 1029, "pur": "registration", "crid": "id1", "crse": "s3cret"}}),
        "dcfg:crds",
    )
    .await;
    assert_eq!(crds["crid"], "id1");
    // All three are listed under the node with their own root keys (rcn=4).
    let nested = app.retrieve("/cse-in/dev?rcn=4", ADMIN).await;
    let nod = nested.expect_resource("m2m:nod");
    for root in ["dcfg:sim", "dcfg:mnwk", "dcfg:crds"] {
        assert!(nod.contains_key(root), "{root}: {}", nested.raw);
    }
}

#[tokio::test]
async fn an_empty_hael_is_refused() {
    let app = app_with_node().await;
    app.create(
        "/cse-in",
        14,
        &json!({"m2m:nod": {"ni": "n2", "hael": []}}),
        Some(ADMIN),
    )
    .await
    .assert_error(4000, 400, "'hael' must not be an empty list");
    app.update("/cse-in/dev", &json!({"m2m:nod": {"hael": []}}), ADMIN)
        .await
        .assert_error(4000, 400, "empty list");
    let ok = app
        .update("/cse-in/dev", &json!({"m2m:nod": {"hael": ["Cx"]}}), ADMIN)
        .await;
    assert_eq!(ok.expect_resource("m2m:nod")["hael"], json!(["Cx"]));
}
