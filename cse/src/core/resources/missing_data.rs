//! Missing-data detection of a timeSeries (TS-0001 §9.6.36, spec digest
//! notifications-advanced §8), as arithmetic on what the row stores: the timer is
//! due `mdt` after the dataGenerationTime the next instance is expected at, so the
//! expected time is `due − mdt` and nothing else needs keeping between runs.

use onecse_models::time::Timestamp;
use serde_json::{Map, Value};

/// How many missing times `mdlt` keeps when the timeSeries has no `mdn`: a bound,
/// so a series left alone for days does not grow without limit.
pub const DEFAULT_MAX_MISSING: i64 = 10;

/// The settings detection runs with, present only while `mdd` is true and `pei` and
/// `mdt` are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    /// `pei` (ms).
    pub pei: i64,
    /// `mdt` (ms).
    pub mdt: i64,
    /// `peid` (ms): how far an instance's `dgt` may be from the expected time and
    /// still count as that expected instance (the stored one, or half of `pei`).
    pub peid: i64,
    /// `mdn`, or [`DEFAULT_MAX_MISSING`].
    pub mdn: i64,
}

impl Detection {
    /// The detection a timeSeries with these attributes runs, if any.
    pub fn of(attrs: &Map<String, Value>) -> Option<Self> {
        if attrs.get("mdd").and_then(Value::as_bool) != Some(true) {
            return None;
        }
        let int = |name: &str| attrs.get(name).and_then(Value::as_i64);
        let pei = int("pei").filter(|p| *p > 0)?;
        Some(Self {
            pei,
            peid: int("peid").unwrap_or(pei / 2).max(0),
            mdt: int("mdt").filter(|t| *t > 0)?,
            mdn: int("mdn")
                .unwrap_or(DEFAULT_MAX_MISSING)
                .clamp(1, onecse_models::resource::ts::MAX_MISSING_LIST),
        })
    }

    /// When the timer is due after an instance generated at `dgt`: the next one is
    /// expected one `pei` later and is missing once `mdt` has passed after that.
    pub fn due_after(self, dgt: Timestamp) -> Timestamp {
        dgt.plus_millis(self.pei.saturating_add(self.mdt))
    }

    /// Where an instance generated at `dgt` falls against the instance expected at
    /// `due − mdt` (TS-0001 §9.6.36: within `peid` of the expected time it is that
    /// instance).
    pub fn place(self, due: Timestamp, dgt: Timestamp) -> Placement {
        let expected = due.plus_millis(-self.mdt);
        let offset_ms = (dgt.as_datetime() - expected.as_datetime()).num_milliseconds();
        if offset_ms < -self.peid {
            return Placement::TooEarly;
        }
        if offset_ms <= self.peid {
            return Placement::OnTime;
        }
        // Every expected time more than `peid` before this `dgt` was skipped.
        let skipped = (offset_ms - self.peid - 1) / self.pei + 1;
        let kept = skipped.min(self.mdn);
        let newest_first = (0..kept)
            .map(|back| expected.plus_millis(self.pei.saturating_mul(skipped - 1 - back)))
            .collect();
        Placement::TooLate(Found {
            count: skipped,
            newest_first,
            next_due: self.due_after(dgt),
        })
    }

    /// What a timer due at `due` finds at `now` (`due ≤ now`): every expected time
    /// whose `mdt` has passed is missing (several when the CSE was down or the
    /// interval is short), and the timer moves to the first one still to come.
    pub fn run(self, due: Timestamp, now: Timestamp) -> Found {
        let first = due.plus_millis(-self.mdt);
        let late_ms = (now.as_datetime() - due.as_datetime())
            .num_milliseconds()
            .max(0);
        let count = late_ms / self.pei + 1;
        // Only the newest `mdn` can end up in the list; older ones are only counted.
        let kept = count.min(self.mdn);
        let newest_first = (0..kept)
            .map(|back| first.plus_millis(self.pei.saturating_mul(count - 1 - back)))
            .collect();
        let next_expected = first.plus_millis(self.pei.saturating_mul(count));
        Found {
            count,
            newest_first,
            next_due: next_expected.plus_millis(self.mdt),
        }
    }
}

/// How an arriving instance's `dgt` relates to the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// More than `peid` before the expected time: it is not the expected instance,
    /// which is still awaited (the timer stays).
    TooEarly,
    /// Within `peid` of the expected time: the next one is expected a `pei` later.
    OnTime,
    /// More than `peid` after it: the expected instances it jumped over are missing
    /// now, without waiting for the timer.
    TooLate(Found),
}

/// The result of one run of the timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// How many expected instances were found missing.
    pub count: i64,
    /// Their expected times, newest first (at most `mdn`).
    pub newest_first: Vec<Timestamp>,
    /// When the timer is due next.
    pub next_due: Timestamp,
}

/// Adds what a run found to the stored `mdlt`/`mdc`: newest first, the oldest
/// dropped beyond `mdn`, `mdc` capped at `mdn`.
pub fn record(attrs: &mut Map<String, Value>, found: &Found, mdn: i64) {
    let cap = usize::try_from(mdn).unwrap_or(usize::MAX);
    let mut list: Vec<Value> = found
        .newest_first
        .iter()
        .map(|t| Value::from(t.to_string()))
        .collect();
    if let Some(Value::Array(old)) = attrs.get("mdlt") {
        list.extend(old.iter().cloned());
    }
    list.truncate(cap);
    let mdc = attrs.get("mdc").and_then(Value::as_i64).unwrap_or(0);
    attrs.insert("mdlt".into(), Value::Array(list));
    attrs.insert(
        "mdc".into(),
        Value::from(mdc.saturating_add(found.count).min(mdn)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn detection_needs_mdd_pei_and_mdt() {
        let attrs = |v: Value| v.as_object().cloned().unwrap();
        assert!(Detection::of(&attrs(json!({"pei": 1000, "mdt": 600}))).is_none());
        assert!(Detection::of(&attrs(json!({"mdd": true, "mdt": 600}))).is_none());
        let d = Detection::of(&attrs(json!({"mdd": true, "pei": 1000, "mdt": 600}))).unwrap();
        assert_eq!(d.mdn, DEFAULT_MAX_MISSING);
        assert_eq!(
            d.due_after(at("20250101T100000")),
            at("20250101T100001,600")
        );
    }

    #[test]
    fn a_late_run_counts_every_period_and_keeps_the_newest() {
        let d = Detection {
            pei: 1000,
            mdt: 500,
            peid: 500,
            mdn: 2,
        };
        // Expected 10:00:01, due 10:00:01.5; at 10:00:04.7 the points of :01, :02, :03
        // and :04 are all past their timer.
        let found = d.run(at("20250101T100001,500"), at("20250101T100004,700"));
        assert_eq!(found.count, 4);
        assert_eq!(
            found.newest_first,
            vec![at("20250101T100004"), at("20250101T100003")]
        );
        assert_eq!(found.next_due, at("20250101T100005,500"));
        let mut attrs = Map::new();
        attrs.insert("mdlt".into(), json!(["20250101T100000,000000"]));
        attrs.insert("mdc".into(), json!(1));
        record(&mut attrs, &found, d.mdn);
        assert_eq!(
            attrs["mdlt"],
            json!(["20250101T100004,000000", "20250101T100003,000000"])
        );
        assert_eq!(attrs["mdc"], json!(2));
    }

    #[test]
    fn an_instance_within_peid_is_on_time_and_one_beyond_it_skips_points() {
        let d = Detection {
            pei: 1000,
            mdt: 800,
            peid: 300,
            mdn: 10,
        };
        // Expected at 10:00:01 (due 10:00:01.8).
        let due = at("20250101T100001,800");
        assert_eq!(d.place(due, at("20250101T100000,699")), Placement::TooEarly);
        assert_eq!(d.place(due, at("20250101T100000,700")), Placement::OnTime);
        assert_eq!(d.place(due, at("20250101T100001,300")), Placement::OnTime);
        let Placement::TooLate(found) = d.place(due, at("20250101T100003,000")) else {
            panic!("late");
        };
        // 10:00:01 and 10:00:02 were jumped over; 10:00:03 is this instance.
        assert_eq!(found.count, 2);
        assert_eq!(
            found.newest_first,
            vec![at("20250101T100002"), at("20250101T100001")]
        );
        assert_eq!(found.next_due, at("20250101T100004,800"));
    }
}
