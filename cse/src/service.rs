//! Runs a request primitive for any binding: the blocking core on the blocking pool,
//! the asynchronous verification step of subscriptions in between when needed, the
//! delivery wake-up after a commit that queued notifications, the fan-out of a
//! request to a group's `fopt` to every member (`service/fanout.rs`), and the group
//! commit of concurrent instance creates into one parent (`service/group_commit.rs`).

use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ResponseStatusCode};

mod fanout;
mod group_commit;
pub mod nonblocking;
mod polling;

use crate::blocking::blocking;
use crate::core::fanout as core_fanout;
use crate::core::notification::blocking_update::Notice;
use crate::core::{Cse, dispatch};
use crate::error::{CseError, CseResult};
use crate::notify::courier::Courier;
use crate::notify::{OutboxSignal, verify};
use crate::security::Caller;
use crate::store::Backend;
pub use group_commit::GroupCommit;

/// What a binding needs to run requests.
#[derive(Clone)]
pub struct Service {
    /// The CSE.
    pub cse: Cse,
    /// Sends verification requests and relayed NOTIFYs, to `poa` entries or polling
    /// queues, and meets long polls and their answers.
    pub courier: Courier,
    /// Wakes delivery after commits that queued notifications.
    pub outbox: OutboxSignal,
    /// Wakes the non-blocking request worker after a request was accepted.
    pub requests: OutboxSignal,
    /// Batches concurrent instance creates into one parent (PostgreSQL).
    pub group_commit: GroupCommit,
    /// Whether PostgreSQL point reads may run on the HTTP worker (see [`inline`]).
    pub inline_point_reads: bool,
}

impl Service {
    /// Processes `req`; an error is the oneM2M error to answer (the binding renders
    /// it and logs server errors once, with their cause).
    pub async fn execute(&self, req: Request, caller: Caller) -> CseResult<Response> {
        // Only a request with time parameters or a non-blocking response type pays
        // for their handling.
        if !req.timing.is_empty() || !req.response_type.is_blocking() {
            return self.execute_timed(req, caller).await;
        }
        self.execute_now(req, caller).await
    }

    /// Runs `req` at once, blocking (what [`Service::execute`] leaves after the time
    /// parameters and the response type were handled).
    async fn execute_now(&self, req: Request, caller: Caller) -> CseResult<Response> {
        // Only a request that may fan out pays for the boxed (recursive) path.
        if core_fanout::may_fan_out(&req.to) {
            return self
                .execute_nested(req, caller, fanout::Nesting::top())
                .await;
        }
        self.execute_one(req, caller, ReadThread::Caller).await
    }

    /// [`Service::execute`] for a request `nesting` fan-out points deep: one addressed
    /// to a group's fan-out point goes to every member ([`fanout`]).
    fn execute_nested(
        &self,
        req: Request,
        caller: Caller,
        nesting: fanout::Nesting,
    ) -> fanout::Outcome<'_> {
        Box::pin(async move {
            if core_fanout::may_fan_out(&req.to)
                && let Some(plan) = self.fan_out_plan(&req, caller).await?
            {
                return fanout::run(self, &req, caller, plan, nesting).await;
            }
            // A fan-out's member requests run side by side, which a read on the
            // calling thread would serialize.
            let thread = if nesting.is_top() {
                ReadThread::Caller
            } else {
                ReadThread::Pool
            };
            self.execute_one(req, caller, thread).await
        })
    }

    /// Resolves a request that names `fopt` (a read, run like other reads).
    async fn fan_out_plan(
        &self,
        req: &Request,
        caller: Caller,
    ) -> CseResult<Option<core_fanout::Plan>> {
        if self.cse.db.backend() == Backend::Sqlite
            && let Some(plan) = self
                .cse
                .db
                .on_idle_connection(|| core_fanout::plan(&self.cse, req, caller))
        {
            return plan;
        }
        let (cse, req) = (self.cse.clone(), req.clone());
        blocking(move || core_fanout::plan(&cse, &req, caller)).await?
    }

    /// Runs a request for one resource; a short read on the calling thread when
    /// `thread` allows it (see [`inline`]).
    async fn execute_one(
        &self,
        req: Request,
        caller: Caller,
        thread: ReadThread,
    ) -> CseResult<Response> {
        if let Some(response) = self.poll_or_relay(&req, caller).await? {
            return Ok(response);
        }
        if self.group_commit.may_join(&self.cse, &req) {
            return self.execute_grouped(req, caller).await;
        }
        let assigned_ri = if dispatch::may_need_verification(&req) {
            self.verify_targets(&req, caller).await?
        } else {
            None
        };
        let inline_run =
            if thread == ReadThread::Caller && inline(&self.cse, &req, self.inline_point_reads) {
                self.cse.db.on_idle_connection(|| {
                    run_unmonitored(&self.cse, &self.outbox, &req, caller, None, false)
                })
            } else {
                None
            };
        if let Some((ran, monitored)) = inline_run {
            if let Some(monitored) = monitored {
                // The operationMonitor step writes: never on this (async) thread.
                let (cse, outbox) = (self.cse.clone(), self.outbox.clone());
                blocking(move || {
                    outbox.wake_if(dispatch::record_access(&cse, &monitored, &req));
                })
                .await?;
            }
            return match ran {
                Ran::Done(result) => result,
                Ran::Held(_) => Err(CseError::internal("a RETRIEVE cannot be held")),
            };
        }
        let (cse, outbox) = (self.cse.clone(), self.outbox.clone());
        // The request comes back for a second, approved run (blocking update).
        let (ran, req) = blocking(move || {
            let ran = run(&cse, &outbox, &req, caller, assigned_ri.as_deref(), false);
            (ran, req)
        })
        .await?;
        match ran {
            Ran::Done(result) => result,
            Ran::Held(notice) => self.approve_and_run(req, caller, &notice).await,
        }
    }

    /// Blocking update (TS-0004 §7.3.2.9): sends the held UPDATE's notification and
    /// waits for the subscriber; only its 2000 lets the UPDATE run (approved). No
    /// answer → 5107 REMOTE_ENTITY_NOT_REACHABLE; any other answer → 4127
    /// OPERATION_DENIED_BY_REMOTE_ENTITY.
    async fn approve_and_run(
        &self,
        req: Request,
        caller: Caller,
        notice: &Notice,
    ) -> CseResult<Response> {
        verify::approve(&self.courier, notice).await?;
        let (cse, outbox) = (self.cse.clone(), self.outbox.clone());
        match blocking(move || run(&cse, &outbox, &req, caller, None, true)).await? {
            Ran::Done(result) => result,
            Ran::Held(_) => Err(CseError::internal("an approved UPDATE was held again")),
        }
    }

    /// Verifies a new subscription's targets (or those an UPDATE adds) before the
    /// request runs; returns the resourceID the verification named.
    async fn verify_targets(&self, req: &Request, caller: Caller) -> CseResult<Option<String>> {
        let prepared = {
            let (cse, req) = (self.cse.clone(), req.clone());
            blocking(move || dispatch::prepare_verification(&cse, &req, caller)).await??
        };
        let Some(verification) = prepared else {
            return Ok(None);
        };
        let sur = format!("{}/{}", self.cse.cse_id, verification.sub_ri);
        verify::verify(
            &self.courier,
            &verification.targets,
            &sur,
            verification.creator.as_deref(),
        )
        .await
        .map_err(|reason| {
            CseError::new(
                ResponseStatusCode::SubscriptionVerificationInitiationFailed,
                format!("verification of notification target {reason}"),
            )
        })?;
        Ok(Some(verification.sub_ri))
    }
}

/// A request run to its end, or held for a blocking-update subscriber.
enum Ran {
    Done(CseResult<Response>),
    Held(Notice),
}

/// Runs the request to its commit and wakes delivery if it queued notifications,
/// in the same (blocking) step, so a client that goes away cannot cancel the wake-up
/// of a change that committed; then records the access for operationMonitor
/// subscriptions when the target is watched.
fn run(
    cse: &Cse,
    outbox: &OutboxSignal,
    req: &Request,
    caller: Caller,
    assigned_ri: Option<&str>,
    approved: bool,
) -> Ran {
    let (ran, monitored) = run_unmonitored(cse, outbox, req, caller, assigned_ri, approved);
    if let Some(monitored) = monitored {
        outbox.wake_if(dispatch::record_access(cse, &monitored, req));
    }
    ran
}

/// [`run`] without the operationMonitor step, which it returns for the caller to
/// run where a write may run (an inline SQLite read must not write on its thread).
fn run_unmonitored(
    cse: &Cse,
    outbox: &OutboxSignal,
    req: &Request,
    caller: Caller,
    assigned_ri: Option<&str>,
    approved: bool,
) -> (Ran, Option<dispatch::Monitored>) {
    let handled = dispatch::handle(cse, req, caller, assigned_ri, approved);
    if let Some(notice) = handled.held {
        return (Ran::Held(notice), None);
    }
    let ran = Ran::Done(handled.result.map(|committed| {
        outbox.wake_if(committed.queued_notifications);
        committed.value
    }));
    (ran, handled.monitored)
}

/// Where [`Service::execute_one`] may run a short read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadThread {
    /// On the calling thread: the HTTP worker that received the request.
    Caller,
    /// Only on the blocking pool: a fan-out member (run side by side with its
    /// siblings) or a claimed non-blocking request (on the thread that also drives
    /// delivery and the sweeps).
    Pool,
}

/// Which reads run on the calling (HTTP worker) thread, on a connection that is idle
/// right now ([`Database::on_idle_connection`](crate::store::Database::on_idle_connection);
/// with none idle they go to the blocking pool like everything else). Handing a read to
/// the blocking pool and back costs two thread wake-ups, more than a short read itself:
/// a profile under `retrieve-latest` showed half of onecse's time on SQLite in those
/// switches, and on PostgreSQL the hand-off kept it at 75 % of SQLite's rate.
///
/// - SQLite: every RETRIEVE (in-process, and WAL lets readers run beside the writer).
/// - PostgreSQL, when `inline_point_reads` is on: point reads only (see
///   [`is_point_read`]), whose statements are bounded index lookups, since the worker
///   serves none of its other connections while it waits for the database.
///
/// Writes always go to the blocking pool.
fn inline(cse: &Cse, req: &Request, inline_point_reads: bool) -> bool {
    req.op == Operation::Retrieve
        && match cse.db.backend() {
            Backend::Sqlite => true,
            Backend::Postgres => inline_point_reads && is_point_read(req),
        }
}

/// A RETRIEVE answered from one resource (or `la`/`ol`): no filter criteria (so no
/// discovery) and no child resources in the result.
fn is_point_read(req: &Request) -> bool {
    use onecse_models::ResultContent;
    req.filter.is_empty()
        && matches!(
            req.rcn,
            None | Some(ResultContent::Attributes | ResultContent::Nothing)
        )
}
