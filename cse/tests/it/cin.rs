//! contentInstance (ty 4): content, size, the container's counters and limits, and
//! correctness under concurrent creation.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn instance_gets_size_state_tag_and_updates_its_container() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let first = app.instance("/cse-in/c", "21.5", "CAdmin").await;
    let cin = first.expect_resource("m2m:cin");
    assert_eq!(cin["ty"], 4);
    assert_eq!(cin["con"], "21.5");
    assert_eq!(cin["cnf"], "text/plain:0");
    assert_eq!(cin["cs"], 4);
    assert_eq!(cin["st"], 1);
    assert!(cin["ri"].as_str().is_some_and(|ri| ri.starts_with("cin")));
    let second = app
        .create("/cse-in/c", 4, &json!({"m2m:cin": {"con": {"t": 21.5, "u": "C"}, "rn": "reading2", "lbl": ["a"], "cr": null}}), Some("CAdmin"))
        .await;
    let cin = second.expect_resource("m2m:cin");
    assert_eq!(
        cin["con"],
        json!({"t": 21.5, "u": "C"}),
        "any JSON content is kept"
    );
    assert_eq!(cin["cs"], 18, "compact JSON text of the object");
    assert_eq!(cin["st"], 2);
    assert_eq!(cin["cr"], "CAdmin");
    assert_eq!(
        second.header("Content-Location"),
        Some("/cse-in/c/reading2")
    );
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone(), cnt["st"].clone()),
        (json!(2), json!(22), json!(2))
    );
}

#[tokio::test]
async fn instance_errors_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mbs": 10}), "CAdmin")
        .await;
    let cases = [
        (json!({}), 4000, "mandatory attribute 'con'"),
        (json!({"con": "x", "cnf": "plain"}), 4000, "cnf"),
        (json!({"con": "x", "cnf": 5}), 4000, "cnf"),
        (json!({"con": "x", "cnf": "text/plain"}), 4000, "cnf"),
        (json!({"con": "x", "cnf": "text/plain:9"}), 4000, "cnf"),
        (json!({"con": "x", "dgt": "yesterday"}), 4000, "dgt"),
        (json!({"con": "x", "dgt": 5}), 4000, "dgt"),
        (json!({"con": "x", "dcnt": 0}), 4000, "dcnt"),
        (json!({"con": "x", "dcnt": "2"}), 4000, "dcnt"),
        (json!({"con": "x", "cs": 1}), 4000, "cs"),
        (json!({"con": "x", "st": 1}), 4000, "st"),
        (json!({"con": "x", "mni": 1}), 4000, "mni"),
        (
            json!({"con": "x", "et": "19990101T000000"}),
            4000,
            "not in the future",
        ),
        (json!({"con": "x", "rn": "la"}), 4000, "reserved"),
        (json!({"con": "x", "rn": "ol"}), 4000, "reserved"),
        (json!({"con": "x", "cr": "Cother"}), 4000, "cr"),
        (json!({"con": "this is longer than ten"}), 5207, "mbs"),
    ];
    for (attrs, rsc, needle) in cases {
        let status = match rsc {
            5207 => 406,
            5001 => 501,
            _ => 400,
        };
        let reply = app
            .create("/cse-in/c", 4, &json!({ "m2m:cin": attrs }), Some("CAdmin"))
            .await;
        reply.assert_error(rsc, status, needle);
    }
    let reply = app
        .create(
            "/cse-in/c",
            4,
            &json!({"m2m:cnt": {"con": "x"}}),
            Some("CAdmin"),
        )
        .await;
    reply.assert_error(4000, 400, "m2m:cin");
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone(), cnt["st"].clone()),
        (json!(0), json!(0), json!(0))
    );
}

#[tokio::test]
async fn instances_cannot_be_updated_and_live_only_in_containers() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "c", json!({}), "Capp").await;
    app.create(
        "/cse-in/c2",
        4,
        &json!({"m2m:cin": {"con": "x"}}),
        Some("Capp"),
    )
    .await
    .assert_error(4004, 404, "c2");
    let reply = app
        .create(
            "/cse-in/app",
            4,
            &json!({"m2m:cin": {"con": "x"}}),
            Some("Capp"),
        )
        .await;
    reply.assert_error(4108, 403, "contentInstance cannot be created under an AE");
    let reply = app
        .create(
            "/cse-in",
            4,
            &json!({"m2m:cin": {"con": "x"}}),
            Some("Capp"),
        )
        .await;
    reply.assert_error(4108, 403, "under a CSEBase");
    let created = app.instance("/cse-in/app/c", "x", "Capp").await;
    let path = format!(
        "/cse-in/app/c/{}",
        created.expect_resource("m2m:cin")["rn"]
            .as_str()
            .unwrap_or_default()
    );
    let reply = app
        .update(&path, &json!({"m2m:cin": {"lbl": ["y"]}}), "Capp")
        .await;
    reply.assert_error(4005, 405, "cannot be updated");
}

#[tokio::test]
async fn over_mni_the_oldest_instances_are_removed() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mni": 3}), "CAdmin")
        .await;
    for i in 0..7 {
        app.instance("/cse-in/c", &format!("{i}"), "CAdmin").await;
    }
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone(), cnt["st"].clone()),
        (json!(3), json!(3), json!(7))
    );
    let children = app.retrieve("/cse-in/c?rcn=8", "CAdmin").await;
    let cons: Vec<&str> = children.body["m2m:cnt"]["m2m:cin"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["con"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(cons.len(), 3);
    let mut sorted = cons.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["4", "5", "6"]);
}

#[tokio::test]
async fn over_mbs_the_oldest_instances_are_removed_until_it_fits() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mbs": 10}), "CAdmin")
        .await;
    for con in ["aaaa", "bbbb", "cccc", "dd"] {
        app.instance("/cse-in/c", con, "CAdmin").await;
    }
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone()),
        (json!(3), json!(10))
    );
    assert_eq!(
        app.retrieve("/cse-in/c/ol", "CAdmin")
            .await
            .expect_resource("m2m:cin")["con"],
        "bbbb"
    );
}

#[tokio::test]
async fn deleting_an_instance_updates_the_container() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let created = app
        .create(
            "/cse-in/c",
            4,
            &json!({"m2m:cin": {"con": "abc", "rn": "one"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(created.rsc, Some(2001));
    app.instance("/cse-in/c", "defgh", "CAdmin").await;
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/c/one?rcn=1",
            Some("CAdmin"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.expect_resource("m2m:cin")["con"], "abc");
    let cnt = app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(
        (
            cnt.expect_resource("m2m:cnt")["cni"].clone(),
            cnt.expect_resource("m2m:cnt")["cbs"].clone()
        ),
        (json!(1), json!(5))
    );
}

#[tokio::test]
async fn instances_older_than_mia_are_never_returned_and_are_removed() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mia": 1}), "CAdmin")
        .await;
    let created = app.instance("/cse-in/c", "old", "CAdmin").await;
    let cin = created.expect_resource("m2m:cin");
    let ct =
        onecse_models::time::Timestamp::parse(cin["ct"].as_str().unwrap_or_default()).expect("ct");
    assert_eq!(
        cin["et"],
        ct.plus_seconds(1).to_string().as_str(),
        "et is capped at ct + mia"
    );
    let path = format!("/cse-in/c/{}", cin["rn"].as_str().unwrap_or_default());
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    app.retrieve(&path, "CAdmin")
        .await
        .assert_error(4004, 404, "does not exist");
    app.retrieve("/cse-in/c/la", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
    // The expiry task removes it and corrects the counters.
    let mut cni = json!(-1);
    for _ in 0..40 {
        cni = app
            .retrieve("/cse-in/c", "CAdmin")
            .await
            .expect_resource("m2m:cnt")["cni"]
            .clone();
        if cni == json!(0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(cni, json!(0));
}

#[tokio::test]
async fn lowering_mia_expires_existing_instances() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    app.instance("/cse-in/c", "x", "CAdmin").await;
    app.update("/cse-in/c", &json!({"m2m:cnt": {"mia": 1}}), "CAdmin")
        .await;
    assert_eq!(app.retrieve("/cse-in/c/la", "CAdmin").await.rsc, Some(2000));
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    app.retrieve("/cse-in/c/la", "CAdmin")
        .await
        .assert_error(4004, 404, "empty");
}

#[tokio::test]
async fn parallel_creates_keep_exactly_mni_instances_and_right_counters() {
    let app = Arc::new(spawn_app().await);
    app.container("/cse-in", "busy", json!({"mni": 10}), "CAdmin")
        .await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let con = format!("value-{i:03}-{}", "x".repeat(i % 7));
            let reply = app
                .create(
                    "/cse-in/busy",
                    4,
                    &json!({"m2m:cin": {"con": con}}),
                    Some("CAdmin"),
                )
                .await;
            (reply.rsc, reply.expect_resource("m2m:cin")["cs"].as_i64())
        }));
    }
    for task in tasks {
        let (rsc, _) = task.await.expect("task");
        assert_eq!(rsc, Some(2001));
    }
    let children = app.retrieve("/cse-in/busy?rcn=8", "CAdmin").await;
    let instances = children.body["m2m:cnt"]["m2m:cin"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(instances.len(), 10);
    let bytes: i64 = instances.iter().filter_map(|c| c["cs"].as_i64()).sum();
    let cnt = app.retrieve("/cse-in/busy", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(cnt["cni"], 10);
    assert_eq!(cnt["cbs"], bytes);
    assert_eq!(cnt["st"], 64);
}

#[tokio::test]
async fn data_generation_time_is_kept_as_given() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let reply = app
        .create(
            "/cse-in/c",
            4,
            &json!({"m2m:cin": {"con": "x", "dgt": "20250101T100000", "cnf": "text/plain:0"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let la = app.retrieve("/cse-in/c/la", "CAdmin").await;
    let cin = la.expect_resource("m2m:cin");
    assert_eq!(cin["dgt"], "20250101T100000");
    assert_eq!(cin["cnf"], "text/plain:0");
}

/// deletionCnt (R4): concurrent RETRIEVEs of an instance with `dcnt` 3, directly and
/// through `la`, are answered exactly three times; the rest find it gone, and the
/// container's counters follow the deletion (on PostgreSQL the row lock, on SQLite
/// the single writer, serialise the counting).
#[tokio::test]
async fn racing_retrievals_never_read_an_instance_more_than_its_deletion_count() {
    let app = Arc::new(spawn_app().await);
    app.container("/cse-in", "counted", json!({}), "CAdmin")
        .await;
    let reply = app
        .create(
            "/cse-in/counted",
            4,
            &json!({"m2m:cin": {"rn": "i", "con": "once", "dcnt": 3}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = Arc::clone(&app);
        let path = if n % 2 == 0 {
            "/cse-in/counted/i"
        } else {
            "/cse-in/counted/la"
        };
        tasks.push(tokio::spawn(async move {
            let reply = app.retrieve(path, "CAdmin").await;
            let left = reply.body["m2m:cin"]["dcnt"].as_i64();
            (reply.rsc, left)
        }));
    }
    let mut answered = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (Some(2000), left) => answered.push(left),
            (rsc, _) => assert_eq!(rsc, Some(4004)),
        }
    }
    answered.sort_unstable();
    assert_eq!(answered, vec![Some(1), Some(2), Some(3)]);
    let cnt = app.retrieve("/cse-in/counted", "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    assert_eq!(
        (cnt["cni"].clone(), cnt["cbs"].clone()),
        (json!(0), json!(0))
    );
}
