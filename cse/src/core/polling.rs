//! The synchronous side of pollingChannels (TS-0001 §10.2.5.12-19, spec digest
//! polling-and-requests §2-§3): who may use a channel's virtual `pcu`, the request
//! primitives queued for a polling AE, and taking them out of the queue. Waiting
//! (the long poll) is asynchronous and lives in `notify::polling_hub`.

use std::time::Duration;

use onecse_models::primitive::Request;
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Destination};
use crate::core::dispatch;
use crate::core::resources::pch::PCU;
use crate::core::transaction::{self, Txn};
use crate::error::{CseError, CseResult};
use crate::security::{Caller, Judge, Requester, Verdict};
use crate::store::TransactionKind;
use crate::store::polling_queue::{self, NewQueued};

/// A `pcu` a request addresses, after its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The AE-ID (the AE's resourceID) whose queue it serves.
    pub owner: String,
}

/// Whether `to` may name a `pcu` (decided without the database, so other requests
/// skip the lookup).
pub fn may_name_pcu(to: &str) -> bool {
    to.rsplit_once('/').is_some_and(|(_, last)| last == PCU)
}

/// The channel a request to `.../pcu` uses, or `None` when the segment before `pcu`
/// is not a pollingChannel (then `pcu` is an ordinary name). CREATE, UPDATE and
/// DELETE are refused (4005) before access; only the AE the channel belongs to may
/// poll it or answer through it (4103; the administrator neither: the queue is the
/// AE's).
pub fn open(cse: &Cse, req: &Request, caller: Caller) -> CseResult<Option<Channel>> {
    dispatch::check_generic(req)?;
    let Ok(Destination::Local(address)) = addressing::parse(&req.to, cse) else {
        return Ok(None);
    };
    let Some((channel_address, last)) = addressing::split_last(&address) else {
        return Ok(None);
    };
    if last != PCU {
        return Ok(None);
    }
    let who = Requester::of(req, caller, cse);
    let opened = transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        let channel = match addressing::find(tx, &channel_address)? {
            Some(found) if found.ty == ResourceType::PollingChannel => found,
            _ => return Ok(None),
        };
        if !matches!(req.op, Operation::Retrieve | Operation::Notify) {
            return Err(CseError::not_allowed(format!(
                "{} is not allowed on a pollingChannelURI: RETRIEVE polls it, NOTIFY answers a request received through it",
                req.op.name()
            )));
        }
        let owner = channel.pi.clone().unwrap_or_default();
        if let Verdict::Deny(why) = Judge::new(tx.cse, &who).represents(&owner) {
            return Err(CseError::new(
                ResponseStatusCode::OriginatorHasNoPrivilege,
                format!(
                    "originator '{}' may not use '{}/{PCU}': {why}",
                    who.originator.as_deref().unwrap_or_default(),
                    channel.path
                ),
            ));
        }
        Ok(Some(Channel { owner }))
    })?;
    Ok(opened.value)
}

/// A request primitive as it is queued and handed out (`m2m:rqp` members, TS-0004
/// §7.2.1.1 short names).
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// `op`.
    pub op: Operation,
    /// `to`.
    pub to: String,
    /// `fr`.
    pub from: String,
    /// `rqi`.
    pub rqi: String,
    /// `rvi`, as sent on the wire.
    pub rvi: String,
    /// `pc`, if any.
    pub content: Option<Value>,
}

impl Outgoing {
    /// The primitive's JSON members, with `ot` (now) and `rqet` (when it expires).
    pub fn members(&self, now: Timestamp, expires: Timestamp) -> Value {
        let mut rqp = Map::new();
        rqp.insert("op".into(), json!(self.op.number()));
        rqp.insert("to".into(), json!(self.to));
        rqp.insert("fr".into(), json!(self.from));
        rqp.insert("rqi".into(), json!(self.rqi));
        rqp.insert("rvi".into(), json!(self.rvi));
        rqp.insert("ot".into(), json!(now.to_string()));
        rqp.insert("rqet".into(), json!(expires.to_string()));
        if let Some(pc) = &self.content {
            rqp.insert("pc".into(), pc.clone());
        }
        Value::Object(rqp)
    }
}

/// Queues `request` for the polling AE `owner`, in the caller's transaction, until
/// `expires`. Every path that queues (delivery of subscription notifications,
/// verification, relayed NOTIFYs) goes through here.
pub fn enqueue(
    tx: &mut Txn<'_>,
    owner: &str,
    request: &Outgoing,
    expires: Timestamp,
) -> CseResult<()> {
    let row = NewQueued {
        owner: owner.to_owned(),
        rqi: request.rqi.clone(),
        rqp: request.members(tx.now, expires).to_string(),
        created: tx.now_text.clone(),
        et: expires.to_string(),
    };
    polling_queue::enqueue(tx.conn, &row)?;
    Ok(())
}

/// Takes the owner's oldest live request out of its queue (deleted in this
/// transaction: it is handed out once), as the `m2m:rqp` content of a poll's answer.
/// A read looks first, so a long poll re-checking an empty queue never takes the
/// write lock.
pub fn take(cse: &Cse, owner: &str) -> CseResult<Option<Value>> {
    let queued = transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        Ok(polling_queue::any_queued(tx.conn, owner, &tx.now_text)?)
    })?;
    if !queued.value {
        return Ok(None);
    }
    let taken = transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        Ok(polling_queue::take_oldest(tx.conn, owner, &tx.now_text)?)
    })?;
    let Some(text) = taken.value else {
        return Ok(None);
    };
    let rqp: Value = serde_json::from_str(&text)
        .map_err(|e| CseError::internal(format!("a queued request does not parse: {e}")))?;
    Ok(Some(json!({ "m2m:rqp": rqp })))
}

/// Notes, in the transaction that queues request `rqi` for `owner`, that its sender
/// waits for the answer until `expires`, so an answer reaching another process is
/// left for it.
pub fn await_answer(tx: &mut Txn<'_>, owner: &str, rqi: &str, expires: Timestamp) -> CseResult<()> {
    polling_queue::await_answer(tx.conn, owner, rqi, &expires.to_string())?;
    Ok(())
}

/// Leaves `owner`'s answer to `rqi` for a sender waiting in another process; false
/// when none waits (an answer to a notification).
pub fn leave_answer(
    cse: &Cse,
    owner: &str,
    rqi: &str,
    rsp: &Map<String, Value>,
) -> CseResult<bool> {
    let text = Value::Object(rsp.clone()).to_string();
    let left = transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        Ok(polling_queue::record_answer(tx.conn, owner, rqi, &text)?)
    })?;
    Ok(left.value)
}

/// The answer left for this sender by another process, if it arrived; with `done`
/// the sender stops waiting and the note is removed either way.
pub fn collect_answer(
    cse: &Cse,
    owner: &str,
    rqi: &str,
    done: bool,
) -> CseResult<Option<Map<String, Value>>> {
    let taken = transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        Ok(polling_queue::take_answer(tx.conn, owner, rqi, done)?)
    })?;
    Ok(taken
        .value
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v.as_object().cloned()))
}

/// Forgets the queue of the AE `owner`, in the transaction that deletes its channel
/// or the AE itself; returns how many queued requests went with it.
pub fn purge(tx: &mut Txn<'_>, owner: &str) -> CseResult<usize> {
    let purged = polling_queue::purge_owner(tx.conn, owner)?;
    if purged > 0 {
        tracing::info!(
            owner,
            purged,
            "queued requests dropped with their pollingChannel"
        );
    }
    Ok(purged)
}

/// Most expired queued requests dropped per sweep.
const EXPIRY_BATCH: i64 = 1000;

/// Drops queued requests whose time ran out (no poll took them); returns how many.
pub fn drop_expired(cse: &Cse) -> CseResult<usize> {
    let dropped =
        transaction::run_background(cse, TransactionKind::Write, Timestamp::now(), |tx| {
            polling_queue::drop_expired_answers(tx.conn, &tx.now_text)?;
            Ok(polling_queue::drop_expired(
                tx.conn,
                &tx.now_text,
                EXPIRY_BATCH,
            )?)
        })?;
    for (owner, rqi) in &dropped.value {
        tracing::info!(owner = %owner, rqi = %rqi, "queued request for a polling AE expired unpolled; dropped");
    }
    Ok(dropped.value.len())
}

/// The AE's answer to a request it received through `pcu`, sent as a NOTIFY to
/// `pcu` with `{"m2m:rsp": {rsc, rqi, pc, ...}}`: the `rqi` it answers and the
/// response members. Anything else is 4000.
pub fn answer(req: &Request) -> CseResult<(String, Map<String, Value>)> {
    let rsp = req
        .content
        .as_ref()
        .and_then(|c| c.get("m2m:rsp"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            CseError::bad_request(
                "a NOTIFY to a pollingChannelURI answers a request received through it: its content must be {\"m2m:rsp\": {\"rsc\": …, \"rqi\": …}}",
            )
        })?;
    let rqi = rsp
        .get("rqi")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| CseError::bad_request("m2m:rsp needs the rqi of the request it answers"))?;
    let rsc = rsp.get("rsc").and_then(Value::as_u64);
    if rsc
        .and_then(|c| u16::try_from(c).ok())
        .and_then(ResponseStatusCode::from_code)
        .is_none()
    {
        return Err(CseError::bad_request(
            "m2m:rsp needs rsc, a oneM2M response status code",
        ));
    }
    Ok((rqi.to_owned(), rsp.clone()))
}

/// How long a request may wait (a long poll, a relayed NOTIFY's answer): until its
/// `rqet` (`X-M2M-RET`, made absolute by the binding) if given, else `default`; never
/// more than `max`. A deadline already past is 4008.
pub fn wait_for(req: &Request, default: Duration, max: Duration) -> CseResult<Duration> {
    let Some(rqet) = req.timing.rqet else {
        return Ok(default.min(max));
    };
    let millis = (rqet.as_datetime() - Timestamp::now().as_datetime()).num_milliseconds();
    if millis <= 0 {
        return Err(CseError::new(
            ResponseStatusCode::RequestTimeout,
            format!("the request expiration time (X-M2M-RET {rqet}) has already passed"),
        ));
    }
    Ok(Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX)).min(max))
}
