//! The forward route (spec digest inter-cse §3, TS-0004 §7.3.2.6): a request for a
//! resource of another CSE, sent to the next hop dispatch found, through the one
//! outgoing sender (over HTTP, or MQTT where the next hop's `poa` is an `mqtt://`
//! URL) and its egress policy, and answered with the next hop's answer
//! unchanged. The originator, request ID, parameters, time limits and content go
//! on as they came (a CSE-relative originator gains this CSE's ID); access is
//! decided by the CSE hosting the target.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onecse_models::primitive::{PartialContent, Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResponseStatusCode};

use super::Service;
use crate::core::remote_cses::{self, Hop};
use crate::error::{CseError, CseResult};
use crate::notify::mqtt::{is_mqtt, request_primitive};
use crate::notify::send::{Forwarded, first_success, method_of, primitive_headers};

/// The requests this process is forwarding right now, by originator, request ID and
/// target: one that arrives again while its first passage is still waiting went
/// round in a loop (misconfigured `dcse` or registrars), and is refused instead of
/// forwarded again, so a loop ends after one round through each process. The target
/// is part of the key because a group's fan-out sends one request (same originator
/// and request ID) to several members on one CSE at once.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<Key>>>);

/// Originator, request ID, target.
type Key = (String, String, String);

impl InFlight {
    /// Notes `key` as in flight; `None` when it already is (a loop). A [`Passage`]
    /// is made only for a key this call inserted, after the lock is released (its
    /// drop takes the lock: made and dropped under it, it would deadlock).
    fn enter(&self, key: Key) -> Option<Passage<'_>> {
        let inserted = self.0.lock().ok()?.insert(key.clone());
        inserted.then(|| Passage { set: self, key })
    }
}

/// A request in flight; forgotten when its answer came back (or it failed).
struct Passage<'a> {
    set: &'a InFlight,
    key: Key,
}

impl Drop for Passage<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.0.lock() {
            set.remove(&self.key);
        }
    }
}

impl Service {
    /// Forwards `req` to `hop` and answers with its answer: 5103 when no `poa`
    /// entry answered as a oneM2M CSE within the notification timeout, 4008 when
    /// the request's `rqet` passed first.
    pub(super) async fn forward(&self, req: &Request, hop: Hop) -> CseResult<Response> {
        let from = originator(req, &self.cse.cse_id);
        let Some(_passage) = self
            .in_flight
            .enter((from.clone(), req.rqi.clone(), req.to.clone()))
        else {
            return Err(CseError::not_found(format!(
                "request '{}' from '{from}' came back to this CSE while it was being forwarded: a forwarding loop",
                req.rqi
            )));
        };
        let headers = headers(req, from.clone());
        let body = req
            .content
            .as_ref()
            .map(|content| serde_json::to_vec(content).unwrap_or_default());
        let method = method_of(req.op);
        let sender = &self.courier.sender;
        let send = first_success(&hop.poa, |poa| {
            let (method, body) = (method.clone(), body.clone());
            let (headers, from, cse_id) = (&headers, &from, &hop.cse_id);
            async move {
                if is_mqtt(poa) {
                    let primitive = request_primitive(req, from);
                    sender.forward_mqtt(poa, cse_id, primitive).await
                } else {
                    sender.forward(method, &url(poa, req), headers, body).await
                }
            }
        });
        let answer = match until_rqet(req) {
            Some(left) => tokio::time::timeout(left, send).await.map_err(|_| {
                CseError::new(
                    ResponseStatusCode::RequestTimeout,
                    format!(
                        "CSE {} did not answer before the request expiration time (rqet)",
                        hop.cse_id
                    ),
                )
            })?,
            None => send.await,
        };
        let answer = answer.map_err(|why| {
            CseError::new(
                ResponseStatusCode::TargetNotReachable,
                format!("CSE {} could not be reached: {why}", hop.cse_id),
            )
        })?;
        Ok(response(answer))
    }
}

/// The RETRIEVE of an announced resource's original (rcn=7) as sent to its host:
/// To the original's ID, without the rcn (the host answers the resource itself).
pub fn for_original(req: &Request, to: String) -> Request {
    let mut original = req.clone();
    original.to = to;
    original.rcn = None;
    original.query = req
        .query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("rcn="))
        .collect::<Vec<_>>()
        .join("&");
    original
}

/// The originator as the next hop sees it: a CSE-relative one (an AE of this CSE)
/// gains this CSE's ID (TS-0004 §7.3.2.6), the others go on unchanged.
fn originator(req: &Request, cse_id: &str) -> String {
    match req.from.as_deref() {
        Some(from) if from.starts_with('/') => from.to_owned(),
        Some(from) => format!("{cse_id}/{from}"),
        None => String::new(),
    }
}

/// The URL at `poa` for the request's `To`, with the query string as it arrived.
fn url(poa: &str, req: &Request) -> String {
    let url = remote_cses::url(poa, &req.to);
    if req.query.is_empty() {
        url
    } else {
        format!("{url}?{}", req.query)
    }
}

/// The oneM2M headers of the forwarded request: the same primitive parameters
/// (TS-0009 table 6.4.1-1); content goes as JSON, and the answer is asked as JSON.
fn headers(req: &Request, from: String) -> Vec<(&'static str, String)> {
    let created = req.ty.filter(|_| req.op == Operation::Create);
    let content = req.content.as_ref().map(|_| created);
    let mut headers = primitive_headers(from, req.rqi.clone(), req.rvi.as_str(), content);
    if let Some(vsi) = &req.vsi {
        headers.push(("X-M2M-VSI", vsi.clone()));
    }
    for (name, at) in [
        ("X-M2M-RET", req.timing.rqet),
        ("X-M2M-RST", req.timing.rset),
        ("X-M2M-OET", req.timing.oet),
    ] {
        if let Some(at) = at {
            headers.push((name, at.to_string()));
        }
    }
    headers
}

/// How long the request may still wait for the next hop: until its `rqet`.
fn until_rqet(req: &Request) -> Option<Duration> {
    let rqet = req.timing.rqet?;
    let left = rqet.as_datetime() - Timestamp::now().as_datetime();
    Some(left.to_std().unwrap_or(Duration::ZERO))
}

/// The next hop's answer as this CSE's response: status, content,
/// `Content-Location` and the continuation of a partial result unchanged.
fn response(answer: Forwarded) -> Response {
    let mut response = Response::new(answer.rsc, answer.content);
    response.created_location = answer
        .location
        .map(|location| location.trim_start_matches('/').to_owned());
    response.partial = answer.continues_at.map(|offset| PartialContent { offset });
    response
}
