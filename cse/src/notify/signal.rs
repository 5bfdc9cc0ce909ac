//! Wakes the delivery workers after a commit that queued notifications, so they leave
//! at once instead of at the next poll. Whoever committed knows from its own result
//! ([`crate::core::transaction::Committed`]) whether to wake; there is no shared
//! "rows were written" flag another request's commit could consume.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Shared between the committers (which wake) and the workers (which wait).
#[derive(Clone, Default)]
pub struct OutboxSignal {
    notify: Arc<Notify>,
}

impl OutboxSignal {
    /// Wakes a worker. With no worker waiting, the wake-up is kept for the next wait,
    /// so a wake-up between a worker's empty claim and its wait is not lost.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Wakes a worker if a commit queued notifications.
    pub fn wake_if(&self, queued_notifications: usize) {
        if queued_notifications > 0 {
            self.wake();
        }
    }

    /// Waits for a wake-up or `timeout`, whichever comes first.
    pub async fn wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.notify.notified()).await;
    }
}
