//! The pollingChannel routes (spec digest polling-and-requests §2): a long poll of
//! the originator's own `pcu`, and an AE's answer through it to a request it took.
//! Dispatch resolved and authorized each; the wait holds neither a database
//! connection nor a blocking thread.

use std::pin::pin;

use onecse_models::ResponseStatusCode;
use onecse_models::primitive::{Request, Response};

use super::Service;
use crate::blocking::blocking;
use crate::core::polling_channel::{self, Channel};
use crate::error::{CseError, CseResult};
use crate::notify::polling_hub::RECHECK;

impl Service {
    /// A long poll: the owner's oldest queued request at once, or as soon as one is
    /// queued, or 4008 when the wait ends. Woken by this process's queuing, and
    /// looking at the database every [`RECHECK`] for other processes' rows.
    pub(super) async fn long_poll(&self, req: &Request, channel: &Channel) -> CseResult<Response> {
        let settings = self.courier.settings;
        let wait = polling_channel::wait_for(req, settings.wait, settings.wait_max)?;
        let deadline = tokio::time::Instant::now() + wait;
        let watch = self.courier.hub.watch(&channel.owner);
        loop {
            let mut woken = pin!(watch.notified());
            woken.as_mut().enable();
            let (cse, owner) = (self.cse.clone(), channel.owner.clone());
            if let Some(rqp) = blocking(move || polling_channel::take(&cse, &owner)).await?? {
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
    pub(super) async fn take_answer(
        &self,
        req: &Request,
        channel: &Channel,
    ) -> CseResult<Response> {
        let (rqi, rsp) = polling_channel::answer(req)?;
        let mut awaited = self.courier.hub.answer(&channel.owner, &rqi, rsp.clone());
        if !awaited {
            let (cse, owner, id) = (self.cse.clone(), channel.owner.clone(), rqi.clone());
            awaited =
                blocking(move || polling_channel::leave_answer(&cse, &owner, &id, &rsp)).await??;
        }
        tracing::debug!(owner = %channel.owner, rqi = %rqi, awaited, "answer received through a pollingChannel");
        Ok(Response::new(ResponseStatusCode::Ok, None))
    }
}
