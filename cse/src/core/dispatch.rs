//! The one choke point every request passes: generic checks → the address → (another
//! CSE: forwarding) → one transaction in which the target is loaded once →
//! the type's refusals → `security::authorize` → the operation, handed the loaded
//! target. No operation loads its own target.

use onecse_models::primitive::{FilterUsage, Request, Response};
use onecse_models::resource::is_known_attribute;
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Address, Destination, Target};
use crate::core::discovery;
use crate::core::notification::blocking_update::{self as blocking, Notice};
use crate::core::notification::target::{self, Route};
use crate::core::notification::{Verification, monitor, watch};
use crate::core::operations::{create, delete, retrieve, update};
use crate::core::resources::{self, check_child_allowed};
use crate::core::transaction::{self, Committed, Txn};
use crate::error::{CseError, CseResult};
use crate::security::{self, Access, Caller, Requester};
use crate::store::TransactionKind;

/// What running a request gave: its result, the operationMonitor notifications it
/// queued besides, or the blocking-update notification an UPDATE waits on.
#[derive(Debug)]
pub struct Handled {
    /// The request's own result.
    pub result: CseResult<Committed<Response>>,
    /// Set when the target is watched by an operationMonitor subscription: the caller
    /// records the access with [`record_access`] (a write, in its own transaction
    /// after the request's, also for a failed request) and wakes delivery.
    pub monitored: Option<Monitored>,
    /// Set when an UPDATE was held for a blocking-update subscription: nothing was
    /// written; the caller sends the notice and runs the request again, approved.
    pub held: Option<Notice>,
}

/// Processes a request to its committed result. Blocking: call it from the blocking
/// pool. `assigned_ri` is the resourceID chosen while verifying a new subscription's
/// targets; `approved` says a blocking-update subscriber already accepted this
/// UPDATE. The caller wakes delivery when the result queued notifications.
pub fn handle(
    cse: &Cse,
    req: &Request,
    caller: Caller,
    assigned_ri: Option<&str>,
    approved: bool,
) -> Handled {
    let admitted = match admit(req, caller, cse) {
        Ok(admitted) => admitted,
        Err(err) => return Handled::refused(err),
    };
    let mut outcome = Outcome::default();
    let result = transaction::run(cse, kind(req), Timestamp::now(), |tx| {
        work(tx, req, &admitted, assigned_ri, approved, &mut outcome)
    });
    outcome.handled(result, admitted.2)
}

/// Processes several requests in one transaction, each in its own savepoint
/// ([`transaction::run_batch`]), in the given order: one answer per request, each its
/// own result and notifications, as if each had run alone in that order. A request
/// refused before the database answers at once. Blocking: call it from the blocking
/// pool; the caller wakes delivery when results queued notifications.
pub fn handle_batch(cse: &Cse, requests: &[(Request, Caller)]) -> Vec<Handled> {
    let mut answers: Vec<Option<Handled>> = Vec::with_capacity(requests.len());
    let mut admitted = Vec::with_capacity(requests.len());
    for (i, (req, caller)) in requests.iter().enumerate() {
        match admit(req, *caller, cse) {
            Ok(ok) => {
                answers.push(None);
                admitted.push((i, req, ok, Outcome::default()));
            }
            Err(err) => answers.push(Some(Handled::refused(err))),
        }
    }
    let writes = admitted
        .iter()
        .any(|(_, req, ..)| kind(req) == TransactionKind::Write);
    let kind = if writes {
        TransactionKind::Write
    } else {
        TransactionKind::Read
    };
    let results = transaction::run_batch(cse, kind, admitted.len(), |n, tx| {
        let (_, req, ok, outcome) = admitted
            .get_mut(n)
            .ok_or_else(|| CseError::internal("a batch lost a request"))?;
        work(tx, req, ok, None, false, outcome)
    });
    for ((i, _, ok, outcome), result) in admitted.into_iter().zip(results) {
        if let Some(answer) = answers.get_mut(i) {
            *answer = Some(outcome.handled(result, ok.2));
        }
    }
    answers
        .into_iter()
        .map(|answer| {
            answer.unwrap_or_else(|| Handled::refused(CseError::internal("a batch lost a request")))
        })
        .collect()
}

/// The transaction a request needs.
fn kind(req: &Request) -> TransactionKind {
    match req.op {
        Operation::Retrieve | Operation::Notify => TransactionKind::Read,
        _ => TransactionKind::Write,
    }
}

/// What a request's work noted besides its result: the watched target it reached and
/// the blocking-update notice it was held for.
#[derive(Default)]
struct Outcome {
    monitored: Option<String>,
    held: Option<Notice>,
}

impl Outcome {
    /// The request's [`Handled`] once its transaction ended with `result`.
    fn handled(self, result: CseResult<Committed<Response>>, access: Access) -> Handled {
        if self.held.is_some() {
            // The approved run (or the refusal) is the request's outcome; it monitors.
            return Handled {
                result,
                monitored: None,
                held: self.held,
            };
        }
        Handled {
            result,
            monitored: self.monitored.map(|ri| Monitored { ri, access }),
            held: None,
        }
    }
}

impl Handled {
    /// A request refused before the database: nothing ran, nothing to monitor.
    fn refused(err: CseError) -> Self {
        Self {
            result: Err(err),
            monitored: None,
            held: None,
        }
    }
}

/// A request's work inside its transaction: load and authorize the target, hold an
/// UPDATE for a blocking-update subscriber, run the operation.
fn work(
    tx: &mut Txn<'_>,
    req: &Request,
    (address, who, access): &(Address, Requester, Access),
    assigned_ri: Option<&str>,
    approved: bool,
    outcome: &mut Outcome,
) -> CseResult<Response> {
    let access = *access;
    let mut target = load_and_authorize(tx, req, address, who, access, &mut outcome.monitored)?;
    let mut notice = None;
    if req.op == Operation::Update {
        addressing::hold(tx, &mut target)?;
        if !approved && target.resource.watch & watch::BLOCKING != 0 {
            let requested = content_root(req)
                .and_then(|(_, attrs)| attrs.as_object())
                .cloned()
                .unwrap_or_default();
            notice = blocking::notice(tx, &target.resource, &requested)?;
        }
    }
    // The created type, or the addressed one: reported for the request metrics.
    let ty = match access {
        Access::Create(ty) => ty,
        _ => target.resource.ty,
    };
    let mut response = run(tx, req, who, access, target, assigned_ri)?;
    if notice.is_some() {
        // The UPDATE is valid: roll it back and ask the subscriber (see `held`).
        // The error is only the rollback's vehicle, never answered; a non-failure
        // code spares the connection check a 5xxx would cost.
        outcome.held = notice;
        return Err(CseError::new(
            ResponseStatusCode::Accepted,
            "UPDATE held for a blocking-update subscription",
        ));
    }
    response.resource_type = Some(ty);
    Ok(response)
}

/// A request to a resource an operationMonitor subscription watches.
#[derive(Debug)]
pub struct Monitored {
    ri: String,
    access: Access,
}

/// The operationMonitor step of a request to a watched resource, in its own write
/// transaction after the request's (so it also runs when the request failed and was
/// rolled back). Its failure does not change the request's answer: it is logged.
/// Returns the notifications it queued. Blocking (a write): call it from the
/// blocking pool.
pub fn record_access(cse: &Cse, monitored: &Monitored, req: &Request) -> usize {
    let Monitored { ri, access } = monitored;
    let seen = monitor::Access {
        op: req.op,
        bit: i64::from(access.bit()),
        originator: req.from.as_deref(),
    };
    match transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        monitor::raise(tx, ri, seen)
    }) {
        Ok(committed) => committed.queued_notifications,
        Err(err) => {
            tracing::warn!(error = %err, resource = %ri, "operationMonitor notifications could not be queued");
            0
        }
    }
}

/// The response for a failed request: its code and `{"m2m:dbg": message}`.
pub fn error_response(err: &CseError) -> Response {
    Response::new(err.rsc, Some(json!({ "m2m:dbg": err.message })))
}

/// Whether a request may need notification targets verified before it runs
/// (decided without the database, so most requests skip the extra step).
pub fn may_need_verification(req: &Request) -> bool {
    let ty = match req.op {
        Operation::Create => req.ty,
        Operation::Update => {
            content_root(req).and_then(|(key, _)| ResourceType::from_root_key(key))
        }
        _ => None,
    };
    ty.and_then(resources::kind)
        .is_some_and(|kind| kind.verifies_targets())
}

/// The first step of a CREATE/UPDATE whose type verifies its targets: what to verify
/// before the request runs, found through the same load and access check as the
/// request itself. An error is the response to give right away.
pub fn prepare_verification(
    cse: &Cse,
    req: &Request,
    caller: Caller,
) -> CseResult<Option<Verification>> {
    let (address, who, access) = admit(req, caller, cse)?;
    let prepared = transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        let target = load_and_authorize(tx, req, &address, &who, access, &mut None)?;
        let kind = match access {
            Access::Create(ty) => check_child_allowed(target.resource.kind(), ty)?,
            _ => target.resource.kind(),
        };
        if !kind.verifies_targets() {
            return Ok(None);
        }
        kind.verification(tx, req, &who, &target.resource)
    })?;
    Ok(prepared.value)
}

/// The first step of a NOTIFY: when its target is an `<AE>` of this CSE, the request
/// is relayed to that AE (TS-0004 §7.3.3.9, spec digest polling-and-requests §4) once
/// the originator's NOTIFY privilege on it is checked; returns how the AE is reached
/// (or why it cannot be). `None` for other targets, which dispatch handles itself.
pub fn prepare_relay(
    cse: &Cse,
    req: &Request,
    caller: Caller,
) -> CseResult<Option<Result<Route, String>>> {
    let (address, who, access) = admit(req, caller, cse)?;
    let prepared = transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        let target = load_and_authorize(tx, req, &address, &who, access, &mut None)?;
        if target.resource.ty != ResourceType::Ae {
            return Ok(None);
        }
        target::reach(tx, &req.to, &target.resource).map(Some)
    })?;
    Ok(prepared.value)
}

/// The steps before the database: generic checks, the destination (another CSE is
/// refused until forwarding exists), a partial retrieve's attribute list, who asks
/// and the privilege the request needs.
fn admit(req: &Request, caller: Caller, cse: &Cse) -> CseResult<(Address, Requester, Access)> {
    check_generic(req)?;
    let address = local(addressing::parse(&req.to, cse)?)?;
    check_attribute_list(req)?;
    Ok((address, Requester::of(req, caller, cse), access(req)?))
}

/// Another CSE's resources would be forwarded to it; onecse does not forward yet.
fn local(destination: Destination) -> CseResult<Address> {
    match destination {
        Destination::Local(address) => Ok(address),
        Destination::Remote { reason, .. } => Err(CseError::not_found(format!(
            "{reason}; forwarding to other CSEs is not supported"
        ))),
    }
}

/// The privilege the request needs on its target (also what a fan-out point needs).
pub(crate) fn access(req: &Request) -> CseResult<Access> {
    Ok(match req.op {
        Operation::Create => Access::Create(req.ty.ok_or_else(|| {
            CseError::bad_request(
                "CREATE needs the resource type in the Content-Type header (e.g. application/json;ty=2)",
            )
        })?),
        Operation::Retrieve if req.filter.filter_usage == Some(FilterUsage::Discovery) => {
            Access::Discover
        }
        Operation::Retrieve => Access::Retrieve,
        Operation::Update if changes_policies(req) => Access::UpdatePolicies,
        Operation::Update => Access::Update,
        Operation::Delete => Access::Delete,
        Operation::Notify => Access::Notify,
    })
}

fn load_and_authorize(
    tx: &mut Txn<'_>,
    req: &Request,
    address: &Address,
    who: &Requester,
    access: Access,
    monitored: &mut Option<String>,
) -> CseResult<Target> {
    let target = addressing::load(tx, address, req.op, changes_expiration(req))?;
    // Noted before access is decided: a refused request is monitored too.
    if target.resource.watch & watch::MONITOR != 0 {
        *monitored = Some(target.resource.ri.clone());
    }
    // An operation the type never allows is refused before access (4005 before 4103,
    // TS-0004 §7.2.2.2), and so is a child the target can never have (4108).
    match access {
        Access::Create(ty) => {
            check_child_allowed(target.resource.kind(), ty)?;
        }
        _ => target.resource.kind().refuse(req.op)?,
    }
    security::authorize(tx, who, access, &target)?;
    Ok(target)
}

/// An UPDATE of `acpi` is decided by other rules than one of other attributes.
fn changes_policies(req: &Request) -> bool {
    content_root(req)
        .and_then(|(_, attrs)| attrs.as_object())
        .is_some_and(|attrs| attrs.contains_key("acpi"))
}

/// An UPDATE setting `et` needs the parent's, which caps it.
fn changes_expiration(req: &Request) -> bool {
    req.op == Operation::Update
        && content_root(req)
            .and_then(|(_, attrs)| attrs.as_object())
            .is_some_and(|attrs| attrs.contains_key("et"))
}

/// The root key of the request content (`m2m:cnt`, …) and what it holds, read before
/// the operation parses the content properly.
fn content_root(req: &Request) -> Option<(&String, &Value)> {
    req.content.as_ref()?.as_object()?.iter().next()
}

fn run(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    access: Access,
    target: Target,
    assigned_ri: Option<&str>,
) -> CseResult<Response> {
    match access {
        Access::Create(ty) => create::create(tx, req, ty, target.resource, assigned_ri),
        Access::Discover => discovery::discover(tx, req, who, &target.resource),
        Access::Retrieve => retrieve::retrieve(tx, req, who, target.resource),
        Access::Update | Access::UpdatePolicies => update::update(tx, req, target),
        Access::Delete => delete::delete(tx, req, who, target.resource),
        Access::Notify => target.resource.kind().on_notify(tx, req, &target.resource),
    }
}

/// Checks that do not need the database (TS-0004 §7.2.2.2 receiver steps); a
/// request to a fan-out point passes them before it is fanned out.
pub(crate) fn check_generic(req: &Request) -> CseResult<()> {
    let registration = req.op == Operation::Create
        && req
            .ty
            .and_then(resources::kind)
            .is_some_and(|k| k.registers_originator());
    if req.from.is_none() && !registration {
        return Err(CseError::bad_request(
            "the originator (X-M2M-Origin) is missing; only an AE registration may omit it",
        ));
    }
    if let Some(rcn) = req.rcn
        && !rcn.allowed_for(req.op)
    {
        return Err(CseError::bad_request(format!(
            "rcn={} is not permitted for {}",
            rcn.number(),
            req.op.name()
        )));
    }
    if req.op == Operation::Create && !req.filter.is_empty() {
        return Err(CseError::bad_request(
            "filter criteria are not allowed in a CREATE request",
        ));
    }
    let discovery = req.filter.filter_usage == Some(FilterUsage::Discovery);
    if discovery && req.op != Operation::Retrieve {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "discovery-based UPDATE and DELETE are not supported",
        ));
    }
    if !discovery && (req.filter.has_conditions() || req.filter.filter_usage.is_some()) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "filter criteria are only supported for discovery (fu=1) so far",
        ));
    }
    if !req.attribute_list.is_empty() && req.op != Operation::Retrieve {
        return Err(CseError::bad_request(
            "atrl (partial retrieve) is only allowed in RETRIEVE requests",
        ));
    }
    if req.drt.is_some() && req.op != Operation::Retrieve {
        return Err(CseError::bad_request(
            "drt is only allowed in RETRIEVE requests",
        ));
    }
    Ok(())
}

/// A partial retrieve (`atrl`) asks for attributes that exist, with rcn=1. Checked
/// once the address is known to be local, as the RETRIEVE's first own step.
fn check_attribute_list(req: &Request) -> CseResult<()> {
    if req.attribute_list.is_empty() {
        return Ok(());
    }
    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    if rcn != ResultContent::Attributes {
        return Err(CseError::bad_request(format!(
            "a partial retrieve (atrl) needs rcn=1, not rcn={}",
            rcn.number()
        )));
    }
    if let Some(unknown) = req.attribute_list.iter().find(|a| !is_known_attribute(a)) {
        return Err(CseError::bad_request(format!(
            "atrl names unknown attribute '{unknown}'"
        )));
    }
    Ok(())
}
