//! Prometheus metrics: one registry owned by each `App` (test apps in one process never
//! share counters), the request, connection, notification, expiry and pool
//! instruments, the process's own figures (memory, CPU, file descriptors, read from
//! /proc at scrape time on Linux), and the gauges read from the database when
//! `/metrics` is scraped.

use onecse_models::{Operation, ResourceType};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::notify::deliver::DeliveryStats;
use crate::store::Backend;

/// Seconds a request pool checkout may wait, in buckets from 0.1 ms (a free
/// connection) to the pool's 10 s timeout.
const POOL_WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0,
];

/// Seconds a oneM2M request takes, in buckets from 100 µs (a point read on a warm
/// connection takes 0.3–0.7 ms) to 10 s (beyond any request timeout), about three per
/// decade, so a p50 or p99 read off them is within one bucket of the truth. The
/// client library's defaults start at 5 ms, where every request would land in the
/// first bucket.
const REQUEST_DURATION_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Requests per group-commit transaction, in buckets up to the largest sensible
/// `group_commit_max_batch`.
const BATCH_SIZE_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Every instrument onecse exports. Cloning is cheap and shares the values (the
/// prometheus types are handles), so the binding, delivery and the expiry task each
/// hold what they feed.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_duration: HistogramVec,
    /// Requests being handled now; fed by the binding around each request.
    pub requests_in_flight: IntGauge,
    /// HTTP connections open now (kept-alive ones included); fed by the listener
    /// around each connection, so `ulimit -n` trouble shows before it bites.
    pub open_connections: IntGauge,
    /// Fed by delivery; registered here so a scrape shows them.
    pub delivery: std::sync::Arc<DeliveryStats>,
    /// Fed by the expiry sweep.
    pub expired_removed: IntCounter,
    /// Fed by the expiry sweep: queued requests no poll took in time.
    pub polling_expired: IntCounter,
    /// Filled at scrape time from one outbox query.
    pub outbox_pending: IntGauge,
    /// Filled at scrape time from the same query.
    pub outbox_oldest_pending_age: prometheus::Gauge,
    /// Filled at scrape time from the request pool's state.
    pub pool_connections: IntGaugeVec,
    /// Fed by `Database` around each request-pool checkout.
    pub pool_wait: Histogram,
    /// Fed by group commit (`service/group_commit.rs`) with each batch's size.
    pub group_commit_batch_size: Histogram,
}

impl Metrics {
    /// Creates and registers every instrument; `backend` goes into `onecse_build_info`
    /// so dashboards can tell deployments apart.
    pub fn new(backend: Backend) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "onecse_requests_total",
                "oneM2M requests answered, by operation, target resource type and response status code",
            ),
            &["operation", "resource_type", "rsc"],
        )?;
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "onecse_request_duration_seconds",
                "Time from receiving a oneM2M request to having its response, by operation",
            )
            .buckets(REQUEST_DURATION_BUCKETS.to_vec()),
            &["operation"],
        )?;
        let requests_in_flight = IntGauge::new(
            "onecse_requests_in_flight",
            "oneM2M requests received and not yet answered",
        )?;
        let open_connections = IntGauge::new(
            "onecse_http_connections_open",
            "HTTP connections open on the main listener (idle kept-alive ones included)",
        )?;
        let delivery = DeliveryStats {
            delivered: IntCounter::new(
                "onecse_notifications_delivered_total",
                "Notifications delivered to their target",
            )?,
            retried: IntCounter::new(
                "onecse_notifications_retried_total",
                "Failed notification attempts that will be retried",
            )?,
            given_up: IntCounter::new(
                "onecse_notifications_failed_total",
                "Notifications given up after the configured attempts (kept in the outbox table)",
            )?,
        };
        let expired_removed = IntCounter::new(
            "onecse_expired_resources_removed_total",
            "Resources removed by the expiry sweep because their expirationTime passed",
        )?;
        let polling_expired = IntCounter::new(
            "onecse_polling_requests_expired_total",
            "Requests queued for a polling AE (pollingChannel) dropped because they expired before a poll took them",
        )?;
        let outbox_pending = IntGauge::new(
            "onecse_outbox_pending",
            "Notifications waiting for delivery (given-up rows excluded), read at scrape time",
        )?;
        let outbox_oldest_pending_age = prometheus::Gauge::new(
            "onecse_outbox_oldest_pending_age_seconds",
            "Age of the oldest notification waiting for delivery (0 when none), read at scrape time",
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "onecse_db_pool_connections",
                "Connections of the request pool, in use or idle, read at scrape time",
            ),
            &["state"],
        )?;
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "onecse_db_pool_wait_seconds",
                "Time a request waited for a connection from the pool",
            )
            .buckets(POOL_WAIT_BUCKETS.to_vec()),
        )?;
        let group_commit_batch_size = Histogram::with_opts(
            HistogramOpts::new(
                "onecse_group_commit_batch_size",
                "Instance creates into one parent committed together in one transaction (PostgreSQL group commit)",
            )
            .buckets(BATCH_SIZE_BUCKETS.to_vec()),
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new(
                "onecse_build_info",
                "Always 1; the labels say which onecse version runs on which database",
            ),
            &["version", "backend"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), &backend.to_string()])
            .set(1);
        let collectors: [Box<dyn prometheus::core::Collector>; 15] = [
            Box::new(requests.clone()),
            Box::new(request_duration.clone()),
            Box::new(requests_in_flight.clone()),
            Box::new(open_connections.clone()),
            Box::new(delivery.delivered.clone()),
            Box::new(delivery.retried.clone()),
            Box::new(delivery.given_up.clone()),
            Box::new(expired_removed.clone()),
            Box::new(polling_expired.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(outbox_oldest_pending_age.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_wait.clone()),
            Box::new(group_commit_batch_size.clone()),
            Box::new(build_info),
        ];
        for collector in collectors {
            registry.register(collector)?;
        }
        register_process_collector(&registry)?;
        Ok(Self {
            registry,
            requests,
            request_duration,
            requests_in_flight,
            open_connections,
            delivery: std::sync::Arc::new(delivery),
            expired_removed,
            polling_expired,
            outbox_pending,
            outbox_oldest_pending_age,
            pool_connections,
            pool_wait,
            group_commit_batch_size,
        })
    }

    /// Counts one answered request. The labels are bounded by construction: an
    /// operation, a resource type's short name (or `unknown`), a status code.
    pub fn observe_request(
        &self,
        op: Operation,
        resource_type: Option<ResourceType>,
        rsc: u16,
        seconds: f64,
    ) {
        let ty = resource_type.map_or("unknown", ResourceType::short_name);
        let op = operation_label(op);
        self.requests
            .with_label_values(&[op, ty, &rsc.to_string()])
            .inc();
        self.request_duration
            .with_label_values(&[op])
            .observe(seconds);
    }

    /// The registry in the text exposition format.
    pub fn render(&self) -> prometheus::Result<String> {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }
}

/// The client library's process collector (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`, …, the names
/// every Prometheus exporter uses), read from /proc at each scrape. It exists on Linux
/// only; elsewhere the process figures are simply absent.
fn register_process_collector(registry: &Registry) -> prometheus::Result<()> {
    #[cfg(target_os = "linux")]
    registry.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    ))?;
    #[cfg(not(target_os = "linux"))]
    let _ = registry;
    Ok(())
}

/// Holds one unit of a gauge while it lives: taken when a request or connection
/// starts, given back when it is dropped, however it ends (answered, failed, or
/// cancelled by a client that went away).
pub struct Held(IntGauge);

impl Held {
    /// Adds one to `gauge` until the returned value is dropped.
    pub fn take(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Lower-case operation names, as Prometheus labels are usually spelled.
fn operation_label(op: Operation) -> &'static str {
    match op {
        Operation::Create => "create",
        Operation::Retrieve => "retrieve",
        Operation::Update => "update",
        Operation::Delete => "delete",
        Operation::Notify => "notify",
    }
}
