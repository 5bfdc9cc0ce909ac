//! `crs-windows`: a crossResourceSubscription over two containers with sliding
//! windows of one second, under a load of contentInstance CREATEs alternating
//! between the two. Measures the CREATEs (each one also records its member
//! subscription's event for the window) and the window notifications that arrive:
//! their count per second of the run and the time between two of them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onecse_testkit::Receiver;
use serde_json::json;

use super::{Fixture, Options, Ring, cin, conns, create, report, retrieve, seq_index};
use crate::load::{self, Measured};
use crate::report::ScenarioReport;
use onecse_testkit::Target;

/// The window size the scenario runs with (`tws`).
const WINDOW: &str = "PT1S";

/// Runs the scenario.
pub(super) async fn run(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let receiver = Receiver::start()?;
    let ae = fx.ae(0).await?;
    let mut ids = Vec::new();
    let mut containers = Vec::new();
    for rn in ["a", "b"] {
        let path = fx.container(&ae, rn, json!({"mni": 100})).await?;
        let ri = retrieve(&fx.conn, &path)
            .await
            .text("m2m:cnt", "ri")
            .unwrap_or_default();
        ids.push(ri);
        containers.push(path);
    }
    let body = json!({"m2m:crs": {
        "nu": [receiver.url_for("/w")], "rrat": ids, "encs": {"encn": [{"net": [3]}]},
        "twt": 2, "tws": WINDOW,
    }});
    let reply = create(&fx.conn, &ae, 48, &body).await;
    anyhow::ensure!(
        reply.succeeded(),
        "crossResourceSubscription creation failed with {} ({})",
        reply.code(),
        reply.dbg()
    );
    let started = Instant::now();
    let containers = Arc::new(Ring::new(containers)?);
    let conns = conns(target, opts.plan.connections)?;
    let tag = fx.tag.clone();
    let m = load::run(opts.plan, move |c, seq| {
        let (conns, containers) = (Arc::clone(&conns), Arc::clone(&containers));
        let con = format!("{tag}-{c}-{seq}");
        async move {
            let parent = containers.at(seq_index(seq));
            create(conns.at(c), parent, 4, &cin(&con)).await
        }
    })
    .await?;
    // The last window closes one second after its first event.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (latency, count) = between(&receiver.drain())?;
    let windows = Measured {
        latency,
        codes: std::iter::once((2000, count)).collect(),
        elapsed: started.elapsed(),
    };
    Ok(vec![
        report(
            "crs-windows",
            "contentInstance CREATE on two containers under one crossResourceSubscription",
            opts,
            &m,
        ),
        report(
            "crs-windows",
            "window notifications received (latency column: time between two of them)",
            opts,
            &windows,
        ),
    ])
}

/// The time between consecutive window notifications (verification excluded), and
/// how many arrived.
fn between(
    received: &[onecse_testkit::Notification],
) -> anyhow::Result<(hdrhistogram::Histogram<u64>, u64)> {
    let mut gaps = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let arrivals: Vec<Instant> = received
        .iter()
        .filter(|n| n.path == "/w" && !n.is_verification())
        .map(|n| n.arrived)
        .collect();
    for pair in arrivals.windows(2) {
        if let [first, second] = pair {
            let micros = u64::try_from(second.saturating_duration_since(*first).as_micros())
                .unwrap_or(u64::MAX)
                .clamp(1, 60_000_000);
            let _ = gaps.record(micros);
        }
    }
    Ok((gaps, u64::try_from(arrivals.len()).unwrap_or(u64::MAX)))
}
