//! The conformance suite (onecse-conformance) against a freshly started onecse: every
//! test purpose must pass, on SQLite and, with ONECSE_TEST_DATABASE_URL, on PostgreSQL.

use std::time::Duration;

use onecse_conformance::{Selection, Target, run};
use onecse_testkit::blocking::Receiver;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_conformance_suite_passes() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut target = Target::from_url(
            &format!("{base}/cse-in"),
            "/id-in",
            "CAdmin",
            "3",
            Duration::from_secs(10),
        )
        .expect("target");
        target.sp_id = Some("acme.example.com".into());
        let receiver = Receiver::start().expect("receiver");
        run(target, &receiver, &Selection::default()).expect("suite runs")
    })
    .await
    .expect("suite thread");
    let (passed, failed, skipped) = report.counts();
    assert_eq!(failed, 0, "{}\n{}", report.table(), report.summary());
    assert_eq!(skipped, 0, "{}", report.table());
    assert!(passed >= 386, "{}", report.summary());
}
