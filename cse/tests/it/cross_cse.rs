//! Groups and notifications across CSEs (spec digest inter-cse §5–§6): a group on
//! the IN whose members live on an MN fans out through forwarding and aggregates
//! the members' answers; a subscription on the IN whose `nu` is an AE registered at
//! the MN notifies it through the MN, which relays the NOTIFY to the AE.

use std::time::Duration;

use onecse_testkit::{Client, Receiver, Reply};
use serde_json::json;

use crate::forwarding::{answers_within, client_for, shared_container, spawn_in, spawn_mn_with};
use crate::helpers::TestApp;

/// An IN and an MN registered with it, and a client for the MN.
async fn in_and_mn() -> (TestApp, TestApp, Client) {
    in_and_mn_with(|_| {}).await
}

/// [`in_and_mn`] with the MN's configuration adjusted.
async fn in_and_mn_with(
    adjust: impl FnOnce(&mut onecse::config::Config),
) -> (TestApp, TestApp, Client) {
    let inn = spawn_in().await;
    let mn = spawn_mn_with(&inn.base, "/id-mn", 60, adjust).await;
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(10)).await);
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    (inn, mn, mn_client)
}

/// The AE `Cinapp` on the IN with a container `local`, the MN's container `open` it
/// may use, and a group `rn` of `members` under the AE (created, answer returned).
async fn group_of(inn: &TestApp, mn: &Client, rn: &str, members: &[&str]) -> Reply {
    inn.register_ae("inapp", "Cinapp").await;
    inn.container("/cse-in/inapp", "local", json!({}), "Cinapp")
        .await;
    shared_container(mn, "/cse-mn", "open", &["/id-in/Cinapp"]).await;
    let group = inn
        .create(
            "/cse-in/inapp",
            9,
            &json!({"m2m:grp": {"rn": rn, "mnm": 10, "mid": members}}),
            Some("Cinapp"),
        )
        .await;
    assert_eq!(group.rsc, Some(2001), "{group:#?}");
    group
}

/// The `field` (a JSON pointer) of each member's response in a fan-out's aggregated answer.
fn each_member(reply: &Reply, field: &str) -> Vec<serde_json::Value> {
    reply.body["m2m:agr"]["m2m:rsp"]
        .as_array()
        .expect("m2m:rsp list")
        .iter()
        .map(|rsp| rsp.pointer(field).cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_group_fans_out_to_members_on_another_cse_and_aggregates_their_answers() {
    let (inn, _mn, mn_client) = in_and_mn().await;
    shared_container(&mn_client, "/cse-mn", "closed", &["/id-in/Csomeone"]).await;
    let members = [
        "cse-in/inapp/local",
        "/id-mn/cse-mn/open",
        "/id-mn/cse-mn/closed",
    ];
    let group = group_of(&inn, &mn_client, "mixed", &members).await;
    // The remote members are kept as given; their type could not be checked here.
    assert_eq!(group.body["m2m:grp"]["mid"], json!(members));
    assert_eq!(group.body["m2m:grp"]["mtv"], false);
    let fanned = inn
        .create(
            "/cse-in/inapp/mixed/fopt",
            4,
            &json!({"m2m:cin": {"con": "everywhere"}}),
            Some("Cinapp"),
        )
        .await;
    assert_eq!(fanned.rsc, Some(2000), "{fanned:#?}");
    assert_eq!(
        each_member(&fanned, "/rsc"),
        [json!(2001), json!(2001), json!(4103)],
        "{fanned:#?}"
    );
    assert_eq!(each_member(&fanned, "/fr"), members.map(|m| json!(m)));
    // The instance really is on the MN.
    let on_mn = mn_client.retrieve("/cse-mn/open/la", "CAdmin").await;
    assert_eq!(on_mn.body["m2m:cin"]["con"], "everywhere", "{on_mn:#?}");
    // RETRIEVE through the fan-out point gathers the MN's answer with the IN's.
    let latest = inn.retrieve("/cse-in/inapp/mixed/fopt/la", "Cinapp").await;
    assert_eq!(
        each_member(&latest, "/pc/m2m:cin/con"),
        [json!("everywhere"), json!("everywhere"), json!(null)],
        "{latest:#?}"
    );
}

#[tokio::test]
async fn a_member_on_a_cse_that_does_not_answer_is_reported_not_fatal() {
    // Stopped as a crash would (no deregistration): the IN still routes to it.
    let (inn, mn, mn_client) = in_and_mn_with(|c| c.registrar_deregister_on_stop = false).await;
    let members = [
        "cse-in/inapp/local",
        "/id-mn/cse-mn/open",
        "/id-zz/cse-zz/x",
    ];
    group_of(&inn, &mn_client, "g", &members).await;
    mn.stop().await;
    let fanned = inn.retrieve("/cse-in/inapp/g/fopt", "Cinapp").await;
    let codes = each_member(&fanned, "/rsc");
    // The local member answers; the MN cannot be reached (5103); /id-zz has no
    // route (4004). The group's own answer is 2000 all the same.
    assert_eq!(
        codes,
        [json!(2000), json!(5103), json!(4004)],
        "{fanned:#?}"
    );
    assert_eq!(fanned.rsc, Some(2000));
}

/// Registers at the MN the AE `originator` reachable at `poa`, and lets the IN
/// (`/id-in`) send it notifications when `grant` (an ACP under the AE).
async fn notified_ae(mn: &Client, originator: &str, poa: &str, grant: bool) {
    let rn = originator.to_lowercase();
    let ae = mn
        .create(
            "/cse-mn",
            2,
            &json!({"m2m:ae": {"rn": rn, "api": "Nnotified", "rr": true, "srv": ["3"], "poa": [poa]}}),
            Some(originator),
        )
        .await;
    assert_eq!(ae.rsc, Some(2001), "{ae:#?}");
    if !grant {
        return;
    }
    let acp = mn
        .create(
            &format!("/cse-mn/{rn}"),
            1,
            &json!({"m2m:acp": {"rn": "letInNotify",
                "pv": {"acr": [{"acor": ["/id-in"], "acop": 16}, {"acor": [originator], "acop": 63}]},
                "pvs": {"acr": [{"acor": [originator], "acop": 63}]}}}),
            Some(originator),
        )
        .await;
    assert_eq!(acp.rsc, Some(2001), "{acp:#?}");
    let granted = mn
        .update(
            &format!("/cse-mn/{rn}"),
            &json!({"m2m:ae": {"acpi": [acp.body["m2m:acp"]["ri"]]}}),
            originator,
        )
        .await;
    assert_eq!(granted.rsc, Some(2004), "{granted:#?}");
}

#[tokio::test]
async fn a_subscription_notifies_an_ae_registered_at_another_cse_through_that_cse() {
    let (inn, _mn, mn_client) = in_and_mn().await;
    let rx = Receiver::start().expect("receiver");
    notified_ae(&mn_client, "Cwatcher", &rx.url(), true).await;
    notified_ae(&mn_client, "Cdeaf", &rx.url(), false).await;
    shared_container(&inn, "/cse-in", "watched", &["/id-mn/Cwatcher"]).await;
    // The AE subscribes for itself (no verification: the target is the subscriber).
    let sub = mn_client
        .create(
            "/~/id-in/cse-in/watched",
            23,
            &json!({"m2m:sub": {"rn": "own", "nu": ["/id-mn/Cwatcher"], "enc": {"net": [3]}}}),
            Some("Cwatcher"),
        )
        .await;
    assert_eq!(sub.rsc, Some(2001), "{sub:#?}");
    inn.instance("/cse-in/watched", "news", "CAdmin").await;
    let notification = rx.next().await;
    assert_eq!(
        notification.body["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"], "news",
        "{notification:#?}"
    );
    assert_eq!(notification.header("x-m2m-origin"), Some("/id-in"));
    // Someone else names the AE: the verification request reaches it through the MN.
    let sub = inn
        .create(
            "/cse-in/watched",
            23,
            &json!({"m2m:sub": {"rn": "byAdmin", "nu": ["/id-mn/Cwatcher"], "enc": {"net": [4]}}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(sub.rsc, Some(2001), "{sub:#?}");
    let verification = rx.next().await;
    assert_eq!(
        verification.body["m2m:sgn"]["vrq"], true,
        "{verification:#?}"
    );
    assert_eq!(verification.header("x-m2m-origin"), Some("/id-in"));
    // An AE that does not let the IN notify it: its CSE refuses the verification,
    // and the subscription is not created.
    let refused = inn
        .create(
            "/cse-in/watched",
            23,
            &json!({"m2m:sub": {"rn": "deaf", "nu": ["/id-mn/Cdeaf"]}}),
            Some("CAdmin"),
        )
        .await;
    refused.assert_error(5204, 500, "4103");
    assert_eq!(
        inn.retrieve("/cse-in/watched/deaf", "CAdmin").await.rsc,
        Some(4004)
    );
    // A CSE nobody knows is refused at once.
    inn.create(
        "/cse-in/watched",
        23,
        &json!({"m2m:sub": {"rn": "lost", "nu": ["/id-zz/Cnobody"]}}),
        Some("CAdmin"),
    )
    .await
    .assert_error(4000, 400, "no route");
}
