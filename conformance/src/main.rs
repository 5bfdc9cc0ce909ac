//! `onecse-conformance`: runs the oneM2M test purposes against a CSE and reports.

use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use onecse_conformance::{Selection, Target, cases, run_with_peer};
use onecse_testkit::blocking::Receiver;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "onecse-conformance",
    version,
    about = "oneM2M conformance test purposes for any CSE's HTTP (or MQTT) binding"
)]
struct Cli {
    /// CSEBase URL of the CSE under test
    #[arg(long, default_value = "http://127.0.0.1:8080/cse-in")]
    target: String,
    /// Another CSEBase URL of the same CSE (another process on the same database);
    /// requests alternate between --target and these, one by one; repeatable
    #[arg(long, value_name = "URL")]
    also_target: Vec<String>,
    /// SP-relative CSE-ID of the CSE under test
    #[arg(long, default_value = "/id-in")]
    cse_id: String,
    /// CSEBase URL of a second CSE, registered with the target or the target with it,
    /// for the inter-CSE groups (CSR, FWD); its CSE-ID is read from its CSEBase, and
    /// --admin-originator must be its administrator too. Without it those test
    /// purposes are skipped
    #[arg(long, value_name = "URL")]
    peer: Option<String>,
    /// Originator the CSE allows everything
    #[arg(long, default_value = "CAdmin")]
    admin_originator: String,
    /// Release version sent in X-M2M-RVI
    #[arg(long, default_value = "3")]
    rvi: String,
    /// M2M-SP-ID of the CSE (enables the absolute-address test purpose)
    #[arg(long)]
    sp_id: Option<String>,
    /// Where the suite's notification receiver listens
    #[arg(long, default_value = "127.0.0.1:0")]
    notify_bind: String,
    /// Host name or IP the CSE uses to reach the receiver [default: the bound address]
    #[arg(long)]
    notify_host: Option<String>,
    /// Only these groups (GEN, REG, DMR, SUB, DIS, SEC, CSR, FWD, …); repeatable
    #[arg(long)]
    group: Vec<String>,
    /// Only these test purposes (ID or ID prefix); repeatable
    #[arg(long)]
    tp: Vec<String>,
    /// List the test purposes and exit
    #[arg(long)]
    list: bool,
    /// Time limit per request and per awaited notification, in seconds
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// How requests reach the CSE: http, or mqtt (TS-0010, through --broker; the
    /// notification receiver stays HTTP, HTTP-only test purposes are skipped and the
    /// MQT group runs)
    #[arg(long, default_value = "http", value_name = "http|mqtt")]
    transport: String,
    /// The MQTT broker the CSE serves its MQTT binding on (with --transport mqtt)
    #[arg(long, default_value = "mqtt://127.0.0.1:1883", value_name = "URL")]
    broker: String,
    /// Write a JUnit XML report here
    #[arg(long)]
    junit: Option<std::path::PathBuf>,
    /// Write a JSON report here
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.list {
        for tp in cases::all() {
            println!("{:<34} {}  [{}]", tp.id, tp.purpose, tp.clause);
        }
        return ExitCode::SUCCESS;
    }
    match execute(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("onecse-conformance: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn execute(cli: &Cli) -> anyhow::Result<bool> {
    let mut target = Target::from_url(
        &cli.target,
        &cli.cse_id,
        &cli.admin_originator,
        &cli.rvi,
        Duration::from_secs(cli.timeout),
    )
    .context("--target")?;
    target.sp_id = cli.sp_id.clone();
    target.mqtt = match cli.transport.as_str() {
        "http" => None,
        "mqtt" => Some(cli.broker.clone()),
        other => anyhow::bail!("--transport {other}: use http or mqtt"),
    };
    for url in &cli.also_target {
        target.also_at(url).with_context(|| {
            format!("--also-target {url} (the CSEBase path must be --target's)")
        })?;
    }
    let bind = cli
        .notify_bind
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .with_context(|| format!("--notify-bind {} is not a HOST:PORT", cli.notify_bind))?;
    let mut receiver = Receiver::start_on(bind)
        .with_context(|| format!("the notification receiver cannot listen on {bind}"))?;
    if let Some(host) = &cli.notify_host {
        receiver.advertise_host(host);
    }
    let selection = Selection {
        groups: cli.group.clone(),
        tps: cli.tp.clone(),
    };
    let peer = cli
        .peer
        .as_deref()
        .map(|url| {
            Target::from_url(
                url,
                "",
                &cli.admin_originator,
                &cli.rvi,
                Duration::from_secs(cli.timeout),
            )
        })
        .transpose()
        .context("--peer")?;
    let report = run_with_peer(target, peer, &receiver, &selection)?;
    print!("{}", report.table());
    println!("{}", report.summary());
    if let Some(line) = report.answered_line() {
        println!("{line}");
    }
    if let Some(path) = &cli.junit {
        std::fs::write(path, report.junit()?)?;
    }
    if let Some(path) = &cli.json {
        std::fs::write(path, report.json()?)?;
    }
    Ok(report.counts().1 == 0)
}
