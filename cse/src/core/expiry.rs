//! Removes resources whose expirationTime has passed (TS-0001 §9.6.1.3), with their
//! subtrees, keeping containers' counters right. Requests never see expired resources
//! anyway (every lookup filters on `et`); this task reclaims the space.

use onecse_models::time::Timestamp;

use crate::core::Cse;
use crate::core::removal::{self, Cause};
use crate::core::resource::Resource;
use crate::error::CseResult;
use crate::store::{TransactionKind, resources};

/// Expired resources handled per transaction, so one sweep never holds locks for long.
const BATCH: i64 = 200;

/// Removes everything that has expired; returns how many rows went. Several onecse
/// processes may sweep one database at once: a row removed by one is skipped by the
/// others, and counters change only for rows a sweep really removed.
pub fn sweep(cse: &Cse) -> CseResult<usize> {
    let mut total = 0;
    loop {
        let now = Timestamp::now().to_string();
        let (seen, removed) = cse.db.run_background(TransactionKind::Write, |conn| {
            let batch = resources::expired(conn, &now, BATCH)?;
            let seen = batch.len();
            let mut removed = 0;
            for row in batch {
                removed += removal::remove(
                    conn,
                    cse,
                    &Resource::from_row(row)?,
                    Cause::Expired,
                    Timestamp::now(),
                )?;
            }
            CseResult::Ok((seen, removed))
        })?;
        total += removed;
        if i64::try_from(seen).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}
