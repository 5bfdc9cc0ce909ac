//! `<group>` (TS-0001 §9.6.13, TS-0004 §7.4.13/§7.4.14, spec digest resources §8):
//! member validation on CREATE and UPDATE, and the fan-out point `fopt` — member
//! order, per-member results, access under `macp`, nesting — over HTTP.

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

const ADMIN: &str = "CAdmin";

/// Creates a group under `parent` with `attrs` (as CAdmin unless `originator`).
async fn group(app: &TestApp, parent: &str, attrs: Value, originator: &str) -> Reply {
    app.create(parent, 9, &json!({ "m2m:grp": attrs }), Some(originator))
        .await
}

/// Containers `/cse-in/c0..cN` with one instance each (`v0..vN`).
async fn containers(app: &TestApp, n: usize) -> Vec<String> {
    let mut paths = Vec::new();
    for i in 0..n {
        app.container("/cse-in", &format!("c{i}"), json!({}), ADMIN)
            .await;
        let path = format!("cse-in/c{i}");
        app.instance(&format!("/{path}"), &format!("v{i}"), ADMIN)
            .await;
        paths.push(path);
    }
    paths
}

/// The member responses of a fan-out answer (checked to be 2000 OK).
fn member_responses(reply: &Reply) -> Vec<Value> {
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
    reply.body["m2m:agr"]["m2m:rsp"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("m2m:agr/m2m:rsp expected: {}", reply.raw))
}

fn codes(rsps: &[Value]) -> Vec<i64> {
    rsps.iter()
        .map(|r| r["rsc"].as_i64().unwrap_or(0))
        .collect()
}

#[tokio::test]
async fn a_group_is_created_retrieved_updated_and_deleted() {
    let app = spawn_app().await;
    let members = containers(&app, 2).await;
    let reply = group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 5, "mid": members, "gn": "pair", "cr": null}),
        ADMIN,
    )
    .await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    let grp = reply.expect_resource("m2m:grp");
    assert_eq!(
        (grp["ty"].clone(), grp["cnm"].clone(), grp["mt"].clone()),
        (json!(9), json!(2), json!(0))
    );
    assert_eq!(
        (grp["csy"].clone(), grp["mtv"].clone(), grp["cr"].clone()),
        (json!(1), json!(true), json!(ADMIN))
    );
    let reply = app.retrieve("/cse-in/g", ADMIN).await;
    assert_eq!(reply.expect_resource("m2m:grp")["mid"], json!(members));
    let reply = app
        .update(
            "/cse-in/g",
            &json!({"m2m:grp": {"mid": ["cse-in/c1"], "gn": "one"}}),
            ADMIN,
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    let grp = reply.expect_resource("m2m:grp");
    assert_eq!(
        (grp["cnm"].clone(), grp["gn"].clone()),
        (json!(1), json!("one"))
    );
    assert_eq!(app.delete("/cse-in/g", ADMIN).await.rsc, Some(2002));
    assert_eq!(app.retrieve("/cse-in/g", ADMIN).await.rsc, Some(4004));
}

#[tokio::test]
async fn a_group_under_an_ae_is_created_and_read_only_attributes_are_refused() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let reply = group(
        &app,
        "/cse-in/app",
        json!({"rn": "g", "mnm": 2, "mid": []}),
        "Capp",
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:grp")["cnm"], 0);
    let reply = group(
        &app,
        "/cse-in",
        json!({"mnm": 2, "mid": [], "cnm": 3}),
        ADMIN,
    )
    .await;
    reply.assert_error(4000, 400, "cnm");
    let reply = app
        .update("/cse-in/app/g", &json!({"m2m:grp": {"mt": 3}}), "Capp")
        .await;
    reply.assert_error(4000, 400, "mt");
}

#[tokio::test]
async fn mnm_and_mid_are_mandatory() {
    let app = spawn_app().await;
    let reply = group(&app, "/cse-in", json!({"mid": []}), ADMIN).await;
    reply.assert_error(4000, 400, "mnm");
    let reply = group(&app, "/cse-in", json!({"mnm": 3}), ADMIN).await;
    reply.assert_error(4000, 400, "mid");
    let reply = group(&app, "/cse-in", json!({"mnm": 0, "mid": []}), ADMIN).await;
    reply.assert_error(4000, 400, "mnm");
}

#[tokio::test]
async fn a_member_that_does_not_exist_is_not_found() {
    let app = spawn_app().await;
    containers(&app, 1).await;
    let body = json!({"mnm": 3, "mid": ["cse-in/c0", "cse-in/nothing"]});
    let reply = group(&app, "/cse-in", body, ADMIN).await;
    reply.assert_error(4004, 404, "cse-in/nothing");
    let reply = group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": []}),
        ADMIN,
    )
    .await;
    assert_eq!(reply.rsc, Some(2001));
    let reply = app
        .update("/cse-in/g", &json!({"m2m:grp": {"mid": ["gone"]}}), ADMIN)
        .await;
    reply.assert_error(4004, 404, "gone");
}

#[tokio::test]
async fn duplicate_members_are_removed_in_any_address_form() {
    let app = spawn_app().await;
    let cnt = app.container("/cse-in", "c", json!({}), ADMIN).await;
    let ri = cnt.text("m2m:cnt", "ri").expect("ri");
    let mid = json!(["cse-in/c", "cse-in/c", ri, format!("/id-in/{ri}")]);
    let reply = group(&app, "/cse-in", json!({"mnm": 2, "mid": mid}), ADMIN).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let grp = reply.expect_resource("m2m:grp");
    assert_eq!(
        (grp["mid"].clone(), grp["cnm"].clone()),
        (json!(["cse-in/c"]), json!(1))
    );
}

#[tokio::test]
async fn more_members_than_mnm_is_refused_with_6010() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    let reply = group(&app, "/cse-in", json!({"mnm": 2, "mid": members}), ADMIN).await;
    reply.assert_error(6010, 400, "mnm");
    let reply = group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": members}),
        ADMIN,
    )
    .await;
    assert_eq!(reply.rsc, Some(2001));
    let reply = app
        .update("/cse-in/g", &json!({"m2m:grp": {"mnm": 2}}), ADMIN)
        .await;
    reply.assert_error(6010, 400, "mnm");
    let reply = app
        .update("/cse-in/g", &json!({"m2m:grp": {"mnm": 100_000}}), ADMIN)
        .await;
    reply.assert_error(4000, 400, "10000");
    // More than the CSE's bound is refused before any member is looked up.
    let many: Vec<String> = (0..=10_000).map(|i| format!("x{i}")).collect();
    let reply = group(&app, "/cse-in", json!({"mnm": 10_000, "mid": many}), ADMIN).await;
    reply.assert_error(4000, 400, "at most 10000");
}

#[tokio::test]
async fn a_member_of_another_type_follows_the_consistency_strategy() {
    let app = spawn_app().await;
    containers(&app, 1).await;
    app.register_ae("app", "Capp").await;
    let mid = json!(["cse-in/c0", "cse-in/app"]);
    // 1 ABANDON_MEMBER: the AE goes.
    let reply = group(
        &app,
        "/cse-in",
        json!({"mt": 3, "mnm": 5, "mid": mid}),
        ADMIN,
    )
    .await;
    let grp = reply.expect_resource("m2m:grp");
    assert_eq!(
        (grp["mid"].clone(), grp["mt"].clone()),
        (json!(["cse-in/c0"]), json!(3))
    );
    // 2 ABANDON_GROUP: refused.
    let body = json!({"mt": 3, "csy": 2, "mnm": 5, "mid": mid});
    group(&app, "/cse-in", body, ADMIN)
        .await
        .assert_error(4110, 400, "cse-in/app");
    // 3 SET_MIXED: both stay, the group becomes mixed.
    let body = json!({"mt": 3, "csy": 3, "mnm": 5, "mid": mid});
    let reply = group(&app, "/cse-in", body, ADMIN).await;
    let grp = reply.expect_resource("m2m:grp");
    assert_eq!(
        (grp["cnm"].clone(), grp["mt"].clone()),
        (json!(2), json!(0))
    );
    assert_eq!(grp["mtv"], true);
    // An unknown csy is refused.
    let body = json!({"csy": 7, "mnm": 5, "mid": []});
    group(&app, "/cse-in", body, ADMIN)
        .await
        .assert_error(4000, 400, "csy");
}

#[tokio::test]
async fn fopt_retrieve_of_latest_answers_every_member_in_member_order() {
    let app = spawn_app().await;
    let mut members = containers(&app, 5).await;
    members.reverse();
    let reply = group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 10, "mid": members}),
        ADMIN,
    )
    .await;
    let ri = reply.text("m2m:grp", "ri").expect("ri");
    for path in [
        "/cse-in/g/fopt/la".to_owned(),
        format!("/{ri}/fopt/la"),
        format!("/~/id-in/{ri}/fopt/la"),
    ] {
        let rsps = member_responses(&app.retrieve(&path, ADMIN).await);
        assert_eq!(codes(&rsps), vec![2000; 5], "{path}");
        let cons: Vec<Value> = rsps
            .iter()
            .map(|r| r["pc"]["m2m:cin"]["con"].clone())
            .collect();
        assert_eq!(cons, vec!["v4", "v3", "v2", "v1", "v0"], "{path}");
        let from: Vec<Value> = rsps.iter().map(|r| r["fr"].clone()).collect();
        assert_eq!(json!(from), json!(members));
        assert_eq!(rsps[0]["to"], ADMIN);
    }
    // The group itself is still an ordinary resource.
    assert_eq!(app.retrieve("/cse-in/g", ADMIN).await.rsc, Some(2000));
    // And retrieving the members through the bare fan-out point works too.
    let rsps = member_responses(&app.retrieve("/cse-in/g/fopt", ADMIN).await);
    assert_eq!(rsps[0]["pc"]["m2m:cnt"]["rn"], "c4");
}

#[tokio::test]
async fn a_failing_member_reports_its_own_error_inside_the_aggregate() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": members}),
        ADMIN,
    )
    .await;
    // c1 stays a member but has no latest instance any more.
    assert_eq!(app.delete("/cse-in/c1/la", ADMIN).await.rsc, Some(2002));
    let rsps = member_responses(&app.retrieve("/cse-in/g/fopt/la", ADMIN).await);
    assert_eq!(codes(&rsps), vec![2000, 4004, 2000]);
    assert!(
        rsps[1]["pc"]["m2m:dbg"]
            .as_str()
            .is_some_and(|d| d.contains("c1"))
    );
}

#[tokio::test]
async fn fopt_create_makes_an_instance_in_every_member() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": members}),
        ADMIN,
    )
    .await;
    let body = json!({"m2m:cin": {"con": "all", "cnf": "text/plain:0"}});
    let rsps = member_responses(&app.create("/cse-in/g/fopt", 4, &body, Some(ADMIN)).await);
    assert_eq!(codes(&rsps), vec![2001; 3]);
    for member in &members {
        let reply = app.retrieve(&format!("/{member}/la"), ADMIN).await;
        assert_eq!(reply.expect_resource("m2m:cin")["con"], "all");
    }
    // A type a member cannot have: each member answers 4108.
    let body = json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}});
    let rsps = member_responses(&app.create("/cse-in/g/fopt", 2, &body, Some(ADMIN)).await);
    assert_eq!(codes(&rsps), vec![4108; 3]);
}

#[tokio::test]
async fn fopt_delete_removes_deleted_members_from_the_group() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": members}),
        ADMIN,
    )
    .await;
    // Deleting below the members keeps them.
    let rsps = member_responses(&app.delete("/cse-in/g/fopt/la", ADMIN).await);
    assert_eq!(codes(&rsps), vec![2002; 3]);
    let grp = app.retrieve("/cse-in/g", ADMIN).await;
    assert_eq!(grp.expect_resource("m2m:grp")["cnm"], 3);
    // Deleting the members themselves removes them from mid.
    let rsps = member_responses(&app.delete("/cse-in/g/fopt", ADMIN).await);
    assert_eq!(codes(&rsps), vec![2002; 3]);
    let grp = app.retrieve("/cse-in/g", ADMIN).await;
    let grp = grp.expect_resource("m2m:grp");
    assert_eq!(
        (grp["cnm"].clone(), grp["mid"].clone()),
        (json!(0), json!([]))
    );
    app.retrieve("/cse-in/g/fopt", ADMIN)
        .await
        .assert_error(4109, 403, "no members");
}

#[tokio::test]
async fn fopt_of_an_empty_group_is_4109_and_of_a_non_group_an_ordinary_address() {
    let app = spawn_app().await;
    containers(&app, 1).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 3, "mid": []}),
        ADMIN,
    )
    .await;
    app.retrieve("/cse-in/g/fopt/la", ADMIN)
        .await
        .assert_error(4109, 403, "no members");
    app.retrieve("/cse-in/c0/fopt", ADMIN)
        .await
        .assert_error(4004, 404, "fopt");
    app.retrieve("/cse-in/nothing/fopt", ADMIN)
        .await
        .assert_error(4004, 404, "fopt");
    // `la`/`ol` of the members' own containers are unaffected.
    assert_eq!(app.retrieve("/cse-in/c0/la", ADMIN).await.rsc, Some(2000));
    // fopt cannot name a real child of a group.
    let body = json!({"m2m:sub": {"rn": "fopt", "nu": [ADMIN]}});
    let reply = app.create("/cse-in/g", 23, &body, Some(ADMIN)).await;
    reply.assert_error(4000, 400, "reserved");
}

/// An app where `Cowner` owns containers `a` and `b`, grouped in `/cse-in/owner/g`
/// whose `macp` names `macp`, granting `Cother` RETRIEVE (a fan-out right), and
/// whose members let `Cother` RETRIEVE through their own `acpi` (`acp`).
async fn guarded(app: &TestApp, macp_rules: Value) {
    app.register_ae("owner", "Cowner").await;
    app.register_ae("other", "Cother").await;
    let acp = |rn: &str, acr: Value| {
        json!({"m2m:acp": {"rn": rn, "pv": {"acr": acr},
            "pvs": {"acr": [{"acor": ["Cowner"], "acop": 63}]}}})
    };
    let owner_all = json!({"acor": ["Cowner"], "acop": 63});
    let body = acp("acp", json!([owner_all, {"acor": ["Cother"], "acop": 2}]));
    let reply = app.create("/cse-in/owner", 1, &body, Some("Cowner")).await;
    let acp_ri = reply.text("m2m:acp", "ri").expect("acp ri");
    let mut rules = vec![owner_all];
    rules.extend(macp_rules.as_array().cloned().unwrap_or_default());
    let body = acp("macp", json!(rules));
    let reply = app.create("/cse-in/owner", 1, &body, Some("Cowner")).await;
    let macp_ri = reply.text("m2m:acp", "ri").expect("macp ri");
    for rn in ["a", "b"] {
        app.container("/cse-in/owner", rn, json!({"acpi": [acp_ri]}), "Cowner")
            .await;
        app.instance(&format!("/cse-in/owner/{rn}"), rn, "Cowner")
            .await;
    }
    let body = json!({"rn": "g", "mnm": 2, "mid": ["cse-in/owner/a", "cse-in/owner/b"],
        "macp": [macp_ri]});
    let reply = group(app, "/cse-in/owner", body, "Cowner").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

#[tokio::test]
async fn macp_decides_who_may_use_the_fan_out_point() {
    let app = spawn_app().await;
    guarded(&app, json!([{"acor": ["Cother"], "acop": 2}])).await;
    let rsps = member_responses(&app.retrieve("/cse-in/owner/g/fopt/la", "Cother").await);
    assert_eq!(codes(&rsps), vec![2000, 2000]);
    // macp grants RETRIEVE only; each member's own policy still decides the rest.
    app.delete("/cse-in/owner/g/fopt/la", "Cother")
        .await
        .assert_error(4103, 403, "membersAccessControlPolicyIDs");
    // The group itself is still governed by its own (default) policy.
    app.retrieve("/cse-in/owner/g", "Cother")
        .await
        .assert_error(4103, 403, "cse-in/owner/g");
}

#[tokio::test]
async fn macp_without_a_rule_for_the_originator_denies_the_fan_out() {
    let app = spawn_app().await;
    guarded(&app, json!([])).await;
    app.retrieve("/cse-in/owner/g/fopt/la", "Cother")
        .await
        .assert_error(4103, 403, "membersAccessControlPolicyIDs");
    let rsps = member_responses(&app.retrieve("/cse-in/owner/g/fopt/la", "Cowner").await);
    assert_eq!(codes(&rsps), vec![2000, 2000]);
    // macp must name policies.
    let reply = app
        .update(
            "/cse-in/owner/g",
            &json!({"m2m:grp": {"macp": ["nothing"]}}),
            "Cowner",
        )
        .await;
    reply.assert_error(4000, 400, "macp");
}

#[tokio::test]
async fn a_member_denying_the_originator_answers_4103_for_itself() {
    let app = spawn_app().await;
    guarded(&app, json!([{"acor": ["Cother"], "acop": 63}])).await;
    let body = json!({"m2m:cin": {"con": "x"}});
    let rsps = member_responses(
        &app.create("/cse-in/owner/g/fopt", 4, &body, Some("Cother"))
            .await,
    );
    assert_eq!(codes(&rsps), vec![4103, 4103]);
}

#[tokio::test]
async fn a_sub_group_fan_out_point_as_member_fans_out_further() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "inner", "mt": 3, "mnm": 2, "mid": [members[1], members[2]]}),
        ADMIN,
    )
    .await;
    let mid = json!([members[0], "cse-in/inner/fopt"]);
    let reply = group(
        &app,
        "/cse-in",
        json!({"rn": "outer", "mt": 3, "csy": 2, "mnm": 2, "mid": mid}),
        ADMIN,
    )
    .await;
    assert_eq!(reply.expect_resource("m2m:grp")["cnm"], 2, "{reply:#?}");
    let rsps = member_responses(&app.retrieve("/cse-in/outer/fopt/la", ADMIN).await);
    assert_eq!(codes(&rsps), vec![2000, 2000]);
    assert_eq!(rsps[0]["pc"]["m2m:cin"]["con"], "v0");
    let inner = rsps[1]["pc"]["m2m:agr"]["m2m:rsp"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let cons: Vec<Value> = inner
        .iter()
        .map(|r| r["pc"]["m2m:cin"]["con"].clone())
        .collect();
    assert_eq!(cons, vec!["v1", "v2"]);
    // A group made its own member is cut off instead of fanning out forever.
    let reply = app
        .update(
            "/cse-in/inner",
            &json!({"m2m:grp": {"mid": ["cse-in/outer/fopt"]}}),
            ADMIN,
        )
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    let reply = app.retrieve("/cse-in/outer/fopt", ADMIN).await;
    assert!(reply.raw.contains("nest deeper"), "{}", reply.raw);
    // The fan-out point of a non-group cannot be a member.
    let body = json!({"mnm": 2, "mid": ["cse-in/c0/fopt"]});
    group(&app, "/cse-in", body, ADMIN)
        .await
        .assert_error(4000, 400, "not a group");
}

#[tokio::test]
async fn groups_are_listed_discovered_and_expire() {
    let app = spawn_app().await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 1, "mid": [], "lbl": ["kind:grp"]}),
        ADMIN,
    )
    .await;
    let reply = app.retrieve("/cse-in?fu=1&ty=9", ADMIN).await;
    assert_eq!(reply.body["m2m:uril"], json!(["cse-in/g"]), "{reply:#?}");
    let reply = app.retrieve("/cse-in?fu=1&lbl=kind:grp", ADMIN).await;
    assert_eq!(reply.body["m2m:uril"], json!(["cse-in/g"]));
    let reply = app.retrieve("/cse-in?rcn=6", ADMIN).await;
    assert!(reply.raw.contains("cse-in/g"), "{}", reply.raw);
    let soon = onecse_models::time::Timestamp::now()
        .plus_seconds(1)
        .to_string();
    let reply = app
        .update("/cse-in/g", &json!({"m2m:grp": {"et": soon}}), ADMIN)
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(app.retrieve("/cse-in/g", ADMIN).await.rsc, Some(4004));
}

#[tokio::test]
async fn a_subscription_to_a_group_hears_its_updates_and_fopt_subscribes_every_member() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let members = containers(&app, 2).await;
    group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 2, "mid": members}),
        ADMIN,
    )
    .await;
    let body = json!({"m2m:sub": {"rn": "s", "nu": [rx.url()]}});
    assert_eq!(
        app.create("/cse-in/g", 23, &body, Some(ADMIN)).await.rsc,
        Some(2001)
    );
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    app.update("/cse-in/g", &json!({"m2m:grp": {"gn": "renamed"}}), ADMIN)
        .await;
    let update = rx.next().await;
    assert_eq!(update.sgn()["nev"]["net"], 1);
    assert_eq!(update.sgn()["nev"]["rep"]["m2m:grp"]["gn"], "renamed");
    // Through the fan-out point: one subscription under each member.
    let body = json!({"m2m:sub": {"rn": "each", "nu": [rx.url()], "enc": {"net": [3]}}});
    let rsps = member_responses(&app.create("/cse-in/g/fopt", 23, &body, Some(ADMIN)).await);
    assert_eq!(codes(&rsps), vec![2001, 2001]);
    rx.drain();
    app.instance("/cse-in/c1", "new", ADMIN).await;
    let created = rx.next().await;
    assert_eq!(created.sgn()["nev"]["rep"]["m2m:cin"]["con"], "new");
    let reply = app.retrieve("/cse-in/c0/each", ADMIN).await;
    assert_eq!(reply.rsc, Some(2000));
    rx.stop().await;
}

#[tokio::test]
async fn a_member_the_originator_may_not_retrieve_is_answered_as_a_missing_one() {
    let app = spawn_app().await;
    app.register_ae("victim", "Cvictim").await;
    app.container("/cse-in/victim", "secret", json!({}), "Cvictim")
        .await;
    app.register_ae("probe", "Cprobe").await;
    let answer = |entry: &str, extra: Value| {
        let mut attrs = json!({"mnm": 5, "mid": [entry]});
        if let (Some(base), Some(extra)) = (attrs.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        let app = &app;
        async move { group(app, "/cse-in/probe", attrs, "Cprobe").await }
    };
    let hidden = "cse-in/victim/secret";
    let missing = "cse-in/victim/nothing";
    for extra in [json!({}), json!({"mt": 4, "csy": 2}), json!({"mt": 3})] {
        let seen = answer(hidden, extra.clone()).await;
        let unseen = answer(missing, extra).await;
        seen.assert_error(4004, 404, hidden);
        assert_eq!(
            seen.dbg().replace(hidden, "X"),
            unseen.dbg().replace(missing, "X"),
            "a hidden member and a missing one get the same answer"
        );
    }
    // Its owner may name it.
    let own = group(
        &app,
        "/cse-in/victim",
        json!({"mnm": 5, "mid": [hidden]}),
        "Cvictim",
    )
    .await;
    assert_eq!(own.rsc, Some(2001), "{own:#?}");
}

#[tokio::test]
async fn deleting_a_member_directly_or_with_its_parent_leaves_mid_and_cnm() {
    let app = spawn_app().await;
    let members = containers(&app, 3).await;
    app.container("/cse-in/c2", "inner", json!({}), ADMIN).await;
    // Members in every address form: structured, unstructured (resourceID) and SP-relative.
    let ri0 = app.retrieve("/cse-in/c0", ADMIN).await.body["m2m:cnt"]["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mid = json!([ri0, members[1], "/id-in/cse-in/c2/inner", "cse-in/c2"]);
    let created = group(
        &app,
        "/cse-in",
        json!({"rn": "g", "mnm": 5, "mid": mid}),
        ADMIN,
    )
    .await;
    assert_eq!(created.expect_resource("m2m:grp")["cnm"], 4);
    let other = group(
        &app,
        "/cse-in",
        json!({"rn": "h", "mnm": 2, "mid": [members[1]]}),
        ADMIN,
    )
    .await;
    assert_eq!(other.rsc, Some(2001));

    // A member deleted by a DELETE request.
    assert_eq!(app.delete("/cse-in/c1", ADMIN).await.rsc, Some(2002));
    let g = app.retrieve("/cse-in/g", ADMIN).await;
    let g = g.expect_resource("m2m:grp");
    assert_eq!(g["cnm"], 3);
    assert_eq!(
        g["mid"],
        json!([ri0, "/id-in/cse-in/c2/inner", "cse-in/c2"])
    );
    let h = app.retrieve("/cse-in/h", ADMIN).await;
    assert_eq!(h.expect_resource("m2m:grp")["mid"], json!([]));
    // A member deleted with its parent (two members at once).
    assert_eq!(app.delete("/cse-in/c2", ADMIN).await.rsc, Some(2002));
    let g = app.retrieve("/cse-in/g", ADMIN).await;
    let g = g.expect_resource("m2m:grp");
    assert_eq!(
        (g["cnm"].clone(), g["mid"].clone()),
        (json!(1), json!([ri0]))
    );
    // An UPDATE of mid replaces what the index holds: c0 is no longer a member.
    let emptied = app
        .update("/cse-in/g", &json!({"m2m:grp": {"mid": []}}), ADMIN)
        .await;
    assert_eq!(emptied.rsc, Some(2004), "{emptied:#?}");
    app.container("/cse-in", "c9", json!({}), ADMIN).await;
    let set = app
        .update(
            "/cse-in/g",
            &json!({"m2m:grp": {"mid": ["cse-in/c9"]}}),
            ADMIN,
        )
        .await;
    assert_eq!(set.rsc, Some(2004));
    assert_eq!(app.delete("/cse-in/c0", ADMIN).await.rsc, Some(2002));
    let g = app.retrieve("/cse-in/g", ADMIN).await;
    assert_eq!(g.expect_resource("m2m:grp")["mid"], json!(["cse-in/c9"]));
    // Deleting the group leaves its members alone.
    assert_eq!(app.delete("/cse-in/g", ADMIN).await.rsc, Some(2002));
    assert_eq!(app.retrieve("/cse-in/c9", ADMIN).await.rsc, Some(2000));
}
