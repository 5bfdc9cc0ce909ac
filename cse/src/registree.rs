//! The registree's side of registration (TS-0001 §10.2.2.7, spec digest inter-cse
//! §2), a background task of an MN-CSE: CREATE its `<remoteCSE>` at the registrar
//! (on 4117/4105, already registered after a restart, UPDATE it instead), RETRIEVE
//! the registrar's `<CSEBase>` and keep a local `<remoteCSE>` for it; retry with
//! capped exponential backoff while the registrar cannot be reached; then every
//! `registrar_check_interval_s` RETRIEVE its own `<remoteCSE>` there and register
//! again when the registrar lost it (4004); when the CSE stops, deregister (DELETE
//! its `<remoteCSE>` at the registrar, then the local one, TS-0001 §10.2.2.10). One
//! process of the CSE does this (the database lease of `core::registration`); each
//! state change is logged once.

use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

use onecse_models::ResponseStatusCode;
use onecse_models::{ReleaseVersion, ResourceType};
use reqwest::Method;
use serde_json::{Value, json};

use crate::blocking::blocking;
use crate::core::Cse;
use crate::core::context::Registrar;
use crate::core::registration;
use crate::notify::send::{Forwarded, Sender, primitive_headers};

/// First pause after a failed registration; doubled per failure up to the check
/// interval (at most [`BACKOFF_MAX`]).
const BACKOFF_START: Duration = Duration::from_millis(250);
/// Longest pause between registration attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// How often a registered CSE looks whether a CSE registered with it changed.
const REGISTREES_POLL: Duration = Duration::from_secs(1);

/// What the registree knows of its registration.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Not registered (yet, or the registrar lost it).
    Unregistered,
    /// Registered, and the local `<remoteCSE>` of the registrar is kept.
    Registered,
    /// Another process of this CSE holds the registration lease.
    Standby,
    /// The last attempt failed for this reason.
    Failing(String),
}

/// How the registree runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// This CSE's points of access, sent to the registrar.
    pub poa: Vec<String>,
    /// How often the registration is checked.
    pub check_interval: Duration,
    /// Whether stopping deregisters (off when other processes of this CSE go on
    /// serving: the registration is the CSE's, not one process's).
    pub deregister_on_stop: bool,
}

/// Runs the registration of `cse` with its registrar until `stop` turns true, then
/// deregisters (when set so and this process held the registration); returns at
/// once for a CSE without a registrar.
pub async fn run(
    cse: Cse,
    sender: Sender,
    settings: Settings,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(registrar) = cse.registrar.clone() else {
        return;
    };
    let Settings {
        poa,
        check_interval,
        deregister_on_stop,
    } = settings;
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let lease_s =
        i64::try_from(check_interval.as_secs().saturating_mul(3).max(10)).unwrap_or(i64::MAX);
    let link = Link {
        cse,
        sender,
        poa,
        registrar,
        sent_dcse: Mutex::default(),
    };
    let mut state = State::Unregistered;
    let mut registered = false;
    let mut pause = BACKOFF_START;
    loop {
        let holds = {
            let (cse, holder) = (link.cse.clone(), holder.clone());
            blocking(move || registration::take_lease(&cse, registration::LEASE, &holder, lease_s))
                .await
        };
        let next = match holds {
            Ok(Ok(true)) if registered => link.check().await,
            Ok(Ok(true)) => link.register().await,
            Ok(Ok(false)) => State::Standby,
            Ok(Err(err)) | Err(err) => State::Failing(format!("database: {}", err.message)),
        };
        registered = next == State::Registered;
        if next != state {
            link.log(&next);
            state = next;
        }
        let wait = match &state {
            State::Registered | State::Standby => check_interval,
            State::Unregistered => Duration::ZERO,
            State::Failing(_) => {
                let wait = pause;
                pause = (pause * 2).min(check_interval.min(BACKOFF_MAX));
                wait
            }
        };
        if !matches!(state, State::Failing(_)) {
            pause = BACKOFF_START;
        }
        let stopping = tokio::select! {
            () = link.wait(wait, registered) => false,
            changed = stop.changed() => changed.is_err() || *stop.borrow(),
        };
        if stopping {
            if registered && deregister_on_stop {
                link.deregister().await;
            }
            return;
        }
    }
}

/// What talking to the registrar needs.
struct Link {
    cse: Cse,
    sender: Sender,
    poa: Vec<String>,
    registrar: Registrar,
    /// The `dcse` the registrar last accepted from this process.
    sent_dcse: Mutex<Option<Vec<String>>>,
}

impl Link {
    /// Registers (CREATE, or UPDATE when already registered), then keeps the local
    /// `<remoteCSE>` of the registrar from its `<CSEBase>`.
    async fn register(&self) -> State {
        let base = format!("{}/{}", self.registrar.cse_id, self.registrar.cse_name);
        let dcse = match self.descendants().await {
            Ok(dcse) => dcse,
            Err(why) => return State::Failing(why),
        };
        let created = self
            .send(
                Method::POST,
                &base,
                Some(ResourceType::RemoteCse),
                Some(self.own_csr(true, &dcse)),
            )
            .await;
        match created {
            Ok(answer) if answer.rsc == ResponseStatusCode::Created => {}
            Ok(answer)
                if matches!(
                    answer.rsc,
                    ResponseStatusCode::OriginatorHasAlreadyRegistered
                        | ResponseStatusCode::Conflict
                ) =>
            {
                match self
                    .send(
                        Method::PUT,
                        &self.own_path(),
                        None,
                        Some(self.own_csr(false, &dcse)),
                    )
                    .await
                {
                    Ok(answer) if answer.rsc == ResponseStatusCode::Updated => {}
                    other => return failing("UPDATE of its registration", other),
                }
            }
            other => return failing("registration", other),
        }
        let cse_base = match self.send(Method::GET, &base, None, None).await {
            Ok(answer) if answer.rsc == ResponseStatusCode::Ok => answer.content,
            other => return failing("RETRIEVE of the registrar's CSEBase", other),
        };
        let members = cse_base
            .as_ref()
            .and_then(|content| content.get("m2m:cb"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        self.remember_dcse(Some(dcse));
        let (cse, registrar) = (self.cse.clone(), self.registrar.clone());
        match blocking(move || registration::keep_registrar(&cse, &registrar, &members)).await {
            Ok(Ok(())) => State::Registered,
            Ok(Err(err)) | Err(err) => State::Failing(format!("database: {}", err.message)),
        }
    }

    /// Deregisters (TS-0001 §10.2.2.10): DELETE of this CSE's `<remoteCSE>` at the
    /// registrar (4004 there: already gone), then of the local `<remoteCSE>` of the
    /// registrar. Failures are logged; the registrar's liveness checks or a later
    /// registration settle what is left.
    async fn deregister(&self) {
        let registrar = self.registrar.cse_id.as_str();
        match self
            .send(Method::DELETE, &self.own_path(), None, None)
            .await
        {
            Ok(answer)
                if matches!(
                    answer.rsc,
                    ResponseStatusCode::Deleted | ResponseStatusCode::NotFound
                ) => {}
            other => {
                let why = reason("deregistration", other);
                tracing::warn!(registrar, error = %why, "could not deregister from the registrar");
                return;
            }
        }
        let (cse, kept) = (self.cse.clone(), self.registrar.clone());
        match blocking(move || registration::forget_registrar(&cse, &kept)).await {
            Ok(Ok(_)) => tracing::info!(registrar, "deregistered from the registrar"),
            Ok(Err(err)) | Err(err) => tracing::warn!(
                registrar,
                error = %err.message,
                "deregistered at the registrar, but the local remoteCSE of the registrar stays"
            ),
        }
    }

    /// The liveness check: the registrar still holds this CSE's `<remoteCSE>`;
    /// 4004 → register again now; unreachable → still registered, checked again.
    async fn check(&self) -> State {
        match self.send(Method::GET, &self.own_path(), None, None).await {
            Ok(answer) if answer.rsc == ResponseStatusCode::NotFound => self.register().await,
            Ok(answer) if answer.rsc == ResponseStatusCode::Ok => self.report_descendants().await,
            Ok(answer) => State::Failing(format!("liveness check answered {}", answer.rsc.code())),
            Err(why) => State::Failing(format!("liveness check: {why}")),
        }
    }

    /// Waits `wait`; while registered, reports a changed `dcse` within a second of
    /// a registree's change in this process (other processes' changes are found at
    /// the next check).
    async fn wait(&self, wait: Duration, registered: bool) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(REGISTREES_POLL)).await;
            if registered && self.cse.registrees_changed.swap(false, Ordering::Relaxed) {
                let outcome = self.report_descendants().await;
                if let State::Failing(why) = outcome {
                    tracing::warn!(registrar = %self.registrar.cse_id, error = %why, "could not report the CSEs registered here to the registrar");
                }
            }
        }
    }

    /// Sends the registrar this CSE's `dcse` when it changed since it was last
    /// accepted (TS-0001 §10.2.2.7 step 2: an UPDATE of this CSE's `<remoteCSE>`
    /// there), so requests for a CSE registered here are routed down through it.
    async fn report_descendants(&self) -> State {
        let dcse = match self.descendants().await {
            Ok(dcse) => dcse,
            Err(why) => return State::Failing(why),
        };
        let unchanged = self
            .sent_dcse
            .lock()
            .is_ok_and(|sent| sent.as_ref() == Some(&dcse));
        if unchanged {
            return State::Registered;
        }
        let update = json!({"m2m:csr": {"dcse": dcse}});
        match self
            .send(Method::PUT, &self.own_path(), None, Some(update))
            .await
        {
            Ok(answer) if answer.rsc == ResponseStatusCode::Updated => {
                tracing::info!(registrar = %self.registrar.cse_id, dcse = ?dcse, "reported the CSEs registered here to the registrar");
                self.remember_dcse(Some(dcse));
                State::Registered
            }
            other => failing("UPDATE of dcse", other),
        }
    }

    /// The CSEs below this one, read from the database.
    async fn descendants(&self) -> Result<Vec<String>, String> {
        let cse = self.cse.clone();
        match blocking(move || registration::descendants(&cse)).await {
            Ok(Ok(dcse)) => Ok(dcse),
            Ok(Err(err)) | Err(err) => Err(format!("database: {}", err.message)),
        }
    }

    fn remember_dcse(&self, dcse: Option<Vec<String>>) {
        if let Ok(mut sent) = self.sent_dcse.lock() {
            *sent = dcse;
        }
    }

    /// The `m2m:csr` this CSE registers with (`cb`, `csi`, `rr`, `srv`, `poa`, `cst`, `csz`,
    /// `dcse`; an UPDATE leaves out what cannot change).
    fn own_csr(&self, create: bool, dcse: &[String]) -> Value {
        let srv: Vec<&str> = ReleaseVersion::SUPPORTED
            .iter()
            .map(|v| v.as_str())
            .collect();
        let mut csr = json!({
            "rr": !self.poa.is_empty(),
            "srv": srv,
            "poa": self.poa,
            "csz": ["application/json", "application/cbor"],
        });
        // An UPDATE sends the list even when empty (the last CSE below went away).
        if (!create || !dcse.is_empty())
            && let Some(members) = csr.as_object_mut()
        {
            members.insert("dcse".into(), json!(dcse));
        }
        if create && let Some(members) = csr.as_object_mut() {
            members.insert(
                "cb".into(),
                json!(format!("{}/{}", self.cse.cse_id, self.cse.cse_name)),
            );
            members.insert("cst".into(), json!(2));
            // The registrar sets csi from the originator anyway; ACME also names the
            // remoteCSE after it when given (else it picks a name of its own).
            members.insert("csi".into(), json!(self.cse.cse_id));
        }
        json!({ "m2m:csr": csr })
    }

    /// The SP-relative address of this CSE's `<remoteCSE>` at the registrar.
    fn own_path(&self) -> String {
        format!(
            "{}/{}/{}",
            self.registrar.cse_id, self.registrar.cse_name, self.cse.cse_ri
        )
    }

    /// One request to the registrar, From this CSE, To the SP-relative `to`.
    async fn send(
        &self,
        method: Method,
        to: &str,
        ty: Option<ResourceType>,
        content: Option<Value>,
    ) -> Result<Forwarded, String> {
        let url = format!("{}/~{to}", self.registrar.url);
        let headers = primitive_headers(
            self.cse.cse_id.clone(),
            uuid::Uuid::new_v4().simple().to_string(),
            "3",
            content.as_ref().map(|_| ty),
        );
        let body = content.map(|c| serde_json::to_vec(&c).unwrap_or_default());
        self.sender.forward(method, &url, &headers, body).await
    }

    /// Logs a state change, once.
    fn log(&self, state: &State) {
        let registrar = self.registrar.cse_id.as_str();
        let url = self.registrar.url.as_str();
        match state {
            State::Registered => tracing::info!(registrar, url, "registered with the registrar"),
            State::Unregistered => {
                tracing::info!(registrar, url, "not registered with the registrar")
            }
            State::Standby => tracing::info!(
                registrar,
                "another process of this CSE keeps the registration"
            ),
            State::Failing(why) => {
                tracing::warn!(registrar, url, error = %why, "cannot register with the registrar yet; retrying with backoff")
            }
        }
    }
}

/// The failing state after `step` got `answer`.
fn failing(step: &str, answer: Result<Forwarded, String>) -> State {
    State::Failing(reason(step, answer))
}

/// Why `step` failed with `answer`: its code and `m2m:dbg`, or why it was not sent.
fn reason(step: &str, answer: Result<Forwarded, String>) -> String {
    match answer {
        Ok(answer) => format!("{step} {}", answer.describe()),
        Err(why) => format!("{step}: {why}"),
    }
}
