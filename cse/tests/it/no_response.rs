//! responseType noResponse (rt=5; TS-0001 §8.1.2, spec digest polling-and-requests
//! §5) for every operation: accepted at once without a result, and run.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::nonblocking::send;

/// Sends `method` to `path` with rt=5 and checks the bare acknowledgement.
async fn without_response(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<(Option<u16>, Value)>,
) {
    let reply = send(
        app,
        method.clone(),
        path,
        "CAdmin",
        &[("rt", "5")],
        &[],
        body,
    )
    .await;
    assert_eq!(
        (reply.status, reply.rsc),
        (202, Some(1000)),
        "{method} {reply:#?}"
    );
    assert!(
        reply.body.is_null(),
        "{method}: no result is sent: {reply:#?}"
    );
}

/// Retrieves `path` until `done` holds for the answer, at most 10 s.
async fn until(app: &TestApp, path: &str, what: &str, done: impl Fn(Option<u16>, &Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.retrieve(path, "CAdmin").await;
        if done(reply.rsc, &reply.body) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {reply:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_operation_with_no_response_is_accepted_and_run() {
    let app = spawn_app().await;
    let create = json!({"m2m:cnt": {"rn": "quiet"}});
    without_response(&app, Method::POST, "/cse-in", Some((Some(3), create))).await;
    until(&app, "/cse-in/quiet", "the CREATE never ran", |rsc, _| {
        rsc == Some(2000)
    })
    .await;
    without_response(&app, Method::GET, "/cse-in/quiet", None).await;
    let update = json!({"m2m:cnt": {"lbl": ["done"]}});
    without_response(&app, Method::PUT, "/cse-in/quiet", Some((None, update))).await;
    until(&app, "/cse-in/quiet", "the UPDATE never ran", |_, body| {
        body["m2m:cnt"]["lbl"] == json!(["done"])
    })
    .await;
    without_response(&app, Method::DELETE, "/cse-in/quiet", None).await;
    until(&app, "/cse-in/quiet", "the DELETE never ran", |rsc, _| {
        rsc == Some(4004)
    })
    .await;
    // Still checked at arrival: a bad request is refused, not accepted.
    let reply = send(
        &app,
        Method::GET,
        "/cse-in/nosuch",
        "CAdmin",
        &[("rt", "5"), ("rcn", "99")],
        &[],
        None,
    )
    .await;
    assert_eq!(reply.rsc, Some(4000), "{reply:#?}");
}
