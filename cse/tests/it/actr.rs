//! action (ty 65) and dependency (ty 66), R4: attribute checks, the action primitive
//! sent as the action's creator through the normal dispatch (access control applies)
//! in each evaluation mode, its response in `air`, and dependencies gating it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app_with};

const AE: &str = "Cact";

/// Timers and the request worker checked often, so actions run promptly.
async fn quick_app() -> TestApp {
    let app = spawn_app_with(|c| {
        c.timer_interval_ms = 40;
        c.request_poll_ms = 50;
    })
    .await;
    app.register_ae("act", AE).await;
    app.container("/cse-in/act", "in", json!({}), AE).await;
    app.container("/cse-in/act", "out", json!({}), AE).await;
    app
}

/// An apv creating a contentInstance in `out` as `from`.
fn write_out(from: &str) -> Value {
    json!({"op": 1, "fr": from, "to": "cse-in/act/out", "rqi": "a1", "rvi": "4", "ty": 4,
           "pc": {"m2m:cin": {"con": "fired"}}})
}

/// An action `rn` under the AE watching `in` (cni > 0) with `extra`.
async fn action(app: &TestApp, rn: &str, extra: Value, originator: &str) -> Reply {
    let mut attrs = json!({"rn": rn, "sri": "cse-in/act/in",
        "evc": {"sbjt": "cni", "optr": 3, "thld": 0}, "evm": 1, "apv": write_out(originator)});
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    app.create(
        "/cse-in/act",
        65,
        &json!({ "m2m:actr": attrs }),
        Some(originator),
    )
    .await
}

async fn attr(app: &TestApp, path: &str, root: &str, name: &str) -> Value {
    app.retrieve(path, "CAdmin")
        .await
        .expect_resource(root)
        .get(name)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Polls `path`'s `name` until `pred` holds (at most 5 s).
async fn wait_for(
    app: &TestApp,
    path: &str,
    root: &str,
    name: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let value = attr(app, path, root, name).await;
        if pred(&value) {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path}#{name} never met the condition");
}

#[tokio::test]
async fn an_action_is_created_and_both_types_are_in_srt() {
    let app = quick_app().await;
    let reply = action(&app, "a", json!({"evm": 0}), AE).await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    let actr = reply.expect_resource("m2m:actr");
    assert_eq!(actr["ty"], 65);
    assert_eq!(actr["apv"]["to"], "cse-in/act/out");
    let srt = attr(&app, "/cse-in", "m2m:cb", "srt").await;
    for ty in [65, 66] {
        assert!(
            srt.as_array().is_some_and(|t| t.contains(&json!(ty))),
            "{srt}"
        );
    }
}

#[tokio::test]
async fn bad_actions_are_refused_naming_what_is_wrong() {
    let app = quick_app().await;
    let cases = [
        (json!({"apv": write_out("Csomeoneelse")}), "apv.fr"),
        (
            json!({"evc": {"sbjt": "cni", "optr": 9, "thld": 0}}),
            "optr",
        ),
        (json!({"evc": {"optr": 1, "thld": 0}}), "sbjt"),
        (json!({"evm": 7}), "evm"),
        (json!({"evm": 1, "ecp": 100}), "ecp"),
        (json!({"sri": "cse-in/act/nothing"}), "sri"),
        (
            json!({"apv": {"op": 1, "fr": AE, "to": "cse-in/act/out"}}),
            "ty",
        ),
        (json!({"apv": {"op": 9, "fr": AE, "to": "x"}}), "op"),
        (json!({"ipu": {}}), "ipu"),
    ];
    for (extra, needle) in cases {
        let reply = action(&app, "bad", extra.clone(), AE).await;
        assert!(
            matches!(reply.rsc, Some(4000 | 5001)),
            "{extra}: {reply:#?}"
        );
        assert!(reply.dbg().contains(needle), "{extra}: {}", reply.dbg());
    }
    let no_evm = app
        .create(
            "/cse-in/act",
            65,
            &json!({"m2m:actr": {"evc": {"sbjt": "cni", "optr": 3, "thld": 0}, "apv": write_out(AE)}}),
            Some(AE),
        )
        .await;
    assert_eq!(no_evm.rsc, Some(4000));
    let under_cin_parent = app
        .create(
            "/cse-in/act/in",
            66,
            &json!({"m2m:depr": {"sfc": true, "rri": "cse-in/act/in",
            "evc": {"sbjt": "cni", "optr": 1, "thld": 0}}}),
            Some(AE),
        )
        .await;
    assert_eq!(under_cin_parent.rsc, Some(4108));
}

#[tokio::test]
async fn once_runs_the_primitive_as_its_creator_when_the_criteria_hold_then_turns_off() {
    let app = quick_app().await;
    assert_eq!(action(&app, "a", json!({}), AE).await.rsc, Some(2001));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await,
        0,
        "criteria not met yet"
    );
    app.instance("/cse-in/act/in", "x", AE).await;
    wait_for(&app, "/cse-in/act/out", "m2m:cnt", "cni", |v| v == 1).await;
    let air = wait_for(&app, "/cse-in/act/a", "m2m:actr", "air", |v| {
        v["rsc"] == 2001
    })
    .await;
    assert!(air["pc"]["m2m:cin"]["con"] == "fired", "{air}");
    assert_eq!(attr(&app, "/cse-in/act/a", "m2m:actr", "evm").await, 0);
    let cin = app.retrieve("/cse-in/act/out/la", "CAdmin").await;
    assert_eq!(cin.expect_resource("m2m:cin")["con"], "fired");
    app.instance("/cse-in/act/in", "y", AE).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await,
        1,
        "once means once"
    );
}

#[tokio::test]
async fn the_primitive_is_subject_to_access_control_like_any_request() {
    let app = quick_app().await;
    app.register_ae("other", "Cother").await;
    // Cother may not write into Cact's container: the action runs, the CSE refuses.
    let attrs = json!({"rn": "a", "evc": {"sbjt": "rn", "optr": 1, "thld": "other"}, "evm": 1,
        "apv": write_out("Cother")});
    let reply = app
        .create(
            "/cse-in/other",
            65,
            &json!({"m2m:actr": attrs}),
            Some("Cother"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let air = wait_for(&app, "/cse-in/other/a", "m2m:actr", "air", |v| {
        v["rsc"] != 1000 && !v.is_null()
    })
    .await;
    assert_eq!(air["rsc"], 4103, "{air}");
    assert_eq!(attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await, 0);
}

#[tokio::test]
async fn periodic_runs_every_ecp_while_the_criteria_hold() {
    let app = quick_app().await;
    app.instance("/cse-in/act/in", "x", AE).await;
    let reply = action(&app, "a", json!({"evm": 2, "ecp": 250}), AE).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    wait_for(&app, "/cse-in/act/out", "m2m:cnt", "cni", |v| {
        v.as_i64().unwrap_or(0) >= 3
    })
    .await;
    let off = app
        .update(
            "/cse-in/act/a",
            &json!({"m2m:actr": {"evm": 0, "ecp": null}}),
            AE,
        )
        .await;
    assert_eq!(off.rsc, Some(2004), "{off:#?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stopped = attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await,
        stopped,
        "evm 0 stops it"
    );
}

#[tokio::test]
async fn continuous_runs_on_each_change_of_the_subject_up_to_ecp_times() {
    let app = quick_app().await;
    let reply = action(&app, "a", json!({"evm": 3, "ecp": 2}), AE).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    for (n, con) in ["x", "y", "z"].iter().enumerate() {
        app.instance("/cse-in/act/in", con, AE).await;
        let expected = i64::try_from(n.min(1) + 1).unwrap_or(2);
        wait_for(&app, "/cse-in/act/out", "m2m:cnt", "cni", |v| {
            v.as_i64() == Some(expected)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(
        attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await,
        2,
        "at most ecp runs"
    );
    assert_eq!(attr(&app, "/cse-in/act/a", "m2m:actr", "evm").await, 0);
}

#[tokio::test]
async fn dependencies_gate_the_action() {
    let app = quick_app().await;
    app.container("/cse-in/act", "gate", json!({"mni": 10}), AE)
        .await;
    app.instance("/cse-in/act/in", "x", AE).await;
    assert_eq!(
        action(&app, "a", json!({"evm": 0}), AE).await.rsc,
        Some(2001)
    );
    let dep = app
        .create(
            "/cse-in/act/a",
            66,
            &json!({"m2m:depr": {"rn": "d", "sfc": false,
            "rri": "cse-in/act/gate", "evc": {"sbjt": "mni", "optr": 1, "thld": 5}}}),
            Some(AE),
        )
        .await;
    assert_eq!(dep.rsc, Some(2001), "{dep:#?}");
    let dep_ri = dep.expect_resource("m2m:depr")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let not_child = app
        .update(
            "/cse-in/act/a",
            &json!({"m2m:actr": {"dep": ["nothing"]}}),
            AE,
        )
        .await;
    assert_eq!(not_child.rsc, Some(4000));
    assert!(not_child.dbg().contains("dep"), "{}", not_child.dbg());
    let gated = app
        .update(
            "/cse-in/act/a",
            &json!({"m2m:actr": {"dep": [dep_ri], "evm": 1}}),
            AE,
        )
        .await;
    assert_eq!(gated.rsc, Some(2004), "{gated:#?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        attr(&app, "/cse-in/act/out", "m2m:cnt", "cni").await,
        0,
        "dependency not met"
    );
    app.update("/cse-in/act/gate", &json!({"m2m:cnt": {"mni": 5}}), AE)
        .await;
    wait_for(&app, "/cse-in/act/out", "m2m:cnt", "cni", |v| v == 1).await;
    let bad = app
        .create(
            "/cse-in/act/a",
            66,
            &json!({"m2m:depr": {"sfc": true, "rri": "cse-in/act/none",
            "evc": {"sbjt": "mni", "optr": 1, "thld": 5}}}),
            Some(AE),
        )
        .await;
    assert_eq!(bad.rsc, Some(4000));
    assert!(bad.dbg().contains("rri"), "{}", bad.dbg());
}
