//! Verification requests (TS-0004 §7.5.1.2.3): before a subscription is stored, or
//! when an UPDATE adds `nu` entries, each new target must accept
//! `{"m2m:sgn": {"vrq": true, …}}`, sent over HTTP or through a polling AE's queue by
//! the one courier. Runs outside every transaction.

use onecse_models::Operation;
use serde_json::json;

use super::courier::{Courier, Undelivered};
use crate::core::notification::target::Route;
use crate::core::polling::Outgoing;

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
        let request = Outgoing {
            op: Operation::Notify,
            to: entry.clone(),
            from: courier.cse.cse_id.clone(),
            rqi: uuid::Uuid::new_v4().simple().to_string(),
            rvi: "3".into(),
            content: Some(body.clone()),
        };
        let answer = courier
            .send(route, &request, courier.settings.wait)
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
        let http_ok = answer
            .http
            .as_ref()
            .is_none_or(|(_, status)| (200..300).contains(status));
        if !answer.rsc.is_success() || !http_ok {
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
