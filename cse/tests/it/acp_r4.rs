//! Access control, R4 details (TS-0001 §9.6.1.3, TS-0003 §7.1, spec digest
//! access-control §5–§7): the custodian `cstn` in place of the creator, an ACP read
//! only by its selfPrivileges, `acod` with a target type, and a CSEBase whose policy
//! does not name the originator — allowed and refused cases over HTTP.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const OWNER: &str = "Cowner";
const OTHER: &str = "Cother";
const ADMIN: &str = "CAdmin";

async fn two_aes() -> TestApp {
    let app = spawn_app().await;
    app.register_ae("owner", OWNER).await;
    app.register_ae("other", OTHER).await;
    app
}

#[tokio::test]
async fn the_custodian_holds_the_default_privileges_instead_of_the_creator() {
    let app = two_aes().await;
    let body = json!({"m2m:cnt": {"rn": "kept", "cstn": OTHER}});
    let reply = app.create("/cse-in/owner", 3, &body, Some(OWNER)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:cnt")["cstn"], json!(OTHER));
    let path = "/cse-in/owner/kept";
    // The creator no longer has access; the custodian has all of it.
    app.retrieve(path, OWNER)
        .await
        .assert_error(4103, 403, "only its custodian");
    assert_eq!(app.retrieve(path, OTHER).await.rsc, Some(2000));
    let relabel = json!({"m2m:cnt": {"lbl": ["mine"]}});
    app.update(path, &relabel, OWNER)
        .await
        .assert_error(4103, 403, "custodian");
    assert_eq!(app.update(path, &relabel, OTHER).await.rsc, Some(2004));
    // Only the custodian may hand custody on, and it changes nothing else with it.
    let to_owner = json!({"m2m:cnt": {"cstn": OWNER}});
    app.update(path, &to_owner, OWNER)
        .await
        .assert_error(4103, 403, "custodian");
    let with_label = json!({"m2m:cnt": {"cstn": OWNER, "lbl": ["x"]}});
    app.update(path, &with_label, OTHER).await.assert_error(
        4000,
        400,
        "cstn must be the only attribute",
    );
    assert_eq!(app.update(path, &to_owner, OTHER).await.rsc, Some(2004));
    app.retrieve(path, OTHER)
        .await
        .assert_error(4103, 403, "custodian");
    // Removing the custodian gives the creator its default privileges back.
    let reply = app
        .update(path, &json!({"m2m:cnt": {"cstn": null}}), OWNER)
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert_eq!(app.retrieve(path, OWNER).await.rsc, Some(2000));
    app.retrieve(path, OTHER)
        .await
        .assert_error(4103, 403, "only its creator");
    assert_eq!(app.delete(path, OWNER).await.rsc, Some(2002));
}

#[tokio::test]
async fn a_custodian_gives_way_to_policies_and_must_name_an_originator() {
    let app = two_aes().await;
    for (cstn, why) in [(json!(""), "cstn must name"), (json!(5), "cstn")] {
        let body = json!({"m2m:cnt": {"rn": "bad", "cstn": cstn}});
        app.create("/cse-in/owner", 3, &body, Some(OWNER))
            .await
            .assert_error(4000, 400, why);
    }
    assert_eq!(
        app.retrieve("/cse-in/owner/bad", OWNER).await.rsc,
        Some(4004)
    );
    // Once acpi names policies, they alone decide: the custodian has no extra right.
    let acp = json!({"m2m:acp": {"rn": "p", "pv": {"acr": [{"acor": [OWNER], "acop": 63}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &acp, Some(OWNER)).await;
    let ri = reply.expect_resource("m2m:acp")["ri"].clone();
    let body = json!({"m2m:cnt": {"rn": "ruled", "cstn": OTHER, "acpi": [ri]}});
    let reply = app.create("/cse-in/owner", 3, &body, Some(OWNER)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let path = "/cse-in/owner/ruled";
    app.retrieve(path, OTHER)
        .await
        .assert_error(4103, 403, "access control policies");
    assert_eq!(app.retrieve(path, OWNER).await.rsc, Some(2000));
}

#[tokio::test]
async fn a_policy_is_read_by_retrieve_in_its_self_privileges_only() {
    let app = two_aes().await;
    // pv gives the other AE everything, pvs only UPDATE: it may not read the policy.
    let acp = json!({"m2m:acp": {"rn": "p",
        "pv": {"acr": [{"acor": [OTHER], "acop": 63}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}, {"acor": [OTHER], "acop": 4}]}}});
    let reply = app.create("/cse-in/owner", 1, &acp, Some(OWNER)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let path = "/cse-in/owner/p";
    app.retrieve(path, OTHER)
        .await
        .assert_error(4103, 403, "RETRIEVE");
    let pvs = json!({"m2m:acp": {"pvs": {"acr": [{"acor": [OWNER], "acop": 63},
        {"acor": [OTHER], "acop": 2}]}}});
    assert_eq!(app.update(path, &pvs, OTHER).await.rsc, Some(2004));
    assert_eq!(app.retrieve(path, OTHER).await.rsc, Some(2000));
}

#[tokio::test]
async fn object_details_with_a_type_apply_under_that_type_only() {
    let app = two_aes().await;
    app.container("/cse-in/owner", "box", json!({}), OWNER)
        .await;
    // The other AE may create containers, but only under a container (ty 3).
    let acp = json!({"m2m:acp": {"rn": "p",
        "pv": {"acr": [{"acor": [OWNER], "acop": 63},
            {"acor": [OTHER], "acop": 1, "acod": [{"ty": 3, "chty": [3]}]}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &acp, Some(OWNER)).await;
    let ri = reply.expect_resource("m2m:acp")["ri"].clone();
    for (path, root) in [
        ("/cse-in/owner", "m2m:ae"),
        ("/cse-in/owner/box", "m2m:cnt"),
    ] {
        let reply = app
            .update(path, &json!({ root: {"acpi": [ri]} }), OWNER)
            .await;
        assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    }
    let cnt = json!({"m2m:cnt": {"rn": "c"}});
    let cin = json!({"m2m:cin": {"rn": "i", "con": "x"}});
    assert_eq!(
        app.create("/cse-in/owner/box", 3, &cnt, Some(OTHER))
            .await
            .rsc,
        Some(2001)
    );
    app.create("/cse-in/owner/box", 4, &cin, Some(OTHER))
        .await
        .assert_error(4103, 403, "CREATE");
    app.create("/cse-in/owner", 3, &cnt, Some(OTHER))
        .await
        .assert_error(4103, 403, "CREATE");
}

#[tokio::test]
async fn the_cse_base_is_refused_to_an_originator_its_policy_does_not_name() {
    let app = two_aes().await;
    let pv = json!({"m2m:acp": {"pv": {"acr": [{"acor": [OWNER], "acop": 2}]}}});
    let reply = app.update("/cse-in/acpCSEBase", &pv, ADMIN).await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    app.retrieve("/cse-in", OTHER)
        .await
        .assert_error(4103, 403, "RETRIEVE");
    assert_eq!(app.retrieve("/cse-in", OWNER).await.rsc, Some(2000));
    assert_eq!(app.retrieve("/cse-in", ADMIN).await.rsc, Some(2000));
}

/// A group `rn` under the owner's AE whose members are the AEs `mid`, made by the
/// administrator (who may see every AE it lists); its resourceID.
async fn group(app: &TestApp, rn: &str, mid: &[&str]) -> String {
    let body = json!({"m2m:grp": {"rn": rn, "mt": 2, "mnm": 10, "mid": mid}});
    let reply = app.create("/cse-in/owner", 9, &body, Some(ADMIN)).await;
    assert_eq!(reply.rsc, Some(2001), "group {rn}: {reply:#?}");
    reply.expect_resource("m2m:grp")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_group_in_acor_grants_its_members_at_the_time_of_the_request() {
    let app = two_aes().await;
    app.register_ae("third", "Cthird").await;
    let readers = group(&app, "readers", &[OTHER]).await;
    let missing = format!("grp{}", "0".repeat(32));
    let acp = json!({"m2m:acp": {"rn": "p",
        "pv": {"acr": [{"acor": [OWNER], "acop": 63},
            {"acor": [missing], "acop": 63},
            {"acor": [&readers], "acop": 2}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &acp, Some(OWNER)).await;
    let ri = reply.expect_resource("m2m:acp")["ri"].clone();
    app.container("/cse-in/owner", "data", json!({"acpi": [ri]}), OWNER)
        .await;
    let path = "/cse-in/owner/data";
    // A member gets what the rule grants, and only that; others get nothing.
    assert_eq!(app.retrieve(path, OTHER).await.rsc, Some(2000));
    app.update(path, &json!({"m2m:cnt": {"lbl": ["x"]}}), OTHER)
        .await
        .assert_error(4103, 403, "UPDATE");
    app.retrieve(path, "Cthird")
        .await
        .assert_error(4103, 403, "RETRIEVE");
    // Membership is read at each request: a new member is in, a removed one out.
    let mid = json!({"m2m:grp": {"mid": ["Cthird"]}});
    let reply = app.update("/cse-in/owner/readers", &mid, ADMIN).await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert_eq!(app.retrieve(path, "Cthird").await.rsc, Some(2000));
    app.retrieve(path, OTHER)
        .await
        .assert_error(4103, 403, "RETRIEVE");
    // A deleted group grants nothing any more.
    assert_eq!(
        app.delete("/cse-in/owner/readers", ADMIN).await.rsc,
        Some(2002)
    );
    app.retrieve(path, "Cthird")
        .await
        .assert_error(4103, 403, "RETRIEVE");
}
