//! Notifications a request waits for, sent outside any transaction and never through
//! the outbox: the verification request of a new subscription (TS-0004 §7.5.1.2.3) and
//! the notification a blocking-update subscription holds an UPDATE on (§7.3.2.9).

use onecse_models::ResponseStatusCode;
use serde_json::json;

use super::send::{NO_ANSWER, Sender};
use crate::core::notification::blocking::Notice;
use crate::error::{CseError, CseResult};

/// Sends a held UPDATE's blocking-update notification and waits for the answer
/// (TS-0004 §7.3.2.9): no answer → 5107, a refusal → 4127.
pub async fn approve(sender: &Sender, notice: &Notice) -> CseResult<()> {
    let urls = notice.urls.as_ref().map_err(|reason| {
        CseError::new(
            ResponseStatusCode::RemoteEntityNotReachable,
            format!("blocking-update subscriber {}: {reason}", notice.target),
        )
    })?;
    sender
        .post_first(urls, &notice.body, None)
        .await
        .map_err(|reason| {
            let rsc = if reason.contains(NO_ANSWER) || reason.contains("X-M2M-RSC 5103") {
                ResponseStatusCode::RemoteEntityNotReachable
            } else {
                ResponseStatusCode::OperationDeniedByRemoteEntity
            };
            CseError::new(
                rsc,
                format!(
                    "the blocking-update subscriber {} did not accept the UPDATE: {reason}",
                    notice.target
                ),
            )
        })
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
            .post_first(urls, &body, None)
            .await
            .map_err(|reason| {
                // A URL entry's reason already starts with it.
                if reason.starts_with(entry.as_str()) {
                    reason
                } else {
                    format!("{entry}: {reason}")
                }
            })?;
    }
    Ok(())
}
