//! `onecse-bench`: load scenarios against any oneM2M CSE over HTTP or MQTT.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use onecse_testkit::Target;

mod load;
mod mqtt_loop;
mod report;
mod scenarios;

use load::Plan;
use scenarios::Options;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "onecse-bench",
    version,
    about = "Benchmark any oneM2M CSE over the HTTP or MQTT binding"
)]
struct Cli {
    /// Scenarios to run (create-cin-hot, create-cin-spread, create-tsi-hot, create-tsi-spread, retrieve-latest, retrieve-cin, discovery, geo-query, notify-latency, crs-windows, mixed, all; mqtt-loop, the broker round trip without a CSE; and tree-curve, the cost of each request as one tree grows through --tree-sizes, not part of all)
    #[arg(required = true)]
    scenarios: Vec<String>,
    /// CSEBase URL of the CSE under test
    #[arg(long, default_value = "http://127.0.0.1:8080/cse-in")]
    target: String,
    /// SP-relative CSE-ID of the CSE under test
    #[arg(long, default_value = "/id-in")]
    cse_id: String,
    /// Originator allowed everything
    #[arg(long, default_value = "CAdmin")]
    admin_originator: String,
    /// X-M2M-RVI sent
    #[arg(long, default_value = "3")]
    rvi: String,
    /// Concurrent connections
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Measured duration in seconds
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Stop after this many requests instead of after --duration
    #[arg(long)]
    requests: Option<u64>,
    /// Unmeasured warm-up in seconds
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Open loop: send at this fixed rate (requests/s); latency counts from the intended send time
    #[arg(long)]
    rate: Option<f64>,
    /// Containers or timeSeries (and AEs) for create-cin-spread, create-tsi-spread and notify-latency
    #[arg(long, default_value_t = 100)]
    containers: usize,
    /// Subscriptions per container in notify-latency, each to its own receiver path
    /// (every instance is then notified this many times: fan-out)
    #[arg(long, default_value_t = 1)]
    subscribers: usize,
    /// Resources in the discovery tree
    #[arg(long, default_value_t = 100_000)]
    tree_size: usize,
    /// Sizes (resources) the tree-curve scenario grows one tree to, measuring create,
    /// retrieve-latest, discovery and an rcn=4 page at each
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    tree_sizes: Vec<usize>,
    /// Blend for the mixed scenario, e.g. create=70,latest=25,discovery=5
    #[arg(long, default_value = "create=70,latest=25,discovery=5")]
    mix: String,
    /// Who sends the measured requests: `admin` (the admin originator, whom access
    /// control never examines), `owner` (each AE for its own resources: the default
    /// access policy decides) or `policies:N` (one originator granted by N
    /// accessControlPolicies that every AE and container names in its acpi)
    #[arg(long, default_value = "admin", value_parser = scenarios::AccessMode::parse)]
    access: scenarios::AccessMode,
    /// Send the measured requests of retrieve-latest to this CSEBase URL instead (a
    /// transit CSE, e.g. an MN registered with the target): they address the target
    /// SP-relatively (`/~/<cse-id>/…`) and are forwarded, so a run with and one
    /// without it show what forwarding costs
    #[arg(long, value_name = "URL")]
    via: Option<String>,
    /// retrieve-latest sends its measured RETRIEVEs From this originator, granted by a
    /// policy on the container (e.g. the SP-relative AE-ID `/id-mn/Cbench`: the same
    /// originator reaches the target directly and through --via, so both runs pay the
    /// same access decision)
    #[arg(long, value_name = "ORIGINATOR")]
    read_as: Option<String>,
    /// How requests reach the CSE: http, or mqtt (TS-0010, through --broker; one
    /// MQTT connection per simulated device)
    #[arg(long, default_value = "http", value_name = "http|mqtt")]
    transport: String,
    /// The MQTT broker the CSE serves its MQTT binding on (with --transport mqtt, and
    /// for the mqtt-loop scenario)
    #[arg(long, default_value = "mqtt://127.0.0.1:1883", value_name = "URL")]
    broker: String,
    /// Keep the created resources
    #[arg(long)]
    keep: bool,
    /// Write all results as JSON here
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

fn parse_mix(text: &str) -> anyhow::Result<Vec<(String, u32)>> {
    text.split(',')
        .map(|part| {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--mix entries look like create=70"))?;
            let name = name.trim();
            anyhow::ensure!(
                matches!(name, "create" | "latest" | "discovery"),
                "--mix knows create, latest and discovery, not '{name}'"
            );
            Ok((name.to_owned(), weight.trim().parse()?))
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("onecse-bench: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn execute(cli: &Cli) -> anyhow::Result<bool> {
    let mut target = Target::from_url(
        &cli.target,
        &cli.cse_id,
        &cli.admin_originator,
        &cli.rvi,
        Duration::from_secs(30),
    )
    .context("--target")?;
    target.mqtt = match cli.transport.as_str() {
        "http" => None,
        "mqtt" => Some(cli.broker.clone()),
        other => anyhow::bail!("--transport {other}: use http or mqtt"),
    };
    let opts = Options {
        plan: Plan {
            connections: cli.connections.max(1),
            duration: Duration::from_secs(cli.duration),
            requests: cli.requests,
            warmup: Duration::from_secs(cli.warmup),
            rate: cli.rate,
        },
        containers: cli.containers,
        subscribers: cli.subscribers.max(1),
        tree_size: cli.tree_size,
        tree_sizes: cli.tree_sizes.clone(),
        mix: parse_mix(&cli.mix)?,
        keep: cli.keep,
        access: cli.access.clone(),
        read_as: cli.read_as.clone(),
        via: cli
            .via
            .as_deref()
            .map(|url| {
                Target::from_url(
                    url,
                    &cli.cse_id,
                    &cli.admin_originator,
                    &cli.rvi,
                    Duration::from_secs(30),
                )
            })
            .transpose()
            .context("--via")?,
        broker: cli.broker.clone(),
    };
    let names: Vec<&str> = if cli.scenarios.iter().any(|s| s == "all") {
        scenarios::ALL.to_vec()
    } else {
        cli.scenarios.iter().map(String::as_str).collect()
    };
    eprintln!(
        "target: CSE {} at {}{}",
        target.cse_id, target.origin, target.cse_base_path
    );
    let mut all = Vec::new();
    for name in names {
        eprintln!("-- {name}: setting up");
        let reports = scenarios::run(name, &target, &opts).await?;
        for r in &reports {
            print!("{}", r.table());
        }
        all.extend(reports);
    }
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_string_pretty(&all)?)?;
    }
    Ok(all.iter().all(|r| r.errors == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_are_parsed_and_checked() {
        let mix = parse_mix("create=70, latest=25,discovery=5").expect("valid mix");
        assert_eq!(
            mix,
            [
                ("create".to_owned(), 70),
                ("latest".to_owned(), 25),
                ("discovery".to_owned(), 5)
            ]
        );
        assert!(parse_mix("create").is_err());
        assert!(parse_mix("delete=5").is_err());
        assert!(parse_mix("create=x").is_err());
    }
}
