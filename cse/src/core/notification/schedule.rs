//! A subscription's `notificationSchedule` (TS-0001 §9.6.8, the `<schedule>` child of a
//! `<subscription>`; TS-0004 §7.5.1.2.2 checks it after the notification is built):
//! notifications are sent only inside its time windows. Outside them the subscription's
//! `pn` (pendingNotification) decides: absent, the notification is dropped; 1
//! (sendLatest) keeps only the newest one, sent with event category 4 (latest) when
//! the next window opens; 2 (sendAllPending) keeps them all for that moment. Held
//! notifications are ordinary outbox rows due when the window opens, so they are
//! durable and delivered once by whichever process claims them.

use onecse_models::ResourceType;
use onecse_models::schedule_entry::ScheduleEntries;
use onecse_models::time::Timestamp;
use serde_json::Value;

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// `pn` 1: only the latest held notification is sent.
const SEND_LATEST: i64 = 1;

/// What the schedule says about a notification raised now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// No schedule, or inside a window: send now.
    Open,
    /// Outside the windows: keep it until `until`; with `latest_only` only the newest.
    Hold {
        /// When the next window opens.
        until: Timestamp,
        /// `pn` 1 (sendLatest).
        latest_only: bool,
    },
    /// Outside the windows without `pn` (or with no window ahead): not sent at all.
    Drop,
}

/// The window a notification of `sub` raised at the transaction's time falls in.
pub fn window(tx: &mut Txn<'_>, sub: &Resource) -> CseResult<Window> {
    let schedules =
        resource_table::children_of_type(tx.conn, &sub.ri, ResourceType::Schedule, &tx.now_text)?;
    let Some(row) = schedules.into_iter().next() else {
        return Ok(Window::Open);
    };
    let schedule = Resource::from_row(row)?;
    let Some(entries) = schedule
        .attrs
        .get("se")
        .and_then(|se| ScheduleEntries::parse(se, "se").ok())
    else {
        return Ok(Window::Open);
    };
    let now = tx.now.as_datetime();
    if entries.includes(now) {
        return Ok(Window::Open);
    }
    let pending = sub.attrs.get("pn").and_then(Value::as_i64);
    Ok(match (pending, entries.next_start(now)) {
        (Some(pn), Some(start)) => Window::Hold {
            until: Timestamp::from_datetime(start),
            latest_only: pn == SEND_LATEST,
        },
        _ => Window::Drop,
    })
}
