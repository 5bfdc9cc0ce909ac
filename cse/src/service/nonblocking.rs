//! Request timing and non-blocking requests on the asynchronous side (spec digest
//! polling §5, §6): the arrival checks of `rqet`/`rset`/`oet`, waiting for `oet`
//! without holding a thread or a connection, the acceptance of rt 1/2/5 requests, and
//! the worker that runs accepted requests through the normal choke point.

use std::sync::Arc;
use std::time::Duration;

use onecse_models::ResponseStatusCode;
use onecse_models::primitive::{Request, ResponseType, Timing};
use onecse_models::time::Timestamp;
use tokio::sync::{Semaphore, watch};

use super::fan_out::Nesting;
use super::{ReadThread, Service};
use crate::blocking::blocking;
use crate::core::dispatch;
use crate::core::nonblocking_requests::{self, Claimed};
use crate::error::{CseError, CseResult};

/// A blocking request's `oet` (spec digest polling §6): waits until then on the timer
/// (no thread, no connection held; dispatch already refused an `oet` too far ahead),
/// and refuses the request if its `rqet` passed meanwhile. Non-blocking requests wait
/// in the database instead (their `<request>` is due at `oet`).
pub(super) async fn wait_for_execution_time(req: &Request) -> CseResult<()> {
    if req.timing.is_empty() || !req.response_type.is_blocking() {
        return Ok(());
    }
    if let Some(oet) = req.timing.oet {
        sleep_until(oet).await;
    }
    // The last point at which a blocking request can still be refused whole:
    // once it runs, it runs to its commit (see docs/conformance.md).
    refuse_if_expired(&req.timing)
}

/// Sleeps on the timer until `at` (no thread, no connection held).
async fn sleep_until(at: Timestamp) {
    let wait = at.as_datetime() - Timestamp::now().as_datetime();
    if let Ok(wait) = wait.to_std() {
        tokio::time::sleep(wait).await;
    }
}

/// 4008 when the request's `rqet` (by when it must run) or `rset` (by when its result
/// must be ready) has passed.
fn refuse_if_expired(timing: &Timing) -> CseResult<()> {
    let now = Timestamp::now();
    let passed = [
        ("rqet (X-M2M-RET)", timing.rqet),
        ("rset (X-M2M-RST)", timing.rset),
    ]
    .into_iter()
    .find_map(|(name, at)| at.filter(|at| *at <= now).map(|at| (name, at)));
    match passed {
        Some((name, at)) => Err(CseError::new(
            ResponseStatusCode::RequestTimeout,
            format!("{name} {at} passed before the request could run"),
        )),
        None => Ok(()),
    }
}

/// How the non-blocking request worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Requests run at the same time.
    pub concurrency: usize,
    /// Pause between looks for due requests when nothing woke the worker.
    pub poll: Duration,
    /// How long a claim holds a request: a request whose worker died runs again after
    /// it (at least once).
    pub lease_s: i64,
}

/// Runs accepted non-blocking requests, oldest due first, at most `concurrency` at a
/// time, until `stop` turns true (requests running then finish; the ones not
/// recorded run again after their lease).
pub async fn run(service: Service, settings: WorkerSettings, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    loop {
        if *stop.borrow() {
            return;
        }
        let free = slots.available_permits();
        let claimed = if free == 0 {
            Ok(Vec::new())
        } else {
            let cse = service.cse.clone();
            blocking(move || nonblocking_requests::claim(&cse, free, settings.lease_s))
                .await
                .and_then(|claimed| claimed)
        };
        let jobs = claimed.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot claim non-blocking requests; retrying");
            Vec::new()
        });
        let full = jobs.len() == free && free > 0;
        for job in jobs {
            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let service = service.clone();
            tokio::spawn(async move {
                execute_claimed(&service, job).await;
                drop(permit);
                // A slot is free: look for the next due request now, not at the next poll.
                service.requests.wake();
            });
        }
        if full {
            continue;
        }
        tokio::select! {
            () = service.requests.wait(settings.poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs one claimed request through the normal path (same originator, same access
/// control) and records its result; a failure to record leaves it leased, so it runs
/// again after the lease.
async fn execute_claimed(service: &Service, job: Claimed) {
    let response = match requests_due(&job.request) {
        Err(err) => dispatch::error_response(&err),
        Ok(req) => match service
            .execute_with(req, job.caller, Nesting::top(), ReadThread::Pool)
            .await
        {
            Ok(response) => response,
            Err(err) => dispatch::error_response(&err),
        },
    };
    let cse = service.cse.clone();
    let ri = job.ri.clone();
    match blocking(move || nonblocking_requests::finish(&cse, &job, &response)).await {
        Ok(Ok(done)) => {
            service.outbox.wake_if(done.queued_notifications);
            tracing::debug!(request = %ri, "non-blocking request finished");
        }
        Ok(Err(err)) | Err(err) => {
            tracing::warn!(request = %ri, error = %err, "cannot record the result of a non-blocking request; it runs again after its lease");
        }
    }
}

/// The request as it runs now: 4008 if its `rqet` passed while it waited, else
/// blocking and without the time parameters already honoured.
fn requests_due(req: &Request) -> CseResult<Request> {
    refuse_if_expired(&req.timing)?;
    let mut now = req.clone();
    now.timing = Timing::default();
    now.response_type = ResponseType::Blocking;
    Ok(now)
}
