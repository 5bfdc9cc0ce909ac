//! `onecse-conformance`: runs the oneM2M test purposes against a CSE and reports.

use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use onecse_conformance::{Selection, Target, cases, run_with_peer};
use onecse_testkit::Mint;
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
    /// Only these groups; repeatable
    #[arg(long, ignore_case = true, value_parser = clap::builder::PossibleValuesParser::new(cases::groups()))]
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
    /// Bearer token sent (Authorization: Bearer TOKEN) with every request whose
    /// originator has no --token-for and no --token-command
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ONECSE_CONFORMANCE_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Bearer token of one originator, e.g. CAdmin=eyJ...; repeatable
    #[arg(long, value_name = "ORIGINATOR=TOKEN", value_parser = originator_token)]
    token_for: Vec<(String, String)>,
    /// Command printing a bearer token for the originator appended as its last
    /// argument (run through sh, once per originator), for CSEs that authenticate
    /// every originator: the suite registers many AEs. For onecse:
    /// 'onecse --config onecse.toml token --ttl 1h --sub'
    #[arg(long, value_name = "COMMAND")]
    token_command: Option<String>,
    /// Header sent with every request, e.g. 'X-API-Key: k1'; repeatable
    #[arg(long, value_name = "NAME: VALUE", value_parser = header)]
    header: Vec<(String, String)>,
}

/// Reads `ORIGINATOR=TOKEN`.
fn originator_token(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((originator, token)) if !originator.is_empty() && !token.is_empty() => {
            Ok((originator.to_owned(), token.to_owned()))
        }
        _ => Err("expected ORIGINATOR=TOKEN, e.g. CAdmin=eyJ...".to_owned()),
    }
}

/// Reads `NAME: VALUE`.
fn header(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((name, v))
            if !name.trim().is_empty() && name.trim().bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok((name.trim().to_owned(), v.trim().to_owned()))
        }
        _ => Err("expected NAME: VALUE, e.g. 'X-API-Key: k1'".to_owned()),
    }
}

/// Runs `command ORIGINATOR` through sh and reads the token it prints.
fn mint_with(command: String) -> Mint {
    Arc::new(move |originator: &str| {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} \"$1\""))
            .arg("onecse-conformance")
            .arg(originator)
            .output()
            .map_err(|e| format!("cannot run the token command: {e}"))?;
        let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if !output.status.success() || token.is_empty() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "the token command ended with {} and printed no token: {}",
                output.status,
                stderr.trim()
            ));
        }
        Ok(token)
    })
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
    target.credentials.headers.clone_from(&cli.header);
    target.credentials.tokens = cli.token_for.iter().cloned().collect();
    target.credentials.token.clone_from(&cli.token);
    target.credentials.mint = cli.token_command.clone().map(mint_with);
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
