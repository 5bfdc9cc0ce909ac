//! Group commit for hot parents (issue 15): on PostgreSQL concurrent instance creates
//! into one container share transactions, one savepoint each; every request still
//! gets its own answer, `st`, counters and notifications, and fails alone. On SQLite
//! (no batching) the same tests hold; only the batch metrics are left out there.

use std::sync::Arc;
use std::time::Duration;

use onecse_testkit::Receiver;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, postgres_url, spawn_app, spawn_app_with};
use crate::ops::{get, sample};
use crate::sub::watched;

/// A contentInstance body.
fn cin(attrs: Value) -> Value {
    json!({ "m2m:cin": attrs })
}

/// Sends every body as a CREATE of type `ty` into `parent` at the same time; the
/// replies come back in the bodies' order.
async fn create_at_once(
    app: &Arc<TestApp>,
    parent: &str,
    ty: u16,
    bodies: Vec<Value>,
) -> Vec<Reply> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (app, parent) = (Arc::clone(app), parent.to_owned());
            tokio::spawn(async move { app.create(&parent, ty, &body, Some("CAdmin")).await })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("task"));
    }
    replies
}

/// The created instances of `replies` (2001), ordered by their `st`.
fn created_by_st(replies: &[Reply]) -> Vec<Value> {
    let mut created: Vec<Value> = replies
        .iter()
        .filter(|r| r.rsc == Some(2001))
        .map(|r| r.body["m2m:cin"].clone())
        .collect();
    created.sort_by_key(|c| c["st"].as_i64());
    created
}

fn state_tags(instances: &[Value]) -> Vec<i64> {
    instances.iter().filter_map(|c| c["st"].as_i64()).collect()
}

/// Checks the container against what is stored under it: `cni` is the number of
/// instances, `cbs` their sizes' sum, `st` the number of creates that succeeded, `la`
/// the instance with the highest `st`, and the instances left are exactly the newest
/// `cni` of `created` (the oldest were evicted). Returns `cni`.
async fn assert_container_holds_newest(app: &TestApp, container: &str, created: &[Value]) -> usize {
    let cnt = app.retrieve(container, "CAdmin").await;
    let cnt = cnt.expect_resource("m2m:cnt");
    let children = app.retrieve(&format!("{container}?rcn=8"), "CAdmin").await;
    let mut stored = children.body["m2m:cnt"]["m2m:cin"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    stored.sort_by_key(|c| c["st"].as_i64());
    let cni = stored.len();
    assert_eq!(cnt["cni"], json!(cni));
    let bytes: i64 = stored.iter().filter_map(|c| c["cs"].as_i64()).sum();
    assert_eq!(cnt["cbs"], bytes);
    let last_st = created.last().and_then(|c| c["st"].as_i64());
    assert_eq!(cnt["st"].as_i64(), last_st);
    let newest = &created[created.len() - cni..];
    let ris = |list: &[Value]| list.iter().map(|c| c["ri"].clone()).collect::<Vec<_>>();
    assert_eq!(ris(&stored), ris(newest), "the oldest were evicted");
    let la = app.retrieve(&format!("{container}/la"), "CAdmin").await;
    assert_eq!(la.expect_resource("m2m:cin")["ri"], newest[cni - 1]["ri"]);
    cni
}

/// `onecse_group_commit_batch_size`: (batches, requests in them).
async fn batches(app: &TestApp) -> (f64, f64) {
    let (status, text) = get(&format!("{}/metrics", app.base)).await;
    assert_eq!(status, 200);
    let count = sample(&text, "onecse_group_commit_batch_size_count").expect("batch count");
    let sum = sample(&text, "onecse_group_commit_batch_size_sum").expect("batch sum");
    (count, sum)
}

/// On PostgreSQL, that `creates` instance creates went through group commit and
/// some batches held several of them (SQLite does not batch).
async fn assert_batched(app: &TestApp, creates: f64) {
    if postgres_url().is_none() {
        return;
    }
    let (count, sum) = batches(app).await;
    assert_eq!(
        sum, creates,
        "every instance create went through group commit"
    );
    assert!(
        count < sum,
        "some batches held several requests: {count} batches"
    );
}

#[tokio::test]
async fn sixty_four_concurrent_creates_keep_counters_st_order_and_eviction_exact() {
    let app = Arc::new(spawn_app().await);
    app.container("/cse-in", "hot", json!({"mni": 10}), "CAdmin")
        .await;
    let bodies = (0..64)
        .map(|i| cin(json!({"con": format!("v{i:02}-{}", "x".repeat(i % 7))})))
        .collect();
    let replies = create_at_once(&app, "/cse-in/hot", 4, bodies).await;
    for reply in &replies {
        assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    }
    let created = created_by_st(&replies);
    assert_eq!(state_tags(&created), (1..=64).collect::<Vec<_>>());
    assert_eq!(
        assert_container_holds_newest(&app, "/cse-in/hot", &created).await,
        10
    );
    if postgres_url().is_some() {
        // One after the other in st order, each with its own request time.
        let times: Vec<&str> = created.iter().filter_map(|c| c["ct"].as_str()).collect();
        assert!(times.is_sorted(), "ct follows st: {times:?}");
    }
    assert_batched(&app, 64.0).await;
}

#[tokio::test]
async fn batch_boundaries_keep_counters_and_st_order_exact() {
    let app = Arc::new(spawn_app_with(|c| c.group_commit_max_batch = 3).await);
    for (name, n) in [("ten", 10), ("eleven", 11)] {
        app.container("/cse-in", name, json!({"mni": 4}), "CAdmin")
            .await;
        let container = format!("/cse-in/{name}");
        let bodies = (0..n)
            .map(|i| cin(json!({"con": format!("{i}")})))
            .collect();
        let replies = create_at_once(&app, &container, 4, bodies).await;
        let created = created_by_st(&replies);
        assert_eq!(state_tags(&created), (1..=n).collect::<Vec<_>>());
        assert_eq!(
            assert_container_holds_newest(&app, &container, &created).await,
            4
        );
    }
    if postgres_url().is_some() {
        let (count, sum) = batches(&app).await;
        assert_eq!(sum, 21.0);
        // At most three per batch: 10 and 11 creates need four batches each.
        assert!(count >= 8.0, "{count} batches");
    }
}

/// What each of the mixed concurrent creates asks for, and the code it must get.
fn mixed_request(i: usize) -> (Value, u16) {
    match i % 8 {
        // Refused by the name lookup, after earlier requests of its batch wrote.
        1 => (cin(json!({"con": format!("dup{i}"), "rn": "taken"})), 4105),
        3 => (cin(json!({"con": "x", "cnf": 5})), 4000),
        5 => (cin(json!({"con": "y".repeat(300)})), 5207),
        _ => (cin(json!({"con": format!("ok{i}")})), 2001),
    }
}

#[tokio::test]
async fn a_failing_request_in_a_batch_fails_alone() {
    let app = Arc::new(spawn_app().await);
    app.container("/cse-in", "mixed", json!({"mni": 20, "mbs": 200}), "CAdmin")
        .await;
    // A sibling that eviction never removes holds the name the duplicates ask for.
    app.container("/cse-in/mixed", "taken", json!({}), "CAdmin")
        .await;
    let (bodies, codes): (Vec<_>, Vec<_>) = (0..64).map(mixed_request).unzip();
    let replies = create_at_once(&app, "/cse-in/mixed", 4, bodies).await;
    for (reply, code) in replies.iter().zip(&codes) {
        assert_eq!(reply.rsc, Some(*code), "{reply:#?}");
    }
    let created = created_by_st(&replies);
    // The failed requests' counter changes were rolled back with them: no gaps.
    assert_eq!(state_tags(&created), (1..=40).collect::<Vec<_>>());
    assert_eq!(
        assert_container_holds_newest(&app, "/cse-in/mixed", &created).await,
        20
    );
    assert_batched(&app, 64.0).await;
}

/// A timeSeriesInstance body.
fn tsi(attrs: Value) -> Value {
    json!({ "m2m:tsi": attrs })
}

/// A distinct dataGenerationTime per `n`.
fn dgt(n: usize) -> String {
    format!("20250101T10{:02}{:02}", n / 60, n % 60)
}

/// What each of the mixed concurrent timeSeries points asks for, and the code it must
/// get. A taken `dgt` is refused by the unique index, after the request raised the
/// series' counters: only its savepoint's rollback keeps its batch going and the
/// counters exact.
fn mixed_point(i: usize) -> (Value, u16) {
    match i % 8 {
        1 => (tsi(json!({"dgt": dgt(0), "con": "dup"})), 4105),
        3 => (tsi(json!({"dgt": "yesterday", "con": "x"})), 4000),
        5 => (
            tsi(json!({"dgt": dgt(i + 1), "con": "y".repeat(300)})),
            5207,
        ),
        _ => (
            tsi(json!({"dgt": dgt(i + 1), "con": format!("ok{i}")})),
            2001,
        ),
    }
}

#[tokio::test]
async fn a_request_failing_after_it_wrote_fails_alone() {
    let app = Arc::new(spawn_app().await);
    let series = json!({"m2m:ts": {"rn": "ts", "mni": 100, "mbs": 200}});
    assert_eq!(
        app.create("/cse-in", 29, &series, Some("CAdmin")).await.rsc,
        Some(2001)
    );
    let first = app
        .create(
            "/cse-in/ts",
            30,
            &tsi(json!({"dgt": dgt(0), "con": "first"})),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(first.rsc, Some(2001));
    let (bodies, codes): (Vec<_>, Vec<_>) = (0..64).map(mixed_point).unzip();
    let replies = create_at_once(&app, "/cse-in/ts", 30, bodies).await;
    for (reply, code) in replies.iter().zip(&codes) {
        assert_eq!(reply.rsc, Some(*code), "{reply:#?}");
    }
    let mut created: Vec<&Value> = replies
        .iter()
        .chain([&first])
        .filter(|r| r.rsc == Some(2001))
        .map(|r| &r.body["m2m:tsi"])
        .collect();
    created.sort_by_key(|t| t["ri"].as_str());
    let children = app.retrieve("/cse-in/ts?rcn=8", "CAdmin").await;
    let mut stored: Vec<&Value> = children.body["m2m:ts"]["m2m:tsi"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    stored.sort_by_key(|t| t["ri"].as_str());
    assert_eq!(stored, created, "exactly the accepted points are stored");
    let ts = app.retrieve("/cse-in/ts", "CAdmin").await;
    let ts = ts.expect_resource("m2m:ts");
    assert_eq!(
        ts["cni"], 41,
        "the refused points' counting was rolled back"
    );
    let bytes: i64 = created.iter().filter_map(|t| t["cs"].as_i64()).sum();
    assert_eq!(ts["cbs"], bytes);
    assert_batched(&app, 65.0).await;
}

#[tokio::test]
async fn batched_creates_notify_once_each_and_failed_ones_never() {
    let app = Arc::new(spawn_app().await);
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"net": [3]}})).await;
    let limited = app
        .update("/cse-in/c", &json!({"m2m:cnt": {"mbs": 200}}), "CAdmin")
        .await;
    assert_eq!(limited.rsc, Some(2004));
    let taken = app
        .create(
            "/cse-in/c",
            4,
            &cin(json!({"con": "first", "rn": "taken"})),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(taken.rsc, Some(2001));
    assert_eq!(
        rx.next().await.sgn()["nev"]["rep"]["m2m:cin"]["con"],
        "first"
    );
    let (bodies, _): (Vec<_>, Vec<_>) = (0..32).map(mixed_request).unzip();
    let replies = create_at_once(&app, "/cse-in/c", 4, bodies).await;
    let created = created_by_st(&replies);
    assert_eq!(created.len(), 20);
    // One notification per created instance, carrying that instance, in st order.
    let mut notified = Vec::new();
    for _ in &created {
        let received = rx.next().await;
        notified.push(received.sgn()["nev"]["rep"]["m2m:cin"].clone());
    }
    assert_eq!(notified, created);
    rx.assert_quiet(Duration::from_millis(500)).await;
    assert_batched(&app, 33.0).await;
}

#[tokio::test]
async fn batched_creates_into_a_monitored_container_are_each_recorded() {
    let app = Arc::new(spawn_app().await);
    let rx = Receiver::start().expect("receiver");
    watched(&app, &rx, json!({"enc": {"om": [{"ops": 1}]}})).await;
    // Accepted or refused inside their batch, every CREATE is an access to watch.
    let bodies = (0..16)
        .map(|i| match i % 4 {
            3 => cin(json!({"con": "x", "cnf": 5})),
            _ => cin(json!({"con": format!("{i}")})),
        })
        .collect();
    let replies = create_at_once(&app, "/cse-in/c", 4, bodies).await;
    assert_eq!(created_by_st(&replies).len(), 12);
    for _ in &replies {
        let n = rx.next().await;
        assert_eq!(n.sgn()["nev"]["om"], json!({"op": 1, "or": "CAdmin"}));
    }
    rx.assert_quiet(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_max_batch_of_one_turns_group_commit_off() {
    let app = Arc::new(spawn_app_with(|c| c.group_commit_max_batch = 1).await);
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let bodies = (0..8)
        .map(|i| cin(json!({"con": format!("{i}")})))
        .collect();
    let replies = create_at_once(&app, "/cse-in/c", 4, bodies).await;
    let created = created_by_st(&replies);
    assert_eq!(state_tags(&created), (1..=8).collect::<Vec<_>>());
    assert_eq!(batches(&app).await, (0.0, 0.0));
}
