//! The Upper Tester interface (TS-0019; the conventions of the ACME CSE, which test
//! systems drive): `POST /__ut__` with the command in `X-M2M-UTCMD` (`name [argument]`)
//! answers HTTP 200 with `X-M2M-RSC: 2000` and an optional result in `X-M2M-UTRSP`, or
//! HTTP 400 with `X-M2M-RSC: 4000` for a missing, unknown or malformed command. Routed
//! only when the `upper_tester` setting is on; otherwise `/__ut__` is an ordinary
//! (non-existent) oneM2M target. With `auth = jwt` a command needs the same bearer
//! token as any request, for the administrator originator: the commands change how
//! the whole CSE behaves.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use onecse_models::ResponseStatusCode;

use super::http::{HttpState, authorization, refusal};
use crate::blocking::blocking;
use crate::core::upper_tester::{self, UpperTester};
use crate::error::{CseError, CseResult};

/// The path the interface is served at.
pub const PATH: &str = "/__ut__";

/// What the handler needs: the switches and the configured values they stand in for.
#[derive(Clone)]
pub struct UpperTesterState {
    /// The switches shared with the core.
    pub switches: UpperTester,
    /// How often expired resources are removed unless a test shortens it.
    pub expiry_interval: Duration,
    /// How long a `<request>` outlives its deadlines unless a test shortens it.
    pub request_lifetime: Duration,
    /// The maximum expiration delta (`max_expiration_delta_s`), reported to test
    /// systems, which compute the `et` they expect from it.
    pub max_expiration_delta: Duration,
}

/// The interval or lifetime an enable command sets when it names none: ACME's test
/// suite uses 2 s (`expirationCheckDelay`).
const DEFAULT_SHORT_SECS: f64 = 2.0;

/// Longest interval or lifetime an enable command may set: one day.
const MAX_SHORT_SECS: f64 = 86_400.0;

/// Registers `POST /__ut__`; call before the catch-all oneM2M handler.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::post().to(handle));
}

async fn handle(
    req: HttpRequest,
    state: web::Data<UpperTesterState>,
    http: web::Data<HttpState>,
) -> HttpResponse {
    if let Err(refused) = authenticate(&req, &http) {
        tracing::info!(rsc = refused.rsc.code(), why = %refused.message, "upper tester command refused");
        return refusal(&req, &refused);
    }
    let command = req
        .headers()
        .get("X-M2M-UTCMD")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if command.eq_ignore_ascii_case("reset") {
        let cse = http.service.cse.clone();
        return match blocking(move || upper_tester::reset(&cse)).await {
            Ok(Ok(removed)) => {
                tracing::info!(removed, "upper tester: CSE reset to its start state");
                answer(200, 2000, None)
            }
            Ok(Err(err)) | Err(err) => refusal(&req, &err),
        };
    }
    match run(&command, &state) {
        Ok(result) => answer(200, 2000, result),
        Err(why) => {
            tracing::info!(command, why, "upper tester command refused");
            answer(400, 4000, Some(why))
        }
    }
}

/// With `auth = jwt`: a token that verifies (refused as the oneM2M binding refuses,
/// 4107 without one, 4106 for a bad one) and names the administrator originator
/// (4103 for anyone else). Nothing is checked with `auth = none`.
fn authenticate(req: &HttpRequest, http: &HttpState) -> CseResult<()> {
    let admin = &http.service.cse.admin_originator;
    match http.authenticator.subject(authorization(req))? {
        Some(subject) if subject != *admin => Err(CseError::new(
            ResponseStatusCode::OriginatorHasNoPrivilege,
            format!(
                "only the administrator originator '{admin}' may send Upper Tester commands, not '{subject}'"
            ),
        )),
        _ => Ok(()),
    }
}

/// Carries out one command (all but `Reset`); the `X-M2M-UTRSP` value, or why it
/// was refused.
fn run(command: &str, state: &UpperTesterState) -> Result<Option<String>, String> {
    let (name, argument) = command
        .split_once(char::is_whitespace)
        .map_or((command, ""), |(n, a)| (n, a.trim()));
    let switches = &state.switches;
    match name.to_ascii_lowercase().as_str() {
        "" => Err("the X-M2M-UTCMD header is missing or empty".to_owned()),
        "status" => Ok(Some("RUNNING".to_owned())),
        "testcasestart" | "testcaseend" => {
            tracing::info!(command = name, test_case = argument, "upper tester");
            Ok(None)
        }
        "enableshortresourceexpiration" => {
            let interval = seconds(argument)?;
            let previous = switches.expiry_interval(state.expiry_interval);
            // Shortened only: a test never makes the CSE check less often.
            switches.set_expiry_interval(Some(interval.min(state.expiry_interval)));
            tracing::info!(?interval, "upper tester: short expiry check interval on");
            // ACME's answer: the previous check interval and the maximum expiration
            // delta, whole seconds.
            Ok(Some(format!(
                "{},{}",
                whole_seconds(previous),
                state.max_expiration_delta.as_secs()
            )))
        }
        "disableshortresourceexpiration" => {
            switches.set_expiry_interval(None);
            Ok(None)
        }
        "enableshortrequestexpiration" => {
            let lifetime = seconds(argument)?;
            let previous = switches.request_lifetime(state.request_lifetime);
            switches.set_request_lifetime(Some(lifetime));
            tracing::info!(?lifetime, "upper tester: short request lifetime on");
            Ok(Some(decimal_seconds(previous)))
        }
        "disableshortrequestexpiration" => {
            switches.set_request_lifetime(None);
            Ok(None)
        }
        _ => Err(format!(
            "unknown upper tester command '{name}'; known: Status, Reset, testCaseStart, testCaseEnd, enableShortResourceExpiration, disableShortResourceExpiration, enableShortRequestExpiration, disableShortRequestExpiration"
        )),
    }
}

/// The optional argument of the enable commands: seconds, whole or decimal (`3`,
/// `3.0`, `0.5`), more than 0 and at most one day.
fn seconds(argument: &str) -> Result<Duration, String> {
    if argument.is_empty() {
        return Ok(Duration::from_secs_f64(DEFAULT_SHORT_SECS));
    }
    argument
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_SHORT_SECS)
        .map(Duration::from_secs_f64)
        .filter(|d| d.as_millis() >= 1)
        .ok_or_else(|| {
            format!("'{argument}' is not a number of seconds above 0 and at most {MAX_SHORT_SECS}")
        })
}

/// Whole seconds, at least 1 (an interval below a second is reported as 1).
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs().max(1)
}

/// Seconds as a decimal number without a needless fraction (`600`, `2.5`).
fn decimal_seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_secs_f64())
    }
}

fn answer(status: u16, rsc: u16, result: Option<String>) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    let mut builder = HttpResponse::build(status);
    builder.insert_header(("X-M2M-RSC", rsc.to_string()));
    if let Some(result) = result {
        builder.insert_header(("X-M2M-UTRSP", result));
    }
    builder.finish()
}
