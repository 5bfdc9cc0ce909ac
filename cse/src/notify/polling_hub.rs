//! In-process meeting points of polling: long polls waiting for their AE's queue
//! (woken when this process queues for that AE, and re-checking the database every
//! [`RECHECK`] for rows other processes queued), and senders waiting for the answer
//! a polling AE gives through `pcu` NOTIFY. Nothing here holds a database
//! connection or a blocking thread while it waits.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{Notify, oneshot};

/// Longest time a waiting long poll goes without looking at the database, so a
/// request queued by another process on the same PostgreSQL is seen within it.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Shared by everything that queues for, polls for, or answers through a channel.
#[derive(Clone, Default)]
pub struct PollingHub {
    inner: Arc<Inner>,
}

/// An answer (the `m2m:rsp` members) on its way to the sender waiting for it.
type AnswerSlot = oneshot::Sender<Map<String, Value>>;

#[derive(Default)]
struct Inner {
    /// Wake-ups per owner (AE-ID), present while someone polls for it.
    owners: Mutex<HashMap<String, Arc<Notify>>>,
    /// Senders waiting for an answer, by (owner, rqi).
    answers: Mutex<HashMap<(String, String), AnswerSlot>>,
}

impl PollingHub {
    /// Wakes this process's long polls for `owner` (after a commit that queued for it).
    pub fn wake(&self, owner: &str) {
        if let Ok(owners) = self.inner.owners.lock()
            && let Some(notify) = owners.get(owner)
        {
            notify.notify_waiters();
        }
    }

    /// The wake-up of `owner`'s queue, held while a long poll waits.
    pub fn watch(&self, owner: &str) -> Watch<'_> {
        let notify = self.inner.owners.lock().map_or_else(
            |_| Arc::new(Notify::new()),
            |mut owners| Arc::clone(owners.entry(owner.to_owned()).or_default()),
        );
        Watch {
            hub: self,
            owner: owner.to_owned(),
            notify,
        }
    }

    /// Registers a wait for the answer to request `rqi` queued for `owner`; `None`
    /// when a request with that rqi for that owner is already waiting.
    pub fn expect(&self, owner: &str, rqi: &str) -> Option<Expected<'_>> {
        let key = (owner.to_owned(), rqi.to_owned());
        let (sender, receiver) = oneshot::channel();
        let mut answers = self.inner.answers.lock().ok()?;
        match answers.entry(key.clone()) {
            Entry::Occupied(_) => None,
            Entry::Vacant(slot) => {
                slot.insert(sender);
                Some(Expected {
                    hub: self,
                    key,
                    receiver: Some(receiver),
                })
            }
        }
    }

    /// Hands `owner`'s answer to request `rqi` to whoever waits for it in this
    /// process; false when no one does (a notification needs no answer).
    pub fn answer(&self, owner: &str, rqi: &str, rsp: Map<String, Value>) -> bool {
        let waiting = self
            .inner
            .answers
            .lock()
            .ok()
            .and_then(|mut a| a.remove(&(owner.to_owned(), rqi.to_owned())));
        waiting.is_some_and(|sender| sender.send(rsp).is_ok())
    }
}

/// A long poll's hold on its owner's wake-up; forgets the owner's entry when the last
/// poll for it ends, so the table does not grow with every AE that ever polled.
pub struct Watch<'h> {
    hub: &'h PollingHub,
    owner: String,
    notify: Arc<Notify>,
}

impl Watch<'_> {
    /// The wake-up to wait on; create it (and `enable` it) before looking at the
    /// queue, so a wake-up between the look and the wait is not lost.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let Ok(mut owners) = self.hub.inner.owners.lock()
            && owners
                .get(&self.owner)
                .is_some_and(|n| Arc::ptr_eq(n, &self.notify) && Arc::strong_count(n) == 2)
        {
            owners.remove(&self.owner);
        }
    }
}

/// A registered wait for an answer; unregisters itself when dropped.
pub struct Expected<'h> {
    hub: &'h PollingHub,
    key: (String, String),
    receiver: Option<oneshot::Receiver<Map<String, Value>>>,
}

impl Expected<'_> {
    /// The answer, when it reaches this process (cancel-safe: call it again after a
    /// `select!` chose another branch).
    pub async fn recv(&mut self) -> Option<Map<String, Value>> {
        let receiver = self.receiver.as_mut()?;
        let answer = receiver.await.ok();
        self.receiver = None;
        answer
    }

    /// The answer, or `None` when `wait` passes first.
    pub async fn within(mut self, wait: Duration) -> Option<Map<String, Value>> {
        tokio::time::timeout(wait, self.recv()).await.ok().flatten()
    }
}

impl Drop for Expected<'_> {
    fn drop(&mut self) {
        if let Ok(mut answers) = self.hub.inner.answers.lock() {
            answers.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_reaches_only_the_wait_for_its_owner_and_rqi() {
        let hub = PollingHub::default();
        let expected = hub.expect("Cae1", "r1").expect("first wait registers");
        assert!(hub.expect("Cae1", "r1").is_none(), "duplicate rqi refused");
        assert!(!hub.answer("Cother", "r1", Map::new()), "other owner");
        let mut rsp = Map::new();
        rsp.insert("rsc".into(), Value::from(2000));
        assert!(hub.answer("Cae1", "r1", rsp));
        let got = expected.within(Duration::from_millis(100)).await;
        assert_eq!(
            got.and_then(|r| r.get("rsc").cloned()),
            Some(Value::from(2000))
        );
        assert!(hub.expect("Cae1", "r1").is_some(), "slot freed after use");
    }

    #[tokio::test]
    async fn the_owner_table_forgets_owners_no_one_polls() {
        let hub = PollingHub::default();
        {
            let _first = hub.watch("Cae1");
            let _second = hub.watch("Cae1");
        }
        assert!(
            hub.inner
                .owners
                .lock()
                .map(|o| o.is_empty())
                .unwrap_or(false)
        );
    }
}
