//! The background task that runs per-resource timers ([`ResourceKind::on_due`]; a
//! timeSeries' missing-data detection). The state lives in the row (`due` and the
//! document), so a restart continues where the last run stopped; rows are claimed
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several onecse processes on one
//! database never run one timer twice.
//!
//! [`ResourceKind::on_due`]: crate::core::resources::ResourceKind::on_due

use onecse_models::time::Timestamp;

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::transaction;
use crate::error::CseResult;
use crate::store::{TransactionKind, resource_table};

/// Due rows handled per transaction, so one run never holds locks for long.
const BATCH: i64 = 100;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    /// Timers run.
    pub fired: usize,
    /// Notifications queued by them: the caller wakes delivery.
    pub queued_notifications: usize,
}

/// Runs every timer that is due now, in batches.
pub fn sweep(cse: &Cse) -> CseResult<Fired> {
    let mut total = Fired::default();
    let idle = transaction::run_background(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        Ok(!resource_table::any_due(tx.conn, &tx.now_text)?)
    })?;
    if idle.value {
        return Ok(total);
    }
    loop {
        let batch =
            transaction::run_background(cse, TransactionKind::Write, Timestamp::now(), |tx| {
                let rows = resource_table::due(tx.conn, &tx.now_text, BATCH)?;
                let seen = rows.len();
                for row in rows {
                    let mut resource = Resource::from_row(row)?;
                    resource.kind().on_due(tx, &mut resource)?;
                    resource_table::update(tx.conn, &resource.to_row())?;
                }
                CseResult::Ok(seen)
            })?;
        total.fired += batch.value;
        total.queued_notifications += batch.queued_notifications;
        if i64::try_from(batch.value).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}
