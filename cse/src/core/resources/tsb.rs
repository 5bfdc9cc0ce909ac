//! `<timeSyncBeacon>` rules (TS-0001 §9.6.58, TS-0004 §7.4.58; R4): periodic beacons
//! are sent on the resource's timer (`due`, claimed like every timer, so with several
//! processes on one database each beacon is sent once) as notifications through the
//! outbox to every `bcnu` target, carrying the CSE's current time. Loss-of-
//! synchronization beacons (`bcnc` 2) are answered 5001: they need the CSE to know
//! when each requester was last heard from, which onecse does not record.

use std::time::Duration;

use onecse_models::ResponseStatusCode;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::tsb::{self, LOSS_OF_SYNCHRONIZATION};
use onecse_models::time::Timestamp;
use serde_json::{Value, json};

use crate::core::notification::target;
use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::outbox::NewNotification;

/// The timeSyncBeacon kind.
pub struct TimeSyncBeacon;

impl ResourceKind for TimeSyncBeacon {
    fn spec(&self) -> &'static TypeSpec {
        &tsb::SPEC
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let interval = checked(tx, resource)?;
        resource.due = Some(after(tx.now, interval).to_string());
        Ok(())
    }

    /// A changed beacon starts its interval again from now.
    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let interval = checked(tx, resource)?;
        resource.due = Some(after(tx.now, interval).to_string());
        Ok(())
    }

    /// Sends one beacon to every target and sets the next; a timer that fell behind
    /// (the CSE was down) sends one beacon, not the ones it missed.
    fn on_due(&self, tx: &mut Txn<'_>, beacon: &mut Resource) -> CseResult<()> {
        let Ok(Some(interval)) = tsb::check(&mut beacon.attrs.clone()) else {
            beacon.due = None;
            return Ok(());
        };
        send(tx, beacon);
        let planned = beacon
            .due
            .as_deref()
            .and_then(|d| Timestamp::parse(d).ok())
            .map(|due| after(due, interval));
        let next = planned
            .filter(|next| *next > tx.now)
            .unwrap_or_else(|| after(tx.now, interval));
        beacon.due = Some(next.to_string());
        Ok(())
    }
}

/// The beacon's checks (4000 naming the attribute; 5001 for loss of synchronization)
/// and its interval.
fn checked(tx: &Txn<'_>, beacon: &mut Resource) -> CseResult<Duration> {
    if beacon.attrs.get("bcnc").and_then(Value::as_i64) == Some(LOSS_OF_SYNCHRONIZATION) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "bcnc 2 (loss-of-synchronization beacons) needs the CSE to track when each requester was last heard from, which this CSE does not; use bcnc 1 (periodic)",
        ));
    }
    let targets = crate::core::record::string_items(&beacon.attrs, "bcnu");
    if targets.len() > tx.cse.limits.max_targets {
        return Err(CseError::bad_request(format!(
            "bcnu names {} targets; at most {} are allowed",
            targets.len(),
            tx.cse.limits.max_targets
        )));
    }
    for entry in &targets {
        target::parse(entry).map_err(|e| CseError::new(e.rsc, format!("bcnu: {}", e.message)))?;
    }
    tsb::check(&mut beacon.attrs)?
        .ok_or_else(|| CseError::internal("a periodic beacon without an interval"))
}

fn after(at: Timestamp, interval: Duration) -> Timestamp {
    at.plus_millis(i64::try_from(interval.as_millis()).unwrap_or(i64::MAX))
}

/// Queues the beacon notification (`m2m:tsbn`: the beacon resource `tbr` and the
/// CSE's current time `ctm`) to every `bcnu` target. Only the newest waiting beacon
/// of a target is kept: an older time is of no use once a newer one is due.
fn send(tx: &mut Txn<'_>, beacon: &Resource) {
    let payload = json!({"m2m:tsbn": {
        "tbr": format!("{}/{}", tx.cse.cse_id, beacon.ri),
        "ctm": tx.now_text,
    }})
    .to_string();
    for target in crate::core::record::string_items(&beacon.attrs, "bcnu") {
        let row = NewNotification {
            stream: format!("{}|{target}", beacon.ri),
            sub_ri: beacon.ri.clone(),
            target,
            payload: payload.clone(),
            batch_num: None,
            latest_only: 1,
            counts: 0,
            created: tx.now_text.clone(),
            due: tx.now_text.clone(),
            head: 0,
            ec: None,
        };
        tx.notify(row, None);
    }
}
