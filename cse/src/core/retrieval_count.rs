//! deletionCnt (`dcnt`, R4, TS-0001 §9.6.7): a contentInstance created with `dcnt` N is
//! deleted by the RETRIEVE that reads it the N-th time. Only RETRIEVEs that answer the
//! instance itself count (by its address, `la` or `ol`); discovery and a parent's
//! rcn 4/5/6/8 answer do not.
//!
//! A RETRIEVE runs in a read transaction, so an instance that counts is handed back to
//! the service ([`crate::core::dispatch::Route::Count`]) and read again in a write
//! transaction that holds its row (PostgreSQL `FOR UPDATE`, SQLite's single writer):
//! two readers racing for the last count are served one after the other, and the
//! second finds the instance gone (4004). An instance without `dcnt` is decided from
//! the row already loaded: no statement, no write.

use serde_json::Value;

use crate::core::record::Resource;
use crate::core::removal::{self, Cause};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// The retrievals `resource` has left, when it counts them (a `dcnt` attribute).
pub fn remaining(resource: &Resource) -> Option<i64> {
    resource.attrs.get("dcnt").and_then(Value::as_i64)
}

/// Takes one retrieval from `resource`, read in this write transaction with its row
/// held: the last one deletes it (its container's `cni`/`cbs` go down and its
/// subscribers are notified as for any deletion); the others store the lower count.
/// The answer already built shows the count before this retrieval.
pub fn count_down(tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
    let Some(left) = remaining(resource) else {
        return Ok(());
    };
    if left <= 1 {
        removal::remove(tx, resource, Cause::Counted)?;
        return Ok(());
    }
    let mut counted = resource.clone();
    counted
        .attrs
        .insert("dcnt".to_owned(), Value::from(left - 1));
    resource_table::update(tx.conn, &counted.to_row())?;
    Ok(())
}
