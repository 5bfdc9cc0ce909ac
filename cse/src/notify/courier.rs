//! Sends one request primitive to an AE and brings back its answer, whichever way
//! the AE is reached (spec digest polling-and-requests §3): over HTTP to its `poa`
//! entries in order (the next one when one cannot be reached), or queued for its
//! pollingChannel and answered through `pcu`. Verification requests and relayed
//! NOTIFYs go through [`Courier::send`]; the outbox queues subscription
//! notifications with the same `core::polling::enqueue` inside its claim.

use std::time::Duration;

use onecse_models::ResponseStatusCode;
use onecse_models::time::Timestamp;
use serde_json::{Map, Value};

use super::polling_hub::{PollingHub, RECHECK};
use super::send::{Headers, Sender, first_success};
use crate::blocking::blocking;
use crate::core::Cse;
use crate::core::notification::target::Route;
use crate::core::polling_channel::{self, Outgoing};
use crate::core::transaction;
use crate::store::TransactionKind;

/// How long polling waits; from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct PollingSettings {
    /// A long poll without X-M2M-RET.
    pub wait: Duration,
    /// The longest wait of a long poll or of an answer, whatever X-M2M-RET asks.
    pub wait_max: Duration,
    /// Lifetime of a queued request without its own X-M2M-RET.
    pub queue_expiry: Duration,
}

/// The AE's answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Its response status code.
    pub rsc: ResponseStatusCode,
    /// Its content, if any.
    pub content: Option<Value>,
    /// The URL that answered and its HTTP status, when it came over HTTP.
    pub http: Option<(String, u16)>,
    /// Whether it is a oneM2M response primitive (always, through `pcu`); an HTTP
    /// answer that is not has no content and is never relayed.
    pub primitive: bool,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// No `poa` entry could be reached (each one's reason).
    Unreachable(String),
    /// Queued, but not answered through `pcu` in time.
    NoAnswer,
    /// A request with the same rqi for the same AE is already waiting.
    Duplicate,
    /// Queuing failed (the database).
    Failed(String),
}

/// Everything needed to send to an AE either way.
#[derive(Clone)]
pub struct Courier {
    /// The CSE (for queuing).
    pub cse: Cse,
    /// The only HTTP sender (applies the egress policy).
    pub sender: Sender,
    /// Where answers through `pcu` arrive and long polls are woken.
    pub hub: PollingHub,
    /// How long to wait.
    pub settings: PollingSettings,
}

impl Courier {
    /// Sends `request` to the AE `route` names and returns its answer, waiting at most
    /// `wait` for an AE that polls (its queued copy expires then, so it is not
    /// handed out after the sender gave up).
    pub async fn send(
        &self,
        route: &Route,
        request: &Outgoing,
        wait: Duration,
    ) -> Result<Answer, Undelivered> {
        match route {
            Route::Send(urls) => self.post_first(urls, request).await,
            Route::Queue(owner) => self.queue_and_wait(owner, request, wait).await,
        }
    }

    async fn post_first(&self, urls: &[String], request: &Outgoing) -> Result<Answer, Undelivered> {
        let headers = Headers {
            from: &request.from,
            rqi: &request.rqi,
            rvi: &request.rvi,
            ec: None,
        };
        let body = request.content.clone().unwrap_or(Value::Null);
        first_success(urls, |url| async {
            let answer = self.sender.exchange(url, &headers, &body).await?;
            Ok(Answer {
                rsc: answer.rsc,
                content: answer.content,
                http: Some((url.clone(), answer.status)),
                primitive: answer.primitive,
            })
        })
        .await
        .map_err(Undelivered::Unreachable)
    }

    async fn queue_and_wait(
        &self,
        owner: &str,
        request: &Outgoing,
        wait: Duration,
    ) -> Result<Answer, Undelivered> {
        let mut expected = self
            .hub
            .expect(owner, &request.rqi)
            .ok_or(Undelivered::Duplicate)?;
        let now = Timestamp::now();
        let expires = now.plus_millis(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        let queued = {
            let (cse, owner, request) = (self.cse.clone(), owner.to_owned(), request.clone());
            blocking(move || {
                transaction::run(&cse, TransactionKind::Write, now, |tx| {
                    polling_channel::enqueue(tx, &owner, &request, expires)?;
                    polling_channel::await_answer(tx, &owner, &request.rqi, expires)
                })
            })
            .await
        };
        match queued {
            Ok(Ok(_)) => {}
            // Another process already waits for an answer with this rqi from this AE.
            Ok(Err(err)) if err.rsc == ResponseStatusCode::Conflict => {
                return Err(Undelivered::Duplicate);
            }
            Ok(Err(err)) | Err(err) => return Err(Undelivered::Failed(err.message)),
        }
        self.hub.wake(owner);
        // The answer reaches this process (the hub) or another one (left in the
        // database, looked at every RECHECK).
        let deadline = tokio::time::Instant::now() + wait;
        let rsp = loop {
            let pause = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(RECHECK);
            tokio::select! {
                rsp = expected.recv() => {
                    let _ = self.collect(owner, &request.rqi, true).await;
                    break rsp;
                }
                () = tokio::time::sleep(pause) => {
                    let done = tokio::time::Instant::now() >= deadline;
                    if let Some(rsp) = self.collect(owner, &request.rqi, done).await? {
                        break Some(rsp);
                    }
                    if done {
                        break None;
                    }
                }
            }
        };
        let rsp = rsp.ok_or(Undelivered::NoAnswer)?;
        let rsc = rsp
            .get("rsc")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .and_then(ResponseStatusCode::from_code)
            .unwrap_or(ResponseStatusCode::InternalServerError);
        Ok(Answer {
            rsc,
            content: rsp.get("pc").cloned(),
            http: None,
            primitive: true,
        })
    }

    /// The answer another process left for request `rqi`, if any (`done`: stop
    /// waiting and remove the note).
    async fn collect(
        &self,
        owner: &str,
        rqi: &str,
        done: bool,
    ) -> Result<Option<Map<String, Value>>, Undelivered> {
        let (cse, owner, rqi) = (self.cse.clone(), owner.to_owned(), rqi.to_owned());
        match blocking(move || polling_channel::collect_answer(&cse, &owner, &rqi, done)).await {
            Ok(Ok(rsp)) => Ok(rsp),
            Ok(Err(err)) | Err(err) => Err(Undelivered::Failed(err.message)),
        }
    }
}
