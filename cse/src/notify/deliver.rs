//! Delivery workers: claim due outbox rows, send them (a bounded number at a time),
//! then delete them, or reschedule them with capped exponential backoff, or give up
//! after the configured number of attempts (logged and counted, kept in the table).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use onecse_models::Operation;
use onecse_models::time::Timestamp;
use prometheus::IntCounter;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};

use super::OutboxSignal;
use super::polling_hub::PollingHub;
use super::send::Sender;
use crate::blocking::blocking;
use crate::core::Cse;
use crate::core::notification::stats;
use crate::core::notification::target::{self, Route};
use crate::core::polling_channel::{self, Outgoing};
use crate::core::record::Resource;
use crate::core::removal::{self, Cause};
use crate::core::transaction::{self, Txn};
use crate::error::CseResult;
use crate::store::outbox::{self, OutboxRow};
use crate::store::resource_table::ResourceRow;
use crate::store::{TransactionKind, resource_table};

/// How delivery behaves; from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySettings {
    /// Notifications in flight at once.
    pub concurrency: usize,
    /// Delay before the second attempt; doubles per attempt.
    pub retry_base: Duration,
    /// Longest delay between attempts.
    pub retry_max: Duration,
    /// Attempts before giving up.
    pub max_attempts: i32,
    /// Longest wait between polls when no wake-up comes (other processes' rows, retries).
    pub poll: Duration,
    /// How long a claimed row stays reserved; must exceed the request timeout.
    pub lease: Duration,
    /// Lifetime of a notification moved to a polling AE's queue.
    pub queue_expiry: Duration,
}

/// Counters for operators, registered in the app's metrics registry
/// (`onecse_notifications_*_total`, see `crate::metrics`).
#[derive(Debug, Clone)]
pub struct DeliveryStats {
    /// Notifications delivered.
    pub delivered: IntCounter,
    /// Failed attempts that will be retried.
    pub retried: IntCounter,
    /// Notifications given up.
    pub given_up: IntCounter,
}

/// How often a worker looks for streams that lost their head (see
/// [`outbox::repair_heads`]).
const REPAIR_INTERVAL: Duration = Duration::from_secs(2);

async fn repair(cse: &Cse) {
    let cse = cse.clone();
    let repaired = blocking(move || {
        cse.db.run_background(TransactionKind::Write, |conn| {
            CseResult::Ok(outbox::repair_heads(conn)?)
        })
    })
    .await;
    match repaired {
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => tracing::info!(
            streams = n,
            "notification streams given their next head back"
        ),
        Ok(Err(err)) => tracing::warn!(error = %err, "repairing notification streams failed"),
        Err(err) => tracing::error!(error = %err, "repairing notification streams panicked"),
    }
}

/// Stops the recorder when the delivery loop is aborted (past the shutdown grace).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One claimed unit of work: a stream head and, for batching, the rows that follow it.
struct Job {
    rows: Vec<OutboxRow>,
    urls: Result<Vec<String>, String>,
}

/// What one claim found: jobs to send, and the polling AEs whose queues received
/// notifications (to wake their long polls once committed).
struct Claimed {
    jobs: Vec<Job>,
    queued_for: Vec<String>,
}

/// Longest pause between claims while the database keeps failing.
const CLAIM_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Runs the delivery loop; `signal` wakes it when a commit queued notifications.
///
/// When `stop` turns true it claims nothing more, lets the sends in flight finish
/// (each bounded by the notification timeout), releases claimed rows it did not try,
/// records every outcome and returns; the caller bounds the whole by the shutdown
/// grace period. A row whose outcome is never recorded (a crash, a cut) keeps its
/// lease and is sent again when the lease expires: delivery is at least once.
pub async fn run(
    cse: Cse,
    signal: OutboxSignal,
    hub: PollingHub,
    sender: Sender,
    settings: DeliverySettings,
    stats: Arc<DeliveryStats>,
    mut stop: watch::Receiver<bool>,
) {
    let concurrency = settings.concurrency.max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let (outcomes_tx, outcomes_rx) = mpsc::channel(concurrency * 2);
    let recorder = tokio::spawn(record(
        cse.clone(),
        signal.clone(),
        settings,
        Arc::clone(&stats),
        outcomes_rx,
    ));
    let mut recorder = AbortOnDrop(recorder);
    let mut last_repair = std::time::Instant::now();
    let mut failures: u32 = 0;
    while !*stop.borrow() {
        if last_repair.elapsed() >= REPAIR_INTERVAL {
            last_repair = std::time::Instant::now();
            repair(&cse).await;
        }
        let first = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => return,
            },
            _ = stop.changed() => break,
        };
        let free = permits.available_permits() + 1;
        let claimed = {
            let cse = cse.clone();
            blocking(move || claim(&cse, free, settings)).await
        };
        let jobs = match claimed {
            Ok(Ok(Claimed { jobs, queued_for })) => {
                for owner in &queued_for {
                    hub.wake(owner);
                }
                if !queued_for.is_empty() {
                    // Their streams' next rows, and `exc` deletion notices, are due now.
                    signal.wake();
                }
                if failures > 0 {
                    tracing::info!(failures, "claiming notifications works again");
                }
                failures = 0;
                jobs
            }
            Ok(Err(err)) | Err(err) => {
                // A database outage: back off (doubling up to 30 s) instead of one
                // warning per poll.
                failures = failures.saturating_add(1);
                tracing::warn!(error = %err, failures, "claiming notifications failed; retrying with backoff");
                drop(first);
                let pause = settings
                    .poll
                    .saturating_mul(1 << failures.min(16))
                    .min(CLAIM_BACKOFF_MAX.max(settings.poll));
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => break,
                }
                continue;
            }
        };
        if jobs.is_empty() {
            drop(first);
            tokio::select! {
                () = signal.wait(settings.poll) => {}
                _ = stop.changed() => break,
            }
            continue;
        }
        let mut first = Some(first);
        for job in jobs {
            let permit = match first.take() {
                Some(p) => p,
                None => match Arc::clone(&permits).acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let (sender, outcomes) = (sender.clone(), outcomes_tx.clone());
            let stop = stop.clone();
            tokio::spawn(async move {
                deliver(sender, job, outcomes, stop).await;
                drop(permit);
            });
        }
    }
    // Every send in flight holds a permit: having them all means they have finished
    // and queued their outcomes; then the recorder drains the queue and ends.
    let _ = permits
        .acquire_many(u32::try_from(concurrency).unwrap_or(u32::MAX))
        .await;
    drop(outcomes_tx);
    let _ = (&mut recorder.0).await;
}

fn claim(cse: &Cse, limit: usize, settings: DeliverySettings) -> CseResult<Claimed> {
    let lease = settings.lease;
    let now = Timestamp::now();
    let lease_until = now
        .plus_seconds(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX).max(1))
        .to_string();
    let claimed = transaction::run_background(cse, TransactionKind::Write, now, |tx| {
        let heads = outbox::claim(
            tx.conn,
            &tx.now_text,
            &lease_until,
            i64::try_from(limit).unwrap_or(1),
        )?;
        let mut claimed = Claimed {
            jobs: Vec::with_capacity(heads.len()),
            queued_for: Vec::new(),
        };
        // A batch takes its `num` rows; otherwise the stream's next rows ride along
        // and are sent one after the other, in order, on this claim.
        let extras: Vec<i64> = heads
            .iter()
            .map(|h| h.batch_num.map_or(PIPELINE - 1, |num| i64::from(num) - 1))
            .collect();
        let followers = outbox::claim_followers(tx.conn, &heads, &extras, &lease_until)?;
        for (head, followers) in heads.into_iter().zip(followers) {
            let route = target::resolve(tx, &head.target)?;
            let mut rows = vec![head];
            rows.extend(followers);
            let urls = match route {
                Ok(Route::Queue(owner)) => {
                    move_to_queue(tx, &owner, &rows, settings.queue_expiry)?;
                    claimed.queued_for.push(owner);
                    continue;
                }
                Ok(Route::Send(urls)) => Ok(urls),
                Err(why) => Err(why),
            };
            claimed.jobs.push(Job { rows, urls });
        }
        if claimed.queued_for.is_empty() {
            // Only leases were written: losing them in a crash sends the rows again.
            outbox::commit_without_flush(tx.conn)?;
        }
        Ok(claimed)
    })?;
    Ok(claimed.value)
}

/// Moves a claimed job into the polling queue of the AE `owner` instead of sending
/// it, in the claim's transaction: the notifications (one request per `m2m:sgn`, one
/// for a batch) are queued, and their outbox rows complete as delivered (counting
/// towards `exc`), so a crash either does both or neither.
fn move_to_queue(
    tx: &mut Txn<'_>,
    owner: &str,
    rows: &[OutboxRow],
    expiry: Duration,
) -> CseResult<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let expires = tx
        .now
        .plus_millis(i64::try_from(expiry.as_millis()).unwrap_or(i64::MAX));
    let batches: Vec<&[OutboxRow]> = if first.batch_num.is_some() {
        vec![rows]
    } else {
        rows.chunks(1).collect()
    };
    for batch in batches {
        let request = Outgoing {
            op: Operation::Notify,
            to: first.target.clone(),
            from: tx.cse.cse_id.clone(),
            rqi: uuid::Uuid::new_v4().simple().to_string(),
            rvi: "3".into(),
            content: Some(body(batch)),
        };
        polling_channel::enqueue(tx, owner, &request, expires)?;
    }
    let counted = rows.iter().filter(|r| r.counts == 1).count();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    outbox::complete(tx.conn, &[first.stream.as_str()], &ids)?;
    if counted > 0 {
        // Handed to the AE's queue counts as delivered (towards `exc`) and as sent
        // (the statistics); the AE's answer, if any, is not awaited.
        let counted = i64::try_from(counted).unwrap_or(i64::MAX);
        let mut tally = Tally {
            delivered: counted,
            ..Tally::default()
        };
        tally.sent.insert(
            first.target.as_str(),
            stats::Sent {
                requests: counted,
                responses: 0,
            },
        );
        if let Some(row) = resource_table::lock_and_reload(tx.conn, &first.sub_ri)? {
            settle(tx, row, &tally)?;
        }
    }
    tracing::debug!(subscription = %first.sub_ri, owner, notifications = ids.len(), "notifications queued for a polling AE");
    Ok(())
}

/// Outbox contents that are not notifications of a subscription and are sent alone,
/// unwrapped: a non-blocking request's result, a time-synchronization beacon.
const SENT_AS_THEY_ARE: [&str; 2] = ["m2m:rsp", "m2m:tsbn"];

/// The body for a job: one `m2m:sgn`, or an `m2m:agn` batch for batching subscriptions.
fn body(rows: &[OutboxRow]) -> Value {
    // The result of a non-blocking request (rt 2) is sent as the `m2m:rsp` it is, a
    // timeSyncBeacon's beacon as the `m2m:tsbn` it is.
    if let [row] = rows
        && SENT_AS_THEY_ARE
            .iter()
            .any(|root| row.payload.starts_with(&format!("{{\"{root}\"")))
        && let Ok(content) = serde_json::from_str::<Value>(&row.payload)
    {
        return content;
    }
    let notifications: Vec<Value> = rows
        .iter()
        .map(|r| {
            let parsed: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
            parsed.get("m2m:sgn").cloned().unwrap_or(parsed)
        })
        .collect();
    let batching = rows.first().is_some_and(|r| r.batch_num.is_some());
    let latest_only = rows.first().is_some_and(|r| r.latest_only == 1);
    let notifications = if latest_only {
        notifications.into_iter().last().into_iter().collect()
    } else {
        notifications
    };
    match notifications.as_slice() {
        [single] if !batching => json!({ "m2m:sgn": single }),
        _ => json!({ "m2m:agn": { "m2m:sgn": notifications } }),
    }
}

/// The X-M2M-EC a row is sent with: 4 (latest) under latestNotify, else the
/// subscription's `nec`.
fn event_category(row: &OutboxRow) -> Option<i32> {
    if row.latest_only == 1 {
        Some(4)
    } else {
        row.ec
    }
}

/// Rows of one stream sent per claim, one after the other (order is kept: a failure
/// stops the sequence and the rest is released untried).
const PIPELINE: i64 = 16;

/// A finished delivery attempt waiting to be recorded.
struct Outcome {
    /// Rows delivered, in order.
    delivered: Vec<OutboxRow>,
    /// The rows whose attempt failed, with the reason (a whole batch, or one row).
    failed: Option<(Vec<OutboxRow>, String)>,
    /// Rows not tried because an earlier one failed.
    released: Vec<OutboxRow>,
    /// Whether the failed rows were sent (false: the target could not be resolved).
    sent_failed: bool,
}

impl Outcome {
    /// The stream the outcome belongs to (all its rows share it).
    fn stream(&self) -> &str {
        let failed = self.failed.iter().flat_map(|(rows, _)| rows);
        self.delivered
            .iter()
            .chain(failed)
            .chain(&self.released)
            .map(|r| r.stream.as_str())
            .next()
            .unwrap_or_default()
    }
}

/// Most outcomes recorded in one transaction.
const RECORD_BATCH: usize = 256;

async fn deliver(
    sender: Sender,
    job: Job,
    outcomes: mpsc::Sender<Outcome>,
    stop: watch::Receiver<bool>,
) {
    let batching = job.rows.first().is_some_and(|r| r.batch_num.is_some());
    let outcome = match &job.urls {
        Err(reason) => Outcome {
            delivered: Vec::new(),
            failed: Some((job.rows, reason.clone())),
            released: Vec::new(),
            sent_failed: false,
        },
        Ok(urls) if batching => {
            let ec = job.rows.first().and_then(event_category);
            match sender.post_first(urls, &body(&job.rows), ec).await {
                Ok(()) => Outcome {
                    delivered: job.rows,
                    failed: None,
                    released: Vec::new(),
                    sent_failed: true,
                },
                Err(reason) => Outcome {
                    delivered: Vec::new(),
                    failed: Some((job.rows, reason)),
                    released: Vec::new(),
                    sent_failed: true,
                },
            }
        }
        Ok(urls) => {
            let mut outcome = Outcome {
                delivered: Vec::new(),
                failed: None,
                released: Vec::new(),
                sent_failed: true,
            };
            let mut rows = job.rows.into_iter().peekable();
            // On shutdown the current send finishes and the rest is released untried.
            while let Some(row) = rows.next_if(|_| !*stop.borrow()) {
                let ec = event_category(&row);
                match sender
                    .post_first(urls, &body(std::slice::from_ref(&row)), ec)
                    .await
                {
                    Ok(()) => outcome.delivered.push(row),
                    Err(reason) => {
                        outcome.failed = Some((vec![row], reason));
                        break;
                    }
                }
            }
            outcome.released = rows.collect();
            outcome
        }
    };
    // The rows stay leased until recorded, so their stream cannot move on before.
    let _ = outcomes.send(outcome).await;
}

/// Records outcomes in batches: one transaction for everything that finished since
/// the last one, instead of one commit per notification.
async fn record(
    cse: Cse,
    signal: OutboxSignal,
    settings: DeliverySettings,
    stats: Arc<DeliveryStats>,
    mut outcomes: mpsc::Receiver<Outcome>,
) {
    while let Some(first) = outcomes.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match outcomes.try_recv() {
                Ok(outcome) => batch.push(outcome),
                Err(_) => break,
            }
        }
        let recorded = {
            let (cse, stats) = (cse.clone(), Arc::clone(&stats));
            blocking(move || finish(&cse, &batch, settings, &stats)).await
        };
        match recorded {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::error!(error = %err, "recording delivery results failed; the leases expire and they are retried")
            }
            Err(err) => tracing::error!(error = %err, "recording delivery results panicked"),
        }
        // Streams whose head was delivered can send their next row now (and an `exc`
        // deletion may have queued its deletion notice).
        signal.wake();
    }
}

fn finish(
    cse: &Cse,
    batch: &[Outcome],
    settings: DeliverySettings,
    stats: &DeliveryStats,
) -> CseResult<()> {
    let now = Timestamp::now();
    // Lock order, as in requests: resource rows first (subscriptions, in resourceID
    // order), then outbox rows in stream order, so the recorder and a request cannot
    // wait for each other in a cycle.
    let mut in_order: Vec<&Outcome> = batch.iter().collect();
    in_order.sort_by(|a, b| a.stream().cmp(b.stream()));
    let counted = tally(batch);
    transaction::run_background(cse, TransactionKind::Write, now, |tx| {
        let mut removed_any = false;
        let subs: Vec<&str> = counted.keys().copied().collect();
        let rows = resource_table::lock_and_reload_all(tx.conn, &subs)?;
        for row in rows {
            if let Some(tally) = counted.get(row.ri.as_str()) {
                removed_any |= settle(tx, row, tally)?;
            }
        }
        // Every row to delete or give up is locked first, in stream order, in one
        // statement; then the delivered ones go in one DELETE.
        let given_up: Vec<i64> = in_order
            .iter()
            .filter_map(|o| o.failed.as_ref())
            .filter(|(rows, _)| {
                rows.first()
                    .is_some_and(|h| h.attempts + 1 >= settings.max_attempts)
            })
            .flat_map(|(rows, _)| rows.iter().map(|r| r.id))
            .collect();
        let mut streams: Vec<&str> = Vec::new();
        let mut delivered: Vec<i64> = Vec::new();
        for outcome in &in_order {
            if let Some(first) = outcome.delivered.first() {
                streams.push(first.stream.as_str());
                delivered.extend(outcome.delivered.iter().map(|r| r.id));
                tracing::debug!(subscription = %first.sub_ri, target = %first.target, notifications = outcome.delivered.len(), "notifications delivered");
            }
        }
        let to_lock: Vec<i64> = delivered.iter().chain(&given_up).copied().collect();
        outbox::lock_for_removal(tx.conn, &to_lock)?;
        outbox::complete(tx.conn, &streams, &delivered)?;
        let mut released: Vec<i64> = Vec::new();
        for outcome in &in_order {
            if let Some((rows, reason)) = &outcome.failed
                && let Some(head) = rows.first()
            {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                let attempts = head.attempts + 1;
                if attempts >= settings.max_attempts {
                    outbox::give_up(tx.conn, &head.stream, &ids, reason)?;
                    tracing::error!(subscription = %head.sub_ri, target = %head.target, attempts, reason = %reason, "notification given up");
                } else {
                    let delay = backoff(settings, attempts);
                    let due = now.plus_millis(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
                    outbox::retry(tx.conn, &ids, &due.to_string(), reason)?;
                    tracing::info!(subscription = %head.sub_ri, target = %head.target, attempts, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), reason = %reason, "notification failed; will retry");
                }
            }
            released.extend(outcome.released.iter().map(|r| r.id));
        }
        if !released.is_empty() {
            outbox::release(tx.conn, &released)?;
        }
        if !removed_any {
            // Outcomes only: a crash that loses them sends those rows again
            // (at-least-once). A subscription removed by `exc` commits durably, since
            // its deletion notice may be sent at once.
            outbox::commit_without_flush(tx.conn)?;
        }
        CseResult::Ok(())
    })?;
    for outcome in batch {
        stats.delivered.inc_by(outcome.delivered.len() as u64);
        if let Some((rows, _)) = &outcome.failed {
            let attempts = rows.first().map_or(0, |r| r.attempts + 1);
            if attempts >= settings.max_attempts {
                stats.given_up.inc_by(rows.len() as u64);
            } else {
                stats.retried.inc();
            }
        }
    }
    Ok(())
}

/// Capped exponential backoff: base, 2·base, 4·base, … up to the maximum.
fn backoff(settings: DeliverySettings, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    settings
        .retry_base
        .saturating_mul(1 << exponent)
        .min(settings.retry_max)
}

/// What a recording batch did for one subscription.
#[derive(Default)]
struct Tally<'a> {
    /// Notifications delivered (towards `exc`).
    delivered: i64,
    /// Per target: requests sent and answered (the statistics).
    sent: BTreeMap<&'a str, stats::Sent>,
}

/// Sums a batch per subscription (in resourceID order, the lock order). Deletion
/// notices (`counts` 0) count for neither `exc` nor the statistics.
fn tally(batch: &[Outcome]) -> BTreeMap<&str, Tally<'_>> {
    let mut counted: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
    for outcome in batch {
        // A batch (`m2m:agn`) is one request with one response for k notifications.
        let batched = outcome
            .delivered
            .first()
            .is_some_and(|r| r.batch_num.is_some());
        for (i, row) in outcome.delivered.iter().enumerate() {
            if row.counts != 1 {
                continue;
            }
            let tally = counted.entry(row.sub_ri.as_str()).or_default();
            tally.delivered += 1;
            let sent = tally.sent.entry(row.target.as_str()).or_default();
            sent.requests += 1;
            if !batched || i == 0 {
                sent.responses += 1;
            }
        }
        if let Some((rows, _)) = &outcome.failed
            && outcome.sent_failed
        {
            for row in rows.iter().filter(|r| r.counts == 1) {
                let tally = counted.entry(row.sub_ri.as_str()).or_default();
                tally.sent.entry(row.target.as_str()).or_default().requests += 1;
            }
        }
    }
    counted
}

/// Applies a subscription's tally in the transaction that finishes its rows: the
/// statistics (`nsi`, when `nse` is on) and `exc`, which counts successful
/// notifications down and at zero deletes the subscription (with its deletion
/// notification). `row` is the subscription, locked for this transaction. True when
/// it deleted the subscription.
fn settle(tx: &mut Txn<'_>, row: ResourceRow, tally: &Tally<'_>) -> CseResult<bool> {
    let mut sub = Resource::from_row(row)?;
    let mut changed = false;
    for (target, sent) in &tally.sent {
        changed |= stats::count_sent(&mut sub.attrs, target, *sent);
    }
    if let Some(exc) = sub.attrs.get("exc").and_then(Value::as_i64)
        && tally.delivered > 0
    {
        let left = exc - tally.delivered;
        if left <= 0 {
            return removal::remove(tx, &sub, Cause::Exhausted).map(|_| true);
        }
        sub.attrs.insert("exc".into(), json!(left));
        changed = true;
    }
    if changed {
        resource_table::update(tx.conn, &sub.to_row())?;
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let settings = DeliverySettings {
            concurrency: 1,
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(1000),
            max_attempts: 5,
            poll: Duration::from_millis(100),
            lease: Duration::from_secs(30),
            queue_expiry: Duration::from_secs(60),
        };
        let delays: Vec<u128> = (1..=6).map(|a| backoff(settings, a).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
    }
}
