//! Wakes the delivery workers after a transaction that wrote outbox rows commits, so
//! notifications leave at once instead of at the next poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Shared between the request path (which marks and wakes) and the workers (which wait).
#[derive(Clone, Default)]
pub struct OutboxSignal {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    marked: AtomicBool,
    notify: Notify,
}

impl OutboxSignal {
    /// Notes that rows were written in a transaction still open.
    pub fn mark(&self) {
        self.inner.marked.store(true, Ordering::Release);
    }

    /// Called after a commit: wakes a worker if rows were written. A mark left by a
    /// transaction that rolled back only causes one needless wake-up.
    pub fn wake_if_marked(&self) {
        if self.inner.marked.swap(false, Ordering::AcqRel) {
            self.inner.notify.notify_one();
        }
    }

    /// Wakes a worker unconditionally (a stream may have its next row ready).
    pub fn wake(&self) {
        self.inner.notify.notify_one();
    }

    /// Waits for a wake-up or `timeout`, whichever comes first.
    pub async fn wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.notify.notified()).await;
    }
}
