//! The conformance suite (onecse-conformance) against a freshly started onecse: every
//! test purpose must pass, on SQLite and, with ONECSE_TEST_DATABASE_URL, on PostgreSQL;
//! and on PostgreSQL also against two processes sharing one database, requests
//! alternating between them.

use std::time::Duration;

use onecse_conformance::{Report, Selection, Target, run};
use onecse_testkit::Credentials;
use onecse_testkit::blocking::Receiver;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::auth::{claims, hs256, jwt_app};

use crate::helpers::{TestDb, postgres_url, spawn_app, spawn_app_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes() {
    let app = spawn_app().await;
    let report = run_suite(vec![app.base.clone()]).await;
    assert_everything_passed(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes_alternating_between_two_processes_on_one_database() {
    if postgres_url().is_none() {
        return;
    }
    let (db, url) = TestDb::fresh();
    let one = spawn_app_on(&url, |_| {}).await;
    let two = spawn_app_on(&url, |_| {}).await;
    let report = run_suite(vec![one.base.clone(), two.base.clone()]).await;
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
    let report = run_suite_with(vec![app.base.clone()], credentials).await;
    let (passed, failed, skipped) = report.counts();
    assert_eq!(failed, 0, "{}\n{}", report.table(), report.summary());
    // Only the test purpose about an unauthenticated originator, which an
    // authenticating suite cannot be.
    assert_eq!(skipped, 1, "{}", report.table());
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
    let report = run_suite_with(vec![app.base.clone()], Credentials::default()).await;
    assert!(report.counts().1 > 0, "{}", report.summary());
}

/// Runs every test purpose against the CSEBase `/cse-in` of these origins (the first
/// is the target, the others alternate with it) on a plain thread, as the suite blocks.
async fn run_suite(origins: Vec<String>) -> Report {
    run_suite_with(origins, Credentials::default()).await
}

/// [`run_suite`] with requests carrying these credentials.
async fn run_suite_with(origins: Vec<String>, credentials: Credentials) -> Report {
    tokio::task::spawn_blocking(move || {
        let mut urls = origins.iter().map(|origin| format!("{origin}/cse-in"));
        let first = urls.next().expect("one origin");
        let mut target = Target::from_url(&first, "/id-in", "CAdmin", "3", Duration::from_secs(10))
            .expect("target");
        for url in urls {
            target.also_at(&url).expect("same CSEBase");
        }
        target.sp_id = Some("acme.example.com".into());
        target.credentials = credentials;
        let receiver = Receiver::start().expect("receiver");
        run(target, &receiver, &Selection::default()).expect("suite runs")
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
