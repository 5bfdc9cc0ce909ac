//! Which subscription features watch a resource, kept as bits on its row (the
//! `watch` column) so that a request learns it from the row it loads anyway: only a
//! resource with an operationMonitor subscription pays for the monitor step of every
//! request, and only one with a blocking-update subscription for holding an UPDATE.

use serde_json::{Map, Value};

use onecse_models::ResourceType;

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// A subscription with `enc/om` (operationMonitor) watches the resource.
pub const MONITOR: i32 = 1;

/// A blocking-update subscription (`net` 7) watches the resource.
pub const BLOCKING: i32 = 2;

/// Some subscription has the resource as its parent: a contentInstance create skips
/// looking for its container's subscriptions when this is clear.
pub const SUBSCRIBED: i32 = 4;

/// The bits one subscription's attributes set on its subscribed-to resource (every
/// subscription sets [`SUBSCRIBED`], so every subscription created or removed
/// refreshes its parent's bits).
pub fn bits_of(sub: &Map<String, Value>) -> i32 {
    let enc = sub.get("enc");
    let monitor = enc.is_some_and(|e| e.get("om").is_some());
    let blocking = enc
        .and_then(|e| e.get("net"))
        .and_then(Value::as_array)
        .is_some_and(|net| {
            net.iter()
                .any(|n| n.as_i64() == Some(onecse_models::resource::sub::BLOCKING_UPDATE))
        });
    SUBSCRIBED | (if monitor { MONITOR } else { 0 }) | (if blocking { BLOCKING } else { 0 })
}

/// Recomputes the bits of `parent_ri` from its live subscriptions, leaving out
/// `leaving` (a subscription being removed). Runs only when a subscription is
/// created, updated or removed; reads the parent's subscriptions through the
/// (pi, ty) index. The parent's row is locked first, so two subscriptions changing
/// at once recompute one after the other and the second sees the first.
pub fn refresh(tx: &mut Txn<'_>, parent_ri: &str, leaving: Option<&str>) -> CseResult<()> {
    if resource_table::lock_and_reload(tx.conn, parent_ri)?.is_none() {
        return Ok(());
    }
    let subs = resource_table::children_of_type(
        tx.conn,
        parent_ri,
        ResourceType::Subscription,
        &tx.now_text,
    )?;
    let mut bits = 0;
    for row in subs {
        if Some(row.ri.as_str()) == leaving {
            continue;
        }
        bits |= bits_of(&Resource::from_row(row)?.attrs);
    }
    resource_table::set_watch(tx.conn, parent_ri, bits)?;
    Ok(())
}
