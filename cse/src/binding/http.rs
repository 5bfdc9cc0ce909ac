//! The HTTP binding (TS-0009): HTTP request → request primitive → core → response
//! primitive → HTTP response. The only module that knows actix-web types.

use std::time::Instant;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use onecse_models::primitive::{Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ReleaseVersion, ResponseStatusCode, Serialization};
use percent_encoding::percent_decode_str;

use super::media::{self, RequestMedia, ResponseMedia};
use super::run::{checked_to, run, shorten_expiration};
use super::{query, timing};
use crate::core::dispatch;
use crate::error::CseError;
use crate::metrics::{Held, Metrics};
use crate::security::auth::Authenticator;
use crate::service::Service;

/// What every request handler needs.
pub struct HttpState {
    /// Runs requests.
    pub service: Service,
    /// Largest accepted body.
    pub max_body_bytes: usize,
    /// Longest a body may take to arrive once the head is in.
    pub body_timeout: std::time::Duration,
    /// Checks the bearer token of each request (`auth = jwt`), before it runs.
    pub authenticator: Authenticator,
    /// Counts each request next to its log line.
    pub metrics: Metrics,
}

/// Header values copied from the request into the response, whatever happens.
struct Echo {
    rqi: Option<String>,
    rvi: Option<ReleaseVersion>,
    vsi: Option<String>,
    /// `X-M2M-RST`, echoed as given (TS-0009 §6.4).
    rst: Option<String>,
}

impl Echo {
    /// The values of `req` to echo.
    fn of(req: &HttpRequest) -> Self {
        Self {
            rqi: header_text(req, "X-M2M-RI"),
            rvi: header_text(req, "X-M2M-RVI").and_then(|v| ReleaseVersion::parse(&v).ok()),
            vsi: header_text(req, "X-M2M-VSI"),
            rst: header_text(req, "X-M2M-RST"),
        }
    }
}

/// The oneM2M answer to a request refused before it became a primitive (the Upper
/// Tester interface's authentication), rendered like every other refusal.
pub fn refusal(req: &HttpRequest, err: &CseError) -> HttpResponse {
    render(
        &Echo::of(req),
        dispatch::error_response(err),
        ResponseMedia::JSON,
    )
}

/// The `Authorization` header as the authenticator reads it: an unreadable value is
/// kept as present, so it is refused as not a token.
pub fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""))
}

/// Serves every path and method: oneM2M addresses are data, not routes.
pub async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let started = Instant::now();
    let _in_flight = Held::take(&state.metrics.requests_in_flight);
    let echo = Echo::of(&req);
    // The body's serialization is only a fallback for the response; a Content-Type
    // that cannot be read is refused by `decode`.
    let body_serialization = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Serialization::of_media_type);
    let Some(media) = media::negotiate(header_text(&req, "Accept").as_deref(), body_serialization)
    else {
        let err = CseError::new(
            ResponseStatusCode::NotAcceptable,
            "the Accept header allows no media type this CSE produces (application/json, application/vnd.onem2m-res+json, application/cbor, application/vnd.onem2m-res+cbor)",
        );
        return render(&echo, dispatch::error_response(&err), ResponseMedia::JSON);
    };
    let response = match decode(&req, payload, &state).await {
        Err(err) => {
            log_unreadable(&req, &echo, &err, started);
            dispatch::error_response(&err)
        }
        Ok(mut request) => {
            let admitted = state.authenticator.admit(authorization(&req), &mut request);
            let ip = req.peer_addr().map(|peer| peer.ip());
            run(
                &state.service,
                &state.metrics,
                request,
                admitted,
                ip,
                started,
            )
            .await
        }
    };
    render(&echo, response, media)
}

/// The line for a request refused before it could be read as a primitive (no
/// `X-M2M-RI`, a bad header, a body that did not arrive): the method and path stand in
/// for the operation and target.
fn log_unreadable(req: &HttpRequest, echo: &Echo, err: &CseError, started: Instant) {
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        method = %req.method(),
        path = req.path(),
        originator = header_text(req, "X-M2M-Origin").unwrap_or_default(),
        rqi = echo.rqi.as_deref().unwrap_or(""),
        rsc = err.rsc.code(),
        elapsed_us,
        dbg = %err.message,
        "request refused before it was read"
    );
}

/// Turns the HTTP request into a primitive, refusing what TS-0009 does not allow.
async fn decode(
    req: &HttpRequest,
    payload: web::Payload,
    state: &HttpState,
) -> Result<Request, CseError> {
    // The head guard replaced a head it refused by a request naming why.
    if let Some(why) = header_text(req, super::guard::REFUSED_HEADER) {
        return Err(CseError::bad_request(why));
    }
    let rqi = checked_header(req, "X-M2M-RI")?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            CseError::bad_request("the X-M2M-RI header (request identifier) is missing")
        })?;
    let rvi = match checked_header(req, "X-M2M-RVI")? {
        Some(v) => ReleaseVersion::parse(&v)?,
        None => {
            return Err(CseError::new(
                ResponseStatusCode::ReleaseVersionNotSupported,
                "the X-M2M-RVI header is missing, which means release 1; this CSE supports releases 2a, 3, 4 and 5",
            ));
        }
    };
    let content_type = header_text(req, "Content-Type");
    let media = match content_type.as_deref() {
        Some(ct) => Some(media::parse_content_type(ct)?),
        None => None,
    };
    let op = operation(req.method(), media)?;
    let to = target(req.path())?;
    let params = query::parse(req.query_string())?;
    let (mut timing, response_type) = timing::decode(timing::Raw {
        ret: checked_header(req, "X-M2M-RET")?,
        rst: checked_header(req, "X-M2M-RST")?,
        oet: checked_header(req, "X-M2M-OET")?,
        rtu: checked_header(req, "X-M2M-RTU")?,
        rt: params.rt,
        rp: params.rp,
    })?;
    // The Upper Tester's enableShortRequestExpiration: requests without X-M2M-RET
    // (long polls, relayed NOTIFYs) expire soon, so conformance tests need not wait.
    shorten_expiration(&state.service, &mut timing);
    let body = tokio::time::timeout(
        state.body_timeout,
        read_body(req, payload, state.max_body_bytes),
    )
    .await
    .map_err(|_| {
        CseError::bad_request(format!(
            "the request body did not arrive within {} ms",
            state.body_timeout.as_millis()
        ))
    })??;
    let content = match (op, media) {
        (Operation::Retrieve | Operation::Delete, _) => None,
        (_, None) => {
            return Err(CseError::new(
                ResponseStatusCode::UnsupportedMediaType,
                "the Content-Type header is missing; use application/json or application/cbor (with ;ty=N to CREATE)",
            ));
        }
        (_, Some(_)) if body.is_empty() => {
            return Err(CseError::bad_request(format!("{} needs a body", op.name())));
        }
        (_, Some(media)) => Some(decode_body(&body, media.serialization)?),
    };
    Ok(Request {
        op,
        to,
        from: checked_header(req, "X-M2M-Origin")?.filter(|v| !v.trim().is_empty()),
        rqi,
        rvi,
        vsi: header_text(req, "X-M2M-VSI"),
        ty: media.and_then(|m| m.ty),
        content,
        rcn: params.rcn,
        filter: params.filter,
        attribute_list: params.attribute_list,
        drt: params.drt,
        timing,
        response_type,
        query: req.query_string().to_owned(),
    })
}

/// The body as the JSON tree the core reads: JSON parsed directly, CBOR decoded into
/// the same tree (TS-0004 §8.5), so both meet the same validation afterwards.
fn decode_body(body: &[u8], serialization: Serialization) -> Result<serde_json::Value, CseError> {
    match serialization {
        Serialization::Cbor => onecse_models::cbor::decode(body)
            .map_err(|e| CseError::bad_request(format!("the body is not valid CBOR: {e}"))),
        _ => serde_json::from_slice(body)
            .map_err(|e| CseError::bad_request(format!("the body is not valid JSON: {e}"))),
    }
}

/// HTTP method (and `ty` for POST) → operation (TS-0009 §6.2.1).
fn operation(method: &Method, media: Option<RequestMedia>) -> Result<Operation, CseError> {
    let has_ty = media.is_some_and(|m| m.ty.is_some());
    let op = match *method {
        Method::GET => Operation::Retrieve,
        Method::POST if has_ty => Operation::Create,
        Method::POST => Operation::Notify,
        Method::PUT => Operation::Update,
        Method::DELETE => Operation::Delete,
        ref other => {
            return Err(CseError::not_allowed(format!(
                "HTTP method {other} has no oneM2M operation; use GET, POST, PUT or DELETE"
            )));
        }
    };
    if has_ty && op != Operation::Create {
        return Err(CseError::bad_request(
            "the ty parameter of Content-Type is only allowed on CREATE (POST)",
        ));
    }
    Ok(op)
}

/// Request path → `To` (TS-0009 §6.2.2.1): `/~/x` is SP-relative `/x`, `/_/x` absolute
/// `//x`. A path ending in `/` and an SP-relative or absolute path naming only a
/// CSE-ID address no resource (TS-0001 §9.3.1: a resource address is a CSE-ID
/// followed by `/` and a resource's ID or name): 4000.
fn target(raw_path: &str) -> Result<String, CseError> {
    let path = percent_decode_str(raw_path).decode_utf8().map_err(|_| {
        CseError::bad_request("the request path is not valid UTF-8 after percent-decoding")
    })?;
    let path = path.strip_prefix('/').unwrap_or(&path);
    let to = if let Some(rest) = path.strip_prefix("~/") {
        format!("/{rest}")
    } else if let Some(rest) = path.strip_prefix("_/") {
        format!("//{rest}")
    } else {
        path.to_owned()
    };
    checked_to(&to)?;
    Ok(to)
}

/// Reads the body, refusing it as soon as it exceeds the limit.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, CseError> {
    let too_large = || {
        CseError::bad_request(format!(
            "the request body is larger than the limit of {limit} bytes"
        ))
    };
    let declared = header_text(req, "Content-Length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            CseError::bad_request(format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Response primitive → HTTP response with the X-M2M-* headers clients rely on.
fn render(echo: &Echo, response: Response, media: ResponseMedia) -> HttpResponse {
    let status = StatusCode::from_u16(response.rsc.http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    builder.insert_header(("X-M2M-RSC", response.rsc.code().to_string()));
    if let Some(rqi) = &echo.rqi {
        builder.insert_header(("X-M2M-RI", rqi.as_str()));
    }
    if let Some(rvi) = echo.rvi {
        builder.insert_header(("X-M2M-RVI", rvi.as_str()));
    }
    if let Some(vsi) = &echo.vsi {
        builder.insert_header(("X-M2M-VSI", vsi.as_str()));
    }
    if let Some(rst) = &echo.rst {
        builder.insert_header(("X-M2M-RST", rst.as_str()));
    }
    builder.insert_header(("X-M2M-OT", Timestamp::now().to_string()));
    if response.rsc == ResponseStatusCode::OperationNotAllowed {
        builder.insert_header((header::ALLOW, "GET, POST, PUT, DELETE"));
    }
    if let Some(partial) = response.partial {
        builder.insert_header(("X-M2M-CTS", "1"));
        builder.insert_header(("X-M2M-CTO", partial.offset.to_string()));
    }
    if let Some(location) = &response.created_location {
        builder.insert_header((header::CONTENT_LOCATION, format!("/{location}")));
    }
    match response.content {
        Some(content) => builder
            .content_type(media.media_type)
            .body(media.serialization.encode(&content)),
        None => builder.finish(),
    }
}

/// A header that must be text if present: bytes outside visible ASCII are refused
/// rather than read as "absent" (which would, for X-M2M-Origin, assign a new AE-ID).
fn checked_header(req: &HttpRequest, name: &str) -> Result<Option<String>, CseError> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(|v| Some(v.to_owned())).map_err(|_| {
            CseError::bad_request(format!(
                "the {name} header contains characters that are not visible ASCII"
            ))
        }),
    }
}

fn header_text(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_to_per_ts_0009() {
        let cases = [
            ("/cse-in/ae1", "cse-in/ae1"),
            ("/cnt4711", "cnt4711"),
            ("/~/id-in/cse-in/ae1", "/id-in/cse-in/ae1"),
            (
                "/_/acme.example.com/id-in/cse-in",
                "//acme.example.com/id-in/cse-in",
            ),
            ("/cse-in/my%20app", "cse-in/my app"),
            ("/", ""),
        ];
        for (path, to) in cases {
            assert_eq!(target(path).ok().as_deref(), Some(to));
        }
        for refused in [
            "/cse-in/%FF",
            "/cse-in/ae1/",
            "/~/id-in",
            "/~/id-in/",
            "/_/acme.example.com/id-in",
            "/_/acme.example.com",
            "/~/",
        ] {
            assert!(target(refused).is_err(), "{refused}");
        }
    }
}
