//! The conformance suite (onecse-conformance) against a freshly started onecse: every
//! test purpose must pass, on SQLite and, with ONECSE_TEST_DATABASE_URL, on PostgreSQL;
//! and on PostgreSQL also against two processes sharing one database, requests
//! alternating between them.

use std::time::Duration;

use onecse_conformance::{Report, Selection, Target, run_with_peer};
use onecse_testkit::Credentials;
use onecse_testkit::blocking::Receiver;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::auth::{claims, hs256, jwt_app};

use crate::forwarding::{answers_within, spawn_mn_with};
use crate::helpers::{TestApp, TestDb, postgres_url, spawn_app_on, spawn_app_with};

/// What the whole suite runs against: an IN that lets `/id-mn*` register, with the
/// Upper Tester on (the EXP/UTC purposes drive it).
fn allow_mn(c: &mut onecse::config::Config) {
    c.registration_cse_originators = Some("/id-mn*".into());
    c.upper_tester = true;
}

/// The peer of the inter-CSE test purposes: an MN `/id-mn` registered with the IN
/// `inn` (waited for: the announcement purposes need the registration on both sides).
async fn peer_of(inn: &TestApp) -> TestApp {
    let mn = spawn_mn_with(&inn.base, "/id-mn", 60, |_| {}).await;
    let limit = Duration::from_secs(10);
    assert!(
        answers_within(inn, "/cse-in/id-mn", false, limit).await,
        "MN not registered"
    );
    assert!(
        answers_within(&mn, "/cse-mn/id-in", false, limit).await,
        "IN unknown at MN"
    );
    mn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes() {
    let app = spawn_app_with(allow_mn).await;
    let peer = peer_of(&app).await;
    let report = run_suite(vec![app.base.clone()], &peer.base).await;
    assert_everything_passed(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes_alternating_between_two_processes_on_one_database() {
    if postgres_url().is_none() {
        return;
    }
    let (db, url) = TestDb::fresh();
    let one = spawn_app_on(&url, allow_mn).await;
    let two = spawn_app_on(&url, allow_mn).await;
    let peer = peer_of(&one).await;
    let report = run_suite(vec![one.base.clone(), two.base.clone()], &peer.base).await;
    assert_everything_passed(&report);
    let answered: Vec<u64> = report.answered.iter().map(|(_, n)| *n).collect();
    assert_eq!(answered.len(), 2, "{:?}", report.answered);
    // Alternating request by request, each process answers about half.
    let total: u64 = answered.iter().sum();
    assert!(
        answered.iter().all(|n| n * 3 > total),
        "{:?}",
        report.answered
    );
    one.stop().await;
    two.stop().await;
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes_over_mqtt() {
    let Some(broker) = crate::mqtt::broker().await else {
        return;
    };
    let cse_id = crate::mqtt::unique_cse_id();
    let (id, url) = (cse_id.clone(), broker.clone());
    let app = crate::helpers::spawn_app_with(move |c| {
        c.cse_id = id;
        c.mqtt_url = Some(url);
    })
    .await;
    crate::mqtt::wait_connected(&app).await;
    let report = run_suite_with(
        vec![app.base.clone()],
        &cse_id,
        None,
        Some(broker),
        Credentials::default(),
    )
    .await;
    let (passed, failed, _) = report.counts();
    assert_eq!(failed, 0, "{}\n{}", report.table(), report.summary());
    // Only the HTTP-only test purposes and those needing a second CSE are skipped.
    let skipped = skip_reasons(&report);
    let http_only = skipped
        .iter()
        .filter(|why| why.starts_with("HTTP-only"))
        .count();
    assert_eq!(
        http_only,
        onecse_conformance::cases::HTTP_ONLY.len(),
        "{}",
        report.table()
    );
    assert!(
        skipped
            .iter()
            .all(|why| why.starts_with("HTTP-only") || needs_what_this_run_lacks(why)),
        "{}",
        report.table()
    );
    assert!(passed >= 380, "{}", report.summary());
}

/// With `auth = jwt` every request needs a token naming its originator: the suite
/// gets one per originator from a mint (here signing with the app's secret, as
/// `--token-command` does with `onecse token`), and every test purpose still passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes_against_a_cse_that_authenticates_by_jwt() {
    let app = jwt_app().await;
    let minted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&minted);
    let mut credentials = Credentials::default();
    credentials.mint = Some(Arc::new(move |sub: &str| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(hs256(&claims(sub, json!({}))))
    }));
    let report = run_suite_with(vec![app.base.clone()], "/id-in", None, None, credentials).await;
    let (passed, failed, _) = report.counts();
    assert_eq!(failed, 0, "{}\n{}", report.table(), report.summary());
    // Only the test purpose about an unauthenticated originator, which an
    // authenticating suite cannot be, and those needing what this run has not (a
    // second CSE, the Upper Tester).
    let skipped = skip_reasons(&report);
    let unauthenticated = skipped
        .iter()
        .filter(|why| !needs_what_this_run_lacks(why))
        .count();
    assert_eq!(unauthenticated, 1, "{}", report.table());
    assert!(
        report
            .table()
            .lines()
            .any(|line| line.contains("SEC/RET/035") && line.contains("SKIP")),
        "{}",
        report.table()
    );
    assert!(passed >= 385, "{}", report.summary());
    assert!(minted.load(Ordering::Relaxed) > 10, "tokens were minted");
    // Without credentials the same CSE refuses the suite's requests.
    let report = run_suite_with(
        vec![app.base.clone()],
        "/id-in",
        None,
        None,
        Credentials::default(),
    )
    .await;
    assert!(report.counts().1 > 0, "{}", report.summary());
}

/// The reasons of the skipped test purposes.
fn skip_reasons(report: &Report) -> Vec<&str> {
    report
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            onecse_conformance::report::Outcome::Skipped(why) => Some(why.as_str()),
            _ => None,
        })
        .collect()
}

/// Whether a skip reason is a test purpose needing a second CSE or the Upper Tester,
/// which runs without them skip.
fn needs_what_this_run_lacks(why: &str) -> bool {
    why.contains("--peer") || why.contains("Upper Tester")
}

/// Runs every test purpose against the CSEBase `/cse-in` of these origins (the first
/// is the target, the others alternate with it), with the MN at `peer` (`cse-mn`) as
/// the second CSE, on a plain thread, as the suite blocks.
async fn run_suite(origins: Vec<String>, peer: &str) -> Report {
    run_suite_with(origins, "/id-in", Some(peer), None, Credentials::default()).await
}

/// [`run_suite`] for the CSE `cse_id`, with the MN at `peer` when given, over MQTT
/// through `mqtt` when given, with requests carrying these credentials.
async fn run_suite_with(
    origins: Vec<String>,
    cse_id: &str,
    peer: Option<&str>,
    mqtt: Option<String>,
    credentials: Credentials,
) -> Report {
    let cse_id = cse_id.to_owned();
    let peer = peer.map(|peer| {
        Target::from_url(
            &format!("{peer}/cse-mn"),
            "/id-mn",
            "CAdmin",
            "3",
            Duration::from_secs(10),
        )
        .expect("peer")
    });
    tokio::task::spawn_blocking(move || {
        let mut urls = origins.iter().map(|origin| format!("{origin}/cse-in"));
        let first = urls.next().expect("one origin");
        let mut target = Target::from_url(&first, &cse_id, "CAdmin", "3", Duration::from_secs(10))
            .expect("target");
        target.mqtt = mqtt;
        for url in urls {
            target.also_at(&url).expect("same CSEBase");
        }
        target.sp_id = Some("acme.example.com".into());
        target.credentials = credentials;
        let receiver = Receiver::start().expect("receiver");
        run_with_peer(target, peer, &receiver, &Selection::default()).expect("suite runs")
    })
    .await
    .expect("suite thread")
}

/// No failures, no skips, and at least the 386 test purposes the suite had when the
/// operations work began.
fn assert_everything_passed(report: &Report) {
    let (passed, failed, skipped) = report.counts();
    assert_eq!(failed, 0, "{}\n{}", report.table(), report.summary());
    assert_eq!(skipped, 0, "{}", report.table());
    assert!(passed >= 386, "{}", report.summary());
}
