//! Executes requests for any binding: admits a request through dispatch, runs its
//! transaction where it costs least (a short read on the calling thread, an instance
//! create in its parent's group commit, anything else on the blocking pool), wakes
//! delivery after a commit that queued notifications, and executes the [`Route`]
//! dispatch returned when the request does not end in its transaction. The service
//! names no resource type and decides no access: dispatch did both.

use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ResponseStatusCode};

mod fan_out;
mod forward;
mod group_commit;
mod long_poll;
pub mod nonblocking;
mod relay;

use crate::blocking::blocking;
use crate::core::Cse;
use crate::core::dispatch::{self, Admitted, Arrival, Handled, Pass, Route, Step};
use crate::core::notification::Verification;
use crate::error::{CseError, CseResult};
use crate::notify::courier::Courier;
use crate::notify::{OutboxSignal, verify};
use crate::security::Caller;
use crate::store::Backend;
pub use forward::InFlight;
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
    /// The requests this process is forwarding to other CSEs (loop detection).
    pub in_flight: InFlight,
}

/// The most transactions one request runs through dispatch: the first, then one after
/// its targets were verified, then one after a blocking-update subscriber approved.
const MAX_PASSES: usize = 3;

impl Service {
    /// Processes `req`; an error is the oneM2M error to answer (the binding renders
    /// it and logs server errors once, with their cause).
    pub async fn execute(&self, req: Request, caller: Caller) -> CseResult<Response> {
        self.execute_with(req, caller, fan_out::Nesting::top(), ReadThread::Caller)
            .await
    }

    /// [`Service::execute`] for a member request of a fan-out `nesting` points deep
    /// (boxed: fan-out recurses through here).
    fn execute_nested(
        &self,
        req: Request,
        caller: Caller,
        nesting: fan_out::Nesting,
    ) -> fan_out::Outcome<'_> {
        // A fan-out's member requests run side by side, which a read on the calling
        // thread would serialize.
        Box::pin(self.execute_with(req, caller, nesting, ReadThread::Pool))
    }

    /// Admits `req`, waits for its execution time, runs it through dispatch and
    /// follows the route dispatch returns.
    async fn execute_with(
        &self,
        req: Request,
        caller: Caller,
        nesting: fan_out::Nesting,
        thread: ReadThread,
    ) -> CseResult<Response> {
        let arrival = if nesting.is_top() {
            Arrival::Sent
        } else {
            Arrival::Member
        };
        let mut admitted = dispatch::admit(&self.cse, req, caller, arrival)?;
        if arrival == Arrival::Sent {
            nonblocking::wait_for_execution_time(&admitted.req).await?;
        }
        let accepted = !admitted.req.response_type.is_blocking();
        let mut pass = Pass::First;
        for _ in 0..MAX_PASSES {
            let (step, back) = self.run_pass(admitted, &pass, thread).await?;
            admitted = back;
            let route = match step {
                Step::Done(response) => {
                    if accepted {
                        self.requests.wake();
                    }
                    return Ok(response);
                }
                Step::Route(route) => route,
            };
            let ty = route.resource_type();
            pass = match route {
                Route::Verify(verification) => Pass::Verified(self.verify(verification).await?),
                Route::Approve(notice) => {
                    verify::approve(&self.courier, &notice).await?;
                    Pass::Approved
                }
                Route::Count => Pass::Counted,
                Route::FanOut(plan) => {
                    let done = fan_out::run(self, &admitted.req, caller, plan, nesting).await;
                    return with_type(done, ty);
                }
                Route::Poll(channel) => {
                    return with_type(self.long_poll(&admitted.req, &channel).await, ty);
                }
                Route::Answer(channel) => {
                    return with_type(self.take_answer(&admitted.req, &channel).await, ty);
                }
                Route::Relay { reach, release } => {
                    let relayed = self.relay(&admitted.req, reach, release).await;
                    return with_type(relayed, ty);
                }
                Route::Forward(hop) => {
                    return self.forward(&admitted.req, hop).await;
                }
                Route::Original { hop, to } => {
                    return self
                        .forward(&forward::for_original(&admitted.req, to), hop)
                        .await;
                }
            };
        }
        Err(CseError::internal(
            "a request was routed more often than dispatch can route it",
        ))
    }

    /// One run of an admitted request through dispatch's transaction, wherever it
    /// costs least: on the calling thread (a short read, see [`inline`]), in its
    /// parent's group commit, or on the blocking pool. Wakes delivery for what the
    /// commit queued and runs the operationMonitor step; the request comes back for
    /// the next pass.
    async fn run_pass(
        &self,
        admitted: Admitted,
        pass: &Pass,
        thread: ReadThread,
    ) -> CseResult<(Step, Admitted)> {
        if *pass == Pass::First && self.group_commit.may_join(&self.cse, &admitted) {
            return self.execute_grouped(admitted).await;
        }
        if thread == ReadThread::Caller
            && *pass == Pass::First
            && inline(
                self.cse.db.backend(),
                &admitted.req,
                self.inline_point_reads,
            )
            && let Some(handled) = self
                .cse
                .db
                .on_idle_connection(|| dispatch::handle(&self.cse, &admitted, pass))
        {
            if handled.monitored.is_none() {
                // A read: nothing to wake, nothing to record.
                return Ok((handled.result?.value, admitted));
            }
            // The operationMonitor step writes: never on this (async) thread.
            let (cse, outbox) = (self.cse.clone(), self.outbox.clone());
            let (step, admitted) =
                blocking(move || (finish(&cse, &outbox, handled, &admitted.req), admitted)).await?;
            return Ok((step?, admitted));
        }
        let (cse, outbox, pass) = (self.cse.clone(), self.outbox.clone(), pass.clone());
        let (step, admitted) = blocking(move || {
            let handled = dispatch::handle(&cse, &admitted, &pass);
            (finish(&cse, &outbox, handled, &admitted.req), admitted)
        })
        .await?;
        Ok((step?, admitted))
    }

    /// Verifies the notification targets of a CREATE or UPDATE before it runs again;
    /// returns the resourceID the verification named.
    async fn verify(&self, verification: Verification) -> CseResult<String> {
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
        Ok(verification.sub_ri)
    }
}

/// A routed request's response, counted under the type its route reached.
fn with_type(
    response: CseResult<Response>,
    ty: Option<onecse_models::ResourceType>,
) -> CseResult<Response> {
    response.map(|mut response| {
        response.resource_type = ty;
        response
    })
}

/// Ends a request's transaction step where a write may run (not on an HTTP worker):
/// wakes delivery for the notifications its commit queued (in the same blocking
/// step, so a client that goes away cannot cancel the wake-up of a change that
/// committed), then records the access for operationMonitor subscriptions when the
/// target is watched.
fn finish(cse: &Cse, outbox: &OutboxSignal, handled: Handled, req: &Request) -> CseResult<Step> {
    let step = handled.result.map(|committed| {
        outbox.wake_if(committed.queued_notifications);
        committed.value
    });
    if let Some(monitored) = &handled.monitored {
        outbox.wake_if(dispatch::record_access(cse, monitored, req));
    }
    step
}

/// Where [`Service::run_pass`] may run a short read.
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
/// Only point reads (see [`is_point_read`]) qualify: on SQLite always, on PostgreSQL
/// when `inline_point_reads` is on (the worker serves none of its other connections
/// while it waits for the database). A discovery or a listing examines up to its scan
/// budget of rows, and on the worker it would hold up every other request the worker
/// serves (issue 25: a GET waited 4.5 s behind two discoveries on SQLite).
///
/// Writes (and non-blocking acceptance, which writes) always go to the blocking pool.
fn inline(backend: Backend, req: &Request, inline_point_reads: bool) -> bool {
    req.op == Operation::Retrieve
        && req.response_type.is_blocking()
        && is_point_read(req)
        && match backend {
            Backend::Sqlite => true,
            Backend::Postgres => inline_point_reads,
        }
}

/// A RETRIEVE answered from one resource (or `la`/`ol`): no filter criteria (so no
/// discovery) and no child resources in the result, so its statements are bounded
/// index lookups.
fn is_point_read(req: &Request) -> bool {
    use onecse_models::ResultContent;
    req.filter.is_empty()
        && matches!(
            req.rcn,
            None | Some(ResultContent::Attributes | ResultContent::Nothing)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use onecse_models::primitive::{FilterCriteria, FilterUsage, ResponseType, Timing};
    use onecse_models::{ReleaseVersion, ResultContent};

    #[test]
    fn only_point_reads_run_on_the_http_worker() {
        let point = Request {
            op: Operation::Retrieve,
            to: "cse-in/app/cnt/la".into(),
            from: Some("Capp".into()),
            rqi: "1".into(),
            rvi: ReleaseVersion::V3,
            vsi: None,
            ty: None,
            content: None,
            rcn: None,
            filter: FilterCriteria::default(),
            attribute_list: Vec::new(),
            drt: None,
            timing: Timing::default(),
            response_type: ResponseType::Blocking,
            query: String::new(),
        };
        let mut discovery = point.clone();
        discovery.filter.filter_usage = Some(FilterUsage::Discovery);
        discovery.filter.attributes = vec![("con".into(), "*a".into())];
        let mut listing = point.clone();
        listing.rcn = Some(ResultContent::ChildResourceReferences);
        for backend in [Backend::Sqlite, Backend::Postgres] {
            assert!(inline(backend, &point, true), "{backend:?}");
            assert!(!inline(backend, &discovery, true), "{backend:?}");
            assert!(!inline(backend, &listing, true), "{backend:?}");
        }
        assert!(!inline(Backend::Postgres, &point, false));
        assert!(inline(Backend::Sqlite, &point, false));
    }
}
