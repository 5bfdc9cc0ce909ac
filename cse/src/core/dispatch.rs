//! Runs one request primitive: generic checks, target address, one transaction, the
//! operation. Every failure becomes a response with its status code and `m2m:dbg`.

use onecse_models::primitive::{FilterUsage, Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode};
use serde_json::json;

use crate::core::Cse;
use crate::core::addressing::{self, Address};
use crate::core::operations::subscription::{self, Verification};
use crate::core::operations::{create, delete, retrieve, update};
use crate::error::{CseError, CseResult};
use crate::store::{DbConn, TransactionKind};

/// Processes a request to completion. Blocking: call it from the blocking pool.
/// `assigned_ri` is the resourceID chosen while verifying a new subscription's targets.
pub fn handle(cse: &Cse, req: &Request, assigned_ri: Option<&str>) -> Response {
    match process(cse, req, assigned_ri) {
        Ok(response) => response,
        Err(err) => error_response(err),
    }
}

/// The response for a failed request: its code and `{"m2m:dbg": message}`.
pub fn error_response(err: CseError) -> Response {
    Response::new(err.rsc, Some(json!({ "m2m:dbg": err.message })))
}

/// The first step of a subscription CREATE/UPDATE: the targets to verify before the
/// request runs. `Err` is the response to give right away.
pub fn prepare_verification(cse: &Cse, req: &Request) -> Result<Option<Verification>, Response> {
    let prepared = check_generic(req).and_then(|()| {
        let address = addressing::parse(&req.to, cse)?;
        let now = Timestamp::now();
        cse.db.run(TransactionKind::Read, |conn| {
            subscription::prepare(conn, cse, req, &address, now)
        })
    });
    prepared.map_err(error_response)
}

fn process(cse: &Cse, req: &Request, assigned_ri: Option<&str>) -> CseResult<Response> {
    check_generic(req)?;
    let address = addressing::parse(&req.to, cse)?;
    let kind = match req.op {
        Operation::Retrieve | Operation::Notify => TransactionKind::Read,
        _ => TransactionKind::Write,
    };
    let now = Timestamp::now();
    let response = cse
        .db
        .run(kind, |conn| run(conn, cse, req, &address, assigned_ri, now))?;
    cse.outbox.wake_if_marked();
    Ok(response)
}

fn run(
    conn: &mut DbConn,
    cse: &Cse,
    req: &Request,
    address: &Address,
    assigned_ri: Option<&str>,
    now: Timestamp,
) -> CseResult<Response> {
    match req.op {
        Operation::Create => create::create(conn, cse, req, address, assigned_ri, now),
        Operation::Retrieve => retrieve::retrieve(conn, req, address, now),
        Operation::Update => update::update(conn, cse, req, address, now),
        Operation::Delete => delete::delete(conn, cse, req, address, now),
        Operation::Notify => {
            let target = addressing::load(conn, address, &now.to_string())?;
            Err(match target.ty {
                ResourceType::CseBase => {
                    CseError::bad_request("NOTIFY requests to the CSEBase are not accepted")
                }
                other => CseError::new(
                    ResponseStatusCode::NotImplemented,
                    format!(
                        "forwarding NOTIFY requests to a {} is not supported yet",
                        other.long_name()
                    ),
                ),
            })
        }
    }
}

/// Checks that do not need the database (TS-0004 §7.2.2.2 receiver steps).
fn check_generic(req: &Request) -> CseResult<()> {
    let registration = req.op == Operation::Create && req.ty == Some(ResourceType::Ae);
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
