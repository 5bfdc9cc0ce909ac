//! Access control (TS-0001 §9.6.2, TS-0003 §7.1, spec digest access-control): policies
//! and their validation, each operation bit, each originator form, contexts, object
//! details, the default policy, inheritance, `acpi` management, listings and
//! discovery, subscriptions, and the registration settings — good and bad cases,
//! over HTTP, with what a denial leaves behind checked.

use onecse_testkit::{Receiver, Reply};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const OWNER: &str = "Cowner";
const OTHER: &str = "Cother";
const DATA: &str = "/cse-in/owner/data";

/// An app with two AEs (`Cowner`, `Cother`) and the owner's container `data`.
async fn two_aes() -> TestApp {
    let app = spawn_app().await;
    prepare(&app).await;
    app
}

async fn prepare(app: &TestApp) {
    app.register_ae("owner", OWNER).await;
    app.register_ae("other", OTHER).await;
    app.container("/cse-in/owner", "data", json!({}), OWNER)
        .await;
}

/// Creates policy `rn` under the owner's AE with the `rules`, plus a rule giving the
/// owner every right in both `pv` and `pvs` (once a resource names policies, they
/// alone decide, even for its creator); returns its resourceID.
async fn policy(app: &TestApp, rn: &str, rules: Value) -> String {
    let mut pv = vec![json!({"acor": [OWNER], "acop": 63})];
    pv.extend(rules.as_array().cloned().unwrap_or_default());
    let body = json!({"m2m:acp": {"rn": rn, "pv": {"acr": pv},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &body, Some(OWNER)).await;
    assert_eq!(reply.rsc, Some(2001), "policy {rn}: {reply:#?}");
    reply.expect_resource("m2m:acp")["ri"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Points `path`'s `acpi` at `ids`, as its owner.
async fn attach(app: &TestApp, path: &str, root: &str, ids: &[&str]) {
    let reply = app
        .update(path, &json!({ root: {"acpi": ids} }), OWNER)
        .await;
    assert_eq!(reply.rsc, Some(2004), "acpi of {path}: {reply:#?}");
}

/// A container `data` whose only policy grants `Cother` the bits `acop`.
async fn granted(app: &TestApp, acop: u8) {
    let id = policy(app, "grant", json!([{"acor": [OTHER], "acop": acop}])).await;
    attach(app, DATA, "m2m:cnt", &[&id]).await;
}

fn denied(reply: &Reply, what: &str) {
    reply.assert_error(4103, 403, what);
}

async fn try_create(app: &TestApp, rn: &str) -> Reply {
    app.create(DATA, 3, &json!({"m2m:cnt": {"rn": rn}}), Some(OTHER))
        .await
}

async fn try_update(app: &TestApp) -> Reply {
    app.update(DATA, &json!({"m2m:cnt": {"lbl": ["changed"]}}), OTHER)
        .await
}

async fn notify(app: &TestApp, path: &str, originator: &str) -> Reply {
    let body = json!({"m2m:sgn": {"nev": {"rep": {}, "net": 1}, "sur": "/id-in/x"}}).to_string();
    app.onem2m(
        Method::POST,
        path,
        Some(originator),
        Some("application/json"),
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn without_acpi_only_the_creator_and_the_administrator_have_access() {
    let app = two_aes().await;
    let reply = app.retrieve(DATA, OTHER).await;
    denied(&reply, "may not RETRIEVE 'cse-in/owner/data'");
    assert!(reply.dbg().contains("only its creator"), "{}", reply.dbg());
    denied(&try_update(&app).await, "UPDATE");
    denied(&app.delete(DATA, OTHER).await, "DELETE");
    denied(&try_create(&app, "x").await, "CREATE a container");
    denied(&app.retrieve("/cse-in/owner", OTHER).await, "RETRIEVE");
    // What was refused changed nothing.
    let kept = app.retrieve(DATA, OWNER).await;
    assert_eq!(kept.rsc, Some(2000));
    assert!(kept.expect_resource("m2m:cnt").get("lbl").is_none());
    app.retrieve(&format!("{DATA}/x"), OWNER)
        .await
        .assert_error(4004, 404, "x");
    for originator in [OWNER, "CAdmin"] {
        assert_eq!(app.retrieve(DATA, originator).await.rsc, Some(2000));
    }
    // Other forms of the creator's ID are the creator too.
    assert_eq!(app.retrieve(DATA, "/id-in/Cowner").await.rsc, Some(2000));
}

#[tokio::test]
async fn each_operation_bit_grants_its_operation_and_no_other() {
    let app = two_aes().await;
    granted(&app, 1).await;
    assert_eq!(try_create(&app, "made").await.rsc, Some(2001));
    denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE privilege");

    let app = two_aes().await;
    granted(&app, 2).await;
    assert_eq!(app.retrieve(DATA, OTHER).await.rsc, Some(2000));
    denied(&try_update(&app).await, "UPDATE privilege");
    denied(&try_create(&app, "x").await, "CREATE privilege");

    let app = two_aes().await;
    granted(&app, 4).await;
    assert_eq!(try_update(&app).await.rsc, Some(2004));
    denied(&app.delete(DATA, OTHER).await, "DELETE privilege");

    let app = two_aes().await;
    granted(&app, 8).await;
    denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE");
    assert_eq!(app.delete(DATA, OTHER).await.rsc, Some(2002));

    // NOTIFY (16) to an AE: without it 4103; with it the request gets past access
    // control and is relayed, which fails here: the AE has no poa (5103).
    let app = two_aes().await;
    denied(
        &notify(&app, "/cse-in/owner", OTHER).await,
        "NOTIFY privilege",
    );
    let id = policy(&app, "notify", json!([{"acor": [OTHER], "acop": 16}])).await;
    attach(&app, "/cse-in/owner", "m2m:ae", &[&id]).await;
    assert_eq!(notify(&app, "/cse-in/owner", OTHER).await.rsc, Some(5103));
    denied(&app.retrieve("/cse-in/owner", OTHER).await, "RETRIEVE");

    // DISCOVERY (32): the container is found only with the bit.
    let app = two_aes().await;
    let found = |r: Reply| r.body["m2m:uril"].as_array().cloned().unwrap_or_default();
    assert!(found(app.retrieve("/cse-in/owner?fu=1", OTHER).await).is_empty());
    granted(&app, 32).await;
    assert_eq!(
        found(app.retrieve("/cse-in/owner?fu=1", OTHER).await),
        vec![json!("cse-in/owner/data")]
    );
    denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE");
}

#[tokio::test]
async fn every_originator_form_matches_and_near_misses_do_not() {
    let app = two_aes().await;
    let grants = [
        "Cother",
        "/id-in/Cother",
        "//acme.example.com/id-in/Cother",
        "Coth*",
        "/id-in/C*",
        "all",
        "//acme.example.com",
    ];
    for (i, acor) in grants.iter().enumerate() {
        let id = policy(&app, &format!("p{i}"), json!([{"acor": [acor], "acop": 2}])).await;
        attach(&app, DATA, "m2m:cnt", &[&id]).await;
        let reply = app.retrieve(DATA, OTHER).await;
        assert_eq!(reply.rsc, Some(2000), "acor {acor}: {}", reply.raw);
        // The SP-relative originator form is the same originator.
        let reply = app.retrieve(DATA, "/id-in/Cother").await;
        assert_eq!(reply.rsc, Some(2000), "acor {acor} as /id-in/Cother");
    }
    let misses = [
        "Cothers",
        "Cothe",
        "/id-mn/Cother",
        "C*x",
        "//other.example.com",
        "/id-*",
    ];
    for (i, acor) in misses.iter().enumerate() {
        let id = policy(&app, &format!("m{i}"), json!([{"acor": [acor], "acop": 2}])).await;
        attach(&app, DATA, "m2m:cnt", &[&id]).await;
        denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE");
    }
}

#[tokio::test]
async fn any_policy_may_permit_and_missing_ones_grant_nothing() {
    let app = two_aes().await;
    let nobody = policy(&app, "nobody", json!([{"acor": ["Cnobody"], "acop": 63}])).await;
    let reader = policy(&app, "reader", json!([{"acor": [OTHER], "acop": 2}])).await;
    attach(&app, DATA, "m2m:cnt", &[&nobody, &reader]).await;
    assert_eq!(app.retrieve(DATA, OTHER).await.rsc, Some(2000));
    denied(&try_update(&app).await, "UPDATE");
    // Once the granting policy is gone, nothing grants it any more.
    assert_eq!(
        app.delete(&format!("/cse-in/owner/{}", "reader"), OWNER)
            .await
            .rsc,
        Some(2002)
    );
    denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE");
}

#[tokio::test]
async fn contexts_decide_by_address_and_time() {
    let app = two_aes().await;
    let cases = [
        (json!([{"acip": {"ipv4": ["127.0.0.1/32"]}}]), true),
        (
            json!([{"acip": {"ipv4": ["127.0.0.0/8"], "ipv6": ["::1"]}}]),
            true,
        ),
        (
            json!([{"acip": {"ipv4": ["10.0.0.0/8"], "ipv6": ["2001:db8::/32"]}}]),
            false,
        ),
        (json!([{"actw": ["* * * * * * *"]}]), true),
        (json!([{"actw": ["* * * * * * 2000"]}]), false),
        // Entries are ORed; the elements of one entry are ANDed.
        (
            json!([{"actw": ["* * * * * * 2000"]}, {"acip": {"ipv4": ["127.0.0.1"]}}]),
            true,
        ),
        (
            json!([{"actw": ["* * * * * * *"], "acip": {"ipv4": ["10.0.0.1"]}}]),
            false,
        ),
        // onecse does not know where an originator is: a region never holds.
        (json!([{"aclr": {"accc": ["DE"]}}]), false),
    ];
    for (i, (acco, allowed)) in cases.into_iter().enumerate() {
        let rule = json!([{"acor": [OTHER], "acop": 2, "acco": acco}]);
        let id = policy(&app, &format!("c{i}"), rule).await;
        attach(&app, DATA, "m2m:cnt", &[&id]).await;
        let reply = app.retrieve(DATA, OTHER).await;
        let expected = if allowed { 2000 } else { 4103 };
        assert_eq!(reply.rsc, Some(expected), "context {acco}: {}", reply.raw);
    }
}

#[tokio::test]
async fn object_details_and_the_authentication_flag_narrow_a_rule() {
    let app = two_aes().await;
    granted_with(
        &app,
        json!({"acor": [OTHER], "acop": 1, "acod": [{"chty": [3]}]}),
    )
    .await;
    assert_eq!(try_create(&app, "allowed").await.rsc, Some(2001));
    let cin = json!({"m2m:cin": {"con": "x"}});
    denied(
        &app.create(DATA, 4, &cin, Some(OTHER)).await,
        "CREATE a contentInstance",
    );
    // acod with a parent type that is not the target's type grants nothing.
    let app = two_aes().await;
    granted_with(
        &app,
        json!({"acor": [OTHER], "acop": 1, "acod": [{"ty": 2, "chty": [3]}]}),
    )
    .await;
    denied(&try_create(&app, "x").await, "CREATE");
    // acaf: only for authenticated originators, and nobody is without --auth jwt.
    let app = two_aes().await;
    granted_with(&app, json!({"acor": [OTHER], "acop": 2, "acaf": true})).await;
    denied(&app.retrieve(DATA, OTHER).await, "RETRIEVE");
}

async fn granted_with(app: &TestApp, rule: Value) {
    let id = policy(app, "rule", json!([rule])).await;
    attach(app, DATA, "m2m:cnt", &[&id]).await;
}

#[tokio::test]
async fn bad_policies_are_refused_naming_the_field() {
    let app = two_aes().await;
    let pvs = json!({"acr": [{"acor": [OWNER], "acop": 63}]});
    let good_pv = json!({"acr": []});
    let cases = [
        (json!({"pvs": pvs}), "pv"),
        (json!({"pv": good_pv}), "pvs"),
        (
            json!({"pv": good_pv, "pvs": {"acr": []}}),
            "pvs must hold at least one rule",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 0}]}, "pvs": pvs}),
            "pv.acr[0].acop",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 64}]}, "pvs": pvs}),
            "pv.acr[0].acop",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": "2"}]}, "pvs": pvs}),
            "pv.acr[0].acop",
        ),
        (
            json!({"pv": {"acr": [{"acor": [], "acop": 2}]}, "pvs": pvs}),
            "pv.acr[0].acor",
        ),
        (
            json!({"pv": {"acr": [{"acor": "Cother", "acop": 2}]}, "pvs": pvs}),
            "pv.acr[0].acor",
        ),
        (
            json!({"pv": {"acr": [{"acop": 2}]}, "pvs": pvs}),
            "pv.acr[0].acor",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 2, "acco": [{"actw": ["* * * * *"]}]}]}, "pvs": pvs}),
            "pv.acr[0].acco[0].actw[0]",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 2, "acco": [{"acip": {"ipv4": ["10.0.0.0/33"]}}]}]}, "pvs": pvs}),
            "pv.acr[0].acco[0].acip.ipv4",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 2, "acco": [{"acip": {"ipv6": ["10.0.0.1"]}}]}]}, "pvs": pvs}),
            "pv.acr[0].acco[0].acip.ipv6",
        ),
        (
            json!({"pv": {"acr": [{"acor": [OTHER], "acop": 1, "acod": [{"ty": 3}]}]}, "pvs": pvs}),
            "pv.acr[0].acod[0].chty",
        ),
        (
            json!({"pv": good_pv, "pvs": {"acr": [{"acor": [OWNER], "acop": 63, "acaf": "yes"}]}}),
            "pvs.acr[0].acaf",
        ),
        (json!({"pv": good_pv, "pvs": pvs, "acpi": ["x"]}), "acpi"),
    ];
    for (attrs, needle) in cases {
        let reply = app
            .create(
                "/cse-in/owner",
                1,
                &json!({ "m2m:acp": attrs }),
                Some(OWNER),
            )
            .await;
        reply.assert_error(4000, 400, needle);
    }
    // A policy cannot live under a container.
    let body = json!({"m2m:acp": {"pv": good_pv, "pvs": pvs}});
    app.create(DATA, 1, &body, Some(OWNER))
        .await
        .assert_error(4108, 403, "accessControlPolicy");
}

#[tokio::test]
async fn a_policy_is_governed_by_its_self_privileges_not_its_privileges() {
    let app = two_aes().await;
    let id = policy(&app, "all4other", json!([{"acor": [OTHER], "acop": 63}])).await;
    let path = "/cse-in/owner/all4other";
    denied(&app.retrieve(path, OTHER).await, "selfPrivileges");
    denied(
        &app.update(path, &json!({"m2m:acp": {"pv": {"acr": []}}}), OTHER)
            .await,
        "UPDATE",
    );
    denied(&app.delete(path, OTHER).await, "DELETE");
    let reply = app.retrieve(path, OWNER).await;
    assert_eq!(reply.expect_resource("m2m:acp")["ri"], json!(id));
    // The owner hands the other AE the right to read and change the policy.
    let pvs = json!({"acr": [{"acor": [OWNER], "acop": 63}, {"acor": [OTHER], "acop": 6}]});
    let reply = app
        .update(path, &json!({"m2m:acp": {"pvs": pvs}}), OWNER)
        .await;
    assert_eq!(reply.rsc, Some(2004));
    assert_eq!(app.retrieve(path, OTHER).await.rsc, Some(2000));
    let reply = app
        .update(
            path,
            &json!({"m2m:acp": {"pv": {"acr": [{"acor": ["all"], "acop": 2}]}}}),
            OTHER,
        )
        .await;
    assert_eq!(reply.rsc, Some(2004));
    denied(&app.delete(path, OTHER).await, "DELETE");
    // pvs may never become empty, nor pv malformed.
    app.update(path, &json!({"m2m:acp": {"pvs": {"acr": []}}}), OWNER)
        .await
        .assert_error(4000, 400, "pvs must hold at least one rule");
    app.update(
        path,
        &json!({"m2m:acp": {"pv": {"acr": [{"acor": ["all"]}]}}}),
        OWNER,
    )
    .await
    .assert_error(4000, 400, "pv.acr[0].acop");
    app.update(path, &json!({"m2m:acp": {"pvs": null}}), OWNER)
        .await
        .assert_error(4000, 400, "pvs");
}

#[tokio::test]
async fn acpi_is_changed_by_the_self_privileges_of_the_current_policies() {
    let app = two_aes().await;
    // Without acpi, only the creator may set it.
    let open = policy(&app, "open", json!([{"acor": [OTHER], "acop": 63}])).await;
    let reply = app
        .update(DATA, &json!({"m2m:cnt": {"acpi": [&open]}}), OTHER)
        .await;
    denied(&reply, "accessControlPolicyIDs");
    attach(&app, DATA, "m2m:cnt", &[&open]).await;
    // UPDATE in pv lets the other AE change attributes, not acpi.
    assert_eq!(try_update(&app).await.rsc, Some(2004));
    let reply = app
        .update(DATA, &json!({"m2m:cnt": {"acpi": [&open]}}), OTHER)
        .await;
    denied(&reply, "UPDATE privilege in the selfPrivileges");
    // acpi only alone, never empty, only naming policies of this CSE; any form.
    app.update(
        DATA,
        &json!({"m2m:cnt": {"acpi": [&open], "lbl": ["a"]}}),
        OWNER,
    )
    .await
    .assert_error(4000, 400, "only attribute");
    app.update(DATA, &json!({"m2m:cnt": {"acpi": []}}), OWNER)
        .await
        .assert_error(4000, 400, "at least one");
    app.update(DATA, &json!({"m2m:cnt": {"acpi": ["nope"]}}), OWNER)
        .await
        .assert_error(4000, 400, "'nope'");
    app.update(
        DATA,
        &json!({"m2m:cnt": {"acpi": ["cse-in/owner/data"]}}),
        OWNER,
    )
    .await
    .assert_error(4000, 400, "not an accessControlPolicy");
    let reply = app
        .update(
            DATA,
            &json!({"m2m:cnt": {"acpi": ["cse-in/owner/open", "/id-in/cse-in/owner/open"]}}),
            OWNER,
        )
        .await;
    assert_eq!(reply.expect_resource("m2m:cnt")["acpi"], json!([&open]));
    // null removes it: back to the default policy.
    let reply = app
        .update(DATA, &json!({"m2m:cnt": {"acpi": null}}), OWNER)
        .await;
    assert_eq!(reply.rsc, Some(2004));
    denied(&app.retrieve(DATA, OTHER).await, "only its creator");
    // acpi on create is checked the same way.
    let body = json!({"m2m:cnt": {"rn": "c2", "acpi": ["cse-in/owner/open"]}});
    let reply = app.create("/cse-in/owner", 3, &body, Some(OWNER)).await;
    assert_eq!(reply.expect_resource("m2m:cnt")["acpi"], json!([&open]));
    assert_eq!(
        app.retrieve("/cse-in/owner/c2", OTHER).await.rsc,
        Some(2000)
    );
}

#[tokio::test]
async fn instances_and_latest_are_judged_by_their_container() {
    let app = two_aes().await;
    let cin = app.instance(DATA, "reading", OWNER).await;
    let cin_path = format!(
        "{DATA}/{}",
        cin.expect_resource("m2m:cin")["rn"].as_str().unwrap_or("")
    );
    for path in [
        cin_path.as_str(),
        &format!("{DATA}/la"),
        &format!("{DATA}/ol"),
    ] {
        denied(&app.retrieve(path, OTHER).await, "RETRIEVE");
    }
    granted(&app, 2).await;
    for path in [
        cin_path.as_str(),
        &format!("{DATA}/la"),
        &format!("{DATA}/ol"),
    ] {
        assert_eq!(app.retrieve(path, OTHER).await.rsc, Some(2000), "{path}");
    }
    denied(&app.delete(&format!("{DATA}/la"), OTHER).await, "DELETE");
    denied(
        &app.create(DATA, 4, &json!({"m2m:cin": {"con": "x"}}), Some(OTHER))
            .await,
        "CREATE",
    );
}

#[tokio::test]
async fn listings_and_discovery_show_only_what_the_originator_may_see() {
    let app = two_aes().await;
    granted(&app, 2 | 32).await;
    let readable = policy(&app, "readable", json!([{"acor": [OTHER], "acop": 34}])).await;
    for rn in ["a", "b", "c", "d"] {
        app.container(DATA, rn, json!({}), OWNER).await;
    }
    for rn in ["b", "d"] {
        attach(&app, &format!("{DATA}/{rn}"), "m2m:cnt", &[&readable]).await;
    }
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["m2m:rrl"]["rrf"]
            .as_array()
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r["nm"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        names(&app.retrieve(&format!("{DATA}?rcn=6"), OTHER).await),
        ["b", "d"]
    );
    assert_eq!(
        names(&app.retrieve(&format!("{DATA}?rcn=6"), OWNER).await),
        ["a", "b", "c", "d"]
    );
    // lim and ofst count what the originator sees.
    assert_eq!(
        names(&app.retrieve(&format!("{DATA}?rcn=6&lim=1"), OTHER).await),
        ["b"]
    );
    assert_eq!(
        names(&app.retrieve(&format!("{DATA}?rcn=6&ofst=2"), OTHER).await),
        ["d"]
    );
    let nested = app.retrieve(&format!("{DATA}?rcn=4"), OTHER).await;
    let children: Vec<&str> = nested.expect_resource("m2m:cnt")["m2m:cnt"]
        .as_array()
        .map(|c| c.iter().filter_map(|r| r["rn"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(children, ["b", "d"]);
    let found = app.retrieve(&format!("{DATA}?fu=1"), OTHER).await;
    assert_eq!(
        found.body["m2m:uril"],
        json!(["cse-in/owner/data/b", "cse-in/owner/data/d"])
    );
    let found = app.retrieve(&format!("{DATA}?fu=1&ofst=2"), OTHER).await;
    assert_eq!(found.body["m2m:uril"], json!(["cse-in/owner/data/d"]));
    // Discovery from the CSEBase finds the container (DISCOVERY granted) for the
    // other AE, and none of the owner's other resources.
    let found = app.retrieve("/cse-in?fu=1&ty=3", OTHER).await;
    assert_eq!(
        found.body["m2m:uril"],
        json!([
            "cse-in/owner/data",
            "cse-in/owner/data/b",
            "cse-in/owner/data/d"
        ])
    );
}

#[tokio::test]
async fn subscriptions_need_retrieve_and_resource_targets_need_notify() {
    let app = two_aes().await;
    let rx = Receiver::start().expect("receiver");
    let sub = json!({"m2m:sub": {"nu": [rx.url()], "enc": {"net": [3]}}});
    granted(&app, 1).await;
    denied(
        &app.create(DATA, 23, &sub, Some(OTHER)).await,
        "RETRIEVE privilege",
    );
    let app = two_aes().await;
    granted(&app, 3).await;
    let reply = app.create(DATA, 23, &sub, Some(OTHER)).await;
    assert_eq!(reply.rsc, Some(2001), "{}", reply.raw);
    // Notifications to the owner AE by its resource ID need its NOTIFY privilege.
    let to_owner = json!({"m2m:sub": {"nu": [OWNER], "enc": {"net": [3]}}});
    denied(
        &app.create(DATA, 23, &to_owner, Some(OTHER)).await,
        "NOTIFY privilege",
    );
}

#[tokio::test]
async fn the_cse_base_is_readable_by_all_and_takes_policies_from_anyone() {
    let app = two_aes().await;
    let reply = app.retrieve("/cse-in", OTHER).await;
    assert_eq!(
        reply.expect_resource("m2m:cb")["acpi"],
        json!(["acpCSEBase"])
    );
    let body = json!({"m2m:acp": {"rn": "mine", "pv": {"acr": []}, "pvs": {"acr": [{"acor": [OTHER], "acop": 63}]}}});
    assert_eq!(
        app.create("/cse-in", 1, &body, Some(OTHER)).await.rsc,
        Some(2001)
    );
    denied(
        &app.create("/cse-in", 3, &json!({"m2m:cnt": {"rn": "x"}}), Some(OTHER))
            .await,
        "CREATE a container",
    );
    denied(
        &app.retrieve("/cse-in/acpCSEBase", OTHER).await,
        "selfPrivileges",
    );
    assert_eq!(
        app.retrieve("/cse-in/acpCSEBase", "CAdmin").await.rsc,
        Some(2000)
    );
}

#[tokio::test]
async fn the_administrator_is_never_an_ae_and_registration_follows_the_settings() {
    let app = spawn_app_with(|c| {
        c.registration_originators = "Cgood*, S*".into();
        c.ae_id_prefixes = Some("Cgood,Sfleet-".into());
    })
    .await;
    let body = json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}});
    for originator in ["CAdmin", "/id-in/CAdmin"] {
        app.create("/cse-in", 2, &body, Some(originator))
            .await
            .assert_error(4126, 403, "administrator");
    }
    app.create("/cse-in", 2, &body, Some("Cbad"))
        .await
        .assert_error(4126, 403, "not allowed to register");
    app.create("/cse-in", 2, &body, Some("C"))
        .await
        .assert_error(4126, 403, "not allowed to register");
    let reply = app.create("/cse-in", 2, &body, Some("Cgood1")).await;
    assert_eq!(reply.expect_resource("m2m:ae")["aei"], "Cgood1");
    let reply = app.create("/cse-in", 2, &body, Some("S")).await;
    let aei = reply.expect_resource("m2m:ae")["aei"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(aei.starts_with("Sfleet-"), "{aei}");
    app.create("/cse-in", 2, &body, Some("Sother"))
        .await
        .assert_error(4126, 403, "allowed prefix");
    // Without settings, anyone but the administrator registers, as before.
    let app = spawn_app().await;
    app.create("/cse-in", 2, &body, Some("CAdmin"))
        .await
        .assert_error(4126, 403, "administrator");
    assert_eq!(app.create("/cse-in", 2, &body, None).await.rsc, Some(2001));
}

#[tokio::test]
async fn in_parent_mode_what_an_ae_creates_follows_the_ae_policies() {
    let app = spawn_app_with(|c| c.default_access = "parent".into()).await;
    prepare(&app).await;
    let cin = app.instance(DATA, "reading", OWNER).await;
    assert_eq!(cin.rsc, Some(2001));
    denied(
        &app.retrieve(&format!("{DATA}/la"), OTHER).await,
        "RETRIEVE",
    );
    let id = policy(&app, "ae", json!([{"acor": [OTHER], "acop": 2}])).await;
    attach(&app, "/cse-in/owner", "m2m:ae", &[&id]).await;
    assert_eq!(
        app.retrieve(&format!("{DATA}/la"), OTHER).await.rsc,
        Some(2000)
    );
    assert_eq!(app.retrieve(DATA, OTHER).await.rsc, Some(2000));
    denied(&try_update(&app).await, "UPDATE");
    // The creator keeps its rights.
    assert_eq!(app.retrieve(DATA, OWNER).await.rsc, Some(2000));
    // Other AEs' resources stay closed: inheritance stops below the CSEBase, whose
    // policy (everyone may RETRIEVE) is about the CSEBase alone.
    let theirs = app
        .container("/cse-in/other", "theirs", json!({}), OTHER)
        .await;
    assert_eq!(theirs.rsc, Some(2001));
    denied(
        &app.retrieve("/cse-in/other/theirs", OWNER).await,
        "RETRIEVE",
    );
}

#[tokio::test]
async fn a_delete_answering_the_resource_needs_retrieve_too() {
    let app = two_aes().await;
    granted(&app, 8).await;
    let with_content = |rcn: u8| {
        let path = format!("{DATA}?rcn={rcn}");
        let app = &app;
        async move {
            app.onem2m(Method::DELETE, &path, Some(OTHER), None, None)
                .await
        }
    };
    // Refused before anything is deleted: the answer would show the container.
    denied(&with_content(1).await, "RETRIEVE");
    assert_eq!(app.retrieve(DATA, OWNER).await.rsc, Some(2000));
    // Without content, DELETE alone decides.
    let reply = with_content(0).await;
    assert_eq!((reply.rsc, reply.raw.as_str()), (Some(2002), ""));
    app.retrieve(DATA, OWNER)
        .await
        .assert_error(4004, 404, "data");
}

#[tokio::test]
async fn what_a_deregistered_ae_created_elsewhere_is_not_inherited_by_its_ae_id() {
    let app = two_aes().await;
    // The owner's container lets Cother create in it; what Cother creates there has
    // no policy, so its creator alone has access.
    granted(&app, 3).await;
    let reply = try_create(&app, "left").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let left = format!("{DATA}/left");
    assert_eq!(app.retrieve(&left, OTHER).await.rsc, Some(2000));
    // Cother deregisters; someone registers the released AE-ID again.
    assert_eq!(app.delete("/cse-in/other", OTHER).await.rsc, Some(2002));
    app.register_ae("again", OTHER).await;
    denied(&app.retrieve(&left, OTHER).await, "only its creator");
    denied(&app.delete(&left, OTHER).await, "only its creator");
    // Its new registration owns what it creates from now on.
    assert_eq!(try_create(&app, "new").await.rsc, Some(2001));
    assert_eq!(
        app.retrieve(&format!("{DATA}/new"), OTHER).await.rsc,
        Some(2000)
    );
}
