//! The receiver and the client against each other over 127.0.0.1, as the tools use
//! them: answers a test configures, keep-alive connections, waiting, counting, stopping,
//! and the blocking facades the conformance suite uses.

#![expect(clippy::expect_used, reason = "tests fail loudly on purpose")]

use std::time::{Duration, Instant};

use onecse_models::types::ResponseStatusCode;
use onecse_testkit::{Answer, Client, Method, Receiver, Target, blocking};
use serde_json::json;

/// The receiver's own address taken for a CSE, so the client talks to the receiver.
fn target_at(url: &str) -> Target {
    Target::from_url(url, "/id-in", "CAdmin", "3", Duration::from_secs(5)).expect("target")
}

fn client_for(receiver: &Receiver) -> Client {
    Client::builder(target_at(&receiver.url_for("/base")))
        .single_connection()
        .rqi_prefix("t")
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_failing_target_answers_the_status_it_was_given_until_told_otherwise() {
    let receiver = Receiver::start().expect("receiver");
    let client = client_for(&receiver);
    let started = Instant::now();
    receiver.answer(503);
    let failed = client
        .create(
            "/notify",
            23,
            &json!({"m2m:sgn": {"sur": "a"}}),
            Some("/id-in"),
        )
        .await;
    assert_eq!(
        (failed.status, failed.rsc, failed.code()),
        (503, Some(5000), 5000)
    );
    assert!(!failed.succeeded());
    let first = receiver.next().await;
    assert_eq!(first.path, "/notify");
    assert_eq!(first.sgn()["sur"], "a");
    assert!(first.arrived >= started);
    receiver.answer(200);
    let ok = client.retrieve("/notify?x=1", "/id-in").await;
    assert_eq!((ok.status, ok.rsc), (200, Some(2000)));
    assert!(ok.header("x-m2m-ri").is_some_and(|ri| ri.starts_with('t')));
    assert_eq!(ok.header("x-m2m-ri"), ok.generated_ri.as_deref());
    let second = receiver
        .next_on("/notify?x=1", Duration::from_secs(5))
        .await
        .expect("recorded with its query");
    assert_eq!(second.method, "GET");
    assert_eq!(receiver.count(), 2);
    receiver.assert_quiet(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn requests_on_other_paths_wait_for_their_own_test_and_can_be_drained() {
    let receiver = Receiver::start().expect("receiver");
    let client = client_for(&receiver);
    for path in ["/a", "/b", "/a"] {
        let reply = client
            .send(
                Method::POST,
                path,
                &[("X-M2M-RI", path)],
                Some("{\"n\": 1}"),
            )
            .await;
        assert_eq!(reply.header("x-m2m-ri"), Some(path), "X-M2M-RI is echoed");
        assert_eq!(reply.generated_ri, None, "the caller wrote the headers");
    }
    let b = receiver
        .next_on("/b", Duration::from_secs(5))
        .await
        .expect("the request on /b");
    assert_eq!(b.body, json!({"n": 1}));
    assert!(
        receiver
            .next_on("/b", Duration::from_millis(50))
            .await
            .is_none()
    );
    let rest = receiver.drain();
    assert_eq!(
        rest.iter().map(|n| n.path.as_str()).collect::<Vec<_>>(),
        ["/a", "/a"]
    );
    assert_eq!(receiver.count(), 3);
}

#[tokio::test]
async fn a_stopped_receiver_refuses_connections_and_its_port_can_be_reused() {
    let receiver = Receiver::start().expect("receiver");
    let client = client_for(&receiver);
    // A keep-alive connection is open when the receiver stops: it must close too.
    assert!(client.retrieve("/notify", "/id-in").await.succeeded());
    let port = receiver.port();
    receiver.stop().await;
    let asked = Instant::now();
    let refused = client.retrieve("/notify", "/id-in").await;
    assert!(!refused.reached(), "{refused:?}");
    // Refused at once, not left hanging on the old connection until the time limit.
    assert!(asked.elapsed() < Duration::from_secs(2), "{refused:?}");
    assert!(refused.raw.starts_with("request failed"));
    let again = Receiver::start_on(([127, 0, 0, 1], port).into()).expect("same port");
    assert!(client.retrieve("/notify", "/id-in").await.succeeded());
    assert_eq!(again.next().await.path, "/notify");
}

/// The blocking facades against each other, as the conformance suite drives them: a
/// path can be made to refuse with an RSC and its HTTP status from the one table.
#[test]
fn the_blocking_receiver_answers_per_path_and_records_the_request() {
    let receiver = blocking::Receiver::start().expect("receiver");
    let client = blocking::Client::new(target_at(&receiver.url_for("/base"))).expect("client");
    receiver.answer_on(
        "/refuse",
        Answer::rsc(ResponseStatusCode::SubscriptionCreatorHasNoPrivilege),
    );
    let body = json!({"m2m:sgn": {"vrq": true, "sur": "/id-in/s"}});
    let refused = client.create("/refuse", 23, &body, Some("/id-in"));
    assert_eq!((refused.status, refused.rsc), (403, Some(4101)));
    assert_eq!(refused.header("x-m2m-ri"), refused.generated_ri.as_deref());
    let ok = client.update("/ok", &json!({"m2m:sgn": {"sur": "x"}}), "/id-in");
    assert_eq!((ok.status, ok.rsc), (200, Some(2000)));
    let got = receiver
        .next_on("/refuse", Duration::from_secs(5))
        .expect("the refused request was recorded");
    assert!(got.is_verification());
    assert_eq!(got.method, "POST");
    assert_eq!(got.header("content-type"), Some("application/json;ty=23"));
    assert_eq!(got.header("x-m2m-origin"), Some("/id-in"));
    let update = receiver
        .next_notification_on("/ok", Duration::from_secs(5))
        .expect("the update");
    assert_eq!(update.method, "PUT");
    assert!(
        receiver.next_on("/ok", Duration::from_millis(50)).is_none(),
        "taken requests are gone"
    );
    assert_eq!(receiver.inner().count(), 2);
}
