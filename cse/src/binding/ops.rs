//! Operations endpoints outside the oneM2M address space: `/metrics` (Prometheus text
//! format), `/healthz` (liveness) and `/readyz` (readiness). They are routes
//! registered before the catch-all oneM2M handler, which is why a CSEBase may not be
//! named `metrics`, `healthz` or `readyz` (`startup::Settings::parse`).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use onecse_models::time::Timestamp;
use serde_json::json;

use crate::blocking::blocking;
use crate::metrics::Metrics;
use crate::notify::mqtt::MqttLink;
use crate::store::{Database, TransactionKind, outbox};

/// What the operations endpoints read.
#[derive(Clone)]
pub struct OpsState {
    /// The registry to render and the gauges to fill before rendering.
    pub metrics: Metrics,
    /// The database the readiness check and the scrape-time gauges ask.
    pub db: Database,
    /// The MQTT broker connection, and whether readiness needs it
    /// (`mqtt_required_for_ready`); `None`: MQTT off.
    pub mqtt: Option<(MqttLink, bool)>,
}

/// The paths these endpoints take; the CSEBase name must avoid them.
pub const RESERVED_PATHS: [&str; 3] = ["metrics", "healthz", "readyz"];

/// How long readiness waits for a connection and its answers before saying no: an
/// orchestrator probing every few seconds should hear "not ready", not time out.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Registers the three endpoints, for GET and HEAD (probes often send HEAD; the
/// answer is the GET's status without a body); call before the catch-all
/// `default_service`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .route(web::head().to(metrics)),
    )
    .service(
        web::resource("/healthz")
            .route(web::get().to(healthz))
            .route(web::head().to(healthz)),
    )
    .service(
        web::resource("/readyz")
            .route(web::get().to(readyz))
            .route(web::head().to(readyz)),
    );
}

/// Alive while the process serves HTTP at all; never asks the database, so a slow
/// database does not get the process restarted.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "alive" }))
}

/// Ready when a pooled connection answers and the schema is current (and, with
/// `mqtt_required_for_ready`, the MQTT broker is connected); the MQTT state is part of
/// the answer whenever MQTT is on. The check runs
/// on the blocking pool (never on an actix worker) and is bounded by [`READY_TIMEOUT`].
async fn readyz(state: web::Data<OpsState>) -> HttpResponse {
    let db = state.db.clone();
    let checked = tokio::time::timeout(
        READY_TIMEOUT + Duration::from_millis(500),
        blocking(move || db.check_ready(READY_TIMEOUT)),
    )
    .await;
    // The MQTT state is reported either way; it fails readiness only when asked.
    let mqtt = state.mqtt.as_ref().map(|(link, required)| {
        let connected = link.is_connected();
        (
            if connected {
                "connected"
            } else {
                "disconnected"
            },
            *required && !connected,
        )
    });
    let mqtt_state = mqtt.map(|(text, _)| text);
    let reason = match checked {
        Ok(Ok(Ok(()))) if mqtt.is_some_and(|(_, failing)| failing) => {
            "the MQTT broker is not connected (mqtt_required_for_ready)".to_owned()
        }
        Ok(Ok(Ok(()))) => {
            return HttpResponse::Ok().json(match mqtt_state {
                Some(mqtt) => json!({ "status": "ready", "mqtt": mqtt }),
                None => json!({ "status": "ready" }),
            });
        }
        Ok(Ok(Err(reason))) => reason,
        Ok(Err(err)) => err.message,
        Err(_) => format!(
            "the database did not answer within {} ms",
            READY_TIMEOUT.as_millis()
        ),
    };
    tracing::warn!(reason = %reason, "readiness check failed");
    let body = match mqtt_state {
        Some(mqtt) => json!({ "status": "not ready", "reason": reason, "mqtt": mqtt }),
        None => json!({ "status": "not ready", "reason": reason }),
    };
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(body)
}

/// Fills the scrape-time gauges, then renders the registry. A failed outbox query
/// keeps the previous gauge values and is logged: a scrape still returns the rest.
async fn metrics(state: web::Data<OpsState>) -> HttpResponse {
    let metrics = &state.metrics;
    let (in_use, idle) = state.db.pool_connections();
    metrics
        .pool_connections
        .with_label_values(&["in_use"])
        .set(i64::from(in_use));
    metrics
        .pool_connections
        .with_label_values(&["idle"])
        .set(i64::from(idle));
    let db = state.db.clone();
    let summary = blocking(move || {
        db.run_background(TransactionKind::Read, |conn| {
            crate::error::CseResult::Ok(outbox::pending_summary(conn)?)
        })
    })
    .await;
    match summary {
        Ok(Ok((pending, oldest))) => {
            metrics.outbox_pending.set(pending);
            metrics
                .outbox_oldest_pending_age
                .set(age_seconds(oldest.as_deref()));
        }
        Ok(Err(err)) | Err(err) => {
            tracing::warn!(error = %err, "reading the outbox for metrics failed; its gauges keep their last values")
        }
    }
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type(prometheus::TEXT_FORMAT)
            .body(text),
        Err(err) => {
            tracing::error!(error = %err, "rendering metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Seconds since a oneM2M timestamp (0 without one, or when it does not parse).
fn age_seconds(created: Option<&str>) -> f64 {
    let Some(created) = created.and_then(|c| Timestamp::parse(c).ok()) else {
        return 0.0;
    };
    let age = Timestamp::now().as_datetime() - created.as_datetime();
    (age.num_milliseconds() as f64 / 1000.0).max(0.0)
}
