//! Three onecse processes on separate databases over loopback: an IN-CSE `/id-in`
//! and two MN-CSEs `/id-mn1`, `/id-mn2` registered with it. Every operation goes
//! each way: MN1 → IN → MN2 (MN1 knows no MN2, so its registrar forwards), MN2 →
//! IN → MN1, IN → MN and MN → IN (spec digest inter-cse §3), each decided by the
//! hosting CSE's access control.

use std::time::Duration;

use onecse_testkit::Client;
use serde_json::json;

use crate::forwarding::{
    answers_within, client_for, register_ae_at, shared_container, spawn_in, spawn_mn_with,
};

/// CREATE, RETRIEVE, UPDATE and DELETE of a container below `parent` (an address on
/// another CSE) by `originator`, through the CSE `client` speaks to; then the same
/// RETRIEVE by `stranger`, refused by the hosting CSE (4103).
async fn all_four_operations(client: &Client, originator: &str, stranger: &str, parent: &str) {
    let created = client
        .create(
            parent,
            3,
            &json!({"m2m:cnt": {"rn": "visitor"}}),
            Some(originator),
        )
        .await;
    assert_eq!(created.rsc, Some(2001), "CREATE via {parent}: {created:#?}");
    let child = format!("{parent}/visitor");
    let read = client.retrieve(&child, originator).await;
    assert_eq!(read.rsc, Some(2000), "RETRIEVE {child}: {read:#?}");
    assert_eq!(read.body["m2m:cnt"]["rn"], "visitor");
    let updated = client
        .update(&child, &json!({"m2m:cnt": {"lbl": ["hop:2"]}}), originator)
        .await;
    assert_eq!(updated.rsc, Some(2004), "UPDATE {child}: {updated:#?}");
    assert_eq!(updated.body["m2m:cnt"]["lbl"], json!(["hop:2"]));
    client
        .retrieve(&child, stranger)
        .await
        .assert_error(4103, 403, stranger);
    let deleted = client.delete(&child, originator).await;
    assert_eq!(deleted.rsc, Some(2002), "DELETE {child}: {deleted:#?}");
    client
        .retrieve(&child, originator)
        .await
        .assert_error(4004, 404, "visitor");
}

#[tokio::test]
async fn every_operation_travels_between_two_mns_through_their_in() {
    let inn = spawn_in().await;
    let mn1 = spawn_mn_with(&inn.base, "/id-mn1", 60, |_| {}).await;
    let mn2 = spawn_mn_with(&inn.base, "/id-mn2", 60, |_| {}).await;
    for registration in ["/cse-in/id-mn1", "/cse-in/id-mn2"] {
        assert!(answers_within(&inn, registration, false, Duration::from_secs(10)).await);
    }
    let one = client_for(&mn1.base, "cse-mn1", "/id-mn1");
    let two = client_for(&mn2.base, "cse-mn2", "/id-mn2");
    for ae in ["Cone", "Cnobody"] {
        register_ae_at(&one, "/cse-mn1", ae).await;
    }
    for ae in ["Ctwo", "Cnobody"] {
        register_ae_at(&two, "/cse-mn2", ae).await;
    }
    for ae in ["Cinapp", "Cnobody"] {
        register_ae_at(&inn, "/cse-in", ae).await;
    }
    shared_container(
        &two,
        "/cse-mn2",
        "shared",
        &["/id-mn1/Cone", "/id-in/Cinapp"],
    )
    .await;
    shared_container(
        &one,
        "/cse-mn1",
        "shared",
        &["/id-mn2/Ctwo", "/id-in/Cinapp"],
    )
    .await;
    shared_container(&inn, "/cse-in", "shared", &["/id-mn1/Cone", "/id-mn2/Ctwo"]).await;
    // MN1 → IN → MN2 and back.
    all_four_operations(&one, "Cone", "Cnobody", "/~/id-mn2/cse-mn2/shared").await;
    all_four_operations(&two, "Ctwo", "Cnobody", "/~/id-mn1/cse-mn1/shared").await;
    // IN → MN and MN → IN.
    all_four_operations(&inn, "Cinapp", "Cnobody", "/~/id-mn1/cse-mn1/shared").await;
    all_four_operations(&one, "Cone", "Cnobody", "/~/id-in/cse-in/shared").await;
    // Unstructured addressing travels too: the MN2 container by its resourceID.
    let shared = two.retrieve("/cse-mn2/shared", "CAdmin").await;
    let ri = shared.body["m2m:cnt"]["ri"]
        .as_str()
        .expect("ri")
        .to_owned();
    let by_ri = one.retrieve(&format!("/~/id-mn2/{ri}"), "Cone").await;
    assert_eq!(by_ri.body["m2m:cnt"]["rn"], "shared", "{by_ri:#?}");
    // A CSE nobody registered: MN1 asks the IN, whose 4004 comes back.
    one.retrieve("/~/id-mn3/cse-mn3", "Cone")
        .await
        .assert_error(4004, 404, "/id-mn3");
}

/// A chain IN ← MN1 ← MN2: MN1 reports MN2 in its `dcse` at the IN, so the IN
/// routes requests for MN2 down through MN1, and drops the route when MN2 leaves.
#[tokio::test]
async fn a_cse_two_levels_down_is_reached_through_the_dcse_of_the_one_between() {
    let inn = spawn_in().await;
    let mn1 = spawn_mn_with(&inn.base, "/id-mn1", 60, |c| {
        c.registration_cse_originators = Some("/id-mn2*".into());
    })
    .await;
    assert!(answers_within(&inn, "/cse-in/id-mn1", false, Duration::from_secs(10)).await);
    let mn2 = spawn_mn_with(&mn1.base, "/id-mn2", 60, |c| {
        c.registrar_cse_id = "/id-mn1".into();
        c.registrar_cse_name = "cse-mn1".into();
    })
    .await;
    let one = client_for(&mn1.base, "cse-mn1", "/id-mn1");
    assert!(answers_within(&one, "/cse-mn1/id-mn2", false, Duration::from_secs(10)).await);

    // Within a second of MN2's registration the IN holds it in MN1's dcse.
    let mut dcse = serde_json::Value::Null;
    for _ in 0..50 {
        dcse = inn.retrieve("/cse-in/id-mn1", "CAdmin").await.body["m2m:csr"]["dcse"].clone();
        if dcse == json!(["/id-mn2"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dcse, json!(["/id-mn2"]));
    let through = inn.retrieve("/~/id-mn2/cse-mn2", "CAdmin").await;
    assert_eq!(through.rsc, Some(2000), "{through:#?}");
    assert_eq!(through.body["m2m:cb"]["csi"], "/id-mn2");

    // MN2 leaves (it deregisters from MN1): the IN's route goes with it.
    mn2.stop().await;
    assert!(answers_within(&one, "/cse-mn1/id-mn2", true, Duration::from_secs(10)).await);
    let mut gone = false;
    for _ in 0..50 {
        let csr = inn.retrieve("/cse-in/id-mn1", "CAdmin").await;
        if csr.body["m2m:csr"]["dcse"] == json!([]) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "MN1 did not report that MN2 left");
    inn.retrieve("/~/id-mn2/cse-mn2", "CAdmin")
        .await
        .assert_error(4004, 404, "/id-mn2");
}
