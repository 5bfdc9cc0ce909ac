//! Serializations (spec digest serialization.md; TS-0004 §8.5, TS-0009 §6.4): CBOR
//! bodies in and out, Accept negotiation, `csz`, CBOR notifications and the header
//! names of outgoing requests. CBOR is checked with `ciborium`, an implementation
//! independent of onecse's own codec.

use std::time::Duration;

use onecse_testkit::{Receiver, Reply};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::{TestApp, spawn_app};

/// The digest's example, `{"m2m:cnt":{"rn":"cnt1","mni":10}}` (serialization.md §6).
const DIGEST_CNT: &str = "a1676d326d3a636e74a262726e64636e7431636d6e690a";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// CBOR of a JSON value, written by ciborium.
fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("ciborium encodes");
    out
}

/// A body decoded by ciborium.
fn uncbor(bytes: &[u8]) -> Value {
    ciborium::from_reader(bytes).expect("ciborium decodes the CSE's CBOR")
}

/// A request with a binary body, `Content-Type` and `Accept` as given.
async fn send_cbor(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: Option<Vec<u8>>,
) -> Reply {
    let request =
        app.request(method, path)
            .originator("CAdmin")
            .serialized(content_type, accept, body);
    app.execute(request).await
}

#[tokio::test]
async fn a_container_is_created_retrieved_and_updated_in_cbor() {
    let app = spawn_app().await;
    let created = send_cbor(
        &app,
        Method::POST,
        "/cse-in",
        Some("application/cbor; ty=3"),
        Some("application/cbor"),
        Some(unhex(DIGEST_CNT)),
    )
    .await;
    assert_eq!(
        (created.status, created.rsc),
        (201, Some(2001)),
        "{created:#?}"
    );
    assert_eq!(created.header("Content-Type"), Some("application/cbor"));
    let cnt = uncbor(&created.bytes);
    assert_eq!(cnt["m2m:cnt"]["rn"], "cnt1");
    assert_eq!(cnt["m2m:cnt"]["mni"], 10);

    // Byte for byte: the partial retrieve of rn and mni is the digest's example (keys
    // in onecse's order: mni, rn).
    let part = send_cbor(
        &app,
        Method::GET,
        "/cse-in/cnt1?atrl=rn+mni",
        None,
        Some("application/vnd.onem2m-res+cbor"),
        None,
    )
    .await;
    assert_eq!(part.rsc, Some(2000), "{part:#?}");
    assert_eq!(
        part.header("Content-Type"),
        Some("application/vnd.onem2m-res+cbor")
    );
    assert_eq!(
        hex(&part.bytes),
        "a1676d326d3a636e74a2636d6e690a62726e64636e7431"
    );
    assert_eq!(
        uncbor(&part.bytes),
        json!({"m2m:cnt": {"rn": "cnt1", "mni": 10}})
    );

    let updated = send_cbor(
        &app,
        Method::PUT,
        "/cse-in/cnt1",
        Some("application/vnd.onem2m-res+cbor"),
        Some("application/cbor"),
        Some(cbor(&json!({"m2m:cnt": {"mni": 5, "lbl": ["a", "b"]}}))),
    )
    .await;
    assert_eq!(updated.rsc, Some(2004), "{updated:#?}");
    assert_eq!(uncbor(&updated.bytes)["m2m:cnt"]["mni"], 5);
    // The same resource in JSON: CBOR never reaches the store.
    let json = app.retrieve("/cse-in/cnt1", "CAdmin").await;
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    assert_eq!(json.body["m2m:cnt"]["mni"], 5);
    assert_eq!(json.body["m2m:cnt"]["lbl"], json!(["a", "b"]));
    // null deletes an attribute in CBOR as in JSON.
    let cleared = send_cbor(
        &app,
        Method::PUT,
        "/cse-in/cnt1",
        Some("application/cbor"),
        None,
        Some(unhex("a1676d326d3a636e74a1636c626cf6")),
    )
    .await;
    assert_eq!(cleared.rsc, Some(2004), "{cleared:#?}");
    assert!(uncbor(&cleared.bytes)["m2m:cnt"].get("lbl").is_none());
}

#[tokio::test]
async fn unreadable_cbor_is_refused_with_4000_in_the_negotiated_serialization() {
    let app = spawn_app().await;
    let cases = [
        ("a1676d326d3a636e74", "ends early"),
        // {"m2m:cnt": {"rn": h'00'}}: a byte string.
        ("a1676d326d3a636e74a162726e4100", "byte strings"),
        // {"m2m:cnt": {"lbl": undefined}}
        ("a1676d326d3a636e74a1636c626cf7", "undefined"),
        // a tag 1 (epoch time) around the content
        ("c1a1676d326d3a636e74a0", "tags"),
        ("a1676d326d3a636e74a0ff", "after the CBOR item"),
    ];
    for (bytes, why) in cases {
        let reply = send_cbor(
            &app,
            Method::POST,
            "/cse-in",
            Some("application/cbor;ty=3"),
            Some("application/cbor"),
            Some(unhex(bytes)),
        )
        .await;
        assert_eq!((reply.status, reply.rsc), (400, Some(4000)), "{bytes}");
        assert_eq!(reply.header("Content-Type"), Some("application/cbor"));
        let dbg = uncbor(&reply.bytes)["m2m:dbg"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(dbg.contains(why), "{bytes}: {dbg}");
    }
    // Valid CBOR, invalid content: the same validation as JSON.
    let reply = send_cbor(
        &app,
        Method::POST,
        "/cse-in",
        Some("application/cbor;ty=3"),
        None,
        Some(cbor(&json!({"m2m:cnt": {"mni": "ten"}}))),
    )
    .await;
    assert_eq!(reply.rsc, Some(4000), "{reply:#?}");
    assert!(
        uncbor(&reply.bytes)["m2m:dbg"]
            .as_str()
            .is_some_and(|d| d.contains("mni"))
    );
}

#[tokio::test]
async fn accept_chooses_the_response_serialization() {
    let app = spawn_app().await;
    let get = |accept: Option<&'static str>| {
        let app = &app;
        async move { send_cbor(app, Method::GET, "/cse-in", None, accept, None).await }
    };
    let cases = [
        (None, "application/json"),
        (Some("application/cbor"), "application/cbor"),
        (
            Some("text/html, application/cbor;q=0.5"),
            "application/cbor",
        ),
        (Some("application/xml, */*"), "application/json"),
        (
            Some("application/vnd.onem2m-res+json"),
            "application/vnd.onem2m-res+json",
        ),
        // Quality values (RFC 9110 §12.5.1): q=0 refuses, the higher q wins.
        (
            Some("application/cbor;q=0, application/json"),
            "application/json",
        ),
        (
            Some("application/json;q=0.1, application/cbor"),
            "application/cbor",
        ),
        (Some("application/json;q=0, */*"), "application/cbor"),
    ];
    for (accept, media) in cases {
        let reply = get(accept).await;
        assert_eq!(reply.rsc, Some(2000), "{accept:?}");
        assert_eq!(reply.header("Content-Type"), Some(media), "{accept:?}");
        assert_eq!(reply.body["m2m:cb"]["ri"], "id-in", "{accept:?}");
    }
    for accept in ["application/xml", "text/html", "application/cbor;q=0"] {
        let reply = get(Some(accept)).await;
        reply.assert_error(5207, 406, "Accept");
    }
    // No Accept: the body's serialization; a wildcard too. An explicit Accept wins.
    let body = cbor(&json!({"m2m:cnt": {}}));
    for (accept, media) in [
        (None, "application/cbor"),
        (Some("*/*"), "application/cbor"),
        (Some("application/json"), "application/json"),
    ] {
        let reply = send_cbor(
            &app,
            Method::POST,
            "/cse-in",
            Some("application/cbor;ty=3"),
            accept,
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.rsc, Some(2001), "{accept:?}: {reply:#?}");
        assert_eq!(reply.header("Content-Type"), Some(media), "{accept:?}");
    }
    // A body onecse cannot read: 4015.
    let reply = send_cbor(
        &app,
        Method::POST,
        "/cse-in",
        Some("application/xml;ty=3"),
        None,
        Some(b"<m2m:cnt/>".to_vec()),
    )
    .await;
    reply.assert_error(4015, 415, "Content-Type");
}

#[tokio::test]
async fn content_type_parameters_may_be_written_with_spaces() {
    let app = spawn_app().await;
    for (i, ct) in [
        "application/json ;ty=3",
        "application/json; ty=3",
        "application/json ; ty=3 ; charset=utf-8",
        "application/vnd.onem2m-res+json;charset=UTF-8; ty=3",
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"m2m:cnt": {"rn": format!("c{i}")}}).to_string();
        let reply = app
            .onem2m(
                Method::POST,
                "/cse-in",
                Some("CAdmin"),
                Some(ct),
                Some(&body),
            )
            .await;
        assert_eq!(reply.rsc, Some(2001), "{ct}: {reply:#?}");
    }
}

#[tokio::test]
async fn csz_is_validated_and_the_cse_base_advertises_json_and_cbor() {
    let app = spawn_app().await;
    let cb = app.retrieve("/cse-in", "CAdmin").await;
    assert_eq!(
        cb.body["m2m:cb"]["csz"],
        json!(["application/json", "application/cbor"])
    );
    let register = |rn: &'static str, csz: Value| {
        let app = &app;
        async move {
            let body =
                json!({"m2m:ae": {"rn": rn, "api": "Ncsz", "rr": false, "srv": ["3"], "csz": csz}});
            app.create("/cse-in", 2, &body, Some(&format!("C{rn}")))
                .await
        }
    };
    for (rn, csz) in [
        ("tok", json!(["cbor", "json", "xml"])),
        (
            "mime",
            json!(["application/vnd.onem2m-res+cbor", "application/json"]),
        ),
    ] {
        let reply = register(rn, csz.clone()).await;
        assert_eq!(reply.rsc, Some(2001), "{csz}: {reply:#?}");
        assert_eq!(reply.body["m2m:ae"]["csz"], csz);
    }
    for (rn, csz, needle) in [
        ("bad1", json!(["wrong"]), "\"wrong\""),
        ("bad2", json!([]), "at least one"),
        ("bad3", json!("json"), "array"),
        ("bad4", json!(["json", 7]), "array of strings"),
    ] {
        register(rn, csz).await.assert_error(4000, 400, needle);
    }
    app.update(
        "/cse-in/tok",
        &json!({"m2m:ae": {"csz": ["text/plain"]}}),
        "Ctok",
    )
    .await
    .assert_error(4000, 400, "text/plain");
    let cleared = app
        .update("/cse-in/tok", &json!({"m2m:ae": {"csz": null}}), "Ctok")
        .await;
    assert_eq!(cleared.rsc, Some(2004), "{cleared:#?}");
    assert!(cleared.body["m2m:ae"].get("csz").is_none());
}

/// A subscription on `/cse-in/w` towards `nu`, created by the admin.
async fn subscribe(app: &TestApp, nu: &str) -> Reply {
    app.container("/cse-in", "w", json!({}), "CAdmin").await;
    app.create(
        "/cse-in/w",
        23,
        &json!({"m2m:sub": {"rn": "s", "nu": [nu], "enc": {"net": [3]}}}),
        Some("CAdmin"),
    )
    .await
}

#[tokio::test]
async fn notifications_to_an_ae_use_its_first_supported_csz_entry() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let body = json!({"m2m:ae": {"rn": "listener", "api": "Nl", "rr": true, "srv": ["3"],
        "poa": [rx.url()], "csz": ["xml", "application/cbor", "json"]}});
    let ae = app.create("/cse-in", 2, &body, Some("Clistener")).await;
    assert_eq!(ae.rsc, Some(2001), "{ae:#?}");
    let reply = subscribe(&app, "Clistener").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    app.instance("/cse-in/w", "hello", "CAdmin").await;
    let notification = loop {
        let received = rx
            .next_within(Duration::from_secs(5))
            .await
            .expect("a notification");
        assert_eq!(received.header("Content-Type"), Some("application/cbor"));
        if !received.is_verification() {
            break received;
        }
    };
    assert_eq!(notification.sgn()["nev"]["rep"]["m2m:cin"]["con"], "hello");

    // An AE that accepts only XML cannot be notified: the subscription is refused.
    let body = json!({"m2m:ae": {"rn": "xmlonly", "api": "Nx", "rr": true, "srv": ["3"],
        "poa": [rx.url()], "csz": ["application/xml"]}});
    assert_eq!(
        app.create("/cse-in", 2, &body, Some("Cxmlonly")).await.rsc,
        Some(2001)
    );
    let refused = app
        .create(
            "/cse-in/w",
            23,
            &json!({"m2m:sub": {"rn": "x", "nu": ["Cxmlonly"]}}),
            Some("CAdmin"),
        )
        .await;
    assert_ne!(refused.rsc, Some(2001), "{refused:#?}");
    assert!(refused.dbg().contains("csz"), "{refused:#?}");
}

#[tokio::test]
async fn ct_on_a_notification_url_selects_the_serialization_and_is_stripped() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let url = format!("{}?ct=cbor", rx.url_for("/cbor"));
    assert_eq!(subscribe(&app, &url).await.rsc, Some(2001));
    let verification = rx
        .next_within(Duration::from_secs(5))
        .await
        .expect("verification");
    assert_eq!(verification.path, "/cbor");
    assert_eq!(
        verification.header("Content-Type"),
        Some("application/cbor")
    );
    assert!(verification.is_verification());
    let refused = app
        .create(
            "/cse-in/w",
            23,
            &json!({"m2m:sub": {"rn": "x", "nu": [format!("{}?ct=xml", rx.url())]}}),
            Some("CAdmin"),
        )
        .await;
    refused.assert_error(4000, 400, "ct=xml");
}

/// One request as it arrived on the wire: the head as text, the body as bytes.
struct RawRequest {
    head: String,
    body: Vec<u8>,
}

/// Accepts one connection on `listener` and reads one request (bounded by a time
/// limit), answering `200` with `X-M2M-RSC: 2000`.
async fn accept_one(listener: &TcpListener) -> RawRequest {
    let read = async {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let (head, body_start) = loop {
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "connection closed before the head ended");
            data.extend_from_slice(&buf[..n]);
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break (String::from_utf8_lossy(&data[..end]).into_owned(), end + 4);
            }
        };
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.trim().parse().ok())
            .expect("a Content-Length header spelled Content-Length");
        while data.len() < body_start + length {
            let n = stream.read(&mut buf).await.expect("read body");
            assert!(n > 0, "connection closed before the body ended");
            data.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nX-M2M-RSC: 2000\r\nContent-Length: 0\r\n\r\n")
            .await
            .expect("answer");
        RawRequest {
            head,
            body: data[body_start..body_start + length].to_vec(),
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("a request within 10 s")
}

#[tokio::test]
async fn outgoing_requests_write_canonical_header_names_and_cbor_bytes() {
    let app = spawn_app().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/raw?ct=cbor",
        listener.local_addr().expect("addr")
    );
    let (created, verification) = tokio::join!(subscribe(&app, &url), accept_one(&listener));
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    let head = verification.head;
    assert!(head.starts_with("POST /raw HTTP/1.1\r\n"), "{head}");
    for line in [
        "\r\nContent-Type: application/cbor\r\n",
        "\r\nContent-Length: ",
    ] {
        assert!(head.contains(line), "{line:?} not in {head}");
    }
    // Every header name starts upper case (title case), none is all lower case.
    for line in head.lines().skip(1) {
        let name = line.split(':').next().unwrap_or_default();
        assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{line}");
    }
    let sgn = uncbor(&verification.body);
    assert_eq!(sgn["m2m:sgn"]["vrq"], true);
    let ri = created.body["m2m:sub"]["ri"].as_str().expect("ri");
    assert!(
        sgn["m2m:sgn"]["sur"]
            .as_str()
            .is_some_and(|sur| sur.ends_with(ri)),
        "{sgn}"
    );
}
