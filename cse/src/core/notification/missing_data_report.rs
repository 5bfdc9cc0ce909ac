//! When a missing-data subscription (net 8) is notified (TS-0004 §7.5.1.2.9, spec
//! digest notifications-advanced §8): the first missing point after the subscription
//! exists opens a window of `enc/md/dur`; points are counted in it, and once the count
//! reaches `enc/md/num` the points not yet sent go out in one `m2m:tsn`, then every
//! further run that finds points sends them, until the window closes. The next point
//! after that opens a new window with the count back at zero.

use onecse_models::resource::sub::parse_duration;
use onecse_models::time::Timestamp;
use serde_json::{Value, json};

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::missing_data_windows::{self, Window};

/// A window's state between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counting {
    /// When the window closes.
    pub end: Timestamp,
    /// Points counted in it.
    pub count: i64,
    /// Points not sent yet, newest first.
    pending: Vec<String>,
}

/// What `enc/md` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criteria {
    /// `num`: points to count before the first notification of a window.
    pub num: i64,
    /// `dur` in milliseconds: how long a window lasts.
    pub dur_ms: i64,
}

impl Criteria {
    /// The criteria of a subscription (checked when it was stored).
    fn of(sub: &Resource) -> Option<Self> {
        let md = sub.attrs.get("enc")?.get("md")?;
        let dur = parse_duration(md.get("dur")?.as_str()?)?;
        Some(Self {
            num: md.get("num")?.as_i64()?,
            dur_ms: i64::try_from(dur.as_millis()).unwrap_or(i64::MAX),
        })
    }

    /// Adds `points` found at `now` to the window; returns the new state and the
    /// points to notify with the window's count, if a notification is due.
    pub fn advance(
        self,
        window: Option<Counting>,
        now: Timestamp,
        points: &[String],
    ) -> (Counting, Option<(Vec<String>, i64)>) {
        let mut window = match window {
            Some(open) if open.end > now => open,
            _ => Counting {
                end: now.plus_millis(self.dur_ms),
                count: 0,
                pending: Vec::new(),
            },
        };
        window.count = window
            .count
            .saturating_add(i64::try_from(points.len()).unwrap_or(i64::MAX));
        let mut pending = points.to_vec();
        pending.append(&mut window.pending);
        if window.count >= self.num {
            let count = window.count;
            (window, Some((pending, count)))
        } else {
            window.pending = pending;
            (window, None)
        }
    }
}

/// The `rep` to notify `sub` with for `points` found missing now, or `None` while its
/// window has not counted `num` points yet; the window is stored either way.
pub fn report(tx: &mut Txn<'_>, sub: &Resource, points: &[String]) -> CseResult<Option<Value>> {
    let Some(criteria) = Criteria::of(sub) else {
        return Ok(None);
    };
    let stored = missing_data_windows::find(tx.conn, &sub.ri)?.and_then(|w| {
        Some(Counting {
            end: Timestamp::parse(&w.window_end).ok()?,
            count: i64::from(w.count),
            pending: serde_json::from_str(&w.pending).unwrap_or_default(),
        })
    });
    let (window, due) = criteria.advance(stored, tx.now, points);
    missing_data_windows::save(
        tx.conn,
        &Window {
            sub_ri: sub.ri.clone(),
            window_end: window.end.to_string(),
            count: i32::try_from(window.count).unwrap_or(i32::MAX),
            pending: json!(window.pending).to_string(),
        },
    )?;
    Ok(due.map(|(mdlt, mdc)| json!({ "m2m:tsn": { "mdlt": mdlt, "mdc": mdc } })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::parse("20250101T100000")
            .map(|t| t.plus_millis(ms))
            .unwrap_or_else(|_| Timestamp::now())
    }

    fn pts(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_window_notifies_from_num_points_until_it_closes() {
        let c = Criteria {
            num: 2,
            dur_ms: 1000,
        };
        let (w, sent) = c.advance(None, at(0), &pts(&["a"]));
        assert_eq!((w.count, sent), (1, None), "one point is not yet num");
        let (w, sent) = c.advance(Some(w), at(300), &pts(&["b"]));
        assert_eq!(
            sent,
            Some((pts(&["b", "a"]), 2)),
            "num reached: both, newest first"
        );
        let (w, sent) = c.advance(Some(w), at(600), &pts(&["c"]));
        assert_eq!(
            sent,
            Some((pts(&["c"]), 3)),
            "each further point until the end"
        );
        let (w, sent) = c.advance(Some(w), at(1200), &pts(&["d"]));
        assert_eq!((w.count, sent), (1, None), "a new window counts from zero");
        assert_eq!(w.end, at(2200));
    }
}
