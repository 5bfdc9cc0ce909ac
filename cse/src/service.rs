//! Runs a request primitive for any binding: the blocking core on the blocking pool,
//! with the asynchronous verification step of subscriptions in between when needed.

use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ResponseStatusCode};

use crate::core::operations::subscription::may_need_verification;
use crate::core::{Cse, dispatch};
use crate::error::CseError;
use crate::notify::deliver;
use crate::notify::send::Sender;
use crate::store::Backend;

/// Processes `req` and returns its response; never fails (errors are responses).
pub async fn execute(cse: &Cse, sender: &Sender, req: Request) -> Response {
    let mut assigned_ri = None;
    if may_need_verification(&req) {
        let prepared = {
            let (cse, req) = (cse.clone(), req.clone());
            tokio::task::spawn_blocking(move || dispatch::prepare_verification(&cse, &req)).await
        };
        match prepared {
            Err(_) => return interrupted(),
            Ok(Err(response)) => return response,
            Ok(Ok(None)) => {}
            Ok(Ok(Some(verification))) => {
                let sur = format!("{}/{}", cse.cse_id, verification.sub_ri);
                let verified = deliver::verify(
                    sender,
                    &verification.targets,
                    &sur,
                    verification.creator.as_deref(),
                )
                .await;
                if let Err(reason) = verified {
                    return dispatch::error_response(CseError::new(
                        ResponseStatusCode::SubscriptionVerificationInitiationFailed,
                        format!("verification of notification target {reason}"),
                    ));
                }
                assigned_ri = Some(verification.sub_ri);
            }
        }
    }
    if inline(cse, &req) {
        return dispatch::handle(cse, &req, None);
    }
    let cse = cse.clone();
    tokio::task::spawn_blocking(move || dispatch::handle(&cse, &req, assigned_ri.as_deref()))
        .await
        .unwrap_or_else(|_| interrupted())
}

/// SQLite reads are in-process and never wait on a lock (WAL lets readers run beside
/// the writer), so they run on the calling thread: handing them to the blocking pool
/// and back cost more than the read itself (a profile under `retrieve-latest` showed
/// half of onecse's time in those thread switches). Writes, and every PostgreSQL
/// request (network round trips), still go to the blocking pool.
fn inline(cse: &Cse, req: &Request) -> bool {
    req.op == Operation::Retrieve && cse.db.backend() == Backend::Sqlite
}

fn interrupted() -> Response {
    dispatch::error_response(CseError::internal("request processing was interrupted"))
}
