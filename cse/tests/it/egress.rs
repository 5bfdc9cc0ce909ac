//! The outgoing-request policy (issue 11): notification and verification targets are
//! refused on loopback/private addresses unless allowed, redirects are not followed,
//! network failures read alike, a subscription names a bounded number of targets,
//! and a target naming no AE is the subscriber's mistake (4000), not a 5204. Issue 25:
//! special-purpose addresses (documentation ranges here) are refused from the URL
//! alone, and a proxy named by the environment is never used.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    // An AE of another CSE is reached through that CSE; this one knows no route.
    subscribe(&app, json!(["/id-other/Cx"]))
        .await
        .assert_error(4000, 400, "no route");
    subscribe(&app, json!(["cse-in/c"]))
        .await
        .assert_error(4000, 400, "must name an AE");
}

#[tokio::test]
async fn special_purpose_literal_targets_are_refused_before_any_connection() {
    // Documentation ranges only, written as they are or inside IPv6 forms that carry
    // them (mapped, NAT64): the CSE refuses them from the URL alone, so nothing is
    // sent anywhere, quickly and with the policy's own words.
    let app = app_with_container(Some("127.0.0.0/8")).await;
    for nu in [
        "http://192.0.2.1:9/n",
        "http://198.51.100.7/n",
        "https://203.0.113.9/n",
        "http://[2001:db8::1]:9/n",
        "http://[3fff::1]/n",
        "http://[64:ff9b::c000:201]/n",
        "http://[::ffff:198.51.100.1]/n",
    ] {
        let started = std::time::Instant::now();
        subscribe(&app, json!([nu]))
            .await
            .assert_error(5204, 500, "outgoing-request policy");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{nu}: {:?}",
            started.elapsed()
        );
    }
    // A relayed NOTIFY to an AE whose poa is such an address: refused the same way.
    let ae = json!({"m2m:ae": {"rn": "doc", "api": "Ndoc", "rr": true, "srv": ["3"],
        "poa": ["http://[2001:db8::5]:9/n"]}});
    let made = app.create("/cse-in", 2, &ae, Some("Cdoc")).await;
    assert_eq!(made.rsc, Some(2001), "{}", made.raw);
    let sgn = json!({"m2m:sgn": {"vrq": true, "sur": "/id-in/x"}});
    crate::pch::notify(&app, "/cse-in/doc", "CAdmin", &sgn)
        .await
        .assert_error(5103, 404, "outgoing-request policy");
}

/// A listener standing in for a proxy: counts the connections it gets for `wait`.
fn counting_listener(wait: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            match listener.accept() {
                Ok(_) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_named_by_the_environment_is_never_used() {
    let (proxy, seen) = counting_listener(Duration::from_secs(30));
    let env = [
        ("ONECSE_LOG", "info"),
        ("ONECSE_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("HTTP_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
    ];
    let (_serving, started) = crate::cli::Serving::start(&["--bind", "127.0.0.1:0"], &env);
    let started = started.expect("start-up log line within 20 s");
    let addr = started
        .split_whitespace()
        .find_map(|field| field.strip_prefix("listen="))
        .expect("listen address");
    let cse = crate::helpers::strict_client(&format!("http://{addr}"));
    let made = cse
        .create(
            "/cse-in",
            3,
            &json!({"m2m:cnt": {"rn": "c"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(made.rsc, Some(2001), "{}", made.raw);
    let rx = Receiver::start().expect("receiver");
    let sub = json!({"m2m:sub": {"nu": [rx.url()], "enc": {"net": [3]}}});
    let made = cse.create("/cse-in/c", 23, &sub, Some("CAdmin")).await;
    assert_eq!(made.rsc, Some(2001), "{}", made.raw);
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    let notified = cse
        .create(
            "/cse-in/c",
            4,
            &json!({"m2m:cin": {"con": "x"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(notified.rsc, Some(2001), "{}", notified.raw);
    assert_eq!(rx.next().await.sgn()["nev"]["net"], 3);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the proxy was asked");
}
