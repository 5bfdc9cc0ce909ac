//! Group commit for hot parents (PostgreSQL): concurrent creates of instances into one
//! parent share one transaction, each request in its own savepoint, so they wait once
//! for the parent's row lock and pay one WAL flush together instead of one each.
//!
//! Per target (the request's `to`) there is a queue. The first request that finds no
//! queue starts a leader on the blocking pool; later ones only queue and wait for
//! their answer (they hold no thread). The leader takes up to `group_commit_max_batch`
//! queued requests, runs them with [`dispatch::handle_batch`], answers each, and goes
//! on until the queue is empty. There is no waiting for a batch to fill: what arrives
//! while one batch runs forms the next, so a lone request runs at once, as before.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::Service;
use crate::core::Cse;
use crate::core::dispatch::{self, Admitted, Step};
use crate::error::{CseError, CseResult};
use crate::store::Backend;

/// The per-target queues of requests waiting for their batch; cheap to clone (shared).
#[derive(Clone)]
pub struct GroupCommit {
    shared: Arc<Shared>,
}

struct Shared {
    /// A target has an entry exactly while a leader runs for it.
    queues: Mutex<HashMap<String, VecDeque<Queued>>>,
    max_batch: usize,
    /// `onecse_group_commit_batch_size`.
    batch_size: prometheus::Histogram,
}

/// A request waiting for its batch, and where its answer goes (with the request,
/// should dispatch route it further).
struct Queued {
    admitted: Admitted,
    answer: oneshot::Sender<(CseResult<Step>, Admitted)>,
}

impl GroupCommit {
    /// Batches of at most `max_batch` requests (1: no batching), each size reported to
    /// `batch_size`.
    pub fn new(max_batch: usize, batch_size: prometheus::Histogram) -> Self {
        Self {
            shared: Arc::new(Shared {
                queues: Mutex::new(HashMap::new()),
                max_batch,
                batch_size,
            }),
        }
    }

    /// Whether `req` may run in a batch: the create of an instance (the requests that
    /// contend for their parent's counters) on PostgreSQL, with batching on. SQLite
    /// keeps its own path: its single writer is already serialized in-process.
    pub fn may_join(&self, cse: &Cse, admitted: &Admitted) -> bool {
        self.shared.max_batch > 1
            && cse.db.backend() == Backend::Postgres
            && admitted.creates_instance()
    }

    /// Queues a request; true when no leader runs for `to`, so the caller starts one.
    fn enqueue(&self, to: String, queued: Queued) -> bool {
        match self.shared.lock().entry(to) {
            Entry::Occupied(mut queue) => {
                queue.get_mut().push_back(queued);
                false
            }
            Entry::Vacant(slot) => {
                slot.insert(VecDeque::from([queued]));
                true
            }
        }
    }

    /// The next batch for `to`, or `None` when its queue is empty: then the leader
    /// stops, and the queue is removed under the same lock, so a request queued after
    /// this point starts a new leader instead of waiting for a finished one.
    fn next_batch(&self, to: &str) -> Option<Vec<Queued>> {
        let mut queues = self.shared.lock();
        let queue = queues.get_mut(to)?;
        if queue.is_empty() {
            queues.remove(to);
            return None;
        }
        let size = queue.len().min(self.shared.max_batch);
        Some(queue.drain(..size).collect())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Queued>>> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Service {
    /// Runs a request [`GroupCommit::may_join`] admitted in its target's next batch.
    pub(super) async fn execute_grouped(&self, admitted: Admitted) -> CseResult<(Step, Admitted)> {
        let to = admitted.req.to.clone();
        let (answer, answered) = oneshot::channel();
        if self
            .group_commit
            .enqueue(to.clone(), Queued { admitted, answer })
        {
            let service = self.clone();
            let span = tracing::info_span!("group_commit", to = %to);
            // Detached: the leader serves every request queued behind this one, so
            // this request answers as soon as its own batch committed, and a client
            // that goes away cannot stop the others' batches.
            drop(tokio::task::spawn_blocking(move || {
                span.in_scope(|| service.lead(&to));
            }));
        }
        let (step, admitted) = answered
            .await
            .map_err(|_| CseError::internal("request processing was interrupted"))?;
        Ok((step?, admitted))
    }

    /// The leader's loop for `to`: batch after batch until the queue is empty.
    /// Blocking.
    fn lead(&self, to: &str) {
        let _leading = Leading {
            shared: &self.group_commit.shared,
            to,
        };
        while let Some(batch) = self.group_commit.next_batch(to) {
            self.run_batch(batch);
        }
    }

    /// Runs one batch to its commit and answers each request. Delivery is woken once
    /// for the batch; the operationMonitor step of a watched parent runs per request
    /// before it is answered, as for a request run alone.
    fn run_batch(&self, batch: Vec<Queued>) {
        #[expect(clippy::cast_precision_loss, reason = "a batch size is far below 2^52")]
        self.group_commit
            .shared
            .batch_size
            .observe(batch.len() as f64);
        let (requests, answers): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|queued| (queued.admitted, queued.answer))
            .unzip();
        let handled = dispatch::handle_batch(&self.cse, &requests);
        let queued_notifications = handled
            .iter()
            .filter_map(|h| h.result.as_ref().ok())
            .map(|committed| committed.queued_notifications)
            .sum();
        self.outbox.wake_if(queued_notifications);
        for ((admitted, handled), answer) in requests.into_iter().zip(handled).zip(answers) {
            if let Some(monitored) = &handled.monitored {
                self.outbox
                    .wake_if(dispatch::record_access(&self.cse, monitored, &admitted.req));
            }
            let step = handled.result.map(|committed| committed.value);
            // The client may have gone away; its request committed all the same.
            let _ = answer.send((step, admitted));
        }
    }
}

/// Removes the target's queue if its leader panics, so later requests start a new
/// leader; the requests it still held get an error (their answer channels close).
struct Leading<'a> {
    shared: &'a Shared,
    to: &'a str,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared.lock().remove(self.to);
        }
    }
}
