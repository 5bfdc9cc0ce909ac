//! Request timing and non-blocking requests (TS-0001 §8.1.2, §8.2.2; spec digest
//! polling-and-requests §5–§8): rqet/rset/oet/rp checks at arrival, oet delaying
//! execution, rt 1 (`<request>` polled), rt 2 (result NOTIFY), rt 4/5, cancellation,
//! the per-originator bound, expiry and durability across a kill -9.

use std::time::{Duration, Instant};

use onecse_testkit::{Method, Receiver};
use serde_json::{Map, Value, json};

use crate::helpers::{Reply, TestApp, TestDb, spawn_app, spawn_app_with};

/// Name and value pairs (query parameters or headers).
pub(crate) type Pairs<'a> = &'a [(&'a str, &'a str)];

/// A oneM2M request from `originator` with extra headers and query parameters.
pub(crate) async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    originator: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<(Option<u16>, Value)>,
) -> Reply {
    let mut request = app
        .request(method, path)
        .originator(originator)
        .headers(headers);
    for (name, value) in query {
        request = request.query(name, value);
    }
    if let Some((ty, body)) = body {
        request = request.json(ty, &body);
    }
    app.execute(request).await
}

/// A request without content from `originator` with response type `rt`.
async fn with_rt(app: &TestApp, method: Method, path: &str, originator: &str, rt: &str) -> Reply {
    send(app, method, path, originator, &[("rt", rt)], &[], None).await
}

/// A CREATE of type `ty` from `originator` with response type `rt` and headers.
async fn create_with_rt(
    app: &TestApp,
    parent: &str,
    originator: &str,
    rt: &str,
    headers: Pairs<'_>,
    ty: u16,
    body: Value,
) -> Reply {
    let create = Some((Some(ty), body));
    send(
        app,
        Method::POST,
        parent,
        originator,
        &[("rt", rt)],
        headers,
        create,
    )
    .await
}

/// CREATE of a container `rn` under the CSEBase with `query` and `headers`.
pub(crate) async fn create_container(
    app: &TestApp,
    rn: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let body = json!({"m2m:cnt": {"rn": rn}});
    send(
        app,
        Method::POST,
        "/cse-in",
        "CAdmin",
        query,
        headers,
        Some((Some(3), body)),
    )
    .await
}

/// The `<request>` resourceID of an accepted non-blocking request.
pub(crate) fn request_id(reply: &Reply) -> String {
    reply.body["m2m:uri"]
        .as_str()
        .unwrap_or_else(|| panic!("an m2m:uri reference: {reply:#?}"))
        .to_owned()
}

/// Retrieves the `<request>` until its `rs` is no longer PENDING (3), at most 10 s.
pub(crate) async fn finished(app: &TestApp, ri: &str, originator: &str) -> Map<String, Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.retrieve(&format!("/{ri}"), originator).await;
        assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
        let req = reply.expect_resource("m2m:req").clone();
        if req["rs"] != 3 {
            return req;
        }
        assert!(
            Instant::now() < deadline,
            "request {ri} still pending: {req:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Retrieves `path` until it answers `rsc`, at most 10 s; `what` names the wait.
async fn until_rsc(app: &TestApp, path: &str, rsc: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.retrieve(path, "CAdmin").await.rsc != Some(rsc) {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn rt1_answers_1001_with_a_request_reference_and_records_the_result() {
    let app = spawn_app().await;
    let reply = create_container(&app, "c1", &[("rt", "1")], &[]).await;
    assert_eq!((reply.status, reply.rsc), (202, Some(1001)), "{reply:#?}");
    let ri = request_id(&reply);
    let req = finished(&app, &ri, "CAdmin").await;
    assert_eq!(req["ty"], 17);
    assert_eq!(req["pi"], "id-in");
    assert_eq!(req["rs"], 1, "COMPLETED");
    assert_eq!(req["op"], 1);
    assert_eq!(req["tg"], "cse-in");
    assert_eq!(req["org"], "CAdmin");
    assert_eq!(req["lbl"], json!(["CAdmin"]));
    assert_eq!(req["mi"]["rt"]["rtv"], 1);
    assert_eq!(req["mi"]["ty"], 3);
    assert_eq!(req["pc"], json!({"m2m:cnt": {"rn": "c1"}}));
    let ors = &req["ors"];
    assert_eq!(ors["rsc"], 2001);
    assert_eq!(ors["rqi"], req["rid"]);
    assert_eq!(Some(ors["rqi"].as_str()), Some(reply.header("X-M2M-RI")));
    assert_eq!(ors["pc"]["m2m:cnt"]["rn"], "c1");
    assert_eq!(ors["fr"], "/id-in");
    assert_eq!(ors["to"], "CAdmin");
    assert!(req["et"].as_str().is_some(), "{req:?}");
    let container = app.retrieve("/cse-in/c1", "CAdmin").await;
    assert_eq!(container.rsc, Some(2000));
    // The CSEBase lists the type, and the request is its child.
    let base = app.retrieve("/cse-in", "CAdmin").await;
    let srt = base.expect_resource("m2m:cb")["srt"].clone();
    assert!(
        srt.as_array().is_some_and(|s| s.contains(&json!(17))),
        "{srt}"
    );
    assert_eq!(
        app.retrieve(&format!("/cse-in/{ri}"), "CAdmin").await.rsc,
        Some(2000)
    );
}

#[tokio::test]
async fn rt1_records_a_failed_operation_in_ors() {
    let app = spawn_app().await;
    let reply = with_rt(&app, Method::GET, "/cse-in/nothing", "CAdmin", "1").await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let req = finished(&app, &request_id(&reply), "CAdmin").await;
    assert_eq!(req["rs"], 2, "FAILED");
    assert_eq!(req["op"], 2);
    assert_eq!(req["ors"]["rsc"], 4004);
    assert!(
        req.get("pc").is_none(),
        "a RETRIEVE has no content: {req:?}"
    );
}

#[tokio::test]
async fn rt2_sends_the_result_to_every_rtu_target() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let rtu = format!("{}&{}", rx.url_for("/a"), rx.url_for("/b"));
    let reply = create_container(&app, "c2", &[("rt", "2")], &[("X-M2M-RTU", &rtu)]).await;
    assert_eq!((reply.status, reply.rsc), (202, Some(1002)), "{reply:#?}");
    let rqi = reply.header("X-M2M-RI").unwrap_or_default().to_owned();
    for path in ["/a", "/b"] {
        let got = rx.next_on(path, Duration::from_secs(10)).await;
        let got = got.unwrap_or_else(|| panic!("no result NOTIFY on {path}"));
        assert_eq!(got.method, "POST");
        let rsp = &got.body["m2m:rsp"];
        assert_eq!(rsp["rsc"], 2001, "{:#?}", got.body);
        assert_eq!(rsp["rqi"], rqi.as_str());
        assert_eq!(rsp["pc"]["m2m:cnt"]["rn"], "c2");
        assert_eq!(got.header("X-M2M-Origin"), Some("/id-in"));
    }
    let req = finished(&app, &request_id(&reply), "CAdmin").await;
    assert_eq!(
        req["mi"]["rt"],
        json!({"rtv": 2, "nu": [rx.url_for("/a"), rx.url_for("/b")]})
    );
}

#[tokio::test]
async fn rt2_results_go_only_to_aes_that_let_the_originator_notify_them() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let ae = json!({"m2m:ae": {"rn": "victim", "api": "Nv", "rr": true, "srv": ["3"], "poa": [rx.url()]}});
    assert_eq!(
        app.create("/cse-in", 2, &ae, Some("Cvictim")).await.rsc,
        Some(2001)
    );
    let other = json!({"m2m:ae": {"rn": "other", "api": "No", "rr": false, "srv": ["3"]}});
    assert_eq!(
        app.create("/cse-in", 2, &other, Some("Cother")).await.rsc,
        Some(2001)
    );
    // A container `rn` created under `parent` by `originator` with rt=2 to `rtu`.
    let rt2 = |parent: &'static str, originator: &'static str, rtu: &'static str, rn: &str| {
        let create = Some((Some(3), json!({"m2m:cnt": {"rn": rn}})));
        let app = &app;
        async move {
            let headers = [("X-M2M-RTU", rtu)];
            send(
                app,
                Method::POST,
                parent,
                originator,
                &[("rt", "2")],
                &headers,
                create,
            )
            .await
        }
    };
    // Another AE may not point the result at Cvictim (its default policy is its own).
    rt2("/cse-in/other", "Cother", "Cvictim", "x")
        .await
        .assert_error(4103, 403, "");
    // A target naming nothing, or no AE, is the originator's mistake.
    for (rtu, needle) in [("Cnobody", "does not exist"), ("cse-in", "must name an AE")] {
        rt2("/cse-in/other", "Cother", rtu, "x")
            .await
            .assert_error(4000, 400, needle);
    }
    assert_eq!(
        app.retrieve("/cse-in/other/x", "CAdmin").await.rsc,
        Some(4004),
        "nothing was accepted"
    );
    rx.assert_quiet(Duration::from_millis(300)).await;
    // The AE itself (and the admin) may.
    let reply = rt2("/cse-in/victim", "Cvictim", "Cvictim", "mine").await;
    assert_eq!(reply.rsc, Some(1002), "{reply:#?}");
    let got = rx
        .next_within(Duration::from_secs(10))
        .await
        .expect("result NOTIFY");
    assert_eq!(got.body["m2m:rsp"]["rsc"], 2001, "{:#?}", got.body);
}

#[tokio::test]
async fn rt2_without_rtu_notifies_the_originator_ae_and_with_an_empty_rtu_nobody() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let ae =
        json!({"m2m:ae": {"rn": "app", "api": "Nnb", "rr": true, "srv": ["3"], "poa": [rx.url()]}});
    let reg = app.create("/cse-in", 2, &ae, Some("Cnb")).await;
    assert_eq!(reg.rsc, Some(2001), "{reg:#?}");
    let body = json!({"m2m:cnt": {"rn": "mine"}});
    let reply = create_with_rt(&app, "/cse-in/app", "Cnb", "2", &[], 3, body).await;
    assert_eq!(reply.rsc, Some(1002), "{reply:#?}");
    let got = rx
        .next_within(Duration::from_secs(10))
        .await
        .expect("result NOTIFY to the AE");
    assert_eq!(got.body["m2m:rsp"]["rsc"], 2001, "{:#?}", got.body);
    assert_eq!(got.body["m2m:rsp"]["to"], "Cnb");

    let body = json!({"m2m:cnt": {"rn": "quiet"}});
    let reply = create_with_rt(
        &app,
        "/cse-in/app",
        "Cnb",
        "2",
        &[("X-M2M-RTU", "")],
        3,
        body,
    )
    .await;
    assert_eq!(reply.rsc, Some(1002), "{reply:#?}");
    let req = finished(&app, &request_id(&reply), "Cnb").await;
    assert_eq!(req["rs"], 1);
    assert_eq!(req["mi"]["rt"], json!({"rtv": 2, "nu": []}));
    rx.assert_quiet(Duration::from_millis(800)).await;
}

#[tokio::test]
async fn rt4_is_answered_blocking_and_rt5_is_accepted_without_a_reference() {
    let app = spawn_app().await;
    let reply = create_container(&app, "flex", &[("rt", "4")], &[]).await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    let reply = create_container(&app, "silent", &[("rt", "5")], &[]).await;
    assert_eq!((reply.status, reply.rsc), (202, Some(1000)), "{reply:#?}");
    assert!(reply.body.is_null(), "{reply:#?}");
    until_rsc(&app, "/cse-in/silent", 2000, "rt=5 request never ran").await;
}

#[tokio::test]
async fn bad_response_types_and_rtu_are_refused_with_4000() {
    let app = spawn_app().await;
    create_container(&app, "c", &[("rt", "9")], &[])
        .await
        .assert_error(4000, 400, "rt");
    create_container(&app, "c", &[("rt", "0")], &[])
        .await
        .assert_error(4000, 400, "rt");
    create_container(&app, "c", &[("rt", "x")], &[])
        .await
        .assert_error(4000, 400, "rt");
    create_container(
        &app,
        "c",
        &[("rt", "1")],
        &[("X-M2M-RTU", "http://127.0.0.1:9/n")],
    )
    .await
    .assert_error(4000, 400, "X-M2M-RTU");
    create_container(&app, "c", &[], &[("X-M2M-RTU", "http://127.0.0.1:9/n")])
        .await
        .assert_error(4000, 400, "X-M2M-RTU");
    create_container(&app, "c", &[("rt", "2")], &[("X-M2M-RTU", "not a target")])
        .await
        .assert_error(4000, 400, "X-M2M-RTU");
    create_container(
        &app,
        "c",
        &[("rt", "2")],
        &[("X-M2M-RTU", "coap://broker/x")],
    )
    .await
    .assert_error(5001, 501, "coap");
    // None of them created anything.
    assert_eq!(app.retrieve("/cse-in/c", "CAdmin").await.rsc, Some(4004));
}

#[tokio::test]
async fn a_request_resource_is_only_written_by_the_cse() {
    let app = spawn_app().await;
    let ri = request_id(&create_container(&app, "c", &[("rt", "1")], &[]).await);
    finished(&app, &ri, "CAdmin").await;
    let create = app
        .create(
            "/cse-in",
            17,
            &json!({"m2m:req": {"op": 2}}),
            Some("CAdmin"),
        )
        .await;
    create.assert_error(4005, 405, "request");
    let update = app
        .update(
            &format!("/{ri}"),
            &json!({"m2m:req": {"lbl": ["x"]}}),
            "CAdmin",
        )
        .await;
    update.assert_error(4005, 405, "request");
    // rt 1 or 2 addressed to a <request>: 4000; rt 4 is answered blocking.
    with_rt(&app, Method::GET, &format!("/{ri}"), "CAdmin", "1")
        .await
        .assert_error(4000, 400, "blocking");
    with_rt(&app, Method::DELETE, &format!("/{ri}"), "CAdmin", "2")
        .await
        .assert_error(4000, 400, "blocking");
    let flex = with_rt(&app, Method::GET, &format!("/{ri}"), "CAdmin", "4").await;
    assert_eq!(flex.rsc, Some(2000), "{flex:#?}");
}

#[tokio::test]
async fn a_request_belongs_to_its_originator() {
    let app = spawn_app().await;
    app.register_ae("owner", "Cowner").await;
    app.register_ae("other", "Cother").await;
    let reply = with_rt(&app, Method::GET, "/cse-in/owner", "Cowner", "1").await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    let req = finished(&app, &ri, "Cowner").await;
    assert_eq!(req["ors"]["rsc"], 2000);
    assert_eq!(req["ors"]["pc"]["m2m:ae"]["aei"], "Cowner");
    let other = app.retrieve(&format!("/{ri}"), "Cother").await;
    other.assert_error(4103, 403, "");
    app.delete(&format!("/{ri}"), "Cother")
        .await
        .assert_error(4103, 403, "");
    assert_eq!(
        app.retrieve(&format!("/{ri}"), "CAdmin").await.rsc,
        Some(2000)
    );
    let deleted = app.delete(&format!("/{ri}"), "Cowner").await;
    assert_eq!(
        deleted.rsc,
        Some(2002),
        "a finished request is deleted: {deleted:#?}"
    );
    assert_eq!(
        app.retrieve(&format!("/{ri}"), "Cowner").await.rsc,
        Some(4004)
    );
}

#[tokio::test]
async fn deleting_a_pending_request_cancels_it() {
    let app = spawn_app().await;
    let reply = create_container(&app, "never", &[("rt", "1")], &[("X-M2M-OET", "1500")]).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    let pending = app.retrieve(&format!("/{ri}"), "CAdmin").await;
    assert_eq!(pending.expect_resource("m2m:req")["rs"], 3, "PENDING");
    assert_eq!(pending.expect_resource("m2m:req")["ors"]["rsc"], 1000);
    let deleted = app.delete(&format!("/{ri}"), "CAdmin").await;
    assert_eq!(
        (deleted.status, deleted.rsc),
        (200, Some(2002)),
        "{deleted:#?}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        app.retrieve("/cse-in/never", "CAdmin").await.rsc,
        Some(4004),
        "cancelled"
    );
    assert_eq!(
        app.retrieve(&format!("/{ri}"), "CAdmin").await.rsc,
        Some(4004)
    );
}

#[tokio::test]
async fn a_running_request_cannot_be_recalled() {
    let app = spawn_app().await;
    // A notification target that accepts the connection and never answers: the
    // subscription's verification runs until the notification timeout (2 s).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let nu = format!("http://{}/n", silent.local_addr().expect("addr"));
    app.container("/cse-in", "watched", json!({}), "CAdmin")
        .await;
    let body = json!({"m2m:sub": {"rn": "s", "nu": [nu]}});
    let reply = create_with_rt(&app, "/cse-in/watched", "CAdmin", "1", &[], 23, body).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let refused = app.delete(&format!("/{ri}"), "CAdmin").await;
    refused.assert_error(5220, 409, "running");
    let req = finished(&app, &ri, "CAdmin").await;
    assert_eq!(req["rs"], 2, "FAILED");
    assert_eq!(req["ors"]["rsc"], 5204);
    assert_eq!(
        app.delete(&format!("/{ri}"), "CAdmin").await.rsc,
        Some(2002)
    );
    drop(silent);
}

#[tokio::test]
async fn pending_requests_per_originator_are_bounded() {
    let app = spawn_app_with(|c| c.request_max_pending_per_originator = 2).await;
    for rn in ["a", "b"] {
        let reply = create_container(&app, rn, &[("rt", "1")], &[("X-M2M-OET", "1500")]).await;
        assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    }
    let refused = create_container(&app, "c", &[("rt", "1")], &[("X-M2M-OET", "1500")]).await;
    refused.assert_error(5207, 406, "the most");
    // Another originator has its own allowance; blocking requests are not counted.
    let other = with_rt(&app, Method::GET, "/cse-in", "Cother", "1").await;
    assert_eq!(other.rsc, Some(1001), "{other:#?}");
    assert_eq!(create_container(&app, "d", &[], &[]).await.rsc, Some(2001));
    // Once they ran, the originator may send more.
    until_rsc(&app, "/cse-in/b", 2000, "pending requests never ran").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = create_container(&app, "e", &[("rt", "1")], &[]).await;
    assert_eq!(again.rsc, Some(1001), "{again:#?}");
}

#[tokio::test]
async fn oet_delays_a_non_blocking_request() {
    let app = spawn_app().await;
    let reply = create_container(&app, "later", &[("rt", "1")], &[("X-M2M-OET", "1500")]).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pending = app.retrieve(&format!("/{ri}"), "CAdmin").await;
    assert_eq!(pending.expect_resource("m2m:req")["rs"], 3);
    assert_eq!(
        app.retrieve("/cse-in/later", "CAdmin").await.rsc,
        Some(4004),
        "ran early"
    );
    let req = finished(&app, &ri, "CAdmin").await;
    assert_eq!(req["ors"]["rsc"], 2001);
    let ct = app.retrieve("/cse-in/later", "CAdmin").await;
    let ct = ct.text("m2m:cnt", "ct").expect("ct");
    let oet = req["mi"]["oet"].as_str().expect("mi.oet").to_owned();
    assert!(ct >= oet, "created at {ct}, before oet {oet}");
}

#[tokio::test]
async fn a_request_expires_with_its_result_persistence() {
    // rp never shortens the lifetime below request_lifetime_s (1 s here).
    let app = spawn_app_with(|c| c.request_lifetime_s = 1).await;
    let reply = create_container(&app, "c", &[("rt", "1"), ("rp", "1500")], &[]).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    finished(&app, &ri, "CAdmin").await;
    until_rsc(
        &app,
        &format!("/{ri}"),
        4004,
        "the expired <request> was not removed",
    )
    .await;
}

#[tokio::test]
async fn a_subscription_to_a_request_is_notified_of_its_result() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let reply = create_container(&app, "watched", &[("rt", "1")], &[("X-M2M-OET", "1000")]).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [rx.url()]}});
    let created = app
        .create(&format!("/{ri}"), 23, &sub, Some("CAdmin"))
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    assert!(rx.next().await.is_verification());
    let got = rx
        .next_within(Duration::from_secs(10))
        .await
        .expect("update notification");
    let req = &got.sgn()["nev"]["rep"]["m2m:req"];
    assert_eq!(req["rs"], 1, "{:#?}", got.body);
    assert_eq!(req["ors"]["rsc"], 2001);
}

#[tokio::test]
async fn a_result_persistence_shorter_than_the_deadlines_does_not_drop_the_request() {
    let app = spawn_app().await;
    let reply = create_container(
        &app,
        "kept",
        &[("rt", "1"), ("rp", "300")],
        &[("X-M2M-OET", "1200")],
    )
    .await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let req = finished(&app, &ri, "CAdmin").await;
    assert_eq!(req["ors"]["rsc"], 2001, "{req:?}");
    assert!(req["et"].as_str() > req["mi"]["oet"].as_str(), "{req:?}");
}

#[tokio::test]
async fn non_blocking_requests_to_a_fan_out_point_are_not_supported_yet() {
    let app = spawn_app().await;
    let reply = with_rt(&app, Method::GET, "/cse-in/g/fopt", "CAdmin", "1").await;
    reply.assert_error(5001, 501, "fopt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_request_survives_kill_9_and_runs_after_the_restart() {
    let (_db, url) = TestDb::fresh();
    let (mut serving, client) = crate::crash::start(&url);
    let body = json!({"m2m:cnt": {"rn": "durable"}});
    let request = client
        .request(Method::POST, "/cse-in")
        .originator("CAdmin")
        .query("rt", "1")
        .header("X-M2M-OET", "2500")
        .json(Some(3), &body);
    let reply = client.execute(request).await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let ri = request_id(&reply);
    serving.kill();
    let (_serving, client) = crate::crash::start(&url);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reply = client.retrieve(&format!("/{ri}"), "CAdmin").await;
        assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
        let req = reply.expect_resource("m2m:req");
        if req["rs"] == 1 {
            assert_eq!(req["ors"]["rsc"], 2001);
            break;
        }
        assert_eq!(req["rs"], 3, "{req:?}");
        assert!(
            Instant::now() < deadline,
            "the request never ran after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        client.retrieve("/cse-in/durable", "CAdmin").await.rsc,
        Some(2000)
    );
}
