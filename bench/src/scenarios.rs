//! The scenarios: each sets up its own AEs and containers, runs a load, and removes
//! what it made.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use onecse_testkit::{Client, Receiver, Reply, Target};
use rand::Rng;
use serde_json::{Value, json};

use crate::load::{self, Measured, Plan};
use crate::report::ScenarioReport;

mod crs_windows;
mod tree_curve;

/// Knobs shared by the scenarios.
#[derive(Debug, Clone)]
pub struct Options {
    /// Load shape.
    pub plan: Plan,
    /// Keepers (containers, timeSeries) for `create-cin-spread`, `create-tsi-spread` and `notify-latency`.
    pub containers: usize,
    /// Subscriptions per container in `notify-latency` (fan-out).
    pub subscribers: usize,
    /// Resources in the `discovery` tree.
    pub tree_size: usize,
    /// The sizes `tree-curve` grows its tree to, measuring at each.
    pub tree_sizes: Vec<usize>,
    /// Blend for `mixed`: (operation, weight).
    pub mix: Vec<(String, u32)>,
    /// Leave the created resources in place.
    pub keep: bool,
    /// Who sends the requests (what access control has to decide).
    pub access: AccessMode,
    /// A transit CSE the measured requests of `retrieve-latest` go through.
    pub via: Option<Target>,
    /// The originator of `retrieve-latest`'s measured requests, granted by a policy.
    pub read_as: Option<String>,
    /// The broker of the `mqtt-loop` scenario (`--broker`).
    pub broker: String,
}

/// Who sends the requests of a run, to measure what access control costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessMode {
    /// The admin originator: no access decision is made.
    Admin,
    /// Each AE for what it created (the default policy decides).
    Owner,
    /// One originator that N policies grant everything; every AE and container of
    /// the run names all of them in its `acpi`.
    Policies(usize),
}

impl AccessMode {
    /// Parses `admin`, `owner` or `policies:N`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            other => other
                .strip_prefix("policies:")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .map(Self::Policies)
                .ok_or_else(|| format!("'{other}' is not admin, owner or policies:N (N ≥ 1)")),
        }
    }
}

/// Who sends a run's requests, resolved per path (in `owner` mode the AE a path
/// lies under). Set once per run, before any request.
static SENDER: std::sync::OnceLock<Sender> = std::sync::OnceLock::new();

#[derive(Debug)]
struct Sender {
    mode: AccessMode,
    cse_base_path: String,
    user: String,
}

/// The originator of a request to `path`.
fn originator(conn: &Client, path: &str) -> String {
    let Some(sender) = SENDER.get() else {
        return conn.target().admin.clone();
    };
    match sender.mode {
        AccessMode::Admin => conn.target().admin.clone(),
        AccessMode::Policies(_) => sender.user.clone(),
        AccessMode::Owner => path
            .strip_prefix(sender.cse_base_path.as_str())
            .and_then(|rest| rest.trim_start_matches('/').split('/').next())
            .filter(|ae| !ae.is_empty())
            .map_or_else(|| conn.target().admin.clone(), |ae| format!("C{ae}")),
    }
}

/// Names of all scenarios, in the order `all` runs them.
pub const ALL: [&str; 12] = [
    "create-cin-hot",
    "create-cin-spread",
    "create-tsi-hot",
    "create-tsi-spread",
    "retrieve-latest",
    "fopt-latest",
    "retrieve-cin",
    "discovery",
    "geo-query",
    "notify-latency",
    "crs-windows",
    "mixed",
];

/// One simulated client: its own keep-alive connection to the target.
fn connection(target: &Target) -> anyhow::Result<Client> {
    Ok(Client::builder(target.clone())
        .single_connection()
        .rqi_prefix("b")
        .build()?)
}

/// CREATE as the run's sender (see [`AccessMode`]).
async fn create(conn: &Client, parent: &str, ty: u16, body: &Value) -> Reply {
    conn.create(parent, ty, body, Some(&originator(conn, parent)))
        .await
}

/// RETRIEVE as the run's sender.
async fn retrieve(conn: &Client, path: &str) -> Reply {
    conn.retrieve(path, &originator(conn, path)).await
}

/// A run's own resources, removed at the end.
struct Fixture {
    conn: Client,
    aes: Vec<String>,
    policies: Vec<String>,
    policy_paths: Vec<String>,
    keep: bool,
    tag: String,
}

impl Fixture {
    fn new(target: &Target, keep: bool) -> anyhow::Result<Self> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        Ok(Self {
            conn: connection(target)?,
            aes: Vec::new(),
            policies: Vec::new(),
            policy_paths: Vec::new(),
            keep,
            tag: tag.get(..8).unwrap_or("bench").to_owned(),
        })
    }

    /// Sets who sends the run's requests; in `policies:N` mode creates the N
    /// policies (under the CSEBase, which lets anyone create policies) that grant
    /// the run's originator everything, each with a second rule that does not match,
    /// so the decision reads real rules.
    async fn access(&mut self, mode: &AccessMode) -> anyhow::Result<()> {
        let base = self.conn.target().cse_base_path.clone();
        // One originator for the whole process, whichever scenario comes first.
        let user = SENDER
            .get()
            .map_or_else(|| format!("Cbench{}user", self.tag), |s| s.user.clone());
        if let AccessMode::Policies(n) = mode {
            for i in 0..*n {
                let rn = format!("bench{}acp{i}", self.tag);
                let body = json!({"m2m:acp": {"rn": rn,
                    "pv": {"acr": [{"acor": [format!("Cnobody{i}")], "acop": 2},
                                   {"acor": [user], "acop": 63}]},
                    "pvs": {"acr": [{"acor": [user], "acop": 63}]}}});
                let reply = self.conn.create(&base, 1, &body, Some(&user)).await;
                anyhow::ensure!(
                    reply.succeeded(),
                    "policy creation failed with {} ({})",
                    reply.code(),
                    reply.dbg()
                );
                let ri = reply.text("m2m:acp", "ri").unwrap_or_default();
                self.policies.push(ri);
                self.policy_paths.push(format!("{base}/{rn}"));
            }
        }
        let sender = Sender {
            mode: mode.clone(),
            cse_base_path: base,
            user,
        };
        anyhow::ensure!(
            SENDER.set(sender).is_ok() || SENDER.get().is_some_and(|s| s.mode == *mode),
            "one access mode per run"
        );
        Ok(())
    }

    /// The `acpi` every AE and container of the run names (none outside
    /// `policies:N` mode).
    fn acpi(&self) -> Value {
        if self.policies.is_empty() {
            json!({})
        } else {
            json!({ "acpi": self.policies })
        }
    }

    /// Registers an AE; returns its path.
    async fn ae(&mut self, n: usize) -> anyhow::Result<String> {
        let rn = format!("bench{}{n}", self.tag);
        let mut attrs =
            json!({"rn": rn, "api": "Nbench", "rr": true, "srv": [self.conn.target().rvi.clone()]});
        extend(&mut attrs, &self.acpi());
        let body = json!({ "m2m:ae": attrs });
        let base = &self.conn.target().cse_base_path;
        // An AE registers with its own AE-ID as originator (onecse and others refuse
        // the admin originator as an AE-ID).
        let origin = format!("C{rn}");
        let reply = self.conn.create(base, 2, &body, Some(&origin)).await;
        anyhow::ensure!(
            reply.succeeded(),
            "AE registration failed with {} ({})",
            reply.code(),
            reply.dbg()
        );
        let path = format!("{base}/{rn}");
        self.aes.push(path.clone());
        Ok(path)
    }

    async fn container(&self, parent: &str, rn: &str, extra: Value) -> anyhow::Result<String> {
        self.keeper(&CONTENT, parent, rn, extra).await
    }

    /// Creates the resource that keeps `kind`'s instances (a container, a
    /// timeSeries); returns its path.
    async fn keeper(
        &self,
        kind: &Instances,
        parent: &str,
        rn: &str,
        extra: Value,
    ) -> anyhow::Result<String> {
        let mut attrs = json!({ "rn": rn });
        extend(&mut attrs, &extra);
        extend(&mut attrs, &self.acpi());
        let body = json!({ kind.keeper_root: attrs });
        let reply = create(&self.conn, parent, kind.keeper_ty, &body).await;
        anyhow::ensure!(
            reply.succeeded(),
            "{} creation under {parent} failed with {}",
            kind.keeper_name,
            reply.code()
        );
        Ok(format!("{parent}/{rn}"))
    }

    async fn tear_down(self) {
        if self.keep {
            return;
        }
        let admin = &self.conn.target().admin;
        for path in self.aes.iter().chain(&self.policy_paths) {
            let _ = self.conn.delete(path, admin).await;
        }
    }
}

/// Adds the members of `extra` (an object) to `attrs`.
fn extend(attrs: &mut Value, extra: &Value) {
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
}

/// A non-empty list addressed modulo its length: connection `c`, container `seq`.
struct Ring<T> {
    items: Vec<T>,
    first: T,
}

impl<T: Clone> Ring<T> {
    fn new(items: Vec<T>) -> anyhow::Result<Self> {
        let first = items
            .first()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("nothing to spread the load over"))?;
        Ok(Self { items, first })
    }

    fn at(&self, i: usize) -> &T {
        self.items
            .get(i % self.items.len().max(1))
            .unwrap_or(&self.first)
    }
}

fn seq_index(seq: u64) -> usize {
    usize::try_from(seq).unwrap_or(usize::MAX)
}

fn cin(con: &str) -> Value {
    json!({"m2m:cin": {"con": con, "cnf": "text/plain:0"}})
}

/// What a creation scenario creates: instances of one type in their keepers.
struct Instances {
    keeper_ty: u16,
    keeper_root: &'static str,
    keeper_name: &'static str,
    keeper_plural: &'static str,
    instance_ty: u16,
    instance_name: &'static str,
    /// The content of the next instance.
    body: fn() -> Value,
}

/// contentInstances in containers.
static CONTENT: Instances = Instances {
    keeper_ty: 3,
    keeper_root: "m2m:cnt",
    keeper_name: "container",
    keeper_plural: "containers",
    instance_ty: 4,
    instance_name: "contentInstance",
    body: || cin("21.5"),
};

/// timeSeriesInstances in timeSeries.
static SERIES: Instances = Instances {
    keeper_ty: 29,
    keeper_root: "m2m:ts",
    keeper_name: "timeSeries",
    keeper_plural: "timeSeries",
    instance_ty: 30,
    instance_name: "timeSeriesInstance",
    body: tsi,
};

/// A timeSeriesInstance with a `dgt` no other one of this process has (its
/// dataGenerationTime must be unique in its timeSeries, warm-up included).
fn tsi() -> Value {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = onecse_models::time::Timestamp::parse("20250101T000000")
        .unwrap_or_else(|_| onecse_models::time::Timestamp::now());
    json!({"m2m:tsi": {"con": "21.5", "dgt": base.plus_millis(n).to_string()}})
}

/// Creates `count` instances in `containers` with `connections` parallel clients,
/// printing progress; `labels(i)` gives instance `i` its labels.
async fn fill(
    target: &Target,
    containers: &[String],
    count: usize,
    connections: usize,
    labels: fn(usize) -> Value,
) -> anyhow::Result<()> {
    fill_with(target, containers, count, connections, move |i| {
        (
            4,
            json!({"m2m:cin": {"con": format!("v{i}"), "rn": format!("i{i}"), "lbl": labels(i)}}),
        )
    })
    .await
}

/// Creates `count` resources spread over `parents` with `connections` parallel
/// clients, printing progress; `make(i)` gives resource `i`'s type and body.
async fn fill_with(
    target: &Target,
    parents: &[String],
    count: usize,
    connections: usize,
    make: impl Fn(usize) -> (u16, Value) + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let parents = Arc::new(Ring::new(parents.to_vec())?);
    let make = Arc::new(make);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (next, parents, make, conn) = (
            Arc::clone(&next),
            Arc::clone(&parents),
            Arc::clone(&make),
            connection(target)?,
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return Ok::<(), anyhow::Error>(());
                }
                let (ty, body) = make(i);
                let reply = create(&conn, parents.at(i), ty, &body).await;
                anyhow::ensure!(reply.succeeded(), "filling failed with {}", reply.code());
                if (i + 1).is_multiple_of(10_000) {
                    eprintln!(
                        "  setup: {} of {count} resources ({:.0}/s)",
                        i + 1,
                        (i + 1) as f64 / started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

fn report(name: &str, measure: &str, opts: &Options, m: &Measured) -> ScenarioReport {
    ScenarioReport::from_measured(name, measure, opts.plan.connections, opts.plan.rate, m)
}

/// Runs one scenario by name.
pub async fn run(
    name: &str,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    if name == "mqtt-loop" {
        let broker = target.mqtt.clone().unwrap_or_else(|| opts.broker.clone());
        return Ok(vec![crate::mqtt_loop::run(&broker, target, opts).await?]);
    }
    let mut fx = Fixture::new(target, opts.keep)?;
    if let Err(err) = fx.access(&opts.access).await {
        fx.tear_down().await;
        return Err(err);
    }
    let result = match name {
        "create-cin-hot" => create_hot(&mut fx, target, opts, &CONTENT, name).await,
        "create-cin-spread" => create_spread(&mut fx, target, opts, &CONTENT, name).await,
        "create-tsi-hot" => create_hot(&mut fx, target, opts, &SERIES, name).await,
        "create-tsi-spread" => create_spread(&mut fx, target, opts, &SERIES, name).await,
        "retrieve-latest" => retrieve_latest(&mut fx, target, opts).await,
        "fopt-latest" => fopt_latest(&mut fx, target, opts).await,
        "retrieve-cin" => retrieve_cin(&mut fx, target, opts).await,
        "discovery" => discovery(&mut fx, target, opts).await,
        "geo-query" => geo_query(&mut fx, target, opts).await,
        "notify-latency" => notify_latency(&mut fx, target, opts).await,
        "crs-windows" => crs_windows::run(&mut fx, target, opts).await,
        "tree-curve" => tree_curve::run(&mut fx, target, opts).await,
        "mixed" => mixed(&mut fx, target, opts).await,
        other => Err(anyhow::anyhow!(
            "unknown scenario '{other}' (one of {}, tree-curve)",
            ALL.join(", ")
        )),
    };
    fx.tear_down().await;
    result
}

fn conns(target: &Target, n: usize) -> anyhow::Result<Arc<Ring<Client>>> {
    let all = (0..n.max(1))
        .map(|_| connection(target))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Arc::new(Ring::new(all)?))
}

async fn create_hot(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
    kind: &'static Instances,
    name: &str,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let ae = fx.ae(0).await?;
    let hot = Arc::new(fx.keeper(kind, &ae, "hot", json!({})).await?);
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, hot) = (Arc::clone(&conns), Arc::clone(&hot));
        async move { create(conns.at(c), &hot, kind.instance_ty, &(kind.body)()).await }
    })
    .await?;
    let what = format!(
        "{} CREATE into one {}",
        kind.instance_name, kind.keeper_name
    );
    Ok(vec![report(name, &what, opts, &m)])
}

async fn spread_containers(
    fx: &mut Fixture,
    n: usize,
    extra: Value,
) -> anyhow::Result<Vec<String>> {
    spread_keepers(fx, &CONTENT, n, extra).await
}

/// `n` keepers of `kind`, one under each of `n` AEs.
async fn spread_keepers(
    fx: &mut Fixture,
    kind: &Instances,
    n: usize,
    extra: Value,
) -> anyhow::Result<Vec<String>> {
    let mut keepers = Vec::with_capacity(n);
    for i in 0..n {
        let ae = fx.ae(i).await?;
        keepers.push(fx.keeper(kind, &ae, "c", extra.clone()).await?);
    }
    Ok(keepers)
}

async fn create_spread(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
    kind: &'static Instances,
    name: &str,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let keepers = Arc::new(Ring::new(
        spread_keepers(fx, kind, opts.containers.max(1), json!({})).await?,
    )?);
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, seq| {
        let (conns, keepers) = (Arc::clone(&conns), Arc::clone(&keepers));
        async move {
            let parent = keepers.at(seq_index(seq));
            create(conns.at(c), parent, kind.instance_ty, &(kind.body)()).await
        }
    })
    .await?;
    let what = format!(
        "{} CREATE over {} {} under {} AEs",
        kind.instance_name, opts.containers, kind.keeper_plural, opts.containers
    );
    Ok(vec![report(name, &what, opts, &m)])
}

async fn retrieve_latest(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let ae = fx.ae(0).await?;
    let extra = match &opts.read_as {
        Some(reader) => json!({"acpi": [reader_policy(fx, &ae, reader).await?]}),
        None => json!({}),
    };
    let cnt = fx.container(&ae, "c", extra).await?;
    fill(target, std::slice::from_ref(&cnt), 100, 8, |_| json!([])).await?;
    // Through a transit CSE, the container is addressed SP-relatively.
    let (measured, la, what) = match &opts.via {
        Some(via) => (
            via,
            format!("/~{}{cnt}/la", target.cse_id),
            format!(
                "RETRIEVE <container>/la forwarded by {}{}",
                via.origin, via.cse_base_path
            ),
        ),
        None => (
            target,
            format!("{cnt}/la"),
            "RETRIEVE <container>/la".into(),
        ),
    };
    let la = Arc::new(la);
    let reader = Arc::new(opts.read_as.clone());
    let conns = conns(measured, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, la, reader) = (Arc::clone(&conns), Arc::clone(&la), Arc::clone(&reader));
        async move {
            match reader.as_deref() {
                Some(reader) => conns.at(c).retrieve(&la, reader).await,
                None => retrieve(conns.at(c), &la).await,
            }
        }
    })
    .await?;
    Ok(vec![report("retrieve-latest", &what, opts, &m)])
}

/// An accessControlPolicy under `ae` letting `reader` RETRIEVE: its resourceID.
async fn reader_policy(fx: &Fixture, ae: &str, reader: &str) -> anyhow::Result<Value> {
    let admin = fx.conn.target().admin.clone();
    let body = json!({"m2m:acp": {"rn": "reader",
        "pv": {"acr": [{"acor": [reader], "acop": 2}]},
        "pvs": {"acr": [{"acor": [admin], "acop": 63}]}}});
    let reply = create(&fx.conn, ae, 1, &body).await;
    anyhow::ensure!(
        reply.succeeded(),
        "policy creation failed with {} ({})",
        reply.code(),
        reply.dbg()
    );
    reply
        .body
        .pointer("/m2m:acp/ri")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the policy's answer has no ri"))
}

/// Members of the `fopt-latest` group.
const FOPT_MEMBERS: usize = 100;

/// One group of [`FOPT_MEMBERS`] containers (one instance each) under one AE; the
/// load is RETRIEVE `<group>/fopt/la`, one member request per container.
async fn fopt_latest(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let ae = fx.ae(0).await?;
    let mut members = Vec::with_capacity(FOPT_MEMBERS);
    for i in 0..FOPT_MEMBERS {
        members.push(fx.container(&ae, &format!("c{i}"), json!({})).await?);
    }
    fill(target, &members, FOPT_MEMBERS, 8, |_| json!([])).await?;
    // Member IDs are structured CSE-relative addresses: the paths without the `/`.
    let mid: Vec<&str> = members.iter().map(|m| m.trim_start_matches('/')).collect();
    let mut attrs = json!({"rn": "g", "mnm": FOPT_MEMBERS, "mid": mid});
    extend(&mut attrs, &fx.acpi());
    let reply = create(&fx.conn, &ae, 9, &json!({ "m2m:grp": attrs })).await;
    anyhow::ensure!(
        reply.succeeded(),
        "group creation failed with {} ({})",
        reply.code(),
        reply.dbg()
    );
    let fopt = Arc::new(format!("{ae}/g/fopt/la"));
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, fopt) = (Arc::clone(&conns), Arc::clone(&fopt));
        async move { retrieve(conns.at(c), &fopt).await }
    })
    .await?;
    let what = format!("RETRIEVE <group>/fopt/la over {FOPT_MEMBERS} member containers");
    Ok(vec![report("fopt-latest", &what, opts, &m)])
}

async fn retrieve_cin(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    const INSTANCES: usize = 1000;
    let ae = fx.ae(0).await?;
    let cnt = Arc::new(fx.container(&ae, "c", json!({})).await?);
    fill(target, std::slice::from_ref(&cnt), INSTANCES, 8, |_| {
        json!([])
    })
    .await?;
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, cnt) = (Arc::clone(&conns), Arc::clone(&cnt));
        async move {
            let i = rand::rng().random_range(0..INSTANCES);
            retrieve(conns.at(c), &format!("{cnt}/i{i}")).await
        }
    })
    .await?;
    Ok(vec![report(
        "retrieve-cin",
        "RETRIEVE of random contentInstances by structured path",
        opts,
        &m,
    )])
}

/// Labels of the discovery tree: one in a hundred instances carries `bench:hot`.
fn discovery_labels(i: usize) -> Value {
    if i.is_multiple_of(100) {
        json!(["bench:hot"])
    } else {
        json!([format!("bench:{}", i % 97)])
    }
}

async fn discovery(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let aes = 10.max(opts.tree_size / 10_000);
    let containers = spread_containers(fx, aes, json!({})).await?;
    eprintln!("  setup: filling a tree of {} resources", opts.tree_size);
    fill(target, &containers, opts.tree_size, 16, discovery_labels).await?;
    let query = Arc::new(format!(
        "{}?fu=1&ty=4&lbl=bench:hot&lim=100",
        target.cse_base_path
    ));
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, query) = (Arc::clone(&conns), Arc::clone(&query));
        async move { retrieve(conns.at(c), &query).await }
    })
    .await?;
    let what = format!(
        "discovery fu=1&ty=4&lbl=…&lim=100 over {} resources",
        opts.tree_size
    );
    Ok(vec![report("discovery", &what, opts, &m)])
}

/// The location of located container `i`: spread evenly over longitudes 0..100
/// and latitudes 0..50 by a SplitMix64 hash of `i`, so a 1° square holds about one
/// in 5,000 of them.
fn scattered_location(i: usize) -> Value {
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let lon = (z % 10_000) as f64 / 100.0;
    let lat = ((z >> 32) % 5_000) as f64 / 100.0;
    json!({"typ": 1, "crd": format!("[{lon},{lat}]")})
}

/// A geo-query (Polygon, within) over `tree_size` located containers: what the
/// location index and the exact predicate cost together.
async fn geo_query(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let aes = 10.max(opts.tree_size / 10_000);
    let mut parents = Vec::with_capacity(aes);
    for n in 0..aes {
        parents.push(fx.ae(n).await?);
    }
    eprintln!("  setup: {} located containers", opts.tree_size);
    fill_with(target, &parents, opts.tree_size, 16, |i| {
        let body = json!({"m2m:cnt": {"rn": format!("g{i}"), "loc": scattered_location(i)}});
        (3, body)
    })
    .await?;
    // A 1° square: about 20 of 100,000 containers.
    let square = "[[40,20],[41,20],[41,21],[40,21],[40,20]]"
        .replace('[', "%5B")
        .replace(']', "%5D")
        .replace(',', "%2C");
    let query = Arc::new(format!(
        "{}?fu=1&gmty=3&gsf=1&geom={square}&lim=100",
        target.cse_base_path
    ));
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, query) = (Arc::clone(&conns), Arc::clone(&query));
        async move { retrieve(conns.at(c), &query).await }
    })
    .await?;
    let what = format!(
        "geo-query fu=1&gmty=3&gsf=1 (1° square) over {} located containers",
        opts.tree_size
    );
    Ok(vec![report("geo-query", &what, opts, &m)])
}

async fn notify_latency(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let receiver = Receiver::start()?;
    let containers = spread_containers(fx, opts.containers.max(1), json!({"mni": 100})).await?;
    let paths: Vec<String> = (0..opts.subscribers).map(|i| format!("/n{i}")).collect();
    for cnt in &containers {
        for path in &paths {
            let nu = receiver.url_for(path);
            let sub = json!({"m2m:sub": {"nu": [nu], "enc": {"net": [3]}}});
            let reply = create(&fx.conn, cnt, 23, &sub).await;
            anyhow::ensure!(
                reply.succeeded(),
                "subscription creation failed with {}",
                reply.code()
            );
        }
    }
    let sent: Arc<std::sync::Mutex<Vec<(String, Instant)>>> = Arc::default();
    let containers = Arc::new(Ring::new(containers)?);
    let conns = conns(target, opts.plan.connections)?;
    let tag = fx.tag.clone();
    let recorder = Arc::clone(&sent);
    let m = load::run(opts.plan, move |c, seq| {
        let (conns, containers, sent) = (
            Arc::clone(&conns),
            Arc::clone(&containers),
            Arc::clone(&recorder),
        );
        let con = format!("{tag}-{c}-{seq}");
        async move {
            let parent = containers.at(seq_index(seq));
            let at = Instant::now();
            let reply = create(conns.at(c), parent, 4, &cin(&con)).await;
            if reply.succeeded()
                && let Ok(mut s) = sent.lock()
            {
                s.push((con, at));
            }
            reply
        }
    })
    .await?;
    // Give the last notifications time to arrive.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let sent = sent.lock().map(|s| s.clone()).unwrap_or_default();
    let arrivals = first_arrivals(&receiver.drain());
    let mut latency = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut codes = std::collections::BTreeMap::new();
    for (con, at) in &sent {
        for path in &paths {
            match arrivals.get(&(path.clone(), con.clone())) {
                Some(arrived) => {
                    let micros = u64::try_from(arrived.saturating_duration_since(*at).as_micros())
                        .unwrap_or(u64::MAX)
                        .max(1);
                    let _ = latency.record(micros.min(60_000_000));
                    *codes.entry(2000).or_default() += 1;
                }
                // Not (yet) notified after 3 s: counted as code 0.
                None => *codes.entry(0).or_default() += 1,
            }
        }
    }
    let notified = Measured {
        latency,
        codes,
        elapsed: m.elapsed,
    };
    Ok(vec![
        report(
            "notify-latency",
            &format!(
                "contentInstance CREATE with {} subscription(s)",
                opts.subscribers
            ),
            opts,
            &m,
        ),
        report(
            "notify-latency",
            "CREATE sent → each subscriber's notification received (code 0: none within 3 s)",
            opts,
            &notified,
        ),
    ])
}

/// When the first notification reporting each instance content arrived on each
/// receiver path (a retried or batched notification counts at its first arrival).
fn first_arrivals(received: &[onecse_testkit::Notification]) -> HashMap<(String, String), Instant> {
    let mut arrivals = HashMap::new();
    for n in received {
        for sgn in n.sgns() {
            if let Some(con) = sgn.pointer("/nev/rep/m2m:cin/con").and_then(Value::as_str) {
                arrivals
                    .entry((n.path.clone(), con.to_owned()))
                    .or_insert(n.arrived);
            }
        }
    }
    arrivals
}

async fn mixed(
    fx: &mut Fixture,
    target: &Target,
    opts: &Options,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let ae = Arc::new(fx.ae(0).await?);
    let cnt = fx.container(&ae, "c", json!({"mni": 1000})).await?;
    fill(target, std::slice::from_ref(&cnt), 100, 8, |i| {
        json!([format!("bench:{}", i % 10)])
    })
    .await?;
    let cnt = Arc::new(cnt);
    let total: u32 = opts.mix.iter().map(|(_, w)| *w).sum();
    anyhow::ensure!(total > 0, "--mix needs at least one positive weight");
    let mix = Arc::new(opts.mix.clone());
    let conns = conns(target, opts.plan.connections)?;
    let m = load::run(opts.plan, move |c, _| {
        let (conns, cnt, ae, mix) = (
            Arc::clone(&conns),
            Arc::clone(&cnt),
            Arc::clone(&ae),
            Arc::clone(&mix),
        );
        async move {
            let mut pick = rand::rng().random_range(0..total);
            let mut op = "create";
            for (name, weight) in mix.iter() {
                if pick < *weight {
                    op = name;
                    break;
                }
                pick -= weight;
            }
            match op {
                "latest" => retrieve(conns.at(c), &format!("{cnt}/la")).await,
                "discovery" => {
                    retrieve(conns.at(c), &format!("{ae}?fu=1&ty=4&lbl=bench:3&lim=100")).await
                }
                _ => create(conns.at(c), &cnt, 4, &cin("21.5")).await,
            }
        }
    })
    .await?;
    let blend: Vec<String> = opts.mix.iter().map(|(n, w)| format!("{w}% {n}")).collect();
    Ok(vec![report("mixed", &blend.join(", "), opts, &m)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_wrap_around_and_refuse_to_be_empty() {
        let ring = Ring::new(vec!["a", "b", "c"]).expect("non-empty");
        assert_eq!(
            (*ring.at(0), *ring.at(4), *ring.at(usize::MAX)),
            ("a", "b", "a")
        );
        assert!(Ring::<&str>::new(Vec::new()).is_err());
    }

    #[test]
    fn each_content_counts_at_its_first_arrival_single_or_batched() {
        let at = Instant::now();
        let later = at + std::time::Duration::from_millis(5);
        let notification = |body: Value, arrived| onecse_testkit::Notification {
            method: "POST".into(),
            path: "/notify".into(),
            headers: Vec::new(),
            body,
            arrived,
        };
        let sgn = |con: &str| json!({"nev": {"rep": {"m2m:cin": {"con": con}}}});
        let received = [
            notification(json!({"m2m:sgn": {"vrq": true}}), at),
            notification(json!({ "m2m:sgn": sgn("a") }), at),
            notification(json!({"m2m:agn": {"m2m:sgn": [sgn("a"), sgn("b")]}}), later),
        ];
        let arrivals = first_arrivals(&received);
        assert_eq!(arrivals.len(), 2);
        let on = |con: &str| arrivals[&("/notify".to_owned(), con.to_owned())];
        assert_eq!((on("a"), on("b")), (at, later));
    }

    #[test]
    fn one_instance_in_a_hundred_carries_the_discovery_label() {
        let hot = (0..10_000)
            .filter(|i| discovery_labels(*i) == json!(["bench:hot"]))
            .count();
        assert_eq!(hot, 100);
    }
}
