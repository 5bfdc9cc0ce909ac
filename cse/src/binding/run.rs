//! Runs a decoded request primitive for any binding: the request span, the service,
//! one log line and the metrics, so HTTP and MQTT report every request alike.

use std::net::IpAddr;
use std::time::Instant;

use onecse_models::primitive::{Request, Response, Timing};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType, ResponseStatusCode};
use tracing::Instrument;

use crate::core::dispatch;
use crate::error::{CseError, CseResult};
use crate::metrics::Metrics;
use crate::security::Caller;
use crate::service::Service;

/// Runs `request` through the service once the binding admitted it (`admitted`: the
/// authenticator's verdict, `Ok(true)` when a token named the originator) and returns
/// the response primitive to render, an error already turned into one.
pub async fn run(
    service: &Service,
    metrics: &Metrics,
    request: Request,
    admitted: CseResult<bool>,
    ip: Option<IpAddr>,
    started: Instant,
) -> Response {
    let span = tracing::info_span!(
        "onem2m",
        rqi = %request.rqi,
        originator = request.from.as_deref().unwrap_or(""),
        op = request.op.name(),
        to = %request.to,
    );
    // A CREATE names its type even when it is refused.
    let summary = Summary {
        op: request.op,
        to: request.to.clone(),
        from: request.from.clone(),
        rqi: request.rqi.clone(),
        ty: request.ty.filter(|_| request.op == Operation::Create),
    };
    let outcome = match admitted {
        Ok(authenticated) => {
            let caller = Caller { ip, authenticated };
            service.execute(request, caller).instrument(span).await
        }
        Err(refused) => Err(refused),
    };
    let (rsc, ty) = match &outcome {
        Ok(response) => (response.rsc, response.resource_type.or(summary.ty)),
        Err(err) => (err.rsc, err.resource_type.or(summary.ty)),
    };
    log_request(&summary, ty, &outcome, started);
    metrics.observe_request(summary.op, ty, rsc.code(), started.elapsed().as_secs_f64());
    outcome.unwrap_or_else(|err| dispatch::error_response(&err))
}

/// What the request says about itself, kept before the request is consumed.
struct Summary {
    op: Operation,
    to: String,
    from: Option<String>,
    rqi: String,
    /// The resource type a CREATE names; the other operations learn it from the
    /// response.
    ty: Option<ResourceType>,
}

/// One line per handled request; a server fault (5000) is logged here and only here,
/// with its cause and the request ID, at ERROR; a failure at a remote party (5103,
/// 5107, 5204, 5209) at WARN; a refused request (any other 4xxx or 5xxx, e.g. 5001 for
/// an unsupported feature) at INFO; a success at DEBUG (see "Logs" in
/// docs/admin-guide.md for why).
fn log_request(
    summary: &Summary,
    ty: Option<ResourceType>,
    outcome: &Result<Response, CseError>,
    started: Instant,
) {
    let Summary {
        op, to, from, rqi, ..
    } = summary;
    let ty = ty.map(ResourceType::short_name).unwrap_or_default();
    let rsc = match outcome {
        Ok(response) => response.rsc.code(),
        Err(err) => err.rsc.code(),
    };
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let originator = from.as_deref().unwrap_or("");
    // The same fields at every level; tracing needs the level as a constant.
    macro_rules! request_line {
        ($level:expr, $($extra:tt)*) => {
            tracing::event!($level, op = op.name(), to, ty, originator, rqi, rsc, elapsed_us, $($extra)*)
        };
    }
    match outcome {
        Err(err) if err.rsc == ResponseStatusCode::InternalServerError => {
            let cause = err.source.as_ref().map(ToString::to_string);
            let cause = cause.unwrap_or_default();
            request_line!(tracing::Level::ERROR, dbg = %err.message, cause, "request failed");
        }
        Err(err) if blames_a_remote_party(err.rsc) => {
            request_line!(tracing::Level::WARN, dbg = %err.message, "request failed at its target");
        }
        _ if rsc >= 4000 => request_line!(tracing::Level::INFO, "request refused"),
        _ => request_line!(tracing::Level::DEBUG, "request handled"),
    }
}

/// 5xxx results caused by another party than onecse or its client (a notification
/// target that does not answer, a member that did not respond): worth a warning, as
/// they may need someone to look at that party, but not an operator alarm. Every
/// other 5xxx but 5000 (5001 an unsupported feature, 5203, 5207, …) answers what the
/// client asked for and is logged with the refusals.
fn blames_a_remote_party(rsc: ResponseStatusCode) -> bool {
    matches!(rsc.code(), 5103 | 5107 | 5204 | 5209)
}

/// Checks a `To` in its oneM2M form (CSE-relative, `/`SP-relative or `//`absolute,
/// TS-0001 §9.3.1), whichever binding carried it: a NUL, a trailing `/`, or an
/// SP-relative or absolute address naming only a CSE-ID addresses no resource (4000).
pub fn checked_to(to: &str) -> Result<&str, CseError> {
    if to.contains('\0') {
        return Err(CseError::bad_request("the target contains a NUL character"));
    }
    if to.len() > 1 && to.ends_with('/') {
        return Err(CseError::bad_request(format!(
            "the target '{to}' ends with '/': a resource address has no trailing slash"
        )));
    }
    let cse_relative = if let Some(rest) = to.strip_prefix("//") {
        let after_sp = rest.split_once('/').map(|(_, r)| r);
        after_sp.and_then(|r| r.split_once('/')).map(|(_, r)| r)
    } else if let Some(rest) = to.strip_prefix('/') {
        rest.split_once('/').map(|(_, r)| r)
    } else {
        return Ok(to);
    };
    if cse_relative.is_none_or(str::is_empty) {
        return Err(CseError::bad_request(format!(
            "the target '{to}' names only a CSE-ID, no resource; address one below it (e.g. '{to}/<CSEBase name>')"
        )));
    }
    Ok(to)
}

/// The Upper Tester's enableShortRequestExpiration: requests without a request
/// expiration (long polls, relayed NOTIFYs) expire soon, so conformance tests need not
/// wait, whichever binding carried them.
pub fn shorten_expiration(service: &Service, timing: &mut Timing) {
    if timing.rqet.is_none()
        && let Some(limit) = service.cse.upper_tester.short_request_lifetime()
    {
        let millis = i64::try_from(limit.as_millis()).unwrap_or(i64::MAX);
        timing.rqet = Some(Timestamp::now().plus_millis(millis));
    }
}
