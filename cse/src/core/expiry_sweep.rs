//! The background sweep that removes resources whose expirationTime has passed
//! (TS-0001 §9.6.1.3), with their subtrees, keeping parents' counters right.
//! Requests never see expired resources anyway (every lookup filters on `et`); this
//! reclaims the space and sends the deletion notifications.

use onecse_models::time::Timestamp;

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::removal::{self, Cause};
use crate::core::transaction;
use crate::error::CseResult;
use crate::store::{TransactionKind, resource_table};

/// Expired resources handled per transaction, so one sweep never holds locks for long.
const BATCH: i64 = 200;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Rows removed.
    pub removed: usize,
    /// Notifications queued by the removals: the caller wakes delivery.
    pub queued_notifications: usize,
}

/// Removes everything that has expired. Several onecse processes may sweep one
/// database at once: a row removed by one is skipped by the others, and counters
/// change only for rows a sweep really removed.
pub fn sweep(cse: &Cse) -> CseResult<Swept> {
    let mut total = Swept::default();
    loop {
        let batch =
            transaction::run_background(cse, TransactionKind::Write, Timestamp::now(), |tx| {
                let expired = resource_table::expired(tx.conn, &tx.now_text, BATCH)?;
                let seen = expired.len();
                let mut removed = 0;
                for row in expired {
                    removed += removal::remove(tx, &Resource::from_row(row)?, Cause::Expired)?;
                }
                CseResult::Ok((seen, removed))
            })?;
        let (seen, removed) = batch.value;
        total.removed += removed;
        total.queued_notifications += batch.queued_notifications;
        if i64::try_from(seen).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}
