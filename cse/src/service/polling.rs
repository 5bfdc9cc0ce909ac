//! Requests that wait on an AE instead of the database (spec digest
//! polling-and-requests §2, §4): a long poll of a pollingChannel's `pcu`, an AE's
//! answer through it, and a NOTIFY relayed to an AE. The waits hold neither a
//! database connection nor a blocking thread.

use std::pin::pin;

use onecse_models::primitive::{Request, Response};
use onecse_models::{Operation, ResourceType, ResponseStatusCode};

use super::Service;
use crate::blocking::blocking;
use crate::core::dispatch;
use crate::core::polling::{self, Channel, Outgoing};
use crate::error::{CseError, CseResult};
use crate::notify::courier::Undelivered;
use crate::notify::polling_hub::RECHECK;
use crate::security::Caller;

impl Service {
    /// Answers a request to a `pcu`, or a NOTIFY to an `<AE>`; `None` for every
    /// other request (decided without the database for most).
    pub(super) async fn poll_or_relay(
        &self,
        req: &Request,
        caller: Caller,
    ) -> CseResult<Option<Response>> {
        if polling::may_name_pcu(&req.to) {
            let (cse, request) = (self.cse.clone(), req.clone());
            if let Some(channel) = blocking(move || polling::open(&cse, &request, caller)).await?? {
                let mut response = match req.op {
                    Operation::Notify => self.take_answer(req, &channel).await?,
                    _ => self.long_poll(req, &channel).await?,
                };
                response.resource_type = Some(ResourceType::PollingChannel);
                return Ok(Some(response));
            }
        }
        if req.op == Operation::Notify {
            let (cse, request) = (self.cse.clone(), req.clone());
            if let Some(route) =
                blocking(move || dispatch::prepare_relay(&cse, &request, caller)).await??
            {
                let mut response = self.relay(req, route).await?;
                response.resource_type = Some(ResourceType::Ae);
                return Ok(Some(response));
            }
        }
        Ok(None)
    }

    /// A long poll: the owner's oldest queued request at once, or as soon as one is
    /// queued, or 4008 when the wait ends. Woken by this process's queuing, and
    /// looking at the database every [`RECHECK`] for other processes' rows.
    async fn long_poll(&self, req: &Request, channel: &Channel) -> CseResult<Response> {
        let settings = self.courier.settings;
        let wait = polling::wait_for(req, settings.wait, settings.wait_max)?;
        let deadline = tokio::time::Instant::now() + wait;
        let watch = self.courier.hub.watch(&channel.owner);
        loop {
            let mut woken = pin!(watch.notified());
            woken.as_mut().enable();
            let (cse, owner) = (self.cse.clone(), channel.owner.clone());
            if let Some(rqp) = blocking(move || polling::take(&cse, &owner)).await?? {
                return Ok(Response::new(ResponseStatusCode::Ok, Some(rqp)));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(CseError::new(
                    ResponseStatusCode::RequestTimeout,
                    format!(
                        "no request arrived for '{}' within {} ms; poll again",
                        channel.owner,
                        wait.as_millis()
                    ),
                ));
            }
            let pause = (deadline - now).min(RECHECK);
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// The owner's answer to a request it received through `pcu`, handed to whoever
    /// waits for it, in this process or (through the database) in another one;
    /// nobody waits for the answer to a notification: accepted all the same.
    async fn take_answer(&self, req: &Request, channel: &Channel) -> CseResult<Response> {
        let (rqi, rsp) = polling::answer(req)?;
        let mut awaited = self.courier.hub.answer(&channel.owner, &rqi, rsp.clone());
        if !awaited {
            let (cse, owner, id) = (self.cse.clone(), channel.owner.clone(), rqi.clone());
            awaited = blocking(move || polling::leave_answer(&cse, &owner, &id, &rsp)).await??;
        }
        tracing::debug!(owner = %channel.owner, rqi = %rqi, awaited, "answer received through a pollingChannel");
        Ok(Response::new(ResponseStatusCode::Ok, None))
    }

    /// Relays a NOTIFY to the AE it addresses and answers with the AE's answer.
    async fn relay(
        &self,
        req: &Request,
        route: Result<crate::core::notification::target::Route, String>,
    ) -> CseResult<Response> {
        let settings = self.courier.settings;
        let wait = polling::wait_for(req, settings.wait, settings.wait_max)?;
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
            rvi: req.rvi.as_str().to_owned(),
            content: req.content.clone(),
        };
        match self.courier.send(&route, &request, wait).await {
            Ok(answer) => Ok(Response::new(answer.rsc, answer.content)),
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
