//! kill -9 under load (issue 11), on SQLite and on PostgreSQL: every contentInstance
//! whose CREATE was acknowledged (2001) is there after a restart, with its content,
//! and every container's counters equal its children.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onecse_testkit::{Client, Target};
use serde_json::{Value, json};

use crate::cli::Serving;
use crate::helpers::TestDb;
use crate::lifecycle::listen_address;

const CONTAINERS: usize = 4;
const WRITERS: usize = 16;

pub(crate) fn start(url: &str) -> (Serving, Client) {
    let (serving, line) = Serving::start(
        &[
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            url,
            "--pool-size",
            "8",
        ],
        &[("ONECSE_LOG", "info")],
    );
    let base = format!("http://{}", listen_address(&line.expect("start-up line")));
    let target = Target::from_url(
        &format!("{base}/cse-in"),
        "/id-in",
        "CAdmin",
        "3",
        Duration::from_secs(10),
    )
    .expect("target");
    (serving, Client::new(target).expect("client"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_under_load() {
    let (_db, url) = TestDb::fresh();
    let (mut serving, client) = start(&url);
    for c in 0..CONTAINERS {
        let body = json!({"m2m:cnt": {"rn": format!("c{c}")}});
        assert_eq!(
            client.create("/cse-in", 3, &body, Some("CAdmin")).await.rsc,
            Some(2001)
        );
    }
    // Writers create instances until the process dies under them; each remembers the
    // creates it saw acknowledged.
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let client = Arc::new(client);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (client, acknowledged) = (Arc::clone(&client), Arc::clone(&acknowledged));
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                if Instant::now() > deadline {
                    break;
                }
                let con = format!("w{w}-{i}");
                let body = json!({"m2m:cin": {"con": con}});
                let reply = client
                    .create(
                        &format!("/cse-in/c{}", i % CONTAINERS),
                        4,
                        &body,
                        Some("CAdmin"),
                    )
                    .await;
                if !reply.reached() {
                    break;
                }
                if reply.rsc == Some(2001) {
                    let path = reply
                        .header("Content-Location")
                        .unwrap_or_default()
                        .to_owned();
                    if let Ok(mut list) = acknowledged.lock() {
                        list.push((path, con));
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    serving.kill();
    for writer in writers {
        writer.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().map(|l| l.clone()).unwrap_or_default();
    eprintln!(
        "{} creates acknowledged before the kill",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= 50,
        "only {} writes before the kill",
        acknowledged.len()
    );

    let (_serving, client) = start(&url);
    for (path, con) in &acknowledged {
        let reply = client.retrieve(path, "CAdmin").await;
        assert_eq!(reply.rsc, Some(2000), "acknowledged {path} lost: {reply:?}");
        assert_eq!(reply.text("m2m:cin", "con").as_deref(), Some(con.as_str()));
    }
    for c in 0..CONTAINERS {
        let cnt = client.retrieve(&format!("/cse-in/c{c}"), "CAdmin").await;
        let attrs = cnt.expect_resource("m2m:cnt").clone();
        let (mut children, mut bytes, mut offset) = (0, 0, 1);
        loop {
            let page = client
                .retrieve(&format!("/cse-in/c{c}?rcn=8&lvl=1&ofst={offset}"), "CAdmin")
                .await;
            let items = page
                .expect_resource("m2m:cnt")
                .get("m2m:cin")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            children += items.len();
            bytes += items.iter().filter_map(|i| i["cs"].as_i64()).sum::<i64>();
            match page
                .header("X-M2M-CTO")
                .and_then(|o| o.parse::<usize>().ok())
            {
                Some(next) => offset = next,
                None => break,
            }
        }
        assert_eq!(
            attrs["cni"],
            json!(children),
            "c{c}: cni against its children"
        );
        assert_eq!(attrs["cbs"], json!(bytes), "c{c}: cbs against its children");
    }
}
