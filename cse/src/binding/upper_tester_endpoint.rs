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
use crate::core::upper_tester::UpperTester;
use crate::error::{CseError, CseResult};

/// The path the interface is served at.
pub const PATH: &str = "/__ut__";

/// What the handler needs: the switches and the expiry sweep interval it reports.
#[derive(Clone)]
pub struct UpperTesterState {
    /// The switches shared with the core.
    pub switches: UpperTester,
    /// How often expired resources are removed (reported to test systems, which wait
    /// for expirations accordingly).
    pub expiry_interval: Duration,
}

/// Lifetime of resources (and requests) while a short expiration is on and the
/// command names none: ACME's test suite uses 2 s (`expirationCheckDelay`).
const DEFAULT_SHORT_SECS: u64 = 2;

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
        .unwrap_or_default();
    match run(command, &state) {
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

/// Carries out one command; the `X-M2M-UTRSP` value, or why it was refused.
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
            let secs = seconds(argument)?;
            switches.set_short_resource_expiration(Some(Duration::from_secs(secs)));
            tracing::info!(seconds = secs, "upper tester: short resource expiration on");
            // ACME answers "check interval,max expiration"; the same two numbers here.
            let interval = state.expiry_interval.as_secs().max(1);
            Ok(Some(format!("{interval},{secs}")))
        }
        "disableshortresourceexpiration" => {
            switches.set_short_resource_expiration(None);
            Ok(None)
        }
        "enableshortrequestexpiration" => {
            let secs = seconds(argument)?;
            switches.set_short_request_expiration(Some(Duration::from_secs(secs)));
            tracing::info!(seconds = secs, "upper tester: short request expiration on");
            Ok(Some(secs.to_string()))
        }
        "disableshortrequestexpiration" => {
            switches.set_short_request_expiration(None);
            Ok(None)
        }
        _ => Err(format!(
            "unknown upper tester command '{name}'; known: Status, testCaseStart, testCaseEnd, enableShortResourceExpiration, disableShortResourceExpiration, enableShortRequestExpiration, disableShortRequestExpiration"
        )),
    }
}

/// The optional argument of the enable commands: whole seconds, 1 to 86400.
fn seconds(argument: &str) -> Result<u64, String> {
    if argument.is_empty() {
        return Ok(DEFAULT_SHORT_SECS);
    }
    argument
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=86_400).contains(s))
        .ok_or_else(|| format!("'{argument}' is not a number of seconds from 1 to 86400"))
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
