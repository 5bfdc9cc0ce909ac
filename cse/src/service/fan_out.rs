//! Sends a request addressed to a group's fan-out point to every member (TS-0001
//! §10.2.7.6, TS-0004 §7.4.14): one request per member through [`Service`] itself,
//! so each member's own access control (and nested fan-out) applies, at most
//! [`IN_FLIGHT`] at a time, answered 2000 with one `m2m:rsp` per member in member
//! order.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use futures_util::stream;
use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ResponseStatusCode};
use serde_json::{Map, Value, json};

use super::Service;
use crate::blocking::blocking;
use crate::core::dispatch;
use crate::core::fan_out_point::{self, Plan};
use crate::error::{CseError, CseResult};
use crate::security::Caller;

/// Member requests of one fan-out in flight at once: enough to overlap member work
/// on PostgreSQL, few enough that one group cannot take every pool connection.
pub const IN_FLIGHT: usize = 16;

/// How deep fan-out points may lead into further fan-out points: a group that is
/// (through others) its own member would otherwise fan out forever.
pub const MAX_NESTING: usize = 4;

/// Member requests one request may cause in all, through every nesting level: a
/// group as large as allowed fans out once, but groups of groups cannot multiply one
/// request into millions.
pub const MAX_MEMBER_REQUESTS: usize = 10_000;

/// Where a fanned-out request stands: how many fan-out points deep, and the member
/// requests the original request may still cause (shared by all its branches).
#[derive(Debug, Clone)]
pub struct Nesting {
    depth: usize,
    budget: Arc<AtomicUsize>,
}

impl Nesting {
    /// A request as the client sent it.
    pub fn top() -> Self {
        Self {
            depth: 0,
            budget: Arc::new(AtomicUsize::new(MAX_MEMBER_REQUESTS)),
        }
    }

    /// Whether this is the request as the client sent it (not a member request).
    pub fn is_top(&self) -> bool {
        self.depth == 0
    }

    /// One level deeper, sharing the budget.
    fn below(&self) -> Self {
        Self {
            depth: self.depth + 1,
            budget: Arc::clone(&self.budget),
        }
    }

    /// Takes `count` member requests from the budget; false when it cannot.
    fn spend(&self, count: usize) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(count)
            })
            .is_ok()
    }
}

/// A boxed future of a request's outcome (fan-out recurses through [`Service`]).
pub type Outcome<'a> = Pin<Box<dyn Future<Output = CseResult<Response>> + Send + 'a>>;

/// Runs `req` (addressed to a fan-out point, resolved as `plan`) for every member.
pub async fn run(
    service: &Service,
    req: &Request,
    caller: Caller,
    plan: Plan,
    nesting: Nesting,
) -> CseResult<Response> {
    if nesting.depth >= MAX_NESTING {
        return Err(CseError::bad_request(format!(
            "fan-out points nest deeper than {MAX_NESTING} levels (is a group its own member?)"
        )));
    }
    if !nesting.spend(plan.members.len()) {
        return Err(CseError::bad_request(format!(
            "the request would reach more than {MAX_MEMBER_REQUESTS} members through nested groups"
        )));
    }
    let member_requests: Vec<Request> = plan
        .members
        .iter()
        .map(|member| {
            let mut member_req = req.clone();
            member_req.to = plan.target(member);
            member_req
        })
        .collect();
    // Owned requests: the futures borrow nothing from the plan (they must be Send
    // for every lifetime, as the non-blocking worker spawns them).
    let requests = member_requests
        .into_iter()
        .map(|member_req| service.execute_nested(member_req, caller, nesting.below()));
    let outcomes: Vec<CseResult<Response>> =
        stream::iter(requests).buffered(IN_FLIGHT).collect().await;
    let mut deleted = Vec::new();
    let mut answers = Vec::with_capacity(outcomes.len());
    for (member, outcome) in plan.members.iter().zip(outcomes) {
        let response = outcome.unwrap_or_else(|err| dispatch::error_response(&err));
        let removed = req.op == Operation::Delete && plan.rest.is_empty();
        if removed && response.rsc == ResponseStatusCode::Deleted {
            deleted.push(member.clone());
        }
        answers.push(member_answer(req, member, response));
    }
    if !deleted.is_empty() {
        let (cse, outbox, ri) = (
            service.cse.clone(),
            service.outbox.clone(),
            plan.group_ri.clone(),
        );
        blocking(move || {
            let committed = fan_out_point::remove_members(&cse, &ri, &deleted)?;
            outbox.wake_if(committed.queued_notifications);
            Ok::<_, CseError>(())
        })
        .await??;
    }
    Ok(Response::new(
        ResponseStatusCode::Ok,
        Some(json!({ "m2m:agr": { "m2m:rsp": answers } })),
    ))
}

/// One member's response primitive: its code, the request id, its content, the member
/// as `fr` and the originator as `to` (TS-0004 §7.2.1.2).
fn member_answer(req: &Request, member: &str, response: Response) -> Value {
    let mut rsp = Map::new();
    rsp.insert("rsc".into(), json!(response.rsc.code()));
    rsp.insert("rqi".into(), json!(req.rqi));
    if let Some(pc) = response.content {
        rsp.insert("pc".into(), pc);
    }
    rsp.insert("fr".into(), json!(member));
    if let Some(to) = &req.from {
        rsp.insert("to".into(), json!(to));
    }
    if let Some(vsi) = &req.vsi {
        rsp.insert("vsi".into(), json!(vsi));
    }
    Value::Object(rsp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fan_outs_share_one_budget_of_member_requests() {
        let top = Nesting::top();
        let branch = top.below().below();
        assert_eq!(branch.depth, 2);
        assert!(top.spend(MAX_MEMBER_REQUESTS - 10));
        assert!(branch.spend(10), "the branch spends from the same budget");
        assert!(!top.spend(1), "nothing is left for anyone");
        assert!(!Nesting::top().spend(MAX_MEMBER_REQUESTS + 1));
    }
}
