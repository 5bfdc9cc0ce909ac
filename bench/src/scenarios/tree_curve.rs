//! `tree-curve`: how the cost of the everyday requests grows with the size of the
//! tree. One tree spread over [`SPREAD_AES`] AEs (one container each) is grown to
//! each size of `--tree-sizes` in turn, and at each size four loads run: CREATE of
//! contentInstances spread over the containers, RETRIEVE of `la`, discovery by a
//! label that a fixed 100 instances carry, and the first page of an rcn=4 listing of
//! a container. A CSE whose indexes serve every request stays flat; one that scans or
//! loads subtrees slows as the tree grows. The CSE's resident memory is read from its
//! `/metrics` (`process_resident_memory_bytes`, when it has one) after each size.

use std::sync::Arc;

use serde_json::json;

use super::{Fixture, Options, Ring, conns, create, fill_with, report, retrieve, seq_index};
use crate::load;
use crate::report::ScenarioReport;
use onecse_testkit::{Method, Target};

/// AEs the tree is spread over (one container each), as a deployment of many
/// devices spreads its data.
const SPREAD_AES: usize = 1000;

/// Instances that carry the discovery label: the same 100 at every size, so the
/// discovery's answer stays the same while the tree around it grows.
const PROBES: usize = 100;

/// The label of the [`PROBES`].
const PROBE_LABEL: &str = "curve:probe";

/// Entries of the rcn=4 page.
const PAGE: usize = 20;

/// Runs the curve over `opts.tree_sizes` (ascending; each at least the AEs and
/// containers of the spread).
pub async fn run(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let mut sizes = opts.tree_sizes.clone();
    sizes.sort_unstable();
    let skeleton = 2 * SPREAD_AES;
    anyhow::ensure!(
        sizes.first().is_some_and(|s| *s > skeleton + PROBES),
        "tree-curve: every --tree-sizes entry must exceed {} (the {SPREAD_AES} AEs, their containers and the {PROBES} labelled instances)",
        skeleton + PROBES
    );
    eprintln!("  setup: {SPREAD_AES} AEs with a container each");
    let containers = super::spread_containers(fx, SPREAD_AES, json!({})).await?;
    let ring = Arc::new(Ring::new(containers.clone())?);
    let mut grown = skeleton;
    let mut reports = Vec::new();
    for size in sizes {
        let offset = grown - skeleton;
        eprintln!("  setup: growing the tree to {size} resources");
        fill_with(target, &containers, size - grown, 16, move |i| {
            let n = offset + i;
            let lbl = if n < PROBES {
                json!([PROBE_LABEL])
            } else {
                json!([])
            };
            (
                4,
                json!({"m2m:cin": {"con": format!("v{n}"), "rn": format!("c{n}"), "lbl": lbl}}),
            )
        })
        .await?;
        grown = size;
        reports.extend(measure(target, opts, &ring, size).await?);
        let rss = resident_memory(target).await;
        eprintln!(
            "  at {size} resources the CSE's resident memory is {}",
            rss.map_or_else(
                || "not reported".to_owned(),
                |b| format!("{:.1} MB", b / 1e6)
            )
        );
    }
    print_curve(&reports);
    Ok(reports)
}

/// The four loads at one size.
async fn measure(
    target: &Target,
    opts: &Options,
    containers: &Arc<Ring<String>>,
    size: usize,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let mut out = Vec::new();
    let connections = conns(target, opts.plan.connections)?;
    let base = target.cse_base_path.clone();
    for operation in ["create", "retrieve-latest", "discovery", "rcn4-page"] {
        let (conns, containers, base) = (
            Arc::clone(&connections),
            Arc::clone(containers),
            base.clone(),
        );
        let m = load::run(opts.plan, move |c, seq| {
            let (conns, containers, base) =
                (Arc::clone(&conns), Arc::clone(&containers), base.clone());
            async move {
                // A stride that is prime to the container count visits each in turn.
                let cnt = containers.at(seq_index(seq).wrapping_mul(7919));
                let conn = conns.at(c);
                match operation {
                    "create" => create(conn, cnt, 4, &super::cin("21.5")).await,
                    "retrieve-latest" => retrieve(conn, &format!("{cnt}/la")).await,
                    "discovery" => {
                        let query = format!("{base}?fu=1&lbl={PROBE_LABEL}&lim={PROBES}");
                        retrieve(conn, &query).await
                    }
                    _ => retrieve(conn, &format!("{cnt}?rcn=4&lim={PAGE}")).await,
                }
            }
        })
        .await?;
        let what = format!("{operation} in a tree of {size} resources");
        out.push(report(
            &format!("tree-curve {operation} @{size}"),
            &what,
            opts,
            &m,
        ));
    }
    Ok(out)
}

/// The CSE's `process_resident_memory_bytes` from `/metrics` beside its CSEBase's
/// origin, if it publishes one.
async fn resident_memory(target: &Target) -> Option<f64> {
    let conn = super::connection(target).ok()?;
    let reply = conn.execute(conn.request(Method::GET, "/metrics")).await;
    reply.raw.lines().find_map(|line| {
        line.strip_prefix("process_resident_memory_bytes ")
            .and_then(|v| v.trim().parse().ok())
    })
}

/// Each operation's throughput and p99 at every size next to its figure at the
/// smallest size.
fn print_curve(reports: &[ScenarioReport]) {
    println!("== tree-curve: each figure against the smallest tree");
    println!(
        "    {:<18}{:>12}{:>12}{:>10}{:>12}{:>10}",
        "operation", "resources", "per sec", "ratio", "p99 ms", "ratio"
    );
    for operation in ["create", "retrieve-latest", "discovery", "rcn4-page"] {
        let rows: Vec<&ScenarioReport> = reports
            .iter()
            .filter(|r| r.scenario.starts_with(&format!("tree-curve {operation} @")))
            .collect();
        let Some(first) = rows.first() else {
            continue;
        };
        for r in &rows {
            let size = r.scenario.rsplit('@').next().unwrap_or_default();
            println!(
                "    {:<18}{:>12}{:>12.0}{:>10.2}{:>12.2}{:>10.2}",
                operation,
                size,
                r.per_second,
                r.per_second / first.per_second.max(f64::MIN_POSITIVE),
                r.p99_ms,
                r.p99_ms / first.p99_ms.max(f64::MIN_POSITIVE)
            );
        }
    }
}
