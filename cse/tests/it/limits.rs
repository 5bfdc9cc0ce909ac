//! Bounds on what one client can hold (issue 11): a head or body that does not arrive
//! in time is answered and its connection closed, and connections beyond
//! `max_connections` wait in the listen queue while the CSE keeps serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::spawn_app_with;

fn connect(base: &str) -> TcpStream {
    let addr = base.trim_start_matches("http://");
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
}

/// Reads until the peer closes (or 5 s pass); returns what arrived.
fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

const HEAD: &str = "POST /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: r1\r\nX-M2M-RVI: 3\r\nContent-Type: application/json;ty=3\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_is_answered_and_its_connection_closed() {
    let app = spawn_app_with(|c| c.request_body_timeout_ms = 300).await;
    let base = app.base.clone();
    let (took, answer) = tokio::task::spawn_blocking(move || {
        let mut stream = connect(&base);
        let started = Instant::now();
        stream
            .write_all(format!("{HEAD}Content-Length: 100\r\n\r\n{{\"m2m:cnt\"").as_bytes())
            .expect("write");
        let answer = read_all(&mut stream);
        (started.elapsed(), answer)
    })
    .await
    .expect("client thread");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("x-m2m-rsc: 4000"), "{answer}");
    assert!(answer.contains("did not arrive within 300 ms"), "{answer}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    // Nothing was created.
    assert_eq!(
        app.retrieve("/cse-in?rcn=6", "CAdmin")
            .await
            .raw
            .matches("\"typ\":3")
            .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_that_stalls_gets_408_and_is_closed() {
    let app = spawn_app_with(|c| c.request_head_timeout_ms = 300).await;
    let base = app.base.clone();
    let (took, answer) = tokio::task::spawn_blocking(move || {
        let mut stream = connect(&base);
        let started = Instant::now();
        stream
            .write_all(b"GET /cse-in HTTP/1.1\r\nHost: x\r\n")
            .expect("write");
        let answer = read_all(&mut stream);
        (started.elapsed(), answer)
    })
    .await
    .expect("client thread");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_beyond_the_limit_wait_and_the_cse_keeps_serving() {
    let app = spawn_app_with(|c| {
        c.max_connections = 8;
        c.request_body_timeout_ms = 500;
        c.request_head_timeout_ms = 500;
    })
    .await;
    let base = app.base.clone();
    // Five times more stalled bodies than the limit, all at once: each slot is freed
    // after the body timeout (and actix's 1 s disconnect wait), so a new client waits
    // a few rounds at most instead of forever.
    let stalled: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..40)
            .filter_map(|_| {
                let mut s = connect(&base);
                s.write_all(format!("{HEAD}Content-Length: 50\r\n\r\n").as_bytes())
                    .ok()?;
                Some(s)
            })
            .collect()
    })
    .await
    .expect("client thread");
    let started = Instant::now();
    let reply = app.retrieve("/cse-in", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "served after {:?}",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test]
async fn list_attributes_are_bounded_and_labels_stored_at_once() {
    let app = crate::helpers::spawn_app().await;
    let many: Vec<String> = (0..257).map(|i| format!("tag:{i}")).collect();
    let body = serde_json::json!({"m2m:cnt": {"rn": "flood", "lbl": many}});
    let reply = app.create("/cse-in", 3, &body, Some("CAdmin")).await;
    reply.assert_error(4000, 400, "at most 256");
    let most: Vec<String> = (0..256).map(|i| format!("tag:{i}")).collect();
    let started = Instant::now();
    let body = serde_json::json!({"m2m:cnt": {"rn": "tagged", "lbl": most}});
    let reply = app.create("/cse-in", 3, &body, Some("CAdmin")).await;
    assert_eq!(reply.rsc, Some(2001), "{}", reply.raw);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Every label is indexed: discovery finds the container by its last label.
    let found = app.retrieve("/cse-in?fu=1&lbl=tag:255", "CAdmin").await;
    assert_eq!(found.body["m2m:uril"], serde_json::json!(["cse-in/tagged"]));
    let acpi: Vec<String> = (0..300).map(|i| format!("acp{i}")).collect();
    app.update(
        "/cse-in/tagged",
        &serde_json::json!({"m2m:cnt": {"acpi": acpi}}),
        "CAdmin",
    )
    .await
    .assert_error(4000, 400, "at most 256");
}

#[tokio::test]
async fn a_listing_of_large_children_is_cut_by_size_and_continues() {
    let app = crate::helpers::spawn_app().await;
    app.container("/cse-in", "big", serde_json::json!({}), "CAdmin")
        .await;
    let con = "x".repeat(900_000);
    for _ in 0..6 {
        let reply = app.instance("/cse-in/big", &con, "CAdmin").await;
        assert_eq!(reply.rsc, Some(2001));
    }
    let first = app.retrieve("/cse-in/big?rcn=4", "CAdmin").await;
    assert_eq!(first.rsc, Some(2000));
    let listed = |r: &onecse_testkit::Reply| {
        r.expect_resource("m2m:cnt")
            .get("m2m:cin")
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len)
    };
    // 4 MiB of documents at most: four instances of ~0.9 MB, then the client continues.
    assert_eq!(listed(&first), 4, "{} bytes", first.raw.len());
    assert!(
        first.raw.len() < 5 * 1024 * 1024,
        "{} bytes",
        first.raw.len()
    );
    assert_eq!(first.header("X-M2M-CTS"), Some("1"));
    assert_eq!(first.header("X-M2M-CTO"), Some("5"));
    let rest = app.retrieve("/cse-in/big?rcn=4&ofst=5", "CAdmin").await;
    assert_eq!(listed(&rest), 2);
    assert_eq!(rest.header("X-M2M-CTO"), None);
    // References are paged the same way (the rows are read whole to decide).
    let refs = app.retrieve("/cse-in/big?rcn=6", "CAdmin").await;
    assert_eq!(
        refs.expect_resource("m2m:rrl")["rrf"]
            .as_array()
            .map_or(0, Vec::len),
        4
    );
    assert_eq!(refs.header("X-M2M-CTO"), Some("5"));
}

/// Sends raw bytes on one connection and reads until the server closes it (or 5 s).
async fn exchange(base: &str, bytes: Vec<u8>) -> String {
    let base = base.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(&base);
        stream.write_all(&bytes).expect("write");
        read_all(&mut stream)
    })
    .await
    .expect("client thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_header_is_refused_with_4000_instead_of_crashing_the_decoder() {
    let app = crate::helpers::spawn_app().await;
    // 64 KiB and more panicked inside actix-http 3.20 and dropped the connection.
    for (name, value) in [
        ("X".repeat(70_000), "v".to_owned()),
        ("X-Big".into(), "v".repeat(20_000)),
    ] {
        let head = format!(
            "GET /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: big\r\nX-M2M-RVI: 3\r\n{name}: {value}\r\n\r\n"
        );
        let answer = exchange(&app.base, head.into_bytes()).await;
        assert!(
            answer.starts_with("HTTP/1.1 400"),
            "{}",
            &answer[..answer.len().min(300)]
        );
        assert!(answer.contains("x-m2m-rsc: 4000"), "{answer}");
        assert!(answer.contains("x-m2m-ri: big"), "{answer}");
        assert!(answer.contains("longer than 16384 bytes"), "{answer}");
    }
    assert_eq!(app.retrieve("/cse-in", "CAdmin").await.rsc, Some(2000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_with_every_body_framing_pass_the_guard() {
    let app = crate::helpers::spawn_app().await;
    let common = "Host: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RVI: 3\r\n";
    let body = r#"{"m2m:cnt":{"rn":"p1"}}"#;
    let chunked = r#"{"m2m:cnt":{"rn":"p2"}}"#;
    let (first, second) = chunked.split_at(10);
    let stream = format!(
        "POST /cse-in HTTP/1.1\r\n{common}X-M2M-RI: a\r\nContent-Type: application/json;ty=3\r\nContent-Length: {}\r\n\r\n{body}\
POST /cse-in HTTP/1.1\r\n{common}X-M2M-RI: b\r\nContent-Type: application/json;ty=3\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\r\n\
GET /cse-in/p2 HTTP/1.1\r\n{common}X-M2M-RI: c\r\nConnection: close\r\n\r\n",
        body.len(),
        first.len(),
        second.len()
    );
    let answers = exchange(&app.base, stream.into_bytes()).await;
    assert_eq!(answers.matches("x-m2m-rsc: 2001").count(), 2, "{answers}");
    assert!(
        answers.contains("x-m2m-rsc: 2000") && answers.contains("\"rn\":\"p2\""),
        "{answers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_heads_are_answered_400_at_once_not_at_the_head_deadline() {
    use rand::{Rng, SeedableRng};
    let app = crate::helpers::spawn_app().await;
    let base = app.base.clone();
    let slowest = tokio::task::spawn_blocking(move || {
        let mut rng = rand::rngs::StdRng::seed_from_u64(25);
        let mut slowest = Duration::ZERO;
        for n in 0..50 {
            // Random bytes, or words that look like a request line but are not one;
            // no blank line follows, so the head is never complete.
            let line: Vec<u8> = if n % 2 == 0 {
                (0..rng.random_range(1..120))
                    .map(|_| rng.random_range(0..=255u8))
                    .filter(|b| *b != b'\r' && *b != b'\n')
                    .chain(std::iter::once(b'#'))
                    .collect()
            } else {
                (0..rng.random_range(1..6))
                    .map(|_| format!("w{}", rng.random_range(0..1000)))
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into_bytes()
            };
            let mut stream = connect(&base);
            let started = Instant::now();
            stream.write_all(&line).expect("write");
            stream.write_all(b"\r\nHost: x\r\n").expect("write");
            let answer = read_all(&mut stream);
            let took = started.elapsed();
            assert!(
                answer.starts_with("HTTP/1.1 400"),
                "{:?}: {answer}",
                String::from_utf8_lossy(&line)
            );
            slowest = slowest.max(took);
        }
        slowest
    })
    .await
    .expect("client thread");
    // The head deadline is 5 s; each answer came at once.
    assert!(
        slowest < Duration::from_secs(1),
        "slowest answer {slowest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_header_after_any_body_framing_is_refused_not_dropped() {
    let app = crate::helpers::spawn_app().await;
    let long = format!("{}: v", "X".repeat(70_000));
    // actix-http reads the first body by its Content-Length (an Upgrade it does not
    // handle changes nothing), so the second request's head must be guarded too.
    for first in [
        "GET /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: one\r\nX-M2M-RVI: 3\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello",
        "GET /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: one\r\nX-M2M-RVI: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /cse-in HTTP/1.1\nHost: x\nX-M2M-Origin: CAdmin\nX-M2M-RI: one\nX-M2M-RVI: 3\nContent-Length: 2\n\nhi",
    ] {
        let stream = format!(
            "{first}GET /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: two\r\nX-M2M-RVI: 3\r\n{long}\r\n\r\n"
        );
        let answers = exchange(&app.base, stream.into_bytes()).await;
        assert_eq!(
            answers.matches("HTTP/1.1 ").count(),
            2,
            "{first:?}: {answers}"
        );
        assert!(answers.contains("x-m2m-ri: one"), "{first:?}: {answers}");
        assert!(
            answers.contains("x-m2m-ri: two") && answers.contains("longer than 16384 bytes"),
            "{first:?}: {answers}"
        );
    }
    assert_eq!(app.retrieve("/cse-in", "CAdmin").await.rsc, Some(2000));
}
