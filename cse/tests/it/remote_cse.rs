//! `<remoteCSE>` (ty 16): registration of another CSE with this one (TS-0004
//! §7.4.4, spec digest inter-cse §1–§2), its validation codes, who may register,
//! and what a registered CSE may do; then an MN-CSE registering with an IN-CSE at
//! start-up, over loopback, on separate databases.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

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
    app.retrieve("/cse-in", "/id-mn")
        .await
        .assert_error(4107, 403, "/id-mn");
    app.retrieve("/cse-in", "//acme.example.com/id-mn")
        .await
        .assert_error(4107, 403, "not registered");
    // An AE of another CSE (SP-relative AE-ID) is not a CSE originator.
    assert_eq!(app.retrieve("/cse-in", "/id-mn/Cae1").await.rsc, Some(2000));
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
