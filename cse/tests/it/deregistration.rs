//! Leaving and losing a registration (TS-0001 §10.2.2.10, spec digest inter-cse §2):
//! an MN that stops deregisters on both sides; a registrar that deletes a
//! registration stops forwarding to that CSE until it registers again; a registrar
//! that was down (and lost its registrations) gets the MN back. Separate onecse
//! instances on separate databases, over loopback.

use std::time::Duration;

use crate::forwarding::{
    answers_within, client_for, mn_config, register_ae_at, spawn_in, spawn_mn,
};
use crate::helpers::{TestDb, spawn_app_on, spawn_app_with};

/// A port nobody listens on now.
fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    probe.local_addr().expect("address").port()
}

#[tokio::test]
async fn an_mn_that_stops_deregisters_on_both_sides() {
    let inn = spawn_in().await;
    let (db, url) = TestDb::fresh();
    let mn = spawn_app_on(&url, mn_config(&inn.base, "/id-mn", 60)).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(10)).await);
    assert!(answers_within(&mn_client, "/cse-mn/id-in", false, Duration::from_secs(10)).await);
    assert_eq!(
        inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await.rsc,
        Some(2000)
    );
    mn.stop().await;
    // The IN no longer holds the registration, and no longer forwards to the MN:
    // 4004 (no route), not 5103 (a known CSE that does not answer).
    assert!(answers_within(&inn, "/cse-in/id-mn", true, Duration::from_secs(10)).await);
    inn.retrieve("/~/id-mn/cse-mn", "CAdmin")
        .await
        .assert_error(4004, 404, "does not know");
    // The MN removed its own remoteCSE of the IN: started again on its database with
    // a registrar nobody answers at, it has none.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let again = spawn_app_on(&url, mn_config(&dead, "/id-mn", 60)).await;
    let again_client = client_for(&again.base, "cse-mn", "/id-mn");
    again_client
        .retrieve("/cse-mn/id-in", "CAdmin")
        .await
        .assert_error(4004, 404, "id-in");
    again.stop().await;
    drop(db);
}

#[tokio::test]
async fn a_registrar_that_deletes_a_registration_forwards_again_once_the_mn_registered_again() {
    let inn = spawn_in().await;
    let _mn = spawn_mn(&inn.base, 2).await;
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(10)).await);
    assert_eq!(
        inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await.rsc,
        Some(2000)
    );
    assert_eq!(inn.delete("/cse-in/id-mn", "CAdmin").await.rsc, Some(2002));
    inn.retrieve("/~/id-mn/cse-mn", "CAdmin")
        .await
        .assert_error(4004, 404, "/id-mn");
    // The MN's next liveness check finds its registration gone and registers again.
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(10)).await);
    let base = inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await;
    assert_eq!(base.body["m2m:cb"]["csi"], "/id-mn", "{base:#?}");
}

#[tokio::test]
async fn an_mn_registers_again_when_its_registrar_comes_back_without_its_registration() {
    let port = free_port();
    let in_base = format!("http://127.0.0.1:{port}");
    let in_config = move |c: &mut onecse::config::Config| {
        c.bind = format!("127.0.0.1:{port}");
        c.registration_cse_originators = Some("/id-mn*".into());
    };
    let inn = spawn_app_with(in_config).await;
    let mn = spawn_mn(&in_base, 1).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(10)).await);
    register_ae_at(&mn_client, "/cse-mn", "Cmnapp").await;
    assert_eq!(
        mn_client.retrieve("/~/id-in/cse-in", "Cmnapp").await.rsc,
        Some(2000)
    );
    inn.stop().await;
    mn_client
        .retrieve("/~/id-in/cse-in", "Cmnapp")
        .await
        .assert_error(5103, 404, "/id-in");
    // Back on the same address with an empty database: the MN registers again.
    let inn = spawn_app_with(in_config).await;
    assert!(answers_within(&inn, "/cse-in/id-mn", false, Duration::from_secs(15)).await);
    assert_eq!(
        inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await.rsc,
        Some(2000)
    );
    assert_eq!(
        mn_client.retrieve("/~/id-in/cse-in", "Cmnapp").await.rsc,
        Some(2000)
    );
}
