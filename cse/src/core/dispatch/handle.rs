//! The transaction half of dispatch: one transaction in which the target is resolved
//! once (a resource, `la`/`ol`, a `pcu`, a fan-out point), the type's refusals and
//! `security::authorize` decide once, and then either the operation runs, handed the
//! loaded target, or a [`Route`] says what the service does instead. No operation
//! loads its own target.

use onecse_models::primitive::{Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::json;

use super::admit::{self, Admission, Admitted};
use super::originator;
use super::route::{self, Route};
use crate::core::Cse;
use crate::core::addressing::{self, Address, Target};
use crate::core::discovery;
use crate::core::nonblocking_requests;
use crate::core::notification::{blocking_update, monitor, target_removal, watch};
use crate::core::operations::{create, delete, retrieve, update};
use crate::core::resources::check_child_allowed;
use crate::core::retrieval_count;
use crate::core::transaction::{self, Committed, Txn};
use crate::error::{CseError, CseResult};
use crate::security::{self, Access, Requester};
use crate::store::TransactionKind;

/// Which run of a request this is: the first, or the second after the service
/// executed a [`Route::Verify`] or [`Route::Approve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pass {
    /// The request as it arrived.
    #[default]
    First,
    /// Its notification targets were verified; a CREATE takes this resourceID (the
    /// one the verification request named).
    Verified(String),
    /// A blocking-update subscriber accepted the UPDATE.
    Approved,
    /// A RETRIEVE of an instance that counts its retrievals, run again in a write
    /// transaction to count this one ([`Route::Count`]).
    Counted,
}

/// How a request's transaction ended: its committed response, or the route the
/// service executes next.
#[derive(Debug)]
pub enum Step {
    /// The request ran here; its response.
    Done(Response),
    /// The request continues outside this transaction (nothing was written).
    Route(Route),
}

/// What running a request gave: how its transaction ended, and the operationMonitor
/// notifications it owes besides.
#[derive(Debug)]
pub struct Handled {
    /// The request's own result.
    pub result: CseResult<Committed<Step>>,
    /// Set when the target is watched by an operationMonitor subscription: the caller
    /// records the access with [`record_access`] (a write, in its own transaction
    /// after the request's, also for a failed request) and wakes delivery.
    pub monitored: Option<Monitored>,
}

/// Processes an admitted request to its committed result or its route. Blocking:
/// call it from the blocking pool (or on an idle connection for a short read). The
/// caller wakes delivery when the result queued notifications.
pub fn handle(cse: &Cse, admitted: &Admitted, pass: &Pass) -> Handled {
    let mut noted = Noted::default();
    let kind = match pass {
        Pass::Counted => TransactionKind::Write,
        _ => admitted.transaction_kind(),
    };
    let result = transaction::run(cse, kind, Timestamp::now(), |tx| {
        work(tx, admitted, pass, &mut noted)
    });
    noted.handled(result, admitted)
}

/// Processes several admitted requests in one transaction, each in its own savepoint
/// ([`transaction::run_batch`]), in the given order: one answer per request, each its
/// own result and notifications, as if each had run alone in that order. Blocking:
/// call it from the blocking pool; the caller wakes delivery when results queued
/// notifications.
pub fn handle_batch(cse: &Cse, requests: &[Admitted]) -> Vec<Handled> {
    let writes = requests
        .iter()
        .any(|admitted| admitted.transaction_kind() == TransactionKind::Write);
    let kind = if writes {
        TransactionKind::Write
    } else {
        TransactionKind::Read
    };
    let mut noted: Vec<Noted> = requests.iter().map(|_| Noted::default()).collect();
    let results = transaction::run_batch(cse, kind, requests.len(), |n, tx| {
        let (admitted, noted) = requests
            .get(n)
            .zip(noted.get_mut(n))
            .ok_or_else(|| CseError::internal("a batch lost a request"))?;
        work(tx, admitted, &Pass::First, noted)
    });
    noted
        .into_iter()
        .zip(results)
        .zip(requests)
        .map(|((noted, result), admitted)| noted.handled(result, admitted))
        .collect()
}

/// What a request's work noted besides its result: the watched target it reached and
/// the blocking-update notice it was held for.
#[derive(Default)]
struct Noted {
    monitored: Option<String>,
    held: Option<blocking_update::Notice>,
}

impl Noted {
    /// The request's [`Handled`] once its transaction ended with `result`.
    fn handled(self, result: CseResult<Committed<Step>>, admitted: &Admitted) -> Handled {
        if let Some(notice) = self.held {
            // Rolled back on purpose: the approved run is the request's outcome, and
            // it monitors.
            return Handled {
                result: Ok(Committed {
                    value: Step::Route(Route::Approve(notice)),
                    queued_notifications: 0,
                }),
                monitored: None,
            };
        }
        let routed = matches!(
            &result,
            Ok(Committed {
                value: Step::Route(_),
                ..
            })
        );
        let access = match &admitted.kind {
            Admission::Local { access, .. } => *access,
            Admission::NonBlocking | Admission::Forward { .. } => None,
        };
        Handled {
            result,
            // A routed request is monitored where it ends (its second run), if at all.
            monitored: match (self.monitored, access) {
                (Some(ri), Some(access)) if !routed => Some(Monitored { ri, access }),
                _ => None,
            },
        }
    }
}

/// A request's work inside its transaction: accept it (non-blocking), or resolve its
/// target once and decide access; then either return its route or run the operation.
fn work(tx: &mut Txn<'_>, admitted: &Admitted, pass: &Pass, noted: &mut Noted) -> CseResult<Step> {
    let req = &admitted.req;
    let standing = originator::standing(tx, admitted)?;
    let who: &Requester = &standing;
    tx.requester = Some(who.clone());
    let (address, access) = match &admitted.kind {
        Admission::NonBlocking => {
            return nonblocking_requests::accept(tx, req, admitted.caller, who).map(Step::Done);
        }
        Admission::Forward { cse } => {
            return route::to_forward(tx, req, cse).map(|hop| Step::Route(Route::Forward(hop)));
        }
        Admission::Local { address, access } => (address, *access),
    };
    if let Some(route) = route::to_pcu(tx, req, address, who)? {
        return Ok(Step::Route(route));
    }
    if let Some(response) = target_removal::at(tx, req, address, who)? {
        return Ok(Step::Done(response));
    }
    // Not a `pcu`: a CREATE without `ty` is refused now (admit kept its error).
    let access = match access {
        Some(access) => access,
        None => admit::access(req)?,
    };
    if let Some(route) = route::to_fan_out(tx, req, address, who, access)? {
        return Ok(Step::Route(route));
    }
    admit::check_attribute_list(req)?;
    let mut target = load_and_authorize(tx, req, address, who, access, &mut noted.monitored)?;
    if let Some(route) = route::to_relay(tx, req, &target)? {
        return Ok(Step::Route(route));
    }
    if let Some(route) = route::to_original(tx, req, &target)? {
        return Ok(Step::Route(route));
    }
    if *pass == Pass::First
        && may_need_verification(req)
        && let Some(route) = route::to_verification(tx, req, who, &target, access)?
    {
        return Ok(Step::Route(route));
    }
    let mut counted = None;
    if access == Access::Retrieve && retrieval_count::remaining(&target.resource).is_some() {
        if *pass != Pass::Counted {
            return Ok(Step::Route(Route::Count));
        }
        addressing::hold(tx, &mut target)?;
        counted = Some(target.resource.clone());
    }
    let mut notice = None;
    if req.op == Operation::Update {
        addressing::hold(tx, &mut target)?;
        if *pass != Pass::Approved && target.resource.watch & watch::BLOCKING != 0 {
            let requested = admit::content_root(req)
                .and_then(|(_, attrs)| attrs.as_object())
                .cloned()
                .unwrap_or_default();
            notice = blocking_update::notice(tx, &target.resource, &requested)?;
        }
    }
    let ty = addressed_type(access, &target);
    let assigned_ri = match pass {
        Pass::Verified(ri) => Some(ri.as_str()),
        _ => None,
    };
    let mut response =
        run(tx, req, who, access, target, assigned_ri).map_err(|err| err.about(ty))?;
    if let Some(instance) = &counted {
        retrieval_count::count_down(tx, instance)?;
    }
    if notice.is_some() {
        // The UPDATE is valid: roll it back and ask the subscriber (see `held`).
        // The error is only the rollback's vehicle, never answered; a non-failure
        // code spares the connection check a 5xxx would cost.
        noted.held = notice;
        return Err(CseError::new(
            ResponseStatusCode::Accepted,
            "UPDATE held for a blocking-update subscription",
        ));
    }
    refuse_late_result(req)?;
    response.resource_type = Some(ty);
    Ok(Step::Done(response))
}

/// TS-0001 §8.1.2: the result must be available by `rset`. A result ready only
/// after it is refused with 4008 inside the transaction, so the work is rolled back
/// and the answer is true: nothing happened.
fn refuse_late_result(req: &Request) -> CseResult<()> {
    match req.timing.rset {
        Some(rset) if rset <= Timestamp::now() => Err(CseError::new(
            ResponseStatusCode::RequestTimeout,
            format!(
                "the result was not ready by rset (X-M2M-RST) {rset}; the operation was rolled back"
            ),
        )),
        _ => Ok(()),
    }
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
        Operation::Update => admit::content_root(req)
            .and_then(|(key, _)| onecse_models::ResourceType::from_root_key(key)),
        _ => None,
    };
    ty.and_then(crate::core::resources::kind)
        .is_some_and(|kind| kind.verifies_targets())
}

/// Loads the target, notes it when watched, refuses what its type never allows and
/// decides access: the one place a request's own target is authorized.
fn load_and_authorize(
    tx: &mut Txn<'_>,
    req: &Request,
    address: &Address,
    who: &Requester,
    access: Access,
    monitored: &mut Option<String>,
) -> CseResult<Target> {
    let target = addressing::load(tx, address, req.op, admit::changes_expiration(req))?;
    // Noted before access is decided: a refused request is monitored too.
    if target.resource.watch & watch::MONITOR != 0 {
        *monitored = Some(target.resource.ri.clone());
    }
    decide(tx, req, &target, who, access)
        .map_err(|err| err.about(addressed_type(access, &target)))?;
    Ok(target)
}

/// The type a request is counted under in the request metrics: the created type, or
/// the addressed one.
fn addressed_type(access: Access, target: &Target) -> ResourceType {
    match access {
        Access::Create(ty) => ty,
        _ => target.resource.ty,
    }
}

/// Whether `who` may do the request on the loaded target: the type's refusals, then
/// access control.
fn decide(
    tx: &mut Txn<'_>,
    req: &Request,
    target: &Target,
    who: &Requester,
    access: Access,
) -> CseResult<()> {
    // An operation the type never allows is refused before access (4005 before 4103,
    // TS-0004 §7.2.2.2), and so is a child the target can never have (4108).
    let cse = tx.cse;
    match access {
        Access::Create(ty) => {
            check_child_allowed(target.resource.kind(), ty)?.refuse_originator(cse, req.op, who)?;
        }
        _ => {
            let kind = target.resource.kind();
            kind.refuse(req.op)?;
            kind.refuse_originator(cse, req.op, who)?;
        }
    }
    security::authorize(tx.cse.site(), tx, &target.question(who, access))?;
    if access == Access::Delete && req.rcn.is_some_and(|rcn| rcn != ResultContent::Nothing) {
        // The answer would carry the resource: what only RETRIEVE may see (TS-0001
        // §9.6.2). Refused before anything is deleted, so the request stays whole.
        security::authorize(
            tx.cse.site(),
            tx,
            &target.question(who, Access::Retrieve),
        )
        .map_err(|err| {
            CseError::new(
                err.rsc,
                format!(
                    "{} (a DELETE with rcn={} answers the deleted resource; send rcn=0 to delete without it)",
                    err.message,
                    req.rcn.map_or(0, ResultContent::number)
                ),
            )
        })?;
    }
    Ok(())
}

/// Runs the operation on the loaded, authorized target.
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
