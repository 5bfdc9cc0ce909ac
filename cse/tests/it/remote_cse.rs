//! `<remoteCSE>` (ty 16): registration of another CSE with this one (TS-0004
//! §7.4.4, spec digest inter-cse §1–§2), its validation codes, who may register,
//! and what a registered CSE may do; then an MN-CSE registering with an IN-CSE at
//! start-up, over loopback, on separate databases.

use std::time::Duration;

use serde_json::{Value, json};

use crate::forwarding::{answers_within, client_for, spawn_mn};
use crate::helpers::{TestApp, TestDb, postgres_url, spawn_app_on, spawn_app_with};

/// An IN-CSE that lets CSE-IDs starting with `/id-mn` register.
async fn registrar() -> TestApp {
    spawn_app_with(|c| c.registration_cse_originators = Some("/id-mn*".into())).await
}

/// A registration body for `csi`.
fn csr(csi: &str) -> Value {
    json!({"m2m:csr": {
        "cb": format!("{csi}/cse-mn"), "rr": true, "srv": ["3"], "cst": 2,
        "poa": ["http://127.0.0.1:9"], "csi": csi, "dcse": []
    }})
}

#[tokio::test]
async fn a_cse_registers_and_reads_the_registrar_cse_base() {
    let app = registrar().await;
    let reply = app
        .create("/cse-in", 16, &csr("/id-mn"), Some("/id-mn"))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let created = &reply.body["m2m:csr"];
    assert_eq!(created["ri"], "id-mn");
    assert_eq!(created["rn"], "id-mn");
    assert_eq!(created["csi"], "/id-mn");
    assert_eq!(created["cb"], "/id-mn/cse-mn");
    assert_eq!(created["ty"], 16);
    // Both addressing forms find it, and the registered CSE reads the CSEBase.
    let by_path = app.retrieve("/cse-in/id-mn", "CAdmin").await;
    assert_eq!(by_path.body["m2m:csr"]["csi"], "/id-mn", "{by_path:#?}");
    let base = app.retrieve("/cse-in", "/id-mn").await;
    assert_eq!(base.rsc, Some(2000), "{base:#?}");
    assert_eq!(base.body["m2m:cb"]["csi"], "/id-in");
    // The registree updates its registration; DELETE removes it with its subtree.
    let update = app
        .update(
            "/cse-in/id-mn",
            &json!({"m2m:csr": {"poa": ["http://127.0.0.1:10"]}}),
            "/id-mn",
        )
        .await;
    assert_eq!(update.rsc, Some(2004), "{update:#?}");
    app.container("/cse-in/id-mn", "below", json!({}), "/id-mn")
        .await;
    assert_eq!(app.delete("/cse-in/id-mn", "/id-mn").await.rsc, Some(2002));
    assert_eq!(
        app.retrieve("/cse-in/id-mn/below", "CAdmin").await.rsc,
        Some(4004)
    );
    // Deregistered, the CSE is a stranger again.
    app.retrieve("/cse-in", "/id-mn")
        .await
        .assert_error(4107, 403, "not registered");
}

#[tokio::test]
async fn a_second_registration_of_one_cse_is_refused_with_4117() {
    let app = registrar().await;
    let first = app
        .create("/cse-in", 16, &csr("/id-mn"), Some("/id-mn"))
        .await;
    assert_eq!(first.rsc, Some(2001), "{first:#?}");
    app.create("/cse-in", 16, &csr("/id-mn"), Some("/id-mn"))
        .await
        .assert_error(4117, 403, "already registered");
}

#[tokio::test]
async fn only_configured_cses_may_register() {
    // By default no CSE may register.
    let closed = spawn_app_with(|_| {}).await;
    closed
        .create("/cse-in", 16, &csr("/id-mn"), Some("/id-mn"))
        .await
        .assert_error(4107, 403, "registration_cse_originators");
    let app = registrar().await;
    app.register_ae("ae1", "Cae1").await;
    app.create("/cse-in", 16, &csr("/id-zz"), Some("/id-zz"))
        .await
        .assert_error(4107, 403, "/id-zz");
    // An AE (or the administrator) never creates a remoteCSE, whatever the policies.
    for originator in ["Cae1", "CAdmin", "/id-mn/Cae1"] {
        app.create("/cse-in", 16, &csr("/id-mn"), Some(originator))
            .await
            .assert_error(4005, 405, "originated by a CSE");
    }
    app.create("/cse-in", 16, &csr("/id-in"), Some("/id-in"))
        .await
        .assert_error(4005, 405, "itself");
}

#[tokio::test]
async fn a_registration_without_a_mandatory_attribute_is_refused() {
    let app = registrar().await;
    for missing in ["cb", "rr", "srv"] {
        let mut body = csr("/id-mn");
        body["m2m:csr"]
            .as_object_mut()
            .expect("object")
            .remove(missing);
        app.create("/cse-in", 16, &body, Some("/id-mn"))
            .await
            .assert_error(4000, 400, missing);
    }
    let mut read_only = csr("/id-mn");
    read_only["m2m:csr"]["ri"] = json!("x");
    app.create("/cse-in", 16, &read_only, Some("/id-mn"))
        .await
        .assert_error(4000, 400, "ri");
    let mut relative = csr("/id-mn");
    relative["m2m:csr"]["cb"] = json!("cse-mn");
    app.create("/cse-in", 16, &relative, Some("/id-mn"))
        .await
        .assert_error(4000, 400, "cb");
    let mut renamed = csr("/id-mn");
    renamed["m2m:csr"]["rn"] = json!("other");
    app.create("/cse-in", 16, &renamed, Some("/id-mn"))
        .await
        .assert_error(4000, 400, "id-mn");
    // The CSE-ID comes from the originator, not from the content.
    let mut claimed = csr("/id-mn");
    claimed["m2m:csr"]["csi"] = json!("/id-mn9");
    let reply = app.create("/cse-in", 16, &claimed, Some("/id-mn")).await;
    assert_eq!(reply.body["m2m:csr"]["csi"], "/id-mn", "{reply:#?}");
}

#[tokio::test]
async fn an_unregistered_cse_originator_is_refused_with_4107() {
    let app = registrar().await;
    app.register_ae("ae1", "Cae1").await;
    app.retrieve("/cse-in", "/id-mn")
        .await
        .assert_error(4107, 403, "/id-mn");
    app.retrieve("/cse-in", "//acme.example.com/id-mn")
        .await
        .assert_error(4107, 403, "not registered");
    // An AE of another CSE (SP-relative AE-ID) is not a CSE originator.
    assert_eq!(app.retrieve("/cse-in", "/id-mn/Cae1").await.rsc, Some(2000));
    // Deleting its own registration (what ACME does before registering) finds none;
    // deleting anything else stays 4107.
    for own in ["/cse-in/id-mn", "/~/id-in/cse-in/id-mn", "/id-mn"] {
        app.delete(own, "/id-mn")
            .await
            .assert_error(4004, 404, "no registration");
    }
    app.delete("/cse-in/id-mn2", "/id-mn")
        .await
        .assert_error(4107, 403, "not registered");
    // An AE may not update or delete a registration, whatever the policies.
    let created = app
        .create("/cse-in", 16, &csr("/id-mn"), Some("/id-mn"))
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    app.delete("/cse-in/id-mn", "Cae1")
        .await
        .assert_error(4005, 405, "originated by a CSE");
    assert_eq!(app.delete("/cse-in/id-mn", "CAdmin").await.rsc, Some(2002));
}

/// Waits (at most `limit`) until the IN at `inn` holds the MN's registration.
async fn registered_within(inn: &TestApp, limit: Duration) -> bool {
    answers_within(inn, "/cse-in/id-mn", false, limit).await
}

#[tokio::test]
async fn an_mn_registers_with_its_registrar_at_start_up() {
    let inn = registrar().await;
    let mn = spawn_mn(&inn.base, 60).await;
    assert!(registered_within(&inn, Duration::from_secs(10)).await);
    let csr = inn.retrieve("/cse-in/id-mn", "CAdmin").await;
    let csr = csr.expect_resource("m2m:csr");
    assert_eq!(csr["csi"], "/id-mn");
    assert_eq!(csr["cb"], "/id-mn/cse-mn");
    assert_eq!(csr["cst"], 2);
    assert_eq!(csr["rr"], true);
    assert_eq!(csr["poa"], json!([mn.base]));
    // The MN keeps a remoteCSE for its registrar, from the registrar's CSEBase.
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    let mut local = mn_client.retrieve("/cse-mn/id-in", "CAdmin").await;
    for _ in 0..100 {
        if local.rsc == Some(2000) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        local = mn_client.retrieve("/cse-mn/id-in", "CAdmin").await;
    }
    let local = local.expect_resource("m2m:csr");
    assert_eq!(local["csi"], "/id-in");
    assert_eq!(local["cb"], "/id-in/cse-in");
    assert_eq!(local["cst"], 1);
    assert_eq!(local["poa"], json!([inn.base]));
    // The MN's own CSEBase says it is an MN; the IN reads it through forwarding.
    let base = inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await;
    assert_eq!(base.body["m2m:cb"]["cst"], 2, "{base:#?}");
}

#[tokio::test]
async fn an_mn_registers_once_its_registrar_comes_up() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("address").port()
    };
    let in_base = format!("http://127.0.0.1:{port}");
    let _mn = spawn_mn(&in_base, 60).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let inn = spawn_app_with(move |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.registration_cse_originators = Some("/id-mn".into());
    })
    .await;
    assert!(registered_within(&inn, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn an_mn_registers_again_after_the_registrar_lost_it() {
    let inn = registrar().await;
    let _mn = spawn_mn(&inn.base, 1).await;
    assert!(registered_within(&inn, Duration::from_secs(10)).await);
    assert_eq!(inn.delete("/cse-in/id-mn", "CAdmin").await.rsc, Some(2002));
    assert!(registered_within(&inn, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn two_processes_of_one_mn_register_once() {
    if postgres_url().is_none() {
        // Several processes share one database only on PostgreSQL.
        return;
    }
    let inn = registrar().await;
    let (db, url) = TestDb::fresh();
    let in_base = inn.base.clone();
    let mn_config = move |c: &mut onecse::config::Config| {
        c.cse_id = "/id-mn".into();
        c.cse_name = "cse-mn".into();
        c.cse_type = "MN".into();
        c.registrar_url = Some(in_base.clone());
        c.registrar_check_interval_s = 1;
    };
    let one = spawn_app_on(&url, mn_config.clone()).await;
    let two = spawn_app_on(&url, mn_config).await;
    assert!(registered_within(&inn, Duration::from_secs(10)).await);
    // Both processes run their loop a few times; the registration is the first
    // one's (its poa), never refused as a duplicate and never replaced.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let csr = inn.retrieve("/cse-in/id-mn", "CAdmin").await;
    let poa = csr.expect_resource("m2m:csr")["poa"].clone();
    assert!(
        poa == json!([one.base]) || poa == json!([two.base]),
        "{poa}"
    );
    let created = csr.expect_resource("m2m:csr")["ct"].clone();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = inn.retrieve("/cse-in/id-mn", "CAdmin").await;
    assert_eq!(again.expect_resource("m2m:csr")["ct"], created);
    assert_eq!(again.expect_resource("m2m:csr")["poa"], poa);
    // The registrar saw one registration: one remoteCSE created, none refused.
    let (_, metrics) = crate::ops::get(&format!("{}/metrics", inn.base)).await;
    let requests = |needle: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with("onecse_requests_total{") && l.contains(needle))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    assert_eq!(requests(r#"rsc="2001""#), 1.0, "{metrics}");
    assert_eq!(requests(r#"rsc="4117""#), 0.0, "{metrics}");
    drop(db);
}
