//! Blocking update (`net` 7, TS-0004 §7.3.2.9, spec digest notifications §6): an
//! UPDATE of a resource with a blocking-update subscription is held until the
//! subscriber approved it. The core finds the subscription and builds the
//! notification; the service sends it outside any transaction and runs the UPDATE
//! again, approved, only when the subscriber answered 2000.

use onecse_models::ResourceType;
use onecse_models::resource::sub::BLOCKING_UPDATE;
use serde_json::{Map, Value, json};

use crate::core::notification::{matcher, subscriber, target};
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// The notification a held UPDATE waits on.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The `nu` entry (a resource ID).
    pub target: String,
    /// How it is reached (its `poa` or its pollingChannel), or why it cannot be.
    pub route: Result<target::Route, String>,
    /// The `m2m:sgn` to send.
    pub body: Value,
}

/// The notice for an UPDATE of `resource` with the requested attributes, when a
/// blocking-update subscription on it selects one of them (`atr`, or any) and its
/// creator may RETRIEVE the resource: one who may no longer read it is not asked to
/// approve changes to it either, so the UPDATE is not held for it.
pub fn notice(
    tx: &mut Txn<'_>,
    resource: &Resource,
    requested: &Map<String, Value>,
) -> CseResult<Option<Notice>> {
    let subs = resource_table::children_of_type(
        tx.conn,
        &resource.ri,
        ResourceType::Subscription,
        &tx.now_text,
    )?;
    for row in subs {
        let sub = Resource::from_row(row)?;
        let enc = sub.attrs.get("enc");
        let blocking = enc
            .and_then(|e| e.get("net"))
            .and_then(Value::as_array)
            .is_some_and(|net| net.iter().any(|n| n.as_i64() == Some(BLOCKING_UPDATE)));
        if !blocking || !subscriber::may_read(tx, &sub, resource, None)? {
            continue;
        }
        let atr = enc.and_then(|e| e.get("atr")).and_then(Value::as_array);
        if let Some(atr) = atr
            && !atr
                .iter()
                .filter_map(Value::as_str)
                .any(|a| requested.contains_key(a))
        {
            return Ok(None);
        }
        let Some(entry) = string_items(&sub.attrs, "nu").into_iter().next() else {
            return Ok(None);
        };
        let rep = resource.wrap(requested.clone());
        let body =
            matcher::event_notification(tx, &sub, json!({ "rep": rep, "net": BLOCKING_UPDATE }));
        let route = target::resolve(tx, &entry)?;
        return Ok(Some(Notice {
            target: entry,
            route,
            body,
        }));
    }
    Ok(None)
}
