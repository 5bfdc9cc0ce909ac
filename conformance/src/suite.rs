//! Test purposes, the context they run in, and the runner.

use std::time::{Duration, Instant};

use onecse_testkit::blocking::{Client, Receiver};
use onecse_testkit::{Notification, Reply, Target};
use serde_json::{Value, json};

use crate::report::{Outcome, Report, TpResult};

/// Why a test purpose did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The CSE behaved differently from the specification.
    Fail(String),
    /// The test purpose needs something the target does not offer.
    Skip(String),
}

/// The result of running one test purpose's body.
pub type Check = Result<(), Verdict>;

/// One test purpose (TS-0018 style).
pub struct TestPurpose {
    /// `TP/oneM2M/CSE/<GROUP>/<OP>/<nnn>`.
    pub id: &'static str,
    /// One line: what it checks.
    pub purpose: &'static str,
    /// The clause (or spec digest section) it checks.
    pub clause: &'static str,
    /// Resource types the target must list in `srt` (else skipped).
    pub needs: &'static [u16],
    /// Whether it needs a second CSE (`--peer`) registered with the target or the
    /// target with it (else skipped).
    pub needs_peer: bool,
    /// The check itself.
    pub run: fn(&mut Ctx) -> Check,
}

impl TestPurpose {
    /// The group (`GEN`, `REG`, …).
    pub fn group(&self) -> &str {
        self.id.split('/').nth(3).unwrap_or("")
    }
}

/// Which test purposes to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Groups to keep (empty: all).
    pub groups: Vec<String>,
    /// Test purpose IDs (or prefixes) to keep (empty: all).
    pub tps: Vec<String>,
}

impl Selection {
    fn keeps(&self, tp: &TestPurpose) -> bool {
        (self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.eq_ignore_ascii_case(tp.group())))
            && (self.tps.is_empty() || self.tps.iter().any(|t| tp.id.starts_with(t.as_str())))
    }
}

/// What a test purpose works with: the client, the receiver, and the AEs it made
/// (deleted after it, pass or fail, so runs can repeat against a long-lived CSE).
pub struct Ctx<'a> {
    /// Requests to the CSE under test.
    pub client: &'a Client,
    /// The notification receiver.
    pub receiver: &'a Receiver,
    /// Resource types the target lists in `srt`.
    pub srt: Vec<u16>,
    /// Unique per run and test purpose, for names and paths.
    pub tag: String,
    /// The second CSE, when the run has one.
    pub peer: Option<&'a Peer>,
    created: Vec<(String, String)>,
    peer_created: Vec<(String, String)>,
}

/// A second CSE the inter-CSE test purposes use: registered with the target, or the
/// target registered with it.
pub struct Peer {
    /// Requests to it (directly, not through the target).
    pub client: Client,
    /// Its CSE-ID, as its CSEBase says (`csi`).
    pub cse_id: String,
}

impl Peer {
    /// Connects to the CSE at `target` and reads its CSE-ID from its CSEBase.
    pub fn connect(target: Target) -> anyhow::Result<Self> {
        let (client, cb) = connect(target, "conf-peer-")?;
        let base = client.target().cse_base_path.clone();
        let cse_id = cb
            .resource("m2m:cb")
            .and_then(|c| c.get("csi"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the peer's CSEBase {base} did not answer with a csi (RSC {:?}: {})",
                    cb.rsc,
                    cb.raw.chars().take(160).collect::<String>()
                )
            })?;
        Ok(Self { client, cse_id })
    }
}

/// A client for the CSE at `target` (request IDs starting with `rqi_prefix`) and its
/// CSEBase as its administrator reads it.
fn connect(target: Target, rqi_prefix: &str) -> anyhow::Result<(Client, Reply)> {
    let client = Client::wrap(
        onecse_testkit::Client::builder(target)
            .rqi_prefix(rqi_prefix)
            .build()?,
    )?;
    let base = client.target().cse_base_path.clone();
    let admin = client.target().admin.clone();
    let cb = client.retrieve(&base, &admin);
    Ok((client, cb))
}

/// Fails unless `cond` holds.
pub fn ensure(cond: bool, message: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(Verdict::Fail(message()))
    }
}

/// Fails unless the reply has this RSC and HTTP status.
pub fn expect(reply: &Reply, rsc: u16, status: u16) -> Check {
    ensure(reply.rsc == Some(rsc) && reply.status == status, || {
        format!(
            "expected RSC {rsc} / HTTP {status}, got RSC {} / HTTP {} ({})",
            reply.rsc.map_or("none".into(), |r| r.to_string()),
            reply.status,
            reply.raw.chars().take(160).collect::<String>()
        )
    })
}

impl<'a> Ctx<'a> {
    /// The target.
    pub fn target(&self) -> &Target {
        self.client.target()
    }

    /// The admin originator.
    pub fn admin(&self) -> String {
        self.target().admin.clone()
    }

    /// The CSEBase HTTP path.
    pub fn base(&self) -> String {
        self.target().cse_base_path.clone()
    }

    /// A fresh name unique to this run.
    pub fn name(&self, what: &str) -> String {
        format!("{what}{}", self.tag)
    }

    /// Registers an AE (AE-ID `C<name>`), remembered for clean-up. Returns its
    /// (AE-ID, HTTP path).
    pub fn ae(&mut self, what: &str) -> Result<(String, String), Verdict> {
        self.ae_with(what, json!({}))
    }

    /// [`Ctx::ae`] with extra attributes.
    pub fn ae_with(&mut self, what: &str, extra: Value) -> Result<(String, String), Verdict> {
        let rn = self.name(what);
        let aei = format!("C{rn}");
        let mut attrs = json!({"rn": rn, "api": "Nconformance", "rr": true, "srv": [self.target().rvi.clone()]});
        merge(&mut attrs, &extra);
        let reply = self
            .client
            .create(&self.base(), 2, &json!({ "m2m:ae": attrs }), Some(&aei));
        expect(&reply, 2001, 201).map_err(|v| setup_failed("AE registration", v))?;
        let path = format!("{}/{rn}", self.base());
        self.created.push((path.clone(), aei.clone()));
        Ok((aei, path))
    }

    /// Remembers a resource to delete with `originator`.
    pub fn track_with(&mut self, path: &str, originator: &str) {
        self.created.push((path.to_owned(), originator.to_owned()));
    }

    /// The peer, or a skip when the run has none.
    pub fn peer(&self) -> Result<&'a Peer, Verdict> {
        self.peer.ok_or_else(|| {
            Verdict::Skip("needs a second CSE registered with the target (--peer)".into())
        })
    }

    /// Remembers a resource on the peer to delete (directly there) with `originator`.
    pub fn track_on_peer(&mut self, path: &str, originator: &str) {
        self.peer_created
            .push((path.to_owned(), originator.to_owned()));
    }

    /// Creates a container under `parent`; returns its path.
    pub fn container(
        &self,
        parent: &str,
        rn: &str,
        extra: Value,
        originator: &str,
    ) -> Result<String, Verdict> {
        let mut attrs = json!({ "rn": rn });
        merge(&mut attrs, &extra);
        let reply = self
            .client
            .create(parent, 3, &json!({ "m2m:cnt": attrs }), Some(originator));
        expect(&reply, 2001, 201).map_err(|v| setup_failed("container creation", v))?;
        Ok(format!("{parent}/{rn}"))
    }

    /// Creates a contentInstance with content `con`; returns the reply.
    pub fn instance(&self, container: &str, con: &str, originator: &str) -> Result<Reply, Verdict> {
        let reply = self.client.create(
            container,
            4,
            &json!({"m2m:cin": {"con": con}}),
            Some(originator),
        );
        expect(&reply, 2001, 201).map_err(|v| setup_failed("contentInstance creation", v))?;
        Ok(reply)
    }

    /// A receiver path of this test purpose.
    pub fn notify_path(&self, suffix: &str) -> String {
        format!("/{}{suffix}", self.tag)
    }

    /// Waits for the next notification (not verification) on `path`.
    pub fn notification(&self, path: &str) -> Result<Notification, Verdict> {
        self.receiver
            .next_notification_on(path, self.target().timeout)
            .ok_or_else(|| {
                Verdict::Fail(format!(
                    "no notification arrived on {path} within {:?}",
                    self.target().timeout
                ))
            })
    }

    /// Fails if a notification arrives on `path` within `wait`.
    pub fn quiet(&self, path: &str, wait: Duration) -> Check {
        match self.receiver.next_notification_on(path, wait) {
            None => Ok(()),
            Some(n) => Err(Verdict::Fail(format!(
                "unexpected notification: {}",
                n.body
            ))),
        }
    }

    /// Deletes what the TP made, with the originator that made it; where a policy the
    /// TP wrote took that originator's privilege away (4103), as the admin.
    fn clean_up(&mut self) {
        if let Some(peer) = self.peer {
            for (path, originator) in self.peer_created.drain(..).rev() {
                let _ = peer.client.delete(&path, &originator);
            }
        }
        let admin = self.admin();
        for (path, originator) in self.created.drain(..).rev() {
            if self.client.delete(&path, &originator).rsc == Some(4103) {
                let _ = self.client.delete(&path, &admin);
            }
        }
    }
}

/// Marks a failure as one of a TP's set-up rather than of what it checks.
pub(crate) fn setup_failed(step: &str, verdict: Verdict) -> Verdict {
    match verdict {
        Verdict::Fail(reason) => Verdict::Fail(format!("setup ({step}) failed: {reason}")),
        other => other,
    }
}

/// Adds the members of `extra` to the object `base`.
pub fn merge(base: &mut Value, extra: &Value) {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
}

/// Runs the selected test purposes one after the other (those needing a peer are
/// skipped).
pub fn run(target: Target, receiver: &Receiver, selection: &Selection) -> anyhow::Result<Report> {
    run_with_peer(target, None, receiver, selection)
}

/// [`run`] with a second CSE (`--peer`) for the inter-CSE test purposes.
pub fn run_with_peer(
    target: Target,
    peer: Option<Target>,
    receiver: &Receiver,
    selection: &Selection,
) -> anyhow::Result<Report> {
    let peer = peer.map(Peer::connect).transpose()?;
    let (client, cb) = connect(target, "conf-")?;
    let srt: Vec<u16> = cb
        .resource("m2m:cb")
        .and_then(|c| c.get("srt"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_u64().and_then(|t| u16::try_from(t).ok()))
                .collect()
        })
        .unwrap_or_default();
    let run_tag = uuid::Uuid::new_v4().simple().to_string();
    let run_tag = run_tag.get(..8).unwrap_or("run").to_owned();
    let mut report = Report::default();
    let over_mqtt = client.target().mqtt.is_some();
    for (index, tp) in crate::cases::all()
        .into_iter()
        .enumerate()
        .filter(|(_, tp)| selection.keeps(tp))
        .filter(|(_, tp)| over_mqtt || !tp.id.starts_with(crate::cases::MQTT_GROUP))
    {
        let started = Instant::now();
        let http_only = crate::cases::HTTP_ONLY
            .iter()
            .find(|(id, _)| over_mqtt && *id == tp.id);
        let missing: Vec<u16> = tp
            .needs
            .iter()
            .copied()
            .filter(|t| !srt.contains(t))
            .collect();
        let outcome = if tp.needs_peer && peer.is_none() {
            Outcome::Skipped("needs a second CSE registered with the target (--peer)".into())
        } else if let Some((_, why)) = http_only {
            Outcome::Skipped(format!("HTTP-only: {why}"))
        } else if missing.is_empty() {
            let mut ctx = Ctx {
                client: &client,
                receiver,
                srt: srt.clone(),
                tag: format!("{run_tag}x{index}"),
                peer: peer.as_ref(),
                created: Vec::new(),
                peer_created: Vec::new(),
            };
            let result = (tp.run)(&mut ctx);
            ctx.clean_up();
            match result {
                Ok(()) => Outcome::Passed,
                Err(Verdict::Fail(reason)) => Outcome::Failed(reason),
                Err(Verdict::Skip(reason)) => Outcome::Skipped(reason),
            }
        } else {
            Outcome::Skipped(format!(
                "the target does not list resource types {missing:?} in srt"
            ))
        };
        report.results.push(TpResult {
            id: tp.id.to_owned(),
            purpose: tp.purpose.to_owned(),
            clause: tp.clause.to_owned(),
            outcome,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    if !client.target().alternates.is_empty() {
        report.answered = client.answered();
    }
    Ok(report)
}
