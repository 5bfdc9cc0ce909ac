//! Delivery workers: claim due outbox rows, send them (a bounded number at a time),
//! then delete them, or reschedule them with capped exponential backoff, or give up
//! after the configured number of attempts (logged and counted, kept in the table).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use onecse_models::time::Timestamp;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::send::Sender;
use super::target;
use crate::core::Cse;
use crate::core::removal::{self, Cause};
use crate::core::resource::Resource;
use crate::error::CseResult;
use crate::store::outbox::{self, OutboxRow};
use crate::store::{TransactionKind, resources};

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
}

/// Counters for operators (exported as metrics later).
#[derive(Debug, Default)]
pub struct DeliveryStats {
    /// Notifications delivered.
    pub delivered: AtomicU64,
    /// Failed attempts that will be retried.
    pub retried: AtomicU64,
    /// Notifications given up.
    pub given_up: AtomicU64,
}

/// One claimed unit of work: a stream head and, for batching, the rows that follow it.
struct Job {
    rows: Vec<OutboxRow>,
    urls: Result<Vec<String>, String>,
}

/// Runs the delivery loop until the task is aborted.
pub async fn run(cse: Cse, sender: Sender, settings: DeliverySettings, stats: Arc<DeliveryStats>) {
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    loop {
        let Ok(first) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let free = permits.available_permits() + 1;
        let claimed = {
            let cse = cse.clone();
            tokio::task::spawn_blocking(move || claim(&cse, free, settings.lease)).await
        };
        let jobs = match claimed {
            Ok(Ok(jobs)) => jobs,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "claiming notifications failed; retrying");
                Vec::new()
            }
            Err(err) => {
                tracing::error!(error = %err, "claiming notifications panicked");
                Vec::new()
            }
        };
        if jobs.is_empty() {
            drop(first);
            cse.outbox.wait(settings.poll).await;
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
            let (cse, sender, stats) = (cse.clone(), sender.clone(), Arc::clone(&stats));
            tokio::spawn(async move {
                deliver(cse, sender, settings, stats, job).await;
                drop(permit);
            });
        }
    }
}

fn claim(cse: &Cse, limit: usize, lease: Duration) -> CseResult<Vec<Job>> {
    let now = Timestamp::now();
    let now_text = now.to_string();
    let lease_until = now
        .plus_seconds(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX).max(1))
        .to_string();
    cse.db.run(TransactionKind::Write, |conn| {
        let heads = outbox::claim(
            conn,
            &now_text,
            &lease_until,
            i64::try_from(limit).unwrap_or(1),
        )?;
        let mut jobs = Vec::with_capacity(heads.len());
        for head in heads {
            let urls = target::resolve(conn, cse, &head.target, &now_text)?;
            let mut rows = vec![head];
            if let Some(head) = rows.first()
                && head.batch_num.is_some()
            {
                let followers = outbox::claim_batch_followers(conn, head, &lease_until)?;
                rows.extend(followers);
            }
            jobs.push(Job { rows, urls });
        }
        Ok(jobs)
    })
}

/// The body for a job: one `m2m:sgn`, or an `m2m:agn` batch for batching subscriptions.
fn body(rows: &[OutboxRow]) -> Value {
    let notifications: Vec<Value> = rows
        .iter()
        .map(|r| {
            let parsed: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
            parsed.get("m2m:sgn").cloned().unwrap_or(parsed)
        })
        .collect();
    let batching = rows.first().is_some_and(|r| r.batch_num.is_some());
    match notifications.as_slice() {
        [single] if !batching => json!({ "m2m:sgn": single }),
        _ => json!({ "m2m:agn": { "m2m:sgn": notifications } }),
    }
}

async fn deliver(
    cse: Cse,
    sender: Sender,
    settings: DeliverySettings,
    stats: Arc<DeliveryStats>,
    job: Job,
) {
    let latest = job.rows.first().is_some_and(|r| r.latest_only == 1);
    let result = match &job.urls {
        Ok(urls) => sender.post_first(urls, &body(&job.rows), latest).await,
        Err(reason) => Err(reason.clone()),
    };
    let rows = job.rows;
    let finished =
        tokio::task::spawn_blocking(move || finish(&cse, &rows, result, settings, &stats)).await;
    match finished {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::error!(error = %err, "recording a delivery result failed; the lease will expire and it is retried")
        }
        Err(err) => tracing::error!(error = %err, "recording a delivery result panicked"),
    }
}

fn finish(
    cse: &Cse,
    rows: &[OutboxRow],
    result: Result<(), String>,
    settings: DeliverySettings,
    stats: &DeliveryStats,
) -> CseResult<()> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let Some(head) = rows.first() else {
        return Ok(());
    };
    let now = Timestamp::now();
    match result {
        Ok(()) => {
            let counted = rows.iter().filter(|r| r.counts == 1).count();
            cse.db.run(TransactionKind::Write, |conn| {
                outbox::complete(conn, &ids)?;
                if counted > 0 {
                    count_towards_expiration(conn, cse, &head.sub_ri, counted, now)?;
                }
                CseResult::Ok(())
            })?;
            // The stream's next row (or the deletion notice of an exhausted
            // subscription) can go now.
            cse.outbox.wake();
            stats
                .delivered
                .fetch_add(ids.len() as u64, Ordering::Relaxed);
            tracing::debug!(subscription = %head.sub_ri, target = %head.target, notifications = ids.len(), "notification delivered");
        }
        Err(reason) => {
            let attempts = head.attempts + 1;
            if attempts >= settings.max_attempts {
                cse.db.run(TransactionKind::Write, |conn| {
                    CseResult::Ok(outbox::give_up(conn, &ids, &reason)?)
                })?;
                stats
                    .given_up
                    .fetch_add(ids.len() as u64, Ordering::Relaxed);
                tracing::error!(subscription = %head.sub_ri, target = %head.target, attempts, reason = %reason, "notification given up");
            } else {
                let delay = backoff(settings, attempts);
                let due = now
                    .plus_millis(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
                    .to_string();
                cse.db.run(TransactionKind::Write, |conn| {
                    CseResult::Ok(outbox::retry(conn, &ids, &due, &reason)?)
                })?;
                stats.retried.fetch_add(1, Ordering::Relaxed);
                tracing::info!(subscription = %head.sub_ri, target = %head.target, attempts, retry_in_ms = delay.as_millis() as u64, reason = %reason, "notification failed; will retry");
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

/// `exc`: successful notifications count down; at zero the subscription is deleted
/// (with its deletion notification).
fn count_towards_expiration(
    conn: &mut crate::store::DbConn,
    cse: &Cse,
    sub_ri: &str,
    delivered: usize,
    now: Timestamp,
) -> CseResult<()> {
    let Some(row) = resources::find_by_ri(conn, sub_ri, &now.to_string())? else {
        return Ok(());
    };
    let mut sub = Resource::from_row(row)?;
    let Some(exc) = sub.attrs.get("exc").and_then(Value::as_i64) else {
        return Ok(());
    };
    let left = exc - i64::try_from(delivered).unwrap_or(i64::MAX);
    if left <= 0 {
        removal::remove(conn, cse, &sub, Cause::Exhausted, now)?;
    } else {
        sub.attrs.insert("exc".into(), json!(left));
        resources::update(conn, &sub.to_row())?;
    }
    Ok(())
}

/// Sends the verification request of a new subscription (or of `nu` entries added by
/// UPDATE) to each target; the first failure is returned.
pub async fn verify(
    sender: &Sender,
    targets: &[(String, Result<Vec<String>, String>)],
    sur: &str,
    creator: Option<&str>,
) -> Result<(), String> {
    let mut sgn = serde_json::Map::new();
    sgn.insert("vrq".into(), json!(true));
    sgn.insert("sur".into(), json!(sur));
    if let Some(cr) = creator {
        sgn.insert("cr".into(), json!(cr));
    }
    let body = json!({ "m2m:sgn": sgn });
    for (entry, urls) in targets {
        let urls = urls
            .as_ref()
            .map_err(|reason| format!("{entry}: {reason}"))?;
        sender
            .post_first(urls, &body, false)
            .await
            .map_err(|reason| format!("{entry}: {reason}"))?;
    }
    Ok(())
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
        };
        let delays: Vec<u128> = (1..=6).map(|a| backoff(settings, a).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
    }
}
