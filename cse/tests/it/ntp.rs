//! Notification target removal (spec digest notifications-advanced §12):
//! `<notificationTargetPolicy>` (ty 26), `<notificationTargetMgmtPolicyRef>` (ty 25),
//! `<policyDeletionRules>` (ty 27) and DELETE `<subscription>/ntsr` by a target, with the policies' actions.

use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

/// An AE `owner` (AE-ID `Cowner`) reached at `rx`'s `/owner`, with a container `c`
/// and a subscription `s` on it whose targets are the AE itself and `rx`'s `/n`.
async fn subscribed(app: &TestApp, rx: &Receiver, creator_is_admin: bool) -> String {
    let body = json!({"m2m:ae": {"rn": "owner", "api": "Nntp", "rr": true, "srv": ["3"], "poa": [rx.url_for("/owner")]}});
    assert_eq!(
        app.create("/cse-in", 2, &body, Some("Cowner")).await.rsc,
        Some(2001)
    );
    let creator = if creator_is_admin { "CAdmin" } else { "Cowner" };
    app.container("/cse-in/owner", "c", json!({}), "Cowner")
        .await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [creator, rx.url_for("/n")]}});
    let reply = app.create("/cse-in/owner/c", 23, &sub, Some(creator)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    rx.next_on("/n", Duration::from_secs(5))
        .await
        .expect("verification");
    creator.to_owned()
}

async fn policy(app: &TestApp, attrs: Value) -> Reply {
    app.create("/cse-in", 26, &json!({ "m2m:ntp": attrs }), Some("CAdmin"))
        .await
}

async fn nu(app: &TestApp) -> Value {
    let sub = app.retrieve("/cse-in/owner/c/s", "CAdmin").await;
    sub.expect_resource("m2m:sub")["nu"].clone()
}

#[tokio::test]
async fn a_target_removes_itself_under_the_system_default() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, false).await;
    let reply = app.delete("/cse-in/owner/c/s/ntsr", "Cowner").await;
    assert_eq!(reply.rsc, Some(2002), "{reply:#?}");
    assert_eq!(nu(&app).await, json!([rx.url_for("/n")]));
}

#[tokio::test]
async fn only_a_target_may_ask_and_only_by_delete() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, false).await;
    app.register_ae("other", "Cother").await;
    app.delete("/cse-in/owner/c/s/ntsr", "Cother")
        .await
        .assert_error(4103, 403, "not a notification target");
    app.retrieve("/cse-in/owner/c/s/ntsr", "Cowner")
        .await
        .assert_error(4005, 405, "ntsr");
    // Reserved: no child may take the name.
    let body = json!({"m2m:ntpr": {"rn": "ntsr", "ntu": ["Cowner"]}});
    let reply = app
        .create("/cse-in/owner/c/s", 25, &body, Some("Cowner"))
        .await;
    assert_eq!(reply.rsc, Some(4000), "{reply:#?}");
}

#[tokio::test]
async fn removing_the_last_target_deletes_the_subscription() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let body = json!({"m2m:ae": {"rn": "owner", "api": "Nntp", "rr": true, "srv": ["3"]}});
    assert_eq!(
        app.create("/cse-in", 2, &body, Some("Cowner")).await.rsc,
        Some(2001)
    );
    app.container("/cse-in/owner", "c", json!({}), "Cowner")
        .await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": ["Cowner"], "su": rx.url_for("/gone")}});
    assert_eq!(
        app.create("/cse-in/owner/c", 23, &sub, Some("Cowner"))
            .await
            .rsc,
        Some(2001)
    );
    assert_eq!(
        app.delete("/cse-in/owner/c/s/ntsr", "Cowner").await.rsc,
        Some(2002)
    );
    assert_eq!(
        app.retrieve("/cse-in/owner/c/s", "CAdmin").await.rsc,
        Some(4004)
    );
    let gone = rx
        .next_on("/gone", Duration::from_secs(5))
        .await
        .expect("deletion notice");
    assert_eq!(gone.sgn()["sud"], true);
}

#[tokio::test]
async fn the_creators_default_policy_rejects() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, true).await;
    assert_eq!(
        policy(&app, json!({"acn": 2, "plbl": "default"})).await.rsc,
        Some(2001)
    );
    app.delete("/cse-in/owner/c/s/ntsr", "CAdmin")
        .await
        .assert_error(4005, 405, "rejects");
    assert_eq!(nu(&app).await, json!(["CAdmin", rx.url_for("/n")]));
}

#[tokio::test]
async fn seek_authorization_is_not_implemented_and_changes_nothing() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, true).await;
    assert_eq!(
        policy(&app, json!({"acn": 3, "plbl": "default"})).await.rsc,
        Some(2001)
    );
    app.delete("/cse-in/owner/c/s/ntsr", "CAdmin")
        .await
        .assert_error(5001, 501, "acn 3");
    assert_eq!(nu(&app).await, json!(["CAdmin", rx.url_for("/n")]));
}

#[tokio::test]
async fn a_policy_reference_with_inform_tells_the_creator() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, false).await;
    let reply = policy(&app, json!({"rn": "inform", "acn": 4, "plbl": "informing"})).await;
    let ntp_ri = reply.expect_resource("m2m:ntp")["ri"].clone();
    let body = json!({"m2m:ntpr": {"ntu": ["Cowner"], "npi": ntp_ri}});
    let reply = app
        .create("/cse-in/owner/c/s", 25, &body, Some("Cowner"))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(
        app.delete("/cse-in/owner/c/s/ntsr", "Cowner").await.rsc,
        Some(2002)
    );
    assert_eq!(nu(&app).await, json!([rx.url_for("/n")]));
    let told = rx
        .next_on("/owner", Duration::from_secs(5))
        .await
        .expect("the creator is informed");
    assert_eq!(told.sgn()["ntt"], "Cowner");
    assert_eq!(told.sgn()["tra"], true);
}

#[tokio::test]
async fn policies_and_references_are_checked() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    subscribed(&app, &rx, false).await;
    policy(&app, json!({"acn": 5, "plbl": "default"}))
        .await
        .assert_error(4000, 400, "acn");
    policy(&app, json!({"acn": 1}))
        .await
        .assert_error(4000, 400, "plbl");
    let body = json!({"m2m:ntp": {"acn": 1, "plbl": "default"}});
    let reply = app.create("/cse-in/owner", 26, &body, Some("Cowner")).await;
    assert_eq!(reply.rsc, Some(4108), "{reply:#?}");
    let body = json!({"m2m:ntpr": {"ntu": ["Cnobody"]}});
    app.create("/cse-in/owner/c/s", 25, &body, Some("Cowner"))
        .await
        .assert_error(4000, 400, "Cnobody");
    let body = json!({"m2m:ntpr": {"ntu": ["Cowner"], "npi": "ntpmissing"}});
    app.create("/cse-in/owner/c/s", 25, &body, Some("Cowner"))
        .await
        .assert_error(4000, 400, "ntpmissing");
    // policyDeletionRules live under a notificationTargetPolicy only.
    let body = json!({"m2m:pdr": {"dr": {"tod": [ALWAYS]}}});
    let reply = app
        .create("/cse-in/owner/c/s", 27, &body, Some("Cowner"))
        .await;
    assert_eq!(reply.rsc, Some(4108), "{reply:#?}");
}

/// A schedule entry every second matches, and one no second of this century does.
const ALWAYS: &str = "* * * * * * *";
const NEVER: &str = "* * * * * * 2001";

/// The admin's default policy `p` accepting removals, under which `rules` are created
/// as policyDeletionRules `r0`, `r1`, …; the subscription's creator is the admin.
async fn accepting_with_rules(app: &TestApp, rx: &Receiver, rules: &[Value]) {
    subscribed(app, rx, true).await;
    let reply = policy(app, json!({"rn": "p", "acn": 1, "plbl": "default"})).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    for (i, rule) in rules.iter().enumerate() {
        let mut rule = rule.clone();
        rule["rn"] = json!(format!("r{i}"));
        let body = json!({ "m2m:pdr": rule });
        let reply = app.create("/cse-in/p", 27, &body, Some("CAdmin")).await;
        assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    }
}

#[tokio::test]
async fn deletion_rules_that_hold_let_the_action_apply() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    accepting_with_rules(&app, &rx, &[json!({"dr": {"tod": [NEVER, ALWAYS]}})]).await;
    let pdr = app.retrieve("/cse-in/p/r0", "CAdmin").await;
    let pdr = pdr.expect_resource("m2m:pdr");
    assert_eq!(pdr["ty"], 27);
    assert_eq!(pdr["dr"], json!({"tod": [NEVER, ALWAYS]}));
    let reply = app.delete("/cse-in/owner/c/s/ntsr", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2002), "{reply:#?}");
    assert_eq!(nu(&app).await, json!([rx.url_for("/n")]));
}

#[tokio::test]
async fn deletion_rules_that_do_not_hold_reject_and_an_update_changes_that() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    // drr 1 (AND): one rule never holds, so the set does not.
    accepting_with_rules(
        &app,
        &rx,
        &[json!({"dr": {"tod": [ALWAYS, NEVER]}, "drr": 1})],
    )
    .await;
    app.delete("/cse-in/owner/c/s/ntsr", "CAdmin")
        .await
        .assert_error(4005, 405, "policyDeletionRules do not hold");
    assert_eq!(nu(&app).await, json!(["CAdmin", rx.url_for("/n")]));
    let reply = app
        .update("/cse-in/p/r0", &json!({"m2m:pdr": {"drr": 2}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    let reply = app.delete("/cse-in/owner/c/s/ntsr", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2002), "{reply:#?}");
}

#[tokio::test]
async fn the_policys_rules_relationship_joins_its_two_rule_sets() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let sets = [
        json!({"dr": {"tod": [ALWAYS]}}),
        json!({"dr": {"tod": [NEVER]}}),
    ];
    accepting_with_rules(&app, &rx, &sets).await;
    // No rrs: both sets must hold.
    app.delete("/cse-in/owner/c/s/ntsr", "CAdmin")
        .await
        .assert_error(4005, 405, "do not hold");
    let reply = app
        .update("/cse-in/p", &json!({"m2m:ntp": {"rrs": 2}}), "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    let reply = app.delete("/cse-in/owner/c/s/ntsr", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2002), "{reply:#?}");
}

#[tokio::test]
async fn deletion_rules_are_checked() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    accepting_with_rules(&app, &rx, &[json!({"dr": {"tod": [ALWAYS]}})]).await;
    let create = |rule: Value| {
        let app = &app;
        async move {
            app.create("/cse-in/p", 27, &json!({ "m2m:pdr": rule }), Some("CAdmin"))
                .await
        }
    };
    create(json!({"drr": 2}))
        .await
        .assert_error(4000, 400, "dr");
    create(json!({"dr": {"tod": ["* * *"]}}))
        .await
        .assert_error(4000, 400, "dr.tod[0]");
    create(json!({"dr": {"tod": []}}))
        .await
        .assert_error(4000, 400, "at least one");
    create(json!({"dr": {"when": [ALWAYS]}}))
        .await
        .assert_error(4000, 400, "when");
    create(json!({"dr": {"tod": [ALWAYS]}, "drr": 3}))
        .await
        .assert_error(4000, 400, "drr");
    create(json!({"dr": {"lr": [{"lotp": 1}]}}))
        .await
        .assert_error(5001, 501, "dr.lr");
    app.update(
        "/cse-in/p/r0",
        &json!({"m2m:pdr": {"dr": {"tod": ["61 * * * * * *"]}}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "dr.tod[0]");
    // At most two per policy.
    assert_eq!(
        create(json!({"dr": {"tod": [NEVER]}})).await.rsc,
        Some(2001)
    );
    create(json!({"dr": {"tod": [NEVER]}}))
        .await
        .assert_error(4005, 405, "already has 2");
    // The policy's access decides: another originator may not read them.
    app.register_ae("other", "Cother").await;
    assert_eq!(app.retrieve("/cse-in/p/r0", "Cother").await.rsc, Some(4103));
}
