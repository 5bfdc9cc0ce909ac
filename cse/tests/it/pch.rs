//! pollingChannel and NOTIFY relay (TS-0001 §9.6.21, §10.2.5.12-19, §10.2.5.21-23;
//! TS-0004 §7.3.3.9, §7.4.21-22; spec digest polling-and-requests §1-§4): creation
//! rules, the `pcu` long poll and answers, the durable polling queue (order, once
//! only, restarts, expiry, two processes), subscription notifications and
//! verification through it. The relay of NOTIFYs to an AE is in `relay.rs`, which
//! uses the helpers here.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Reply, TestApp, TestDb, spawn_app, spawn_app_on, spawn_app_with, strict_client,
};

/// The polling AE: AE-ID `Cpoller`, name `poller`, rr false.
pub(crate) const POLLER: &str = "Cpoller";
pub(crate) const AE: &str = "/cse-in/poller";
pub(crate) const PCH: &str = "/cse-in/poller/pch";
pub(crate) const PCU: &str = "/cse-in/poller/pch/pcu";
pub(crate) const OTHER: &str = "Cother";

pub(crate) async fn register(app: &TestApp, rn: &str, id: &str, rr: bool, poa: &[String]) -> Reply {
    let mut ae = json!({"rn": rn, "api": "Ntest", "rr": rr, "srv": ["3"]});
    if !poa.is_empty() {
        ae["poa"] = json!(poa);
    }
    let reply = app
        .create("/cse-in", 2, &json!({ "m2m:ae": ae }), Some(id))
        .await;
    assert_eq!(reply.rsc, Some(2001), "registration of {rn}: {reply:#?}");
    reply
}

pub(crate) async fn create_channel(app: &TestApp, parent: &str, originator: &str) -> Reply {
    app.create(
        parent,
        15,
        &json!({"m2m:pch": {"rn": "pch"}}),
        Some(originator),
    )
    .await
}

/// `poller` (rr false) with its pollingChannel, and `other` (rr true, no poa).
pub(crate) async fn polling_setup(app: &TestApp) {
    register(app, "poller", POLLER, false, &[]).await;
    register(app, "other", OTHER, true, &[]).await;
    let reply = create_channel(app, AE, POLLER).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

/// A long poll of `pcu` as `originator`, with `X-M2M-RET` in ms when given.
pub(crate) async fn poll(app: &TestApp, originator: &str, ret_ms: Option<u64>) -> Reply {
    let mut request = app.request(Method::GET, PCU).originator(originator);
    if let Some(ms) = ret_ms {
        request = request.header("X-M2M-RET", ms.to_string());
    }
    app.execute(request).await
}

pub(crate) async fn notify(app: &TestApp, path: &str, originator: &str, body: &Value) -> Reply {
    app.onem2m(
        Method::POST,
        path,
        Some(originator),
        Some("application/json"),
        Some(&body.to_string()),
    )
    .await
}

/// The poller's long poll of `pcu` at `app`, sent in the background (it waits).
fn poll_in_background(app: &TestApp, ret_ms: u64) -> tokio::task::JoinHandle<Reply> {
    let client = strict_client(&app.base);
    tokio::spawn(async move {
        let request = client
            .request(Method::GET, PCU)
            .originator(POLLER)
            .header("X-M2M-RET", ret_ms.to_string());
        client.execute(request).await
    })
}

/// The admin's NOTIFY of `content` to the poller's AE at `app`, sent in the
/// background (it waits for the poller's answer).
pub(crate) fn relay_in_background(
    app: &TestApp,
    content: &Value,
    ret_ms: u64,
) -> tokio::task::JoinHandle<Reply> {
    let client = strict_client(&app.base);
    let sent = content.clone();
    tokio::spawn(async move {
        let request = client
            .request(Method::POST, AE)
            .originator("CAdmin")
            .header("X-M2M-RET", ret_ms.to_string())
            .json(None, &sent);
        client.execute(request).await
    })
}

/// The AE's answer through `pcu` to the request `rqp` it polled.
pub(crate) async fn answer(app: &TestApp, rqp: &Value, rsc: u16, pc: Option<Value>) -> Reply {
    let mut rsp = json!({"rsc": rsc, "rqi": rqp["rqi"], "rvi": "3", "fr": POLLER});
    if let Some(pc) = pc {
        rsp["pc"] = pc;
    }
    notify(app, PCU, POLLER, &json!({ "m2m:rsp": rsp })).await
}

/// A container of the poller with a subscription towards the poller itself (no
/// verification for the originator's own AE-ID).
async fn subscribed_container(app: &TestApp) {
    app.container(AE, "data", json!({}), POLLER).await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [POLLER], "enc": {"net": [3]}}});
    let reply = app
        .create(&format!("{AE}/data"), 23, &sub, Some(POLLER))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

fn con_of(rqp: &Value) -> String {
    rqp["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn only_the_ae_itself_creates_one_channel_under_its_ae() {
    let app = spawn_app().await;
    register(&app, "poller", POLLER, false, &[]).await;
    register(&app, "other", OTHER, true, &[]).await;
    create_channel(&app, AE, OTHER)
        .await
        .assert_error(4103, 403, "only '/id-in/Cpoller'");
    create_channel(&app, "/cse-in", "CAdmin")
        .await
        .assert_error(
            4108,
            403,
            "pollingChannel cannot be created under a CSEBase",
        );
    app.container(AE, "c", json!({}), POLLER).await;
    create_channel(&app, &format!("{AE}/c"), POLLER)
        .await
        .assert_error(4108, 403, "under a container");
    let reply = create_channel(&app, AE, POLLER).await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    let pch = reply.expect_resource("m2m:pch");
    assert_eq!(pch["ty"], 15);
    assert!(pch.get("acpi").is_none());
    let second = app
        .create(AE, 15, &json!({"m2m:pch": {"rn": "pch2"}}), Some(POLLER))
        .await;
    second.assert_error(4105, 409, "at most one");
    // Attributes outside the table are refused like for every type.
    let reply = app
        .create(AE, 15, &json!({"m2m:pch": {"acpi": ["x"]}}), Some(POLLER))
        .await;
    assert_eq!(reply.rsc, Some(4000), "{reply:#?}");
    // The CSEBase announces the type.
    let cb = app.retrieve("/cse-in", "CAdmin").await;
    assert!(
        cb.body["m2m:cb"]["srt"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(15)))
    );
}

#[tokio::test]
async fn only_the_ae_itself_and_the_administrator_read_change_and_delete_it() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    app.retrieve(PCH, OTHER)
        .await
        .assert_error(4103, 403, "may not RETRIEVE");
    assert_eq!(app.retrieve(PCH, POLLER).await.rsc, Some(2000));
    assert_eq!(app.retrieve(PCH, "/id-in/Cpoller").await.rsc, Some(2000));
    assert_eq!(app.retrieve(PCH, "CAdmin").await.rsc, Some(2000));
    let change = json!({"m2m:pch": {"lbl": ["polled"], "rqag": false}});
    app.update(PCH, &change, OTHER)
        .await
        .assert_error(4103, 403, "may not UPDATE");
    let updated = app.update(PCH, &change, POLLER).await;
    assert_eq!(updated.rsc, Some(2004), "{updated:#?}");
    assert_eq!(updated.body["m2m:pch"]["lbl"], json!(["polled"]));
    app.delete(PCH, OTHER)
        .await
        .assert_error(4103, 403, "may not DELETE");
    // pcu is virtual: not a child in listings or discovery.
    let found = app.retrieve(&format!("{AE}?fu=1"), POLLER).await;
    let uris = found.uril();
    assert!(uris.iter().any(|u| u == "cse-in/poller/pch"), "{uris:?}");
    assert!(!uris.iter().any(|u| u.ends_with("pcu")));
    let all = app.retrieve(&format!("{PCH}?rcn=4"), POLLER).await;
    assert_eq!(all.rsc, Some(2000));
    assert!(!all.raw.contains("pcu"), "{}", all.raw);
    assert_eq!(app.delete(PCH, POLLER).await.rsc, Some(2002));
    poll(&app, POLLER, Some(100))
        .await
        .assert_error(4004, 404, "pcu");
}

#[tokio::test]
async fn pcu_allows_only_poll_and_answer_by_its_owner() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    let cin = json!({"m2m:cin": {"con": "x"}});
    app.create(PCU, 4, &cin, Some(POLLER)).await.assert_error(
        4005,
        405,
        "not allowed on a pollingChannelURI",
    );
    app.update(PCU, &json!({"m2m:pch": {}}), POLLER)
        .await
        .assert_error(4005, 405, "UPDATE");
    app.delete(PCU, POLLER)
        .await
        .assert_error(4005, 405, "DELETE");
    poll(&app, OTHER, Some(100))
        .await
        .assert_error(4103, 403, "may not use");
    poll(&app, "CAdmin", Some(100))
        .await
        .assert_error(4103, 403, "may not use");
    let rsp = json!({"m2m:rsp": {"rsc": 2000, "rqi": "r1"}});
    notify(&app, PCU, OTHER, &rsp)
        .await
        .assert_error(4103, 403, "may not use");
    notify(&app, PCU, POLLER, &json!({"m2m:sgn": {"vrq": true}}))
        .await
        .assert_error(4000, 400, "m2m:rsp");
    notify(&app, PCU, POLLER, &json!({"m2m:rsp": {"rsc": 2000}}))
        .await
        .assert_error(4000, 400, "rqi");
    notify(
        &app,
        PCU,
        POLLER,
        &json!({"m2m:rsp": {"rsc": 12, "rqi": "r1"}}),
    )
    .await
    .assert_error(4000, 400, "rsc");
    // An answer nobody waits for (a notification's) is accepted.
    assert_eq!(notify(&app, PCU, POLLER, &rsp).await.rsc, Some(2000));
}

#[tokio::test]
async fn an_empty_poll_times_out_with_4008_within_its_bound() {
    let app = spawn_app_with(|c| c.polling_wait_ms = 400).await;
    polling_setup(&app).await;
    let started = Instant::now();
    let reply = poll(&app, POLLER, Some(600)).await;
    let took = started.elapsed();
    reply.assert_error(4008, 504, "poll again");
    assert!(
        took >= Duration::from_millis(550) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // Without X-M2M-RET the configured wait applies.
    let started = Instant::now();
    poll(&app, POLLER, None)
        .await
        .assert_error(4008, 504, "400 ms");
    assert!(started.elapsed() < Duration::from_secs(3));
    // An absolute X-M2M-RET in the past, and one that is no time at all.
    let past = app
        .execute(
            app.request(Method::GET, PCU)
                .originator(POLLER)
                .header("X-M2M-RET", "20200101T000000"),
        )
        .await;
    past.assert_error(4008, 504, "already passed");
    let bad = app
        .execute(
            app.request(Method::GET, PCU)
                .originator(POLLER)
                .header("X-M2M-RET", "soon"),
        )
        .await;
    bad.assert_error(4000, 400, "X-M2M-RET");
}

#[tokio::test]
async fn notifications_to_a_polling_ae_arrive_through_pcu_in_order_once() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    subscribed_container(&app).await;
    for i in 0..3 {
        app.instance(&format!("{AE}/data"), &format!("{i}"), POLLER)
            .await;
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        let reply = poll(&app, POLLER, Some(5000)).await;
        assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
        let rqp = &reply.body["m2m:rqp"];
        assert_eq!(rqp["op"], 5);
        assert_eq!(rqp["to"], POLLER);
        assert_eq!(rqp["fr"], "/id-in");
        assert!(rqp["rqi"].as_str().is_some_and(|r| !r.is_empty()));
        assert!(rqp["ot"].is_string() && rqp["rqet"].is_string());
        got.push(con_of(rqp));
        assert_eq!(answer(&app, rqp, 2000, None).await.rsc, Some(2000));
    }
    assert_eq!(got, ["0", "1", "2"]);
    poll(&app, POLLER, Some(300))
        .await
        .assert_error(4008, 504, "poll again");
}

#[tokio::test]
async fn a_waiting_poll_is_answered_as_soon_as_a_notification_is_queued() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    subscribed_container(&app).await;
    let started = Instant::now();
    let waiting = poll_in_background(&app, 10_000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued_at = Instant::now();
    app.instance(&format!("{AE}/data"), "now", POLLER).await;
    let reply = waiting.await.expect("poll task");
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert_eq!(con_of(&reply.body["m2m:rqp"]), "now");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        queued_at.elapsed() < Duration::from_secs(3),
        "woken, not timed out"
    );
}

#[tokio::test]
async fn two_concurrent_polls_get_different_requests() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    subscribed_container(&app).await;
    for i in 0..2 {
        app.instance(&format!("{AE}/data"), &format!("{i}"), POLLER)
            .await;
    }
    let (one, two) = tokio::join!(
        poll(&app, POLLER, Some(3000)),
        poll(&app, POLLER, Some(3000))
    );
    assert_eq!((one.rsc, two.rsc), (Some(2000), Some(2000)));
    let mut got = [con_of(&one.body["m2m:rqp"]), con_of(&two.body["m2m:rqp"])];
    got.sort();
    assert_eq!(got, ["0", "1"]);
    poll(&app, POLLER, Some(300))
        .await
        .assert_error(4008, 504, "poll again");
}

#[tokio::test]
async fn queued_requests_survive_a_restart() {
    let (db, url) = TestDb::fresh();
    let first = spawn_app_on(&url, |_| {}).await;
    polling_setup(&first).await;
    subscribed_container(&first).await;
    for i in 0..2 {
        first
            .instance(&format!("{AE}/data"), &format!("{i}"), POLLER)
            .await;
    }
    // Give delivery the time to move them from the outbox into the polling queue.
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.stop().await;
    let second = spawn_app_on(&url, |_| {}).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let reply = poll(&second, POLLER, Some(5000)).await;
        assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
        got.push(con_of(&reply.body["m2m:rqp"]));
    }
    assert_eq!(got, ["0", "1"]);
    second.stop().await;
    drop(db);
}

#[tokio::test]
async fn queued_requests_expire_unpolled() {
    let app = spawn_app_with(|c| c.polling_queue_expiry_ms = 300).await;
    polling_setup(&app).await;
    subscribed_container(&app).await;
    app.instance(&format!("{AE}/data"), "late", POLLER).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    poll(&app, POLLER, Some(300))
        .await
        .assert_error(4008, 504, "poll again");
    let metrics = reqwest::get(format!("{}/metrics", app.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    assert!(
        metrics.contains("onecse_polling_requests_expired_total 1"),
        "{metrics}"
    );
}

/// Creates a subscription of the administrator towards the poller in the background
/// (it waits for the verification), polls the verification request and answers it
/// with `rsc` (none: no answer); returns the CREATE's reply.
async fn verify_through_pcu(app: &TestApp, rsc: Option<u16>) -> Reply {
    app.container("/cse-in", "watched", json!({}), "CAdmin")
        .await;
    let client = strict_client(&app.base);
    let creating = tokio::spawn(async move {
        let sub = json!({"m2m:sub": {"rn": "s", "nu": [POLLER]}});
        client
            .create("/cse-in/watched", 23, &sub, Some("CAdmin"))
            .await
    });
    let polled = poll(app, POLLER, Some(5000)).await;
    assert_eq!(polled.rsc, Some(2000), "{polled:#?}");
    let rqp = &polled.body["m2m:rqp"];
    assert_eq!(rqp["pc"]["m2m:sgn"]["vrq"], true);
    assert!(rqp["pc"]["m2m:sgn"]["sur"].is_string());
    if let Some(rsc) = rsc {
        assert_eq!(answer(app, rqp, rsc, None).await.rsc, Some(2000));
    }
    creating.await.expect("create task")
}

#[tokio::test]
async fn verification_of_a_polling_ae_waits_for_its_answer_through_pcu() {
    let app = spawn_app_with(|c| c.polling_wait_ms = 1500).await;
    polling_setup(&app).await;
    let reply = verify_through_pcu(&app, Some(2000)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");

    let app = spawn_app_with(|c| c.polling_wait_ms = 1500).await;
    polling_setup(&app).await;
    verify_through_pcu(&app, Some(4103))
        .await
        .assert_error(5204, 500, "refused it with 4103");

    let app = spawn_app_with(|c| c.polling_wait_ms = 800).await;
    polling_setup(&app).await;
    verify_through_pcu(&app, None)
        .await
        .assert_error(5204, 500, "did not answer");
}

#[tokio::test]
async fn an_ae_with_rr_false_and_no_channel_cannot_be_verified_or_relayed_to() {
    let app = spawn_app().await;
    register(&app, "poller", POLLER, false, &[]).await;
    app.container("/cse-in", "watched", json!({}), "CAdmin")
        .await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [POLLER]}});
    app.create("/cse-in/watched", 23, &sub, Some("CAdmin"))
        .await
        .assert_error(5204, 500, "no pollingChannel");
    notify(&app, AE, "CAdmin", &json!({"m2m:sgn": {"vrq": true}}))
        .await
        .assert_error(5103, 404, "no pollingChannel");
}

/// Two onecse processes on one fresh PostgreSQL database, the poller set up; `None`
/// without PostgreSQL (several processes share a database only there).
pub(crate) async fn two_processes() -> Option<(TestDb, TestApp, TestApp)> {
    crate::helpers::postgres_url()?;
    let (db, url) = TestDb::fresh();
    let one = spawn_app_on(&url, |_| {}).await;
    let two = spawn_app_on(&url, |_| {}).await;
    polling_setup(&one).await;
    Some((db, one, two))
}

#[tokio::test]
async fn two_processes_on_one_postgres_database_hand_out_each_request_once() {
    let Some((db, one, two)) = two_processes().await else {
        return;
    };
    subscribed_container(&one).await;
    // A poll waiting on one process sees what the other queued (its periodic look).
    let waiting = poll_in_background(&two, 8000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued_at = Instant::now();
    one.instance(&format!("{AE}/data"), "across", POLLER).await;
    let reply = waiting.await.expect("poll task");
    assert_eq!(con_of(&reply.body["m2m:rqp"]), "across", "{reply:#?}");
    assert!(
        queued_at.elapsed() < Duration::from_secs(4),
        "{:?}",
        queued_at.elapsed()
    );
    for i in 0..10 {
        one.instance(&format!("{AE}/data"), &format!("{i}"), POLLER)
            .await;
    }
    let mut got = Vec::new();
    loop {
        let (a, b) = tokio::join!(
            poll(&one, POLLER, Some(1500)),
            poll(&two, POLLER, Some(1500))
        );
        let before = got.len();
        for reply in [a, b] {
            if reply.rsc == Some(2000) {
                got.push(con_of(&reply.body["m2m:rqp"]));
            }
        }
        if got.len() == before {
            break;
        }
    }
    got.sort_by_key(|c| c.parse::<u32>().unwrap_or(u32::MAX));
    let expected: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(got, expected, "each exactly once");
    one.stop().await;
    two.stop().await;
    drop(db);
}

#[tokio::test]
async fn deleting_the_channel_or_the_ae_forgets_its_queue() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    subscribed_container(&app).await;
    app.instance(&format!("{AE}/data"), "old", POLLER).await;
    // Give delivery the time to move it into the polling queue.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.delete(PCH, POLLER).await.rsc, Some(2002));
    assert_eq!(create_channel(&app, AE, POLLER).await.rsc, Some(2001));
    poll(&app, POLLER, Some(300))
        .await
        .assert_error(4008, 504, "poll again");
    app.instance(&format!("{AE}/data"), "queued", POLLER).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.delete(AE, POLLER).await.rsc, Some(2002));
    register(&app, "poller", POLLER, false, &[]).await;
    assert_eq!(create_channel(&app, AE, POLLER).await.rsc, Some(2001));
    poll(&app, POLLER, Some(300))
        .await
        .assert_error(4008, 504, "poll again");
}

#[tokio::test]
async fn the_upper_testers_short_request_expiration_bounds_a_poll_without_x_m2m_ret() {
    let app = spawn_app_with(|c| {
        c.upper_tester = true;
        c.polling_wait_ms = 20_000;
    })
    .await;
    polling_setup(&app).await;
    let headers = [
        ("X-M2M-Origin", "CAdmin"),
        ("X-M2M-UTCMD", "enableShortRequestExpiration 1"),
    ];
    let reply = app.send(Method::POST, "/__ut__", &headers, None).await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    let started = Instant::now();
    poll(&app, POLLER, None)
        .await
        .assert_error(4008, 504, "poll again");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}
