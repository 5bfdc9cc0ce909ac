//! The steps of dispatch that need no database (TS-0004 §7.2.2.2 receiver steps): the
//! request's time parameters and generic checks, the destination, who asks and the
//! privilege the request needs. Run once per request, before its transaction.

use onecse_models::primitive::{FilterUsage, Request};
use onecse_models::resource::acp::ACCESS_ATTRIBUTES;
use onecse_models::resource::is_known_attribute;
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResponseStatusCode, ResultContent};
use serde_json::Value;

use crate::core::Cse;
use crate::core::addressing::{self, Address, Destination};
use crate::core::resources;
use crate::core::{fan_out_point, nonblocking_requests, polling_channel};
use crate::error::{CseError, CseResult};
use crate::security::{Access, Caller, Requester};
use crate::store::TransactionKind;

/// A request that passed every check not needing the database, with what dispatch
/// decided of it so far. The only way into the transaction half of dispatch.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The request as it arrived.
    pub req: Request,
    /// Who sent it, as the binding saw it.
    pub caller: Caller,
    pub(super) who: Requester,
    pub(super) kind: Admission,
}

/// What the database half does with an admitted request.
#[derive(Debug, Clone)]
pub(super) enum Admission {
    /// Accept a non-blocking request (rt 1, 2 or 5): its target is resolved only when
    /// it runs, so a bad address is recorded in the `<request>`, not refused now.
    NonBlocking,
    /// A request for a resource of another CSE: forwarded (spec digest inter-cse
    /// §3), once dispatch found the next hop in the database.
    Forward {
        /// The CSE the request is for (`/id-mn`), or the other service provider
        /// (`//sp`).
        cse: String,
    },
    /// A request to a resource (or a virtual child) of this CSE.
    Local {
        /// The parsed `To`.
        address: Address,
        /// The privilege the request needs on its target; `None` when it cannot be
        /// told (a CREATE without `ty`) and the `To` may name a `pcu`, which refuses a
        /// CREATE with 4005 before anything else: dispatch then reports the missing
        /// `ty` only if it is no `pcu`.
        access: Option<Access>,
    },
}

impl Admitted {
    /// The transaction the request needs: reads for RETRIEVE and NOTIFY (a NOTIFY
    /// changes nothing stored by itself), writes for the rest and for acceptance.
    pub fn transaction_kind(&self) -> TransactionKind {
        match (&self.kind, self.req.op) {
            (Admission::NonBlocking, _) => TransactionKind::Write,
            // Only looked up: the next hop does the work.
            (Admission::Forward { .. }, _) => TransactionKind::Read,
            (_, Operation::Retrieve | Operation::Notify) => TransactionKind::Read,
            _ => TransactionKind::Write,
        }
    }
}

impl Admitted {
    /// Whether this is a plain blocking CREATE of an instance into its parent (a
    /// contentInstance, a timeSeriesInstance): the requests that contend for their
    /// parent's counters, which may share one transaction (group commit). Never a
    /// fan-out point, nothing to verify.
    pub fn creates_instance(&self) -> bool {
        let req = &self.req;
        matches!(
            self.kind,
            Admission::Local {
                access: Some(Access::Create(_)),
                ..
            }
        ) && req
            .ty
            .and_then(resources::kind)
            .is_some_and(|kind| kind.is_instance())
            && !fan_out_point::may_fan_out(&req.to)
            && !polling_channel::may_name_pcu(&req.to)
            && !super::may_need_verification(req)
    }
}

/// How a request reached dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// From a binding, or from the non-blocking worker: its time parameters are
    /// checked now.
    Sent,
    /// A member request of a fan-out: its time parameters were checked when the
    /// request to the fan-out point arrived, which runs to its commit from then on.
    Member,
}

/// Admits `req`: its time parameters (on arrival), the generic checks, then for a
/// non-blocking request what acceptance needs, for a blocking one its destination
/// (another CSE is refused until forwarding exists) and the privilege it needs. An
/// error is the answer to give at once.
pub fn admit(cse: &Cse, req: Request, caller: Caller, arrival: Arrival) -> CseResult<Admitted> {
    if arrival == Arrival::Sent && !req.timing.is_empty() {
        req.timing.check(Timestamp::now())?;
        refuse_far_execution_time(&req)?;
    }
    check_generic(&req)?;
    let who = Requester::of(&req, caller, cse.site());
    let kind = if req.response_type.is_blocking() {
        match addressing::parse(&req.to, cse)? {
            Destination::Local(address) => {
                let access = match access(&req) {
                    Ok(access) => Some(access),
                    Err(_) if polling_channel::may_name_pcu(&req.to) => None,
                    Err(err) => return Err(err),
                };
                Admission::Local { address, access }
            }
            Destination::Remote { cse: other, .. } => {
                check_transit(cse, &req)?;
                Admission::Forward { cse: other }
            }
        }
    } else {
        nonblocking_requests::check_acceptable(cse, &req)?;
        Admission::NonBlocking
    };
    Ok(Admitted {
        req,
        caller,
        who,
        kind,
    })
}

/// The longest a blocking request may ask to wait for its `oet`: the client keeps a
/// connection open all that time, so a later execution time must be asked for
/// non-blocking (rt 1 or 2), where it waits in the database instead.
const BLOCKING_OET_MAX_WAIT_S: i64 = 60;

/// A blocking request whose `oet` is further away than [`BLOCKING_OET_MAX_WAIT_S`] →
/// 4000, refused on arrival like the other time parameters.
fn refuse_far_execution_time(req: &Request) -> CseResult<()> {
    let Some(oet) = req.timing.oet.filter(|_| req.response_type.is_blocking()) else {
        return Ok(());
    };
    let latest = Timestamp::now().plus_seconds(BLOCKING_OET_MAX_WAIT_S);
    if oet > latest {
        return Err(CseError::bad_request(format!(
            "oet (X-M2M-OET) {oet} is more than {BLOCKING_OET_MAX_WAIT_S} s ahead; a blocking request waits at most that long, send a later one non-blocking (rt=1 or rt=2)"
        )));
    }
    Ok(())
}

/// What a transit CSE refuses before it forwards a request (spec digest inter-cse
/// §3): a registration (an AE or a remoteCSE CREATE) targeted at another CSE (4000,
/// TS-0004 §7.3.2.8), and a request this CSE originated itself coming back to be
/// forwarded again (4004: it went round in a loop; this CSE forwards on behalf of
/// others, it never sends its own requests through forwarding).
fn check_transit(cse: &Cse, req: &Request) -> CseResult<()> {
    let registers = req.op == Operation::Create
        && req
            .ty
            .and_then(onecse_models::ResourceType::spec)
            .is_some_and(|spec| spec.registers_originator || spec.registers_cse);
    if registers {
        return Err(CseError::bad_request(format!(
            "'{}' is on another CSE: a registration is sent to the registrar itself, not through a transit CSE",
            req.to
        )));
    }
    if req.from.as_deref() == Some(cse.cse_id.as_str()) {
        return Err(CseError::not_found(format!(
            "a request from this CSE ({}) came back to be forwarded to '{}': a forwarding loop",
            cse.cse_id, req.to
        )));
    }
    Ok(())
}

/// The privilege the request needs on its target (also what a fan-out point needs).
pub(super) fn access(req: &Request) -> CseResult<Access> {
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

/// An UPDATE of `acpi` or `cstn` is decided by other rules than one of other attributes.
fn changes_policies(req: &Request) -> bool {
    content_root(req)
        .and_then(|(_, attrs)| attrs.as_object())
        .is_some_and(|attrs| ACCESS_ATTRIBUTES.iter().any(|a| attrs.contains_key(*a)))
}

/// An UPDATE setting `et` needs the parent's, which caps it.
pub(super) fn changes_expiration(req: &Request) -> bool {
    req.op == Operation::Update
        && content_root(req)
            .and_then(|(_, attrs)| attrs.as_object())
            .is_some_and(|attrs| attrs.contains_key("et"))
}

/// The root key of the request content (`m2m:cnt`, …) and what it holds, read before
/// the operation parses the content properly.
pub(super) fn content_root(req: &Request) -> Option<(&String, &Value)> {
    req.content.as_ref()?.as_object()?.iter().next()
}

/// Whether `req` is an AE registration (a CREATE of a type that registers its
/// originator): the one request that may come without an originator, or from an AE
/// that is not registered yet.
pub(super) fn registers(req: &Request) -> bool {
    req.op == Operation::Create
        && req
            .ty
            .and_then(resources::kind)
            .is_some_and(|kind| kind.registers_originator())
}

/// Checks that do not need the database (TS-0004 §7.2.2.2 receiver steps), run once
/// per request by [`admit`]: a request to a fan-out point passes them before it is
/// fanned out, each member request again as its own request.
fn check_generic(req: &Request) -> CseResult<()> {
    if req.from.is_none() && !registers(req) {
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
    // Conditional retrieval (TS-0004 §7.3.3.17): a RETRIEVE's filter selects the
    // descendants of a hierarchical result; UPDATE and DELETE with conditions are not
    // supported.
    let conditional = req.filter.has_conditions() || req.filter.filter_usage.is_some();
    if !discovery && conditional && req.op != Operation::Retrieve {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            format!(
                "filter criteria are only supported in RETRIEVE requests, not in {}",
                req.op.name()
            ),
        ));
    }
    if req.filter.relative_path.is_some() && !discovery {
        return Err(CseError::bad_request(
            "arp (applyRelativePath) applies to discovery results: it needs fu=1",
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
/// once the target is known to be a resource (not a fan-out point or a `pcu`), as the
/// RETRIEVE's first own step.
pub(super) fn check_attribute_list(req: &Request) -> CseResult<()> {
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
