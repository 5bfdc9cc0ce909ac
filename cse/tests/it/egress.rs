//! The outgoing-request policy (issue 11): notification and verification targets are
//! refused on loopback/private addresses unless allowed, redirects are not followed,
//! network failures read alike, a subscription names a bounded number of targets,
//! and a target naming no AE is the subscriber's mistake (4000), not a 5204.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn subscribe(app: &TestApp, nu: Value) -> onecse_testkit::Reply {
    let sub = json!({"m2m:sub": {"nu": nu, "enc": {"net": [3]}}});
    app.create("/cse-in/c", 23, &sub, Some("CAdmin")).await
}

async fn app_with_container(allowed: Option<&str>) -> TestApp {
    let allowed = allowed.map(str::to_owned);
    let app = spawn_app_with(|c| c.notify_allowed_networks = allowed).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    app
}

#[tokio::test]
async fn loopback_targets_are_refused_unless_allowed() {
    let rx = Receiver::start().expect("receiver");
    let strict = app_with_container(None).await;
    subscribe(&strict, json!([rx.url()]))
        .await
        .assert_error(5204, 500, "outgoing-request policy");
    // A name resolving to loopback is refused after resolution, without a telling message.
    let by_name = rx.url().replace("127.0.0.1", "localhost");
    subscribe(&strict, json!([by_name]))
        .await
        .assert_error(5204, 500, "no answer from the target");
    rx.assert_quiet(Duration::from_millis(300)).await;

    let open = app_with_container(Some("127.0.0.0/8,::1")).await;
    assert_eq!(subscribe(&open, json!([rx.url()])).await.rsc, Some(2001));
    assert_eq!(rx.next().await.sgn()["vrq"], true);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let rx = Receiver::start().expect("receiver");
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let redirector = format!("http://{}/n", listener.local_addr().expect("address"));
    let location = rx.url_for("/redirected");
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    let app = app_with_container(Some("127.0.0.0/8")).await;
    subscribe(&app, json!([redirector]))
        .await
        .assert_error(5204, 500, "HTTP 307");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn network_failures_read_alike() {
    // A closed port, and a port that accepts and closes without answering.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("listener");
        l.local_addr().expect("address")
    };
    let rude = TcpListener::bind("127.0.0.1:0").expect("listener");
    let rude_addr = rude.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in rude.incoming().take(2) {
            drop(stream);
        }
    });
    let app = app_with_container(Some("127.0.0.0/8")).await;
    let mut messages = Vec::new();
    for addr in [closed, rude_addr] {
        let url = format!("http://{addr}/n");
        let reply = subscribe(&app, json!([url.clone()])).await;
        assert_eq!(reply.rsc, Some(5204), "{}", reply.raw);
        messages.push(reply.dbg().replace(&url, "URL"));
    }
    assert_eq!(messages[0], messages[1]);
}

#[tokio::test]
async fn a_subscription_names_a_bounded_number_of_targets() {
    let rx = Receiver::start().expect("receiver");
    let app = spawn_app_with(|c| c.notify_max_targets = 3).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let many: Vec<String> = (0..4).map(|i| rx.url_for(&format!("/t{i}"))).collect();
    subscribe(&app, json!(many))
        .await
        .assert_error(4000, 400, "at most 3");
    rx.assert_quiet(Duration::from_millis(200)).await;
    let made = subscribe(&app, json!([rx.url_for("/t0")])).await;
    assert_eq!(made.rsc, Some(2001));
    let path = made
        .header("Content-Location")
        .unwrap_or_default()
        .to_owned();
    app.update(&path, &json!({"m2m:sub": {"nu": many}}), "CAdmin")
        .await
        .assert_error(4000, 400, "at most 3");
}

#[tokio::test]
async fn a_target_naming_no_ae_is_a_client_error() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    subscribe(&app, json!(["a"]))
        .await
        .assert_error(4000, 400, "does not exist");
    subscribe(&app, json!(["/id-other/Cx"])).await.assert_error(
        4000,
        400,
        "not a resource of this CSE",
    );
    subscribe(&app, json!(["cse-in/c"]))
        .await
        .assert_error(4000, 400, "must name an AE");
}
