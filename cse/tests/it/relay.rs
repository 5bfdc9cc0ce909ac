//! NOTIFY requests relayed to an AE (TS-0004 §7.3.3.9.1, TS-0001 §10.2.5.21-23;
//! spec digest polling-and-requests §4): to its poa entries in order, or through its
//! pollingChannel's queue with the answer through `pcu` (also given to another
//! process), the NOTIFY privilege, and the answer passed back.

use std::time::Duration;

use onecse_testkit::{Answer, Receiver};
use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::pch::{
    AE, OTHER, POLLER, answer, create_channel, notify, poll, polling_setup, register,
    relay_in_background, two_processes,
};

#[tokio::test]
async fn a_notify_to_an_ae_is_relayed_to_its_poa_with_the_answer_passed_back() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    register(&app, "device", "Cdevice", true, &[rx.url()]).await;
    let content = json!({"m2m:sgn": {"nev": {"rep": {"hello": 1}, "net": 1}, "sur": "/id-in/x"}});
    let request = app
        .request(Method::POST, "/cse-in/device")
        .originator("CAdmin")
        .json(None, &content);
    let reply = app.execute(request).await;
    let rqi = reply.generated_ri.clone().expect("generated rqi");
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
    let relayed = rx.next().await;
    assert_eq!(relayed.body, content);
    assert_eq!(relayed.header("x-m2m-origin"), Some("CAdmin"));
    assert_eq!(relayed.header("x-m2m-ri"), Some(rqi.as_str()));
    assert_eq!(relayed.header("content-type"), Some("application/json"));
    // The AE's own status comes back to the originator.
    rx.answer_with(Answer {
        status: 409,
        rsc: 4105,
    });
    let reply = notify(&app, "/cse-in/device", "CAdmin", &content).await;
    assert_eq!((reply.status, reply.rsc), (409, Some(4105)), "{reply:#?}");
}

#[tokio::test]
async fn a_relayed_notify_goes_in_the_highest_release_the_ae_supports() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    let content = json!({"m2m:sgn": {"nev": {"net": 1}, "sur": "/id-in/x"}});
    for (rn, srv, expected) in [
        ("new", json!(["2a", "4"]), "4"),
        ("old", json!(["2a"]), "2a"),
    ] {
        let ae = json!({"m2m:ae": {"rn": rn, "api": "Nr", "rr": true, "srv": srv,
            "poa": [rx.url()]}});
        let reply = app.create("/cse-in", 2, &ae, Some(&format!("C{rn}"))).await;
        assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
        // The originator speaks release 3; the AE hears its own release.
        let reply = notify(&app, &format!("/cse-in/{rn}"), "CAdmin", &content).await;
        assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
        let relayed = rx.next().await;
        assert_eq!(relayed.header("x-m2m-rvi"), Some(expected), "{rn}");
        // Relayed as addressed: no query arguments are added on the way.
        assert_eq!(relayed.path, "/notify", "{rn}");
    }
}

#[tokio::test]
async fn a_relay_tries_each_poa_and_fails_with_5103_when_none_answers() {
    let app = spawn_app().await;
    let gone = Receiver::start().expect("receiver");
    let gone_url = gone.url();
    gone.stop().await;
    let rx = Receiver::start().expect("receiver");
    register(
        &app,
        "device",
        "Cdevice",
        true,
        &[gone_url.clone(), rx.url()],
    )
    .await;
    let content = json!({"m2m:sgn": {"vrq": true, "sur": "/id-in/x"}});
    let reply = notify(&app, "/cse-in/device", "CAdmin", &content).await;
    assert_eq!(reply.rsc, Some(2000), "the second poa answered: {reply:#?}");
    rx.next().await;
    register(&app, "dead", "Cdead", true, &[gone_url]).await;
    notify(&app, "/cse-in/dead", "CAdmin", &content)
        .await
        .assert_error(5103, 404, "no point of access");
}

#[tokio::test]
async fn a_relay_needs_the_notify_privilege() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    register(&app, "device", "Cdevice", true, &[rx.url()]).await;
    register(&app, "other", OTHER, true, &[]).await;
    notify(
        &app,
        "/cse-in/device",
        OTHER,
        &json!({"m2m:sgn": {"vrq": true}}),
    )
    .await
    .assert_error(4103, 403, "NOTIFY privilege");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_notify_to_a_polling_ae_is_queued_and_its_answer_relayed() {
    let app = spawn_app().await;
    polling_setup(&app).await;
    let content = json!({"m2m:sgn": {"nev": {"rep": {"x": 1}, "net": 1}, "sur": "/id-in/y"}});
    let relaying = relay_in_background(&app, &content, 5000);
    let polled = poll(&app, POLLER, Some(5000)).await;
    assert_eq!(polled.rsc, Some(2000), "{polled:#?}");
    let rqp = &polled.body["m2m:rqp"];
    assert_eq!(rqp["op"], 5);
    assert_eq!(rqp["fr"], "CAdmin");
    assert_eq!(rqp["pc"], content);
    let answered = answer(&app, rqp, 2000, Some(json!({"m2m:dbg": "done"}))).await;
    assert_eq!(answered.rsc, Some(2000));
    let reply = relaying.await.expect("relay task");
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
    assert_eq!(reply.body, json!({"m2m:dbg": "done"}));
    // Unanswered: 4008 when the request's own time runs out.
    let request = app
        .request(Method::POST, AE)
        .originator("CAdmin")
        .header("X-M2M-RET", "400")
        .json(None, &content);
    app.execute(request)
        .await
        .assert_error(4008, 504, "did not answer");
}

#[tokio::test]
async fn an_ae_with_a_channel_is_reached_through_it_even_with_a_poa() {
    let app = spawn_app().await;
    let rx = Receiver::start().expect("receiver");
    register(&app, "both", "Cboth", true, &[rx.url()]).await;
    let reply = create_channel(&app, "/cse-in/both", "Cboth").await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let request = app
        .request(Method::POST, "/cse-in/both")
        .originator("CAdmin")
        .header("X-M2M-RET", "400")
        .json(None, &json!({"m2m:sgn": {"vrq": true, "sur": "/id-in/x"}}));
    app.execute(request)
        .await
        .assert_error(4008, 504, "did not answer through its pollingChannel");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn an_answer_given_to_another_process_reaches_the_waiting_sender() {
    let Some((db, one, two)) = two_processes().await else {
        return;
    };
    let content = json!({"m2m:sgn": {"nev": {"rep": {"x": 2}, "net": 1}, "sur": "/id-in/z"}});
    let relaying = relay_in_background(&one, &content, 8000);
    // The poll and the answer go to the other process.
    let polled = poll(&two, POLLER, Some(5000)).await;
    assert_eq!(polled.rsc, Some(2000), "{polled:#?}");
    let rqp = &polled.body["m2m:rqp"];
    assert_eq!(rqp["pc"], content);
    let answered = answer(&two, rqp, 2004, Some(json!({"m2m:dbg": "elsewhere"}))).await;
    assert_eq!(answered.rsc, Some(2000));
    let reply = relaying.await.expect("relay task");
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
    assert_eq!(reply.body, json!({"m2m:dbg": "elsewhere"}));
    one.stop().await;
    two.stop().await;
    drop(db);
}

/// A web server on 127.0.0.1 that answers each of `answers` (status line, headers and
/// body, whole) to one request read to its end; returns its URL and the requests.
fn plain_server(answers: Vec<String>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let serving = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for answer in answers {
            let Ok((mut stream, _)) = listener.accept() else {
                break;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            // The head, then as many body bytes as its Content-Length says.
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            let complete = |r: &[u8]| {
                let text = String::from_utf8_lossy(r).to_ascii_lowercase();
                text.find("\r\n\r\n").is_some_and(|end| {
                    let length = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    r.len() >= end + 4 + length
                })
            };
            while !complete(&request) {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            requests.push(String::from_utf8_lossy(&request).into_owned());
            let _ = stream.write_all(answer.as_bytes());
        }
        requests
    });
    (url, serving)
}

/// An HTTP answer with this status line, extra header lines and body.
fn http_answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_poa_answering_without_a_onem2m_response_is_not_relayed() {
    const SECRET: &str = "internal-secret-7f3a9c";
    let json_body = format!(r#"{{"m2m:dbg":"{SECRET}","token":"{SECRET}"}}"#);
    let answers = vec![
        // A plain API answer: 200, JSON, no oneM2M header at all.
        http_answer("200 OK", "Content-Type: application/json\r\n", &json_body),
        // A web page.
        http_answer(
            "200 OK",
            "Content-Type: text/html\r\n",
            &format!("<html>{SECRET}</html>"),
        ),
        // An X-M2M-RSC without the request's X-M2M-RI.
        http_answer(
            "200 OK",
            "Content-Type: application/json\r\nX-M2M-RSC: 2000\r\n",
            &json_body,
        ),
    ];
    let count = answers.len();
    let (url, serving) = plain_server(answers);
    let app = spawn_app().await;
    register(&app, "web", "Cweb", true, &[url]).await;
    let content = json!({"m2m:sgn": {"nev": {"rep": {"x": 1}, "net": 1}, "sur": "/id-in/x"}});
    for _ in 0..count {
        let reply = notify(&app, "/cse-in/web", "CAdmin", &content).await;
        reply.assert_error(5103, 404, "not with a oneM2M response");
        assert!(!reply.raw.contains(SECRET), "{reply:#?}");
        assert!(
            reply.headers.iter().all(|(_, v)| !v.contains(SECRET)),
            "{reply:#?}"
        );
    }
    // Each NOTIFY did reach the server: the refusals are about its answers.
    let requests = tokio::task::spawn_blocking(move || serving.join().expect("server thread"))
        .await
        .expect("join");
    assert_eq!(requests.len(), count);
    assert!(
        requests.iter().all(|r| r.starts_with("POST /hook")),
        "{requests:#?}"
    );
}
