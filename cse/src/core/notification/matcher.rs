//! Turns changes into notifications (TS-0004 §7.5.1): finds the subscriptions an event
//! concerns, applies `enc` (net, atr, chty, conditions), shapes `rep` by `nct`, and
//! queues one outbox row per target in the transaction of the change (written just
//! before it commits, see `Txn::notify`).

use onecse_models::ResourceType;
use onecse_models::resource::sub::{check_batch_notify, event_conditions};
use serde_json::{Map, Value, json};

use crate::core::notification::schedule::{self, Window};
use crate::core::notification::{cross_resource, missing_data_report, stats, subscriber};
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::outbox::NewNotification;
use crate::store::resource_table;

/// A change that subscriptions may be interested in.
pub enum Event<'a> {
    /// net 1: `resource` was updated; `changed` holds the attributes that changed
    /// (removed ones as `null`).
    Updated {
        /// The resource after the update.
        resource: &'a Resource,
        /// What changed.
        changed: &'a Map<String, Value>,
    },
    /// net 3: `child` was created under `parent` (the subscribed-to resource).
    ChildCreated {
        /// The new child.
        child: &'a Resource,
        /// Its parent, as the CREATE loaded it.
        parent: &'a Resource,
    },
    /// net 4: `child` was deleted from under its parent.
    ChildDeleted {
        /// The deleted child.
        child: &'a Resource,
    },
    /// net 8: missing-data detection of `series` found `points` missing.
    MissingData {
        /// The timeSeries after the run recorded them.
        series: &'a Resource,
        /// The expected `dgt`s found missing, newest first.
        points: &'a [String],
    },
}

/// Queues the notifications for an event on the subscribed-to resource's subscriptions.
pub fn raise(tx: &mut Txn<'_>, event: &Event<'_>) -> CseResult<()> {
    let (subscribed, net, subject) = match event {
        Event::Updated { resource, .. } => (resource.ri.as_str(), 1, *resource),
        Event::ChildCreated { child, .. } => (child.pi.as_deref().unwrap_or_default(), 3, *child),
        Event::ChildDeleted { child } => (child.pi.as_deref().unwrap_or_default(), 4, *child),
        Event::MissingData { series, .. } => (series.ri.as_str(), 8, *series),
    };
    if matches!(net, 3 | 4) && !subject.kind().raises_parent_events() {
        return Ok(());
    }
    let changed = match event {
        Event::Updated { changed, .. } => Some(*changed),
        _ => None,
    };
    let parent = match event {
        Event::ChildCreated { parent, .. } => Some(*parent),
        _ => None,
    };
    for sub in subscriptions_of(tx, subscribed)? {
        if wants(&sub, net, subject, changed) && subscriber::may_read(tx, &sub, subject, parent)? {
            let rep = match event {
                Event::MissingData { points, .. } => {
                    match missing_data_report::report(tx, &sub, points)? {
                        Some(tsn) => tsn,
                        None => continue,
                    }
                }
                _ => representation(&sub, subject, changed),
            };
            notify(tx, &sub, net, rep)?;
        }
    }
    Ok(())
}

/// Before a subtree is deleted: every subscription in it learns that its subscribed-to
/// resource is deleted (net 2), sends what its `bn` batches hold at once, and, with
/// `su`, sends the deletion notification (it is deleted with the subtree).
pub fn on_subtree_removal(tx: &mut Txn<'_>, root: &Resource) -> CseResult<()> {
    let mut subs =
        resource_table::descendants_of_type(tx.conn, &root.path, ResourceType::Subscription)?
            .into_iter()
            .map(Resource::from_row)
            .collect::<CseResult<Vec<_>>>()?;
    if root.ty == ResourceType::Subscription {
        subs.push(root.clone());
    }
    for sub in &subs {
        // A subscription deleted on its own does not see its parent deleted; the others
        // go down with their subscribed-to resource.
        if sub.ri != root.ri {
            let parent = match sub.pi.as_deref() {
                Some(pi) if pi == root.ri => Some(root.clone()),
                Some(pi) => resource_table::find_by_ri(tx.conn, pi, &tx.now_text)?
                    .map(Resource::from_row)
                    .transpose()?,
                None => None,
            };
            if let Some(parent) = parent
                && wants(sub, 2, &parent, None)
                && subscriber::may_read(tx, sub, &parent, None)?
            {
                let rep = representation(sub, &parent, None);
                notify(tx, sub, 2, rep)?;
            }
        }
        if sub.attrs.contains_key("bn") {
            for target in string_items(&sub.attrs, "nu") {
                tx.flush_batch(stream_of(sub, &target));
            }
        }
        deletion_notice(tx, sub)?;
        cross_resource::member_gone(tx, sub, root)?;
    }
    Ok(())
}

fn subscriptions_of(tx: &mut Txn<'_>, ri: &str) -> CseResult<Vec<Resource>> {
    resource_table::children_of_type(tx.conn, ri, ResourceType::Subscription, &tx.now_text)?
        .into_iter()
        .map(Resource::from_row)
        .collect()
}

fn enc(sub: &Resource) -> Map<String, Value> {
    sub.attrs
        .get("enc")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Whether `sub` is interested in event `net` about `subject` (TS-0001 table 9.6.8-2).
fn wants(
    sub: &Resource,
    net: i64,
    subject: &Resource,
    changed: Option<&Map<String, Value>>,
) -> bool {
    let enc = enc(sub);
    let events: Vec<i64> = match enc.get("net").and_then(Value::as_array) {
        Some(items) => items.iter().filter_map(Value::as_i64).collect(),
        // An operationMonitor subscription hears only of accesses (`monitor`).
        None if enc.contains_key("om") => return false,
        None => vec![1],
    };
    if !events.contains(&net) {
        return false;
    }
    if net == 1
        && let (Some(atr), Some(changed)) = (enc.get("atr").and_then(Value::as_array), changed)
        && !atr
            .iter()
            .filter_map(Value::as_str)
            .any(|a| changed.contains_key(a))
    {
        return false;
    }
    if matches!(net, 3 | 4)
        && let Some(chty) = enc.get("chty").and_then(Value::as_array)
        && !chty
            .iter()
            .filter_map(Value::as_i64)
            .any(|t| t == i64::from(subject.ty.number()))
    {
        return false;
    }
    event_conditions(&enc).matches(subject.ty.number(), &subject.attrs)
}

/// `sur`: the subscription's SP-relative resource ID.
pub(crate) fn reference(tx: &Txn<'_>, sub: &Resource) -> String {
    format!("{}/{}", tx.cse.cse_id, sub.ri)
}

/// `rep` shaped by the subscription's `nct`: all attributes, the modified ones, or
/// the resource ID.
fn representation(
    sub: &Resource,
    subject: &Resource,
    changed: Option<&Map<String, Value>>,
) -> Value {
    let nct = sub.attrs.get("nct").and_then(Value::as_i64).unwrap_or(1);
    match (nct, changed) {
        (3, _) => json!({ "m2m:uri": subject.ri }),
        (2, Some(changed)) => subject.wrap(changed.clone()),
        _ => subject.representation(),
    }
}

fn notify(tx: &mut Txn<'_>, sub: &Resource, net: i64, rep: Value) -> CseResult<()> {
    queue(tx, sub, json!({ "rep": rep, "net": net }))
}

/// The `m2m:sgn` of an event: `nev`, `sur`, and `cr` when the subscription has one
/// (TS-0001 §10.2.10.7; a subscription has `cr` when its creator asked for it or
/// notifies others, see `resources::sub`). Without one, a subscription with `eeno`
/// true (R5) names the originator of the request that caused the event instead.
pub(super) fn event_notification(tx: &Txn<'_>, sub: &Resource, nev: Value) -> Value {
    let mut sgn = Map::new();
    sgn.insert("nev".into(), nev);
    sgn.insert("sur".into(), json!(reference(tx, sub)));
    if let Some(cr) = sub.attrs.get("cr") {
        sgn.insert("cr".into(), cr.clone());
    } else if sub.attrs.get("eeno").and_then(Value::as_bool) == Some(true)
        && let Some(originator) = tx.requester.as_ref().and_then(|r| r.originator.as_ref())
    {
        sgn.insert("cr".into(), json!(originator));
    }
    json!({ "m2m:sgn": sgn })
}

/// Event category `latest` (4), sent with a notification held by `pn` 1.
const LATEST_CATEGORY: i32 = 4;

/// Queues the notification of one matching event (`nev`) to every `nu` target of
/// `sub` (see [`queue_payload`]).
pub(super) fn queue(tx: &mut Txn<'_>, sub: &Resource, nev: Value) -> CseResult<()> {
    let payload = event_notification(tx, sub, nev).to_string();
    queue_payload(tx, sub, &payload)
}

/// Queues `payload` (an `m2m:sgn`) to every `nu` target of `sub` (a subscription or a
/// crossResourceSubscription), applying the notificationSchedule (`pn`), `bn`/`ln`/`nec`,
/// and counts the event in the statistics. A target that is a crossResourceSubscription this subscription serves
/// (its `acrs`) hears of the event in this transaction instead ([`cross_resource`]).
pub(crate) fn queue_payload(tx: &mut Txn<'_>, sub: &Resource, payload: &str) -> CseResult<()> {
    stats::count_event(tx, sub)?;
    let (due, held_latest) = match schedule::window(tx, sub)? {
        Window::Open => (tx.now_text.clone(), false),
        Window::Hold { until, latest_only } => (until.to_string(), latest_only),
        Window::Drop => return Ok(()),
    };
    let serves = string_items(&sub.attrs, "acrs");
    let batch = sub
        .attrs
        .get("bn")
        .and_then(|bn| check_batch_notify(bn).ok());
    let latest = held_latest || sub.attrs.get("ln").and_then(Value::as_bool) == Some(true);
    // pn 1 sends the held latest notification as event category 4 (latest).
    let ec = if held_latest {
        Some(LATEST_CATEGORY)
    } else {
        sub.attrs
            .get("nec")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
    };
    let batch_due = batch.map(|b| {
        let secs = i64::try_from(b.duration.as_secs()).unwrap_or(i64::MAX);
        tx.now.plus_seconds(secs).to_string().max(due.clone())
    });
    let now_text = tx.now_text.clone();
    for target in sub
        .attrs
        .get("nu")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if serves.iter().any(|s| s == target) {
            cross_resource::hear(tx, target, &sub.ri)?;
            continue;
        }
        let row = NewNotification {
            stream: stream_of(sub, target),
            sub_ri: sub.ri.clone(),
            target: target.to_owned(),
            payload: payload.to_owned(),
            batch_num: batch.map(|b| i32::try_from(b.num).unwrap_or(i32::MAX)),
            latest_only: i32::from(latest),
            counts: 1,
            created: now_text.clone(),
            due: due.clone(),
            head: 0,
            ec,
        };
        tx.notify(row, batch_due.clone());
    }
    Ok(())
}

/// The outbox stream of `sub`'s notifications to `target`: delivered in order.
fn stream_of(sub: &Resource, target: &str) -> String {
    format!("{}|{target}", sub.ri)
}

/// The deletion notification to `su` (spec digest notifications §5).
pub(crate) fn deletion_notice(tx: &mut Txn<'_>, sub: &Resource) -> CseResult<()> {
    let Some(su) = sub.attrs.get("su").and_then(Value::as_str) else {
        return Ok(());
    };
    let mut sgn = Map::new();
    sgn.insert("sud".into(), json!(true));
    sgn.insert("sur".into(), json!(reference(tx, sub)));
    if let Some(cr) = sub.attrs.get("cr") {
        sgn.insert("cr".into(), cr.clone());
    }
    let su = su.to_owned();
    notice(tx, sub, &su, &json!({ "m2m:sgn": sgn }))
}

/// Queues one notice about `sub` (not an event: it counts towards neither `exc` nor
/// the statistics) to `target`, in order with the subscription's other notifications
/// to it.
pub(crate) fn notice(tx: &mut Txn<'_>, sub: &Resource, target: &str, sgn: &Value) -> CseResult<()> {
    let now_text = tx.now_text.clone();
    let row = NewNotification {
        stream: stream_of(sub, target),
        sub_ri: sub.ri.clone(),
        target: target.to_owned(),
        payload: sgn.to_string(),
        batch_num: None,
        latest_only: 0,
        counts: 0,
        created: now_text.clone(),
        due: now_text,
        head: 0,
        ec: None,
    };
    tx.notify(row, None);
    Ok(())
}
