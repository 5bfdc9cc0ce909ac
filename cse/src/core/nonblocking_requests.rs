//! Non-blocking requests (rt 1, 2 and 5; TS-0001 §8.2.2, spec digest polling §5, §7):
//! acceptance creates a `<request>` under the CSEBase and keeps the whole primitive
//! beside it (table `requests`), a background worker claims it, runs it through the
//! normal choke point, and [`finish`] records the result in the `<request>` (and, for
//! rt 2, queues the `m2m:rsp` NOTIFY in the outbox) in one transaction.

use std::time::Duration;

use std::net::IpAddr;

use onecse_models::primitive::{Request, Response, ResponseType};
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Destination};
use crate::core::fan_out_point;
use crate::core::ids::new_resource_id;
use crate::core::notification::{Event, matcher, target};
use crate::core::record::Resource;
use crate::core::transaction::{self, Committed, Txn};
use crate::error::{CseError, CseResult};
use crate::security::{Caller, Requester};
use crate::store::outbox::NewNotification;
use crate::store::pending_requests::{self as store, RequestRow};
use crate::store::{TransactionKind, labels, resource_table};

/// `requestStatus` (TS-0004 §6.3.4.2.x m2m:requestStatus) values onecse sets.
mod status {
    /// The operation ran and succeeded.
    pub const COMPLETED: i64 = 1;
    /// The operation ran and was refused or failed (`ors.rsc` says why).
    pub const FAILED: i64 = 2;
    /// Accepted, not finished.
    pub const PENDING: i64 = 3;
}

/// What a `<request>` records once its request ran: `rs` and `ors`.
pub fn request_result(rsp: &Value, failed: bool) -> Map<String, Value> {
    let mut changed = Map::new();
    let rs = if failed {
        status::FAILED
    } else {
        status::COMPLETED
    };
    changed.insert("rs".into(), json!(rs));
    changed.insert("ors".into(), rsp.clone());
    changed
}

/// What is kept to run an accepted request later, possibly in another process.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    request: Request,
    ip: Option<IpAddr>,
    authenticated: bool,
}

/// A claimed request, ready to run.
pub struct Claimed {
    /// The `<request>` resource.
    pub ri: String,
    /// The request as it arrived.
    pub request: Request,
    /// Who sent it, as the binding saw it.
    pub caller: Caller,
}

/// What acceptance of a non-blocking request checks without the database (after the
/// generic checks): an originator, rt 2 targets onecse can send to, and no fan-out
/// point (not supported non-blocking).
pub fn check_acceptable(cse: &Cse, req: &Request) -> CseResult<()> {
    if req.from.is_none() {
        return Err(CseError::bad_request(
            "a non-blocking request needs an originator (X-M2M-Origin)",
        ));
    }
    check_targets(cse, &req.response_type)?;
    if fan_out_point::may_fan_out(&req.to) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "non-blocking requests to a group's fanOutPoint (fopt) are not supported yet; send it blocking",
        ));
    }
    Ok(())
}

/// Accepts a non-blocking request [`check_acceptable`] passed, in the caller's
/// transaction: refuses a `<request>` as target and an originator over its bound,
/// creates the `<request>` and keeps the primitive with who sent it. The answer is
/// the acknowledgement.
pub fn accept(
    tx: &mut Txn<'_>,
    req: &Request,
    caller: Caller,
    who: &Requester,
) -> CseResult<Response> {
    let originator = req.from.clone().ok_or_else(|| {
        CseError::bad_request("a non-blocking request needs an originator (X-M2M-Origin)")
    })?;
    let kept = serde_json::to_string(&Kept {
        request: req.clone(),
        ip: caller.ip,
        authenticated: caller.authenticated,
    })
    .map_err(|e| CseError::internal(format!("cannot keep the request: {e}")))?;
    refuse_request_target(tx, req)?;
    authorize_result_targets(tx, &req.response_type, who)?;
    let pending = store::count_for(tx.conn, &originator)?;
    let most = tx.cse.limits.max_pending_requests;
    if pending >= i64::try_from(most).unwrap_or(i64::MAX) {
        return Err(CseError::new(
            ResponseStatusCode::NotAcceptable,
            format!(
                "originator '{originator}' already has {pending} non-blocking requests not finished, the most this CSE accepts ({most}); wait for one to finish"
            ),
        ));
    }
    let resource = new_request_resource(tx, req, &originator)?;
    resource_table::insert(tx.conn, &resource.to_row())?;
    labels::insert(tx.conn, &resource.ri, &resource.labels())?;
    store::insert(
        tx.conn,
        &RequestRow {
            ri: resource.ri.clone(),
            originator: originator.clone(),
            created: tx.now_text.clone(),
            due: req.timing.oet.unwrap_or(tx.now).to_string(),
            claimed_until: None,
            primitive: kept,
        },
    )?;
    // Not announced to CSEBase subscribers: a `<request>` carries another
    // originator's request (content, target) that only that originator may read.
    Ok(acknowledgement(&req.response_type, &resource.ri))
}

/// Keeps `req` to run as `originator` on behalf of the resource `ri` (an action's
/// primitive), unless one kept for it still waits: false then. The same worker runs
/// it as a non-blocking request's, and the resource's kind records its result
/// ([`crate::core::resources::ResourceKind::kept_request_result`]).
pub fn keep_for(
    tx: &mut Txn<'_>,
    ri: &str,
    originator: &str,
    req: &Request,
    caller: Caller,
) -> CseResult<bool> {
    if store::lease_of(tx.conn, ri)?.is_some() {
        return Ok(false);
    }
    let kept = serde_json::to_string(&Kept {
        request: req.clone(),
        ip: caller.ip,
        authenticated: caller.authenticated,
    })
    .map_err(|e| CseError::internal(format!("cannot keep the request: {e}")))?;
    store::insert(
        tx.conn,
        &RequestRow {
            ri: ri.to_owned(),
            originator: originator.to_owned(),
            created: tx.now_text.clone(),
            due: tx.now_text.clone(),
            claimed_until: None,
            primitive: kept,
        },
    )?;
    Ok(true)
}

/// The `nu` entries of rt 2 must be targets onecse can send to (as a subscription's),
/// and no more than a subscription may name.
fn check_targets(cse: &Cse, rt: &ResponseType) -> CseResult<()> {
    let ResponseType::NonBlockingAsynch { nu: Some(nu) } = rt else {
        return Ok(());
    };
    if nu.len() > cse.limits.max_targets {
        return Err(CseError::bad_request(format!(
            "X-M2M-RTU names {} targets; at most {} are allowed",
            nu.len(),
            cse.limits.max_targets
        )));
    }
    for entry in nu {
        target::parse(entry)
            .map_err(|e| CseError::new(e.rsc, format!("X-M2M-RTU: {}", e.message)))?;
    }
    Ok(())
}

/// The AEs an rt 2 result is sent to must exist and allow the originator to notify
/// them, as a subscription's targets must (the result's `pc` is the originator's
/// to choose, e.g. a RETRIEVE of its own data).
fn authorize_result_targets(tx: &mut Txn<'_>, rt: &ResponseType, who: &Requester) -> CseResult<()> {
    let ResponseType::NonBlockingAsynch { nu: Some(nu) } = rt else {
        return Ok(());
    };
    for entry in nu {
        // Whether it can be reached now does not matter: that is decided when the
        // result is sent (and retried like any notification).
        let _route = target::named_by(tx, entry, who, "X-M2M-RTU entry")?;
    }
    Ok(())
}

/// rt 1/2 addressed to a `<request>` → 4000 (TS-0004 §7.3.2.x; spec digest §7).
fn refuse_request_target(tx: &mut Txn<'_>, req: &Request) -> CseResult<()> {
    let Ok(Destination::Local(address)) = addressing::parse(&req.to, tx.cse) else {
        // Refused when it runs, and recorded in `ors` (as ACME does).
        return Ok(());
    };
    if addressing::find(tx, &address)?.is_some_and(|r| r.ty == ResourceType::Request) {
        return Err(CseError::bad_request(
            "a <request> resource can only be addressed with a blocking request (rt 3 or 4)",
        ));
    }
    Ok(())
}

/// 1001 with the `<request>` reference for rt 1, 1002 (with it too) for rt 2, 1000
/// without content for rt 5.
fn acknowledgement(rt: &ResponseType, ri: &str) -> Response {
    let reference = Some(json!({ "m2m:uri": ri }));
    let mut response = match rt {
        ResponseType::NonBlockingSynch => {
            Response::new(ResponseStatusCode::AcceptedNonBlockingSynch, reference)
        }
        ResponseType::NonBlockingAsynch { .. } => {
            Response::new(ResponseStatusCode::AcceptedNonBlockingAsynch, reference)
        }
        _ => Response::new(ResponseStatusCode::Accepted, None),
    };
    response.resource_type = Some(ResourceType::Request);
    response
}

/// The `<request>` of an accepted request (spec digest polling §7).
fn new_request_resource(tx: &mut Txn<'_>, req: &Request, originator: &str) -> CseResult<Resource> {
    let ri = new_resource_id(ResourceType::Request);
    let mut attrs = Map::new();
    attrs.insert("ty".into(), json!(ResourceType::Request.number()));
    attrs.insert("ri".into(), json!(ri));
    attrs.insert("rn".into(), json!(ri));
    attrs.insert("pi".into(), json!(tx.cse.cse_ri));
    attrs.insert("ct".into(), json!(tx.now_text));
    attrs.insert("lt".into(), json!(tx.now_text));
    attrs.insert("et".into(), json!(expiration(tx, req).to_string()));
    attrs.insert("lbl".into(), json!([originator]));
    attrs.insert("op".into(), json!(req.op.number()));
    attrs.insert("tg".into(), json!(req.to));
    attrs.insert("org".into(), json!(originator));
    attrs.insert("rid".into(), json!(req.rqi));
    attrs.insert("mi".into(), meta_information(req));
    if let Some(pc) = &req.content {
        attrs.insert("pc".into(), pc.clone());
    }
    attrs.insert("rs".into(), json!(status::PENDING));
    attrs.insert("ors".into(), json!({ "rsc": 1000, "rqi": req.rqi }));
    Ok(Resource {
        ty: ResourceType::Request,
        path: format!("{}/{ri}", tx.cse.cse_name),
        ri: ri.clone(),
        pi: Some(tx.cse.cse_ri.clone()),
        rn: ri,
        attrs,
        // The originator may retrieve and delete it (cancel); others are refused.
        owner: Some(originator.to_owned()),
        policy_docs: None,
        due: None,
        watch: 0,
    })
}

/// The `<request>`'s `et` (spec digest §7: lasting at least as long as `rp`): `rp`,
/// but never before `request_lifetime_s` after the latest of the request's own
/// deadlines (`rqet`, `rset`, `oet`) and now. Expiry removes the kept request with
/// its `<request>`, so an `rp` the request could not outlive (a busy worker, a relay
/// that waits) would drop a request the originator was told was accepted.
fn expiration(tx: &Txn<'_>, req: &Request) -> Timestamp {
    let t = req.timing;
    let latest = [t.rqet, t.rset, t.oet]
        .into_iter()
        .flatten()
        .fold(tx.now, Timestamp::max);
    // The Upper Tester's enableShortRequestExpiration shortens it for tests.
    let configured = Duration::from_secs(tx.cse.limits.request_lifetime_s);
    let lifetime = tx.cse.upper_tester.request_lifetime(configured);
    let floor = latest.plus_millis(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX));
    t.rp.map_or(floor, |rp| rp.max(floor))
}

/// `mi`: the optional parameters of the request, by their primitive short names.
fn meta_information(req: &Request) -> Value {
    let mut mi = Map::new();
    if let Some(ty) = req.ty {
        mi.insert("ty".into(), json!(ty.number()));
    }
    let t = req.timing;
    for (name, value) in [
        ("rqet", t.rqet),
        ("rset", t.rset),
        ("oet", t.oet),
        ("rp", t.rp),
    ] {
        if let Some(value) = value {
            mi.insert(name.into(), json!(value.to_string()));
        }
    }
    let mut rt = Map::new();
    rt.insert("rtv".into(), json!(req.response_type.number()));
    if let ResponseType::NonBlockingAsynch { nu: Some(nu) } = &req.response_type {
        rt.insert("nu".into(), json!(nu));
    }
    mi.insert("rt".into(), Value::Object(rt));
    if let Some(rcn) = req.rcn {
        mi.insert("rcn".into(), json!(rcn.number()));
    }
    mi.insert("rvi".into(), json!(req.rvi.as_str()));
    if let Some(vsi) = &req.vsi {
        mi.insert("vsi".into(), json!(vsi));
    }
    Value::Object(mi)
}

/// Claims up to `limit` due requests, oldest first, for `lease_s` seconds. A kept
/// request that no longer reads (a bug, a manual edit) is logged and forgotten, so it
/// cannot block the others; its `<request>` stays PENDING until it expires.
pub fn claim(cse: &Cse, limit: usize, lease_s: i64) -> CseResult<Vec<Claimed>> {
    let now = Timestamp::now();
    let lease_until = now.plus_seconds(lease_s).to_string();
    let claimed = transaction::run_background(cse, TransactionKind::Write, now, |tx| {
        let limit = i64::try_from(limit).unwrap_or(1);
        let rows = store::claim(tx.conn, &tx.now_text, &lease_until, limit)?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_str::<Kept>(&row.primitive) {
                Ok(kept) => jobs.push(Claimed {
                    ri: row.ri,
                    request: kept.request,
                    caller: Caller {
                        ip: kept.ip,
                        authenticated: kept.authenticated,
                    },
                }),
                Err(err) => {
                    tracing::error!(request = %row.ri, error = %err, "kept non-blocking request is corrupt; dropped");
                    store::remove(tx.conn, &row.ri)?;
                }
            }
        }
        Ok(jobs)
    })?;
    Ok(claimed.value)
}

/// Records the result of a claimed request in its `<request>` (`rs`, `ors`) and
/// forgets the kept primitive, in one transaction; for rt 2 the `m2m:rsp` NOTIFY to
/// each `nu` entry (absent: the originator) is queued in the outbox by the same
/// commit. A `<request>` deleted meanwhile (expired) takes its result with it.
pub fn finish(cse: &Cse, job: &Claimed, response: &Response) -> CseResult<Committed<()>> {
    transaction::run_background(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        store::remove(tx.conn, &job.ri)?;
        let Some(row) = resource_table::find_by_ri(tx.conn, &job.ri, &tx.now_text)? else {
            return Ok(());
        };
        let mut resource = Resource::from_row(row)?;
        let rsp = operation_result(tx, &job.request, response);
        let failed = response.rsc.code() >= 4000;
        let mut changed = resource.kind().kept_request_result(&rsp, failed);
        changed.insert("lt".into(), json!(tx.now_text));
        resource.attrs.extend(changed.clone());
        resource_table::update(tx.conn, &resource.to_row())?;
        matcher::raise(
            tx,
            &Event::Updated {
                resource: &resource,
                changed: &changed,
            },
        )?;
        if let ResponseType::NonBlockingAsynch { nu } = &job.request.response_type {
            let originator = job.request.from.iter().cloned().collect::<Vec<_>>();
            let targets = nu.as_ref().unwrap_or(&originator);
            let payload = json!({ "m2m:rsp": rsp }).to_string();
            for target in targets {
                let row = NewNotification {
                    stream: format!("{}|{target}", job.ri),
                    sub_ri: job.ri.clone(),
                    target: target.clone(),
                    payload: payload.clone(),
                    batch_num: None,
                    latest_only: 0,
                    counts: 0,
                    created: tx.now_text.clone(),
                    due: tx.now_text.clone(),
                    head: 0,
                    ec: None,
                };
                tx.notify(row, None);
            }
        }
        Ok(())
    })
}

/// The response primitive as `ors` and the rt 2 NOTIFY carry it (TS-0004 §7.2.1.2).
fn operation_result(tx: &Txn<'_>, req: &Request, response: &Response) -> Value {
    let mut rsp = Map::new();
    rsp.insert("rsc".into(), json!(response.rsc.code()));
    rsp.insert("rqi".into(), json!(req.rqi));
    if let Some(pc) = &response.content {
        rsp.insert("pc".into(), pc.clone());
    }
    if let Some(to) = &req.from {
        rsp.insert("to".into(), json!(to));
    }
    rsp.insert("fr".into(), json!(tx.cse.cse_id));
    rsp.insert("ot".into(), json!(tx.now_text));
    rsp.insert("rvi".into(), json!(req.rvi.as_str()));
    if let Some(rset) = req.timing.rset {
        rsp.insert("rset".into(), json!(rset.to_string()));
    }
    Value::Object(rsp)
}

/// A DELETE of a `<request>` cancels it while it waits; once a worker runs it, it
/// can no longer be recalled: 5220 (spec digest §7). A finished one is deleted.
pub fn check_cancellable(tx: &mut Txn<'_>, ri: &str) -> CseResult<()> {
    match store::lease_of(tx.conn, ri)? {
        Some(Some(lease)) if lease.as_str() > tx.now_text.as_str() => Err(CseError::new(
            ResponseStatusCode::UnableToRecallRequest,
            "the request is already running and cannot be recalled; delete the <request> once it finished",
        )),
        _ => Ok(()),
    }
}
