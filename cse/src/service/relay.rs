//! The relay route (spec digest polling-and-requests §4): a NOTIFY to an AE of this
//! CSE, sent on to the AE through the one outgoing sender and answered with the AE's
//! answer, which must be a oneM2M response primitive: whatever else answers at a
//! `poa` (a web server, an internal API) is never passed back, or any originator with
//! the NOTIFY privilege could read hosts of the allowed networks through this CSE.
//! Dispatch resolved the AE and decided the NOTIFY privilege.

use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ReleaseVersion, ResponseStatusCode};

use super::Service;
use crate::core::notification::target::Route as Reach;
use crate::core::polling_channel::{self, Outgoing};
use crate::error::{CseError, CseResult};
use crate::notify::courier::Undelivered;

impl Service {
    /// Relays a NOTIFY to the AE it addresses, in the AE's `release` when known, and
    /// answers with the AE's answer.
    pub(super) async fn relay(
        &self,
        req: &Request,
        route: Result<Reach, String>,
        release: Option<ReleaseVersion>,
    ) -> CseResult<Response> {
        let settings = self.courier.settings;
        let wait = polling_channel::wait_for(req, settings.wait, settings.wait_max)?;
        let route = route.map_err(|why| {
            CseError::new(
                ResponseStatusCode::TargetNotReachable,
                format!("the NOTIFY cannot be relayed: {why}"),
            )
        })?;
        let request = Outgoing {
            op: Operation::Notify,
            to: req.to.clone(),
            from: req.from.clone().unwrap_or_default(),
            rqi: req.rqi.clone(),
            rvi: release.unwrap_or(req.rvi).as_str().to_owned(),
            content: req.content.clone(),
        };
        match self.courier.send(&route, &request, wait).await {
            Ok(answer) if answer.primitive => Ok(Response::new(answer.rsc, answer.content)),
            // The target was reached, so the next `poa` entry is not tried (no second
            // delivery); what answered is no AE as far as oneM2M goes (5103, like an
            // unreachable one), and nothing of its answer is said.
            Ok(_) => Err(CseError::new(
                ResponseStatusCode::TargetNotReachable,
                format!(
                    "the point of access of '{}' answered, but not with a oneM2M response (X-M2M-RSC and the request's X-M2M-RI); its answer is not relayed",
                    req.to
                ),
            )),
            Err(Undelivered::Unreachable(why)) => Err(CseError::new(
                ResponseStatusCode::TargetNotReachable,
                format!("no point of access of '{}' could be reached: {why}", req.to),
            )),
            Err(Undelivered::NoAnswer) => Err(CseError::new(
                ResponseStatusCode::RequestTimeout,
                format!(
                    "'{}' did not answer through its pollingChannel within {} ms",
                    req.to,
                    wait.as_millis()
                ),
            )),
            Err(Undelivered::Duplicate) => Err(CseError::bad_request(format!(
                "a request with rqi '{}' for '{}' is already waiting for its answer",
                req.rqi, req.to
            ))),
            Err(Undelivered::Failed(why)) => Err(CseError::internal(format!(
                "the NOTIFY could not be queued: {why}"
            ))),
        }
    }
}
