//! The announcement worker (TS-0001 §10.2.13, spec digest inter-cse §4): sends the
//! work queued in `announcements` to the target CSEs, From this CSE's ID, through
//! the one outgoing sender, and records the answers (`core::announcement::copy`).
//! One process of the CSE works the queue (the `announcement` lease); a target's
//! rows go in order; a target that cannot be reached is tried again with capped
//! exponential backoff for as long as it takes, and a refused request a few times
//! before it is dropped with a warning. A failure here never reaches the request
//! that queued the work: it was answered when its change committed.

use std::time::Duration;

use onecse_models::ResponseStatusCode;

use crate::blocking::blocking;
use crate::core::Cse;
use crate::core::announcement::copy::{self, Outgoing, Plan};
use crate::core::registration;
use crate::core::remote_cses::Hop;
use crate::error::CseResult;
use crate::notify::send::{Forwarded, Sender, first_success, method_of, primitive_headers};
use crate::store::announcements::AnnouncementRow;

/// The lease of the process that announces.
const LEASE: &str = "announcement";
/// How long the lease lasts without renewal.
const LEASE_S: i64 = 30;
/// Most rows worked per round (one per target CSE).
const BATCH: i64 = 32;
/// Longest pause before a failed row is tried again.
const BACKOFF_MAX_S: i64 = 60;
/// Attempts after which a request the target refused is dropped: a refusal (4xxx)
/// does not go away by waiting, unlike an unreachable target.
const MAX_REFUSALS: i32 = 5;

/// Works the announcement queue of `cse` for as long as the process serves, looking
/// for due rows every `poll`.
pub async fn run(cse: Cse, sender: Sender, poll: Duration) {
    let holder = uuid::Uuid::new_v4().simple().to_string();
    loop {
        let holds = {
            let (cse, holder) = (cse.clone(), holder.clone());
            blocking(move || registration::take_lease(&cse, LEASE, &holder, LEASE_S)).await
        };
        let worked = match holds {
            Ok(Ok(true)) => round(&cse, &sender).await,
            Ok(Ok(false)) => 0,
            Ok(Err(err)) | Err(err) => {
                tracing::warn!(error = %err.message, "announcement queue: database unavailable");
                0
            }
        };
        if worked == 0 {
            tokio::time::sleep(poll).await;
        }
    }
}

/// One round: the due head row of each target CSE. Returns how many rows it worked.
async fn round(cse: &Cse, sender: &Sender) -> usize {
    let heads = {
        let cse = cse.clone();
        blocking(move || copy::heads(&cse, BATCH)).await
    };
    let rows = match heads {
        Ok(Ok(rows)) => rows,
        Ok(Err(err)) | Err(err) => {
            tracing::warn!(error = %err.message, "announcement queue: cannot read");
            return 0;
        }
    };
    let count = rows.len();
    for row in rows {
        let outcome = work(cse, sender, &row).await;
        let recorded = {
            let cse = cse.clone();
            blocking(move || record(&cse, &row, outcome)).await
        };
        if let Ok(Err(err)) | Err(err) = recorded {
            tracing::warn!(error = %err.message, "announcement queue: cannot record an outcome");
        }
    }
    count
}

/// What became of a row.
enum Outcome {
    /// Done: remove the row.
    Done,
    /// The copy was created at this address.
    Created(String),
    /// The target could not be reached, or refused (`refused`): try again later.
    Failed { why: String, refused: bool },
}

/// Sends what `row` asks for.
async fn work(cse: &Cse, sender: &Sender, row: &AnnouncementRow) -> Outcome {
    let plan = {
        let (cse, row) = (cse.clone(), row.clone());
        blocking(move || copy::plan(&cse, &row)).await
    };
    let plan = match plan {
        Ok(Ok(plan)) => plan,
        Ok(Err(err)) | Err(err) => {
            return Outcome::Failed {
                why: err.message,
                refused: false,
            };
        }
    };
    match plan {
        Plan::Nothing => Outcome::Done,
        Plan::Send(hop, outgoing) => match send(cse, sender, &hop, &outgoing).await {
            Ok(answer) if answer.rsc.is_success() => Outcome::Done,
            // The copy is gone already (removed there, or expired).
            Ok(answer) if answer.rsc == ResponseStatusCode::NotFound => Outcome::Done,
            answer => failed(answer),
        },
        Plan::Create {
            hop,
            cse_base,
            parent,
            mut copy,
        } => {
            let parent = match parent {
                Some(parent) => parent,
                None => {
                    let (create, address) = copy::cse_base_annc(cse, &cse_base);
                    match send(cse, sender, &hop, &create).await {
                        Ok(answer)
                            if matches!(
                                answer.rsc,
                                ResponseStatusCode::Created | ResponseStatusCode::Conflict
                            ) =>
                        {
                            address
                        }
                        answer => return failed(answer),
                    }
                }
            };
            copy.to = parent;
            match send(cse, sender, &hop, &copy).await {
                Ok(answer) if answer.rsc == ResponseStatusCode::Created => {
                    match created_ri(&answer) {
                        Some(ri) => Outcome::Created(format!("{}/{ri}", row.target)),
                        None => Outcome::Failed {
                            why: "the target answered 2001 without the copy's resourceID".into(),
                            refused: true,
                        },
                    }
                }
                answer => failed(answer),
            }
        }
    }
}

/// Records `outcome` for `row`.
fn record(cse: &Cse, row: &AnnouncementRow, outcome: Outcome) -> CseResult<()> {
    match outcome {
        Outcome::Done => copy::finished(cse, row.id),
        Outcome::Created(address) => {
            tracing::debug!(original = %row.original, copy = %address, "announced");
            copy::created(cse, row, &address)
        }
        Outcome::Failed { why, refused } if refused && row.attempts + 1 >= MAX_REFUSALS => {
            tracing::warn!(original = %row.original, target = %row.target, op = %row.op, error = %why, "announcement refused by the target; dropped");
            copy::finished(cse, row.id)
        }
        Outcome::Failed { why, .. } => {
            let delay = 1_i64
                .checked_shl(u32::try_from(row.attempts.clamp(0, 6)).unwrap_or(6))
                .unwrap_or(BACKOFF_MAX_S)
                .min(BACKOFF_MAX_S);
            tracing::debug!(original = %row.original, target = %row.target, op = %row.op, error = %why, delay_s = delay, "announcement failed; retrying");
            copy::retry(cse, row.id, delay, &why)
        }
    }
}

/// The failure an answer (or no answer) is.
fn failed(answer: Result<Forwarded, String>) -> Outcome {
    match answer {
        Ok(answer) => Outcome::Failed {
            why: answer.describe(),
            refused: answer.rsc.code() < 5000,
        },
        Err(why) => Outcome::Failed {
            why,
            refused: false,
        },
    }
}

/// The resourceID in a CREATE's answer (`{"m2m:cntA": {"ri": …}}`).
fn created_ri(answer: &Forwarded) -> Option<String> {
    answer
        .content
        .as_ref()?
        .as_object()?
        .values()
        .next()?
        .get("ri")?
        .as_str()
        .map(str::to_owned)
}

/// One request to the target, From this CSE, to each `poa` of `hop` until one answers.
async fn send(
    cse: &Cse,
    sender: &Sender,
    hop: &Hop,
    outgoing: &Outgoing,
) -> Result<Forwarded, String> {
    let method = method_of(outgoing.op);
    let headers = primitive_headers(
        cse.cse_id.clone(),
        uuid::Uuid::new_v4().simple().to_string(),
        "3",
        outgoing.content.as_ref().map(|_| outgoing.ty),
    );
    let body = outgoing
        .content
        .as_ref()
        .map(|c| serde_json::to_vec(c).unwrap_or_default());
    first_success(&hop.poa, |poa| {
        let url = format!("{}/~{}", poa.trim_end_matches('/'), outgoing.to);
        let (method, body, headers) = (method.clone(), body.clone(), &headers);
        async move { sender.forward(method, &url, headers, body).await }
    })
    .await
}
