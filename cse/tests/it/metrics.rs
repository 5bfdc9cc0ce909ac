//! The gauges of what is going on now (requests in flight, open connections) and the
//! Grafana dashboard shipped in deploy/, checked against what /metrics really serves.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::spawn_app;
use crate::ops::{get, sample};

/// Scrapes until `series` has exactly `value` (gauges move after the fact).
async fn scrape_until_equal(base: &str, series: &str, value: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, text) = get(&format!("{base}/metrics")).await;
        assert_eq!(status, 200);
        if sample(&text, series) == Some(value) || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_request_waiting_for_its_body_is_in_flight_until_its_client_leaves() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let idle = TcpStream::connect(&addr).await.expect("connect");
    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    // A CREATE whose body never finishes arriving: its handler has started.
    slow.write_all(
        b"POST /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: slow\r\n\
          X-M2M-RVI: 3\r\nContent-Type: application/json;ty=3\r\nContent-Length: 40\r\n\r\n{\"m2m:",
    )
    .await
    .expect("write");
    let text = scrape_until_equal(&app.base, "onecse_requests_in_flight", 1.0).await;
    assert_eq!(
        sample(&text, "onecse_requests_in_flight"),
        Some(1.0),
        "{text}"
    );
    // The idle one, the slow one and the scrape's own.
    let open = sample(&text, "onecse_http_connections_open").unwrap_or(0.0);
    assert!(open >= 3.0, "{open} open connections in\n{text}");

    drop(slow);
    drop(idle);
    let text = scrape_until_equal(&app.base, "onecse_requests_in_flight", 0.0).await;
    assert_eq!(
        sample(&text, "onecse_requests_in_flight"),
        Some(0.0),
        "{text}"
    );
    let text = scrape_until_equal(&app.base, "onecse_http_connections_open", 1.0).await;
    assert_eq!(
        sample(&text, "onecse_http_connections_open"),
        Some(1.0),
        "only the scrape's connection is left in\n{text}"
    );
}

/// The metric families /metrics declares (`# TYPE name kind`), with their kind.
fn families(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
        .collect()
}

/// Every PromQL expression of the dashboard, with its panel's title.
fn panel_queries(dashboard: &Value) -> Vec<(String, String)> {
    let panels = dashboard["panels"].as_array().expect("panels");
    panels
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap_or("").to_owned();
            panel["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["expr"].as_str())
                .map(move |expr| (title.clone(), expr.to_owned()))
        })
        .collect()
}

/// The metric names an expression reads (`onecse_…` and `process_…` words).
fn metric_names(expr: &str) -> BTreeSet<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("onecse_") || word.starts_with("process_"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_grafana_dashboard_shows_every_metric_and_reads_only_real_ones() {
    let app = spawn_app().await;
    app.register_ae("a1", "Cdash").await;
    let (_, text) = get(&format!("{}/metrics", app.base)).await;
    let served = families(&text);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/grafana-dashboard.json"
    );
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("dashboard")).expect("json");
    let queries = panel_queries(&dashboard);
    let read: BTreeSet<String> = queries.iter().flat_map(|(_, q)| metric_names(q)).collect();

    // Every query reads series that exist: a histogram through its _bucket, _sum or
    // _count series, anything else by its own name.
    let servable: BTreeSet<String> = served
        .iter()
        .flat_map(|(name, kind)| match kind.as_str() {
            "histogram" => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|s| format!("{name}{s}"))
                .collect::<Vec<_>>(),
            _ => vec![name.clone()],
        })
        .collect();
    for name in &read {
        assert!(
            servable.contains(name),
            "the dashboard reads {name}, which /metrics does not serve"
        );
    }
    // Every family has a panel; a histogram's is a quantile over its buckets.
    for (name, kind) in &served {
        let shown = match kind.as_str() {
            "histogram" => queries.iter().any(|(_, q)| {
                q.contains("histogram_quantile") && q.contains(&format!("{name}_bucket"))
            }),
            _ => read.contains(name),
        };
        assert!(shown, "no dashboard panel shows {name} ({kind})");
    }
    // The latency p99 reads the request histogram, whose buckets start at 100 µs.
    assert!(
        queries.iter().any(|(title, q)| title.contains("p99")
            && q.starts_with("histogram_quantile(0.99")
            && q.contains("onecse_request_duration_seconds_bucket")),
        "a request latency p99 panel"
    );
}
