//! Forwarding (spec digest inter-cse §3): a request for a resource of another CSE
//! goes to the next hop and its answer comes back unchanged; access is the hosting
//! CSE's; unknown CSEs are 4004, unreachable ones 5103. Two onecse instances (IN
//! `/id-in` `cse-in`, MN `/id-mn` `cse-mn`) on separate databases, over loopback.

use std::time::Duration;

use onecse_testkit::{Client, Method, Target};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

/// A client speaking to the CSE at `base` (`http://127.0.0.1:port`) named `name`.
pub fn client_for(base: &str, name: &str, cse_id: &str) -> Client {
    let target = Target::from_url(
        &format!("{base}/{name}"),
        cse_id,
        "CAdmin",
        "3",
        Duration::from_secs(20),
    )
    .expect("target");
    Client::builder(target)
        .strict()
        .build()
        .expect("http client")
}

/// An IN-CSE that lets `/id-mn*` register.
pub async fn spawn_in() -> TestApp {
    spawn_app_with(|c| c.registration_cse_originators = Some("/id-mn*".into())).await
}

/// An MN-CSE `/id-mn` (`cse-mn`) whose registrar is the IN at `in_base`.
pub async fn spawn_mn(in_base: &str, check_interval_s: u64) -> TestApp {
    spawn_mn_with(in_base, "/id-mn", check_interval_s, |_| {}).await
}

/// The configuration of an MN-CSE `cse_id` (CSEBase `cse-<id without /id->`, e.g.
/// `/id-mn2` → `cse-mn2`) whose registrar is the IN at `in_base`.
pub fn mn_config(
    in_base: &str,
    cse_id: &str,
    check_interval_s: u64,
) -> impl Fn(&mut onecse::config::Config) + Clone + use<> {
    let (url, cse_id) = (in_base.to_owned(), cse_id.to_owned());
    move |c| {
        c.cse_name = cse_id.replacen("/id-", "cse-", 1);
        c.cse_id = cse_id.clone();
        c.cse_type = "MN".into();
        c.registrar_url = Some(url.clone());
        c.registrar_check_interval_s = check_interval_s;
    }
}

/// An MN-CSE as [`mn_config`] says, adjusted further by `adjust`.
pub async fn spawn_mn_with(
    in_base: &str,
    cse_id: &str,
    check_interval_s: u64,
    adjust: impl FnOnce(&mut onecse::config::Config),
) -> TestApp {
    let config = mn_config(in_base, cse_id, check_interval_s);
    spawn_app_with(move |c| {
        config(c);
        adjust(c);
    })
    .await
}

/// Waits (at most `limit`) until `resource` (e.g. a registration, `/cse-in/id-mn`)
/// answers 2000 at the CSE `client` speaks to, or 4004 when `gone`.
pub async fn answers_within(client: &Client, resource: &str, gone: bool, limit: Duration) -> bool {
    let wanted = if gone { 4004 } else { 2000 };
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if client.retrieve(resource, "CAdmin").await.rsc == Some(wanted) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Creates on the CSE `client` speaks to a container `rn` under `parent` that the
/// `originators` (SP-relative AE-IDs of other CSEs) may do anything with.
pub async fn shared_container(client: &Client, parent: &str, rn: &str, originators: &[&str]) {
    let acp = client
        .create(
            parent,
            1,
            &json!({"m2m:acp": {"rn": format!("acp-{rn}"),
                "pv": {"acr": [{"acor": originators, "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(acp.rsc, Some(2001), "{acp:#?}");
    let made = client
        .create(
            parent,
            3,
            &json!({"m2m:cnt": {"rn": rn, "acpi": [acp.body["m2m:acp"]["ri"]]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(made.rsc, Some(2001), "{made:#?}");
}

/// Registers the MN at `mn_base` with the IN by hand (what the MN does itself at
/// start-up), so these tests depend on forwarding only.
async fn register_by_hand(inn: &Client, mn_base: &str) {
    let body = json!({"m2m:csr": {"cb": "/id-mn/cse-mn", "rr": true, "srv": ["3"], "cst": 2, "poa": [mn_base]}});
    let reply = inn.create("/cse-in", 16, &body, Some("/id-mn")).await;
    assert!(matches!(reply.rsc, Some(2001 | 4117)), "{reply:#?}");
}

/// Registers the AE `originator` at the CSE `client` speaks to (CSEBase `base`): an
/// AE-ID sends requests, forwarded or not, only once it is registered at its CSE.
pub async fn register_ae_at(client: &Client, base: &str, originator: &str) {
    let body = json!({"m2m:ae": {"rn": originator.to_lowercase(), "api": "Ntest", "rr": true, "srv": ["3"]}});
    let reply = client.create(base, 2, &body, Some(originator)).await;
    assert_eq!(
        reply.rsc,
        Some(2001),
        "registration of {originator}: {reply:#?}"
    );
}

#[tokio::test]
async fn each_cse_reads_the_other_cse_base_through_forwarding() {
    let inn = spawn_in().await;
    let mn = spawn_mn(&inn.base, 60).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    register_by_hand(&inn, &mn.base).await;
    register_ae_at(&mn_client, "/cse-mn", "Cmnapp").await;
    // IN → MN: the IN knows the MN by its remoteCSE.
    let reply = inn.retrieve("/~/id-mn/cse-mn", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert_eq!(reply.body["m2m:cb"]["csi"], "/id-mn");
    // MN → IN: an unknown CSE-ID goes to the registrar.
    let reply = mn_client.retrieve("/~/id-in/cse-in", "Cmnapp").await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert_eq!(reply.body["m2m:cb"]["csi"], "/id-in");
    // Absolute form, and a CSE nobody knows: the IN has no registrar → 4004.
    let reply = inn
        .retrieve("/_/acme.example.com/id-mn/cse-mn", "CAdmin")
        .await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    inn.retrieve("/~/id-zz/cse-zz", "CAdmin")
        .await
        .assert_error(4004, 404, "/id-zz");
    // From the MN, /id-zz goes to the IN, which has no route: its 4004 comes back.
    mn_client
        .retrieve("/~/id-zz/cse-zz", "Cmnapp")
        .await
        .assert_error(4004, 404, "/id-zz");
}

#[tokio::test]
async fn an_ae_on_the_mn_works_on_the_in_under_the_in_access_control() {
    let inn = spawn_in().await;
    let mn = spawn_mn(&inn.base, 60).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    register_by_hand(&inn, &mn.base).await;
    for ae in ["Cmnapp", "Cother"] {
        register_ae_at(&mn_client, "/cse-mn", ae).await;
    }
    // A container on the IN that /id-mn/Cmnapp may use (and Cother may not).
    let acp = inn
        .create(
            "/cse-in",
            1,
            &json!({"m2m:acp": {"rn": "acpRemote",
                "pv": {"acr": [{"acor": ["/id-mn/Cmnapp"], "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    let acp_ri = acp.body["m2m:acp"]["ri"].clone();
    inn.container("/cse-in", "shared", json!({"acpi": [acp_ri]}), "CAdmin")
        .await;
    let created = mn_client
        .create(
            "/~/id-in/cse-in/shared",
            3,
            &json!({"m2m:cnt": {"rn": "fromMn"}}),
            Some("Cmnapp"),
        )
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    assert_eq!(
        created.header("content-location"),
        Some("/cse-in/shared/fromMn")
    );
    let read = mn_client
        .retrieve("/~/id-in/cse-in/shared/fromMn?rcn=1", "Cmnapp")
        .await;
    assert_eq!(read.rsc, Some(2000), "{read:#?}");
    let updated = mn_client
        .update(
            "/~/id-in/cse-in/shared/fromMn",
            &json!({"m2m:cnt": {"lbl": ["via:mn"]}}),
            "Cmnapp",
        )
        .await;
    assert_eq!(
        updated.body["m2m:cnt"]["lbl"],
        json!(["via:mn"]),
        "{updated:#?}"
    );
    // The IN decides: another AE of the MN is refused, and the 4103 comes back unchanged.
    let denied = mn_client
        .retrieve("/~/id-in/cse-in/shared/fromMn", "Cother")
        .await;
    denied.assert_error(4103, 403, "/id-mn/Cother");
    assert_eq!(denied.header("x-m2m-ri"), denied.generated_ri.as_deref());
    let deleted = mn_client
        .delete("/~/id-in/cse-in/shared/fromMn", "Cmnapp")
        .await;
    assert_eq!(deleted.rsc, Some(2002), "{deleted:#?}");
    assert_eq!(
        inn.retrieve("/cse-in/shared/fromMn", "CAdmin").await.rsc,
        Some(4004)
    );
}

#[tokio::test]
async fn an_ae_on_the_in_works_on_the_mn() {
    let inn = spawn_in().await;
    let mn = spawn_mn(&inn.base, 60).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    register_by_hand(&inn, &mn.base).await;
    let acp = mn_client
        .create(
            "/cse-mn",
            1,
            &json!({"m2m:acp": {"rn": "acpIn",
                "pv": {"acr": [{"acor": ["/id-in/Cinapp"], "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    let made = mn_client
        .create(
            "/cse-mn",
            3,
            &json!({"m2m:cnt": {"rn": "onMn", "acpi": [acp.body["m2m:acp"]["ri"]]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(made.rsc, Some(2001), "{made:#?}");
    for ae in ["Cinapp", "Cstranger"] {
        inn.register_ae(&ae.to_lowercase(), ae).await;
    }
    let created = inn
        .create(
            "/~/id-mn/cse-mn/onMn",
            4,
            &json!({"m2m:cin": {"con": "21"}}),
            Some("Cinapp"),
        )
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    let latest = inn.retrieve("/~/id-mn/cse-mn/onMn/la", "Cinapp").await;
    assert_eq!(latest.body["m2m:cin"]["con"], "21", "{latest:#?}");
    inn.retrieve("/~/id-mn/cse-mn/onMn/la", "Cstranger")
        .await
        .assert_error(4103, 403, "/id-in/Cstranger");
}

#[tokio::test]
async fn a_transit_refuses_registrations_and_unreachable_cses_are_5103() {
    let inn = spawn_in().await;
    // Stopped without deregistering, as a crash would: the IN still knows it.
    let mn = spawn_mn_with(&inn.base, "/id-mn", 60, |c| {
        c.registrar_deregister_on_stop = false;
    })
    .await;
    let mn_base = mn.base.clone();
    register_by_hand(&inn, &mn_base).await;
    inn.create(
        "/~/id-mn/cse-mn",
        2,
        &json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}}),
        Some("Cx"),
    )
    .await
    .assert_error(4000, 400, "registration");
    // A request the IN originated itself never comes back to be forwarded.
    inn.retrieve("/~/id-mn/cse-mn", "/id-in")
        .await
        .assert_error(4004, 404, "loop");
    // A time limit already past is refused before anything is sent.
    let expired = inn
        .request(Method::GET, "/~/id-mn/cse-mn")
        .originator("CAdmin")
        .header("X-M2M-RET", "20200101T000000");
    inn.execute(expired).await.assert_error(4008, 504, "rqet");
    mn.stop().await;
    let started = std::time::Instant::now();
    inn.retrieve("/~/id-mn/cse-mn", "CAdmin")
        .await
        .assert_error(5103, 404, "/id-mn");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_forwarding_loop_is_refused_not_followed() {
    let inn = spawn_in().await;
    // A registration whose poa is the IN itself: everything for /id-mn9 comes back.
    let body = json!({"m2m:csr": {"cb": "/id-mn9/cse-mn9", "rr": true, "srv": ["3"], "cst": 2, "poa": [inn.base]}});
    let reply = inn.create("/cse-in", 16, &body, Some("/id-mn9")).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    inn.retrieve("/~/id-mn9/cse-mn9", "CAdmin")
        .await
        .assert_error(4004, 404, "loop");
    // The CSE still serves (the refusal released everything it held).
    assert_eq!(inn.retrieve("/cse-in", "CAdmin").await.rsc, Some(2000));
}
