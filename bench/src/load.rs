//! Running a load: closed loop (each connection sends as soon as the previous answer
//! came) or open loop (a fixed arrival rate; latency counts from the intended send
//! time, so a slow server cannot hide queueing), with a warm-up that is not recorded.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use onecse_testkit::Reply;
use tokio::sync::Mutex;

/// How long, and how hard.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Concurrent connections.
    pub connections: usize,
    /// Measured duration (ignored when `requests` is set).
    pub duration: Duration,
    /// Stop after this many measured requests instead.
    pub requests: Option<u64>,
    /// Unmeasured warm-up before.
    pub warmup: Duration,
    /// Open loop: requests per second; closed loop when `None`.
    pub rate: Option<f64>,
}

/// What a load produced.
#[derive(Debug)]
pub struct Measured {
    /// Latencies in microseconds.
    pub latency: Histogram<u64>,
    /// Count of answers per response status code (0 = transport error).
    pub codes: BTreeMap<u16, u64>,
    /// Wall time of the measured part.
    pub elapsed: Duration,
}

struct Shared {
    latency: Mutex<Histogram<u64>>,
    codes: Mutex<BTreeMap<u16, u64>>,
    issued: AtomicU64,
}

/// Runs `request(connection index, sequence number)` under the plan, counting each
/// reply by [`Reply::code`].
pub async fn run<F, Fut>(plan: Plan, request: F) -> anyhow::Result<Measured>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send,
{
    let request = Arc::new(request);
    if !plan.warmup.is_zero() {
        let warm = Plan {
            warmup: Duration::ZERO,
            requests: None,
            duration: plan.warmup,
            ..plan
        };
        drive(warm, Arc::clone(&request)).await?;
    }
    drive(plan, request).await
}

async fn drive<F, Fut>(plan: Plan, request: Arc<F>) -> anyhow::Result<Measured>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send,
{
    let shared = Arc::new(Shared {
        latency: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3)?),
        codes: Mutex::new(BTreeMap::new()),
        issued: AtomicU64::new(0),
    });
    let start = Instant::now();
    let end = start + plan.duration;
    let mut tasks = Vec::with_capacity(plan.connections);
    for conn in 0..plan.connections {
        let (shared, request) = (Arc::clone(&shared), Arc::clone(&request));
        tasks.push(tokio::spawn(async move {
            let mut local = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let mut codes: BTreeMap<u16, u64> = BTreeMap::new();
            loop {
                let seq = shared.issued.fetch_add(1, Ordering::Relaxed);
                if plan.requests.is_some_and(|n| seq >= n) {
                    break;
                }
                // Open loop: request `seq` was due at start + seq / rate.
                let intended = match plan.rate {
                    Some(rate) => {
                        let due = start + Duration::from_secs_f64(seq as f64 / rate);
                        if plan.requests.is_none() && due >= end {
                            break;
                        }
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    None => {
                        if plan.requests.is_none() && Instant::now() >= end {
                            break;
                        }
                        Instant::now()
                    }
                };
                let code = request(conn, seq).await.code();
                let micros = u64::try_from(intended.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                if let Some(h) = local.as_mut() {
                    let _ = h.record(micros.min(60_000_000));
                }
                *codes.entry(code).or_default() += 1;
            }
            if let Some(h) = local {
                let _ = shared.latency.lock().await.add(h);
            }
            let mut all = shared.codes.lock().await;
            for (code, n) in codes {
                *all.entry(code).or_default() += n;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = start.elapsed();
    let shared =
        Arc::try_unwrap(shared).map_err(|_| anyhow::anyhow!("load tasks still running"))?;
    Ok(Measured {
        latency: shared.latency.into_inner(),
        codes: shared.codes.into_inner(),
        elapsed,
    })
}
