//! Notification statistics of a subscription (`nse`/`nsi`, spec digest
//! notifications-advanced §4, R4): one `nsi` entry per `nu` target counting matching
//! events (`noec`), notification requests sent (`rqs`) and responses received
//! (`rsr`). Events are counted in the request's transaction, deliveries by the
//! delivery worker in the transaction that finishes the outbox rows, so the counts
//! follow what really happened even across restarts.

use serde_json::{Map, Value, json};

use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// Whether the subscription counts (`nse` true).
pub fn enabled(attrs: &Map<String, Value>) -> bool {
    attrs.get("nse").and_then(Value::as_bool) == Some(true)
}

/// One target's counters.
fn entry(target: &str) -> Value {
    json!({"tg": target, "rqs": 0, "rsr": 0, "noec": 0})
}

/// The `nsi` entries, one per `nu` target (created with zeros on first use).
fn entries(attrs: &mut Map<String, Value>) -> &mut [Value] {
    if !attrs.get("nsi").is_some_and(Value::is_array) {
        let targets = string_items(attrs, "nu");
        attrs.insert(
            "nsi".into(),
            Value::Array(targets.iter().map(|t| entry(t)).collect()),
        );
    }
    attrs
        .get_mut("nsi")
        .and_then(Value::as_array_mut)
        .map_or(&mut [], Vec::as_mut_slice)
}

fn add(item: &mut Value, counter: &str, by: i64) {
    if let Some(obj) = item.as_object_mut() {
        let now = obj.get(counter).and_then(Value::as_i64).unwrap_or(0);
        obj.insert(counter.into(), json!(now.saturating_add(by)));
    }
}

/// After an UPDATE of `nu`: entries of removed targets go, new targets start at zero.
pub fn follow_targets(attrs: &mut Map<String, Value>) {
    if !attrs.contains_key("nsi") {
        return;
    }
    let targets = string_items(attrs, "nu");
    let items = entries(attrs).to_vec();
    let kept = targets
        .iter()
        .map(|t| {
            items
                .iter()
                .find(|i| i.get("tg").and_then(Value::as_str) == Some(t))
                .cloned()
                .unwrap_or_else(|| entry(t))
        })
        .collect();
    attrs.insert("nsi".into(), Value::Array(kept));
}

/// The reset rules when an UPDATE names `nse`: true (from false or true) starts
/// counting from zero (drops `nsi`), `null` removes both, false stops and keeps
/// `nsi`. Returns whether `nsi` was dropped.
pub fn apply_reset(request: &Map<String, Value>, attrs: &mut Map<String, Value>) -> bool {
    match request.get("nse") {
        Some(Value::Bool(true) | Value::Null) => attrs.remove("nsi").is_some(),
        _ => false,
    }
}

/// Counts one matching event for every target (`noec`), under the subscription's
/// row lock so concurrent requests do not lose counts.
pub fn count_event(tx: &mut Txn<'_>, sub: &Resource) -> CseResult<()> {
    if !enabled(&sub.attrs) {
        return Ok(());
    }
    let Some(row) = resource_table::lock_and_reload(tx.conn, &sub.ri)? else {
        return Ok(());
    };
    let mut current = Resource::from_row(row)?;
    for item in entries(&mut current.attrs).iter_mut() {
        add(item, "noec", 1);
    }
    resource_table::update(tx.conn, &current.to_row())?;
    Ok(())
}

/// Deliveries to one target: requests sent and responses received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Notification requests sent (a batch of k counts k).
    pub requests: i64,
    /// Of those, answered by the target.
    pub responses: i64,
}

/// Adds deliveries to the counters of `target` (when `nse` is on); returns whether
/// anything changed.
pub fn count_sent(attrs: &mut Map<String, Value>, target: &str, sent: Sent) -> bool {
    if !enabled(attrs) || sent == Sent::default() {
        return false;
    }
    let Some(item) = entries(attrs)
        .iter_mut()
        .find(|i| i.get("tg").and_then(Value::as_str) == Some(target))
    else {
        return false;
    };
    add(item, "rqs", sent.requests);
    add(item, "rsr", sent.responses);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn counts_per_target_and_follows_nu() {
        let mut a = attrs(json!({"nse": true, "nu": ["A", "B"]}));
        assert!(count_sent(
            &mut a,
            "A",
            Sent {
                requests: 2,
                responses: 1
            }
        ));
        assert!(!count_sent(
            &mut a,
            "C",
            Sent {
                requests: 1,
                responses: 1
            }
        ));
        assert_eq!(
            a["nsi"],
            json!([{"tg": "A", "rqs": 2, "rsr": 1, "noec": 0}, {"tg": "B", "rqs": 0, "rsr": 0, "noec": 0}])
        );
        a.insert("nu".into(), json!(["A", "C"]));
        follow_targets(&mut a);
        assert_eq!(
            a["nsi"],
            json!([{"tg": "A", "rqs": 2, "rsr": 1, "noec": 0}, {"tg": "C", "rqs": 0, "rsr": 0, "noec": 0}])
        );
        assert!(!apply_reset(&attrs(json!({"nse": false})), &mut a));
        assert!(apply_reset(&attrs(json!({"nse": true})), &mut a));
        assert!(!a.contains_key("nsi"));
    }
}
