//! Requests a subscriber must accept before a change proceeds, sent over HTTP or
//! through a polling AE's queue by the one courier, outside every transaction:
//! verification (TS-0004 §7.5.1.2.3: before a subscription is stored, or when an
//! UPDATE adds `nu` entries, each new target must accept
//! `{"m2m:sgn": {"vrq": true, …}}`) and blocking-update approval (TS-0004 §7.3.2.9).

use onecse_models::{Operation, ResponseStatusCode};
use serde_json::{Value, json};

use super::courier::{Answer, Courier, Undelivered};
use super::send::NO_ANSWER;
use crate::core::notification::blocking_update::Notice;
use crate::core::notification::target::Route;
use crate::core::polling_channel::Outgoing;
use crate::error::{CseError, CseResult};

/// Sends the NOTIFY `body` to the subscriber `to` the way `route` says and brings back
/// its answer.
async fn ask(
    courier: &Courier,
    to: &str,
    route: &Route,
    body: &Value,
) -> Result<Answer, Undelivered> {
    let request = Outgoing {
        op: Operation::Notify,
        to: to.to_owned(),
        from: courier.cse.cse_id.clone(),
        rqi: uuid::Uuid::new_v4().simple().to_string(),
        rvi: "3".into(),
        content: Some(body.clone()),
    };
    courier.send(route, &request, courier.settings.wait).await
}

/// Whether the subscriber accepted: a 2xxx code, over HTTP with a 2xx status.
fn accepted(answer: &Answer) -> bool {
    let http_ok = answer
        .http
        .as_ref()
        .is_none_or(|(_, status)| (200..300).contains(status));
    answer.rsc.is_success() && http_ok
}

/// Sends the verification request of a new subscription (or of `nu` entries added by
/// UPDATE) to each target, over HTTP or through a polling AE's queue (whose answer
/// through `pcu` is awaited up to the polling wait); the first failure is returned.
pub async fn verify(
    courier: &Courier,
    targets: &[(String, Result<Route, String>)],
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
    for (entry, route) in targets {
        let route = route
            .as_ref()
            .map_err(|reason| format!("{entry}: {reason}"))?;
        let answer = ask(courier, entry, route, &body)
            .await
            .map_err(|why| match why {
                // A URL entry's reason already starts with it.
                Undelivered::Unreachable(reason) if reason.starts_with(entry.as_str()) => reason,
                Undelivered::Unreachable(reason) | Undelivered::Failed(reason) => {
                    format!("{entry}: {reason}")
                }
                Undelivered::NoAnswer => format!(
                    "{entry}: the AE did not answer through its pollingChannel within {} ms",
                    courier.settings.wait.as_millis()
                ),
                Undelivered::Duplicate => format!("{entry}: a verification is already waiting"),
            })?;
        if !accepted(&answer) {
            return Err(match answer.http {
                Some((url, status)) => format!(
                    "{url} answered HTTP {status} with X-M2M-RSC {}",
                    answer.rsc.code()
                ),
                None => format!("{entry}: the target refused it with {}", answer.rsc.code()),
            });
        }
    }
    Ok(())
}

/// Sends a held UPDATE's blocking-update notification and waits for the answer
/// (TS-0004 §7.3.2.9): no answer → 5107, a refusal → 4127.
pub async fn approve(courier: &Courier, notice: &Notice) -> CseResult<()> {
    let unreachable = |reason: String| {
        CseError::new(
            ResponseStatusCode::RemoteEntityNotReachable,
            format!(
                "the blocking-update subscriber {} did not answer: {reason}",
                notice.target
            ),
        )
    };
    let route = notice
        .route
        .as_ref()
        .map_err(|reason| unreachable(reason.clone()))?;
    let answer = ask(courier, &notice.target, route, &notice.body)
        .await
        .map_err(|why| {
            unreachable(match why {
                Undelivered::Unreachable(reason) | Undelivered::Failed(reason) => reason,
                Undelivered::NoAnswer | Undelivered::Duplicate => NO_ANSWER.to_owned(),
            })
        })?;
    if accepted(&answer) {
        return Ok(());
    }
    // A subscriber that says it cannot be reached is not reachable (5107); any other
    // refusal denies the UPDATE (4127).
    let rsc = if answer.rsc == ResponseStatusCode::TargetNotReachable {
        ResponseStatusCode::RemoteEntityNotReachable
    } else {
        ResponseStatusCode::OperationDeniedByRemoteEntity
    };
    Err(CseError::new(
        rsc,
        format!(
            "the blocking-update subscriber {} did not accept the UPDATE: it answered {}",
            notice.target,
            answer.rsc.code()
        ),
    ))
}
