//! Request timing (TS-0001 §8.1.2; spec digest polling-and-requests §6): rqet, rset,
//! oet and rp in every absRelTimestamp form, 4008 for passed deadlines, 4000 for bad
//! values, X-M2M-RST echoed, and oet delaying a blocking request without holding a
//! worker.

use std::time::{Duration, Instant};

use crate::helpers::spawn_app;
use onecse_testkit::{Method, Receiver};
use serde_json::json;

use crate::nonblocking::{Pairs, create_container, finished, request_id, send};

#[tokio::test]
async fn past_deadlines_are_refused_with_4008_and_write_nothing() {
    let app = spawn_app().await;
    for (header, value) in [
        ("X-M2M-RET", "20200101T000000"),
        ("X-M2M-RET", "-1"),
        ("X-M2M-RST", "20200101T000000,5"),
    ] {
        let reply = create_container(&app, "late", &[], &[(header, value)]).await;
        reply.assert_error(4008, 504, "passed");
        let reply = create_container(&app, "late", &[("rt", "1")], &[(header, value)]).await;
        reply.assert_error(4008, 504, "passed");
    }
    assert_eq!(app.retrieve("/cse-in/late", "CAdmin").await.rsc, Some(4004));
}

#[tokio::test]
async fn a_result_not_ready_by_rset_is_4008_and_rolled_back() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let ae = json!({"m2m:ae": {"rn": "slow", "api": "Ns", "rr": true, "srv": ["3"],
        "poa": [rx.url()]}});
    assert_eq!(
        app.create("/cse-in", 2, &ae, Some("Cslow")).await.rsc,
        Some(2001)
    );
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": ["Cslow"], "enc": {"net": [7]}}});
    assert_eq!(
        app.create("/cse-in/c", 23, &sub, Some("CAdmin")).await.rsc,
        Some(2001)
    );
    assert!(rx.next().await.is_verification());
    // The subscriber approves after 600 ms: the result cannot be ready by rset.
    rx.delay_on("/notify", Duration::from_millis(600));
    let update = |rset: &'static str| {
        let body = json!({"m2m:cnt": {"lbl": [rset]}});
        let request = app
            .request(Method::PUT, "/cse-in/c")
            .originator("CAdmin")
            .headers(&[("X-M2M-RST", rset)])
            .json(None, &body);
        app.execute(request)
    };
    update("300").await.assert_error(4008, 504, "rset");
    let after = app.retrieve("/cse-in/c", "CAdmin").await;
    assert!(
        after.expect_resource("m2m:cnt").get("lbl").is_none(),
        "{after:#?}"
    );
    // A generous rset lets the same UPDATE through.
    let reply = update("20000").await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
}

#[tokio::test]
async fn bad_time_parameters_are_refused_with_4000_naming_them() {
    let app = spawn_app().await;
    let cases: &[(Pairs, Pairs, &str)] = &[
        (&[], &[("X-M2M-RET", "soon")], "X-M2M-RET"),
        (&[], &[("X-M2M-RST", "2024-01-01")], "X-M2M-RST"),
        (&[], &[("X-M2M-OET", "P1H")], "X-M2M-OET"),
        (&[("rp", "forever")], &[], "rp"),
        (
            &[],
            &[("X-M2M-RET", "60000"), ("X-M2M-RST", "30000")],
            "later than rqet",
        ),
        (
            &[],
            &[("X-M2M-RET", "1000"), ("X-M2M-OET", "2000")],
            "earlier than rqet",
        ),
        (
            &[],
            &[("X-M2M-RST", "1000"), ("X-M2M-OET", "PT2S")],
            "earlier than rset",
        ),
        (&[("rt", "1"), ("rp", "-5000")], &[], "rp"),
        // A blocking request may not hold its connection for a far execution time.
        (&[], &[("X-M2M-OET", "PT2H")], "non-blocking"),
    ];
    for (query, headers, needle) in cases {
        create_container(&app, "c", query, headers)
            .await
            .assert_error(4000, 400, needle);
    }
    assert_eq!(app.retrieve("/cse-in/c", "CAdmin").await.rsc, Some(4004));
}

#[tokio::test]
async fn a_far_execution_time_is_refused_before_the_target_is_resolved() {
    let app = spawn_app().await;
    let far = [("X-M2M-OET", "PT2H")];
    // Another CSE's resource: 4004 without a time parameter, 4000 with a far oet.
    let remote = "/~/id-other/cse-x";
    send(&app, Method::GET, remote, "CAdmin", &[], &[], None)
        .await
        .assert_error(4004, 404, "forwarding");
    send(&app, Method::GET, remote, "CAdmin", &[], &far, None)
        .await
        .assert_error(4000, 400, "non-blocking");
    // A discovery-based DELETE: 5001 without, 4000 with a far oet.
    send(
        &app,
        Method::DELETE,
        "/cse-in",
        "CAdmin",
        &[("fu", "1")],
        &far,
        None,
    )
    .await
    .assert_error(4000, 400, "non-blocking");
}

#[tokio::test]
async fn time_parameters_in_every_form_are_accepted_and_rst_is_echoed() {
    let app = spawn_app().await;
    let reply = create_container(
        &app,
        "a",
        &[],
        &[("X-M2M-RET", "PT30S"), ("X-M2M-RST", "60000")],
    )
    .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.header("X-M2M-RST"), Some("60000"));
    let absolute = "20991231T235959";
    let reply = create_container(&app, "b", &[], &[("X-M2M-RET", absolute)]).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.header("X-M2M-RST"), None);
    let reply = create_container(
        &app,
        "c",
        &[("rt", "1"), ("rp", "P1D")],
        &[("X-M2M-OET", "-1000")],
    )
    .await;
    assert_eq!(reply.rsc, Some(1001), "{reply:#?}");
    let req = finished(&app, &request_id(&reply), "CAdmin").await;
    assert_eq!(req["rs"], 1);
    assert!(
        req["mi"]["rp"].as_str().is_some_and(|rp| rp == req["et"]),
        "et follows rp: {req:?}"
    );
}

#[tokio::test]
async fn oet_delays_a_blocking_request() {
    let app = spawn_app().await;
    let started = Instant::now();
    let reply = create_container(&app, "later", &[], &[("X-M2M-OET", "1200")]).await;
    let waited = started.elapsed();
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert!(
        waited >= Duration::from_millis(1150),
        "answered after {waited:?}"
    );
    // Other requests are served meanwhile: the wait holds no worker.
    let app2 = std::sync::Arc::new(app);
    let waiting = {
        let app = std::sync::Arc::clone(&app2);
        tokio::spawn(async move {
            create_container(&app, "later2", &[], &[("X-M2M-OET", "1500")]).await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let quick = Instant::now();
    assert_eq!(app2.retrieve("/cse-in", "CAdmin").await.rsc, Some(2000));
    assert!(
        quick.elapsed() < Duration::from_millis(1000),
        "blocked by the waiting request"
    );
    assert_eq!(
        app2.retrieve("/cse-in/later2", "CAdmin").await.rsc,
        Some(4004),
        "ran early"
    );
    assert_eq!(waiting.await.expect("task").rsc, Some(2001));
}
