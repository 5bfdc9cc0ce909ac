//! oneM2M schedule entries (`m2m:scheduleEntry`, TS-0004 §6.3.5, spec digest README
//! "scheduleEntry"): seven crontab-like fields `second minute hour dayOfMonth month
//! dayOfWeek year`, where the day of week counts the Unix way (0 or 7 Sunday). Shared
//! by access-control time windows (`actw`) and `<schedule>` resources (`se`), so both
//! read an entry the same way.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::problem::Problem;

/// Parses one entry; the error says what is wrong with it (without naming the field,
/// which the caller knows).
pub fn parse(entry: &str) -> Result<cron::Schedule, String> {
    let fields: Vec<&str> = entry.split_whitespace().collect();
    if fields.len() != 7 {
        return Err(format!(
            "'{entry}' must have 7 fields (second minute hour day-of-month month day-of-week year), not {}",
            fields.len()
        ));
    }
    let mut translated: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    if let Some(dow) = translated.get_mut(5) {
        *dow = unix_days_of_week(dow);
    }
    cron::Schedule::from_str(&translated.join(" "))
        .map_err(|e| format!("'{entry}' is not a valid schedule entry ({e})"))
}

/// Rewrites numeric days of week (Unix: 0 = Sunday) as names, which the crontab parser
/// reads unambiguously (it counts 1 = Sunday); steps after `/` stay numbers.
fn unix_days_of_week(field: &str) -> String {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    field
        .split(',')
        .map(|item| {
            let (range, step) = item
                .split_once('/')
                .map_or((item, None), |(r, s)| (r, Some(s)));
            let named: Vec<String> = range
                .split('-')
                .map(|day| {
                    day.parse::<usize>()
                        .ok()
                        .and_then(|n| NAMES.get(n))
                        .map_or_else(|| day.to_owned(), |name| (*name).to_owned())
                })
                .collect();
            let named = named.join("-");
            step.map_or_else(|| named.clone(), |step| format!("{named}/{step}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A list of entries (`m2m:scheduleEntries`, `{"sce": [...]}`): a time belongs to the
/// schedule when any entry matches its second.
#[derive(Debug, Clone)]
pub struct ScheduleEntries(Vec<cron::Schedule>);

impl ScheduleEntries {
    /// Reads `{"sce": ["…", …]}` as given in `se`; `at` names the attribute in errors
    /// (4000 naming the first bad entry and its index).
    pub fn parse(value: &Value, at: &str) -> Result<Self, Problem> {
        let bad = |what: String| Problem::bad_request(format!("{at}: {what}"));
        let object = value.as_object().ok_or_else(|| {
            bad("must be an object {\"sce\": [\"<7 crontab fields>\", …]}".into())
        })?;
        if let Some(other) = object.keys().find(|k| *k != "sce") {
            return Err(bad(format!("has unknown member '{other}'")));
        }
        let entries = object
            .get("sce")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("needs 'sce', a list of schedule entries".into()))?;
        if entries.is_empty() {
            return Err(bad("sce must hold at least one schedule entry".into()));
        }
        entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let text = entry
                    .as_str()
                    .ok_or_else(|| bad(format!("sce[{i}] must be a string")))?;
                parse(text).map_err(|e| bad(format!("sce[{i}] {e}")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `at` (to the second) falls in the schedule.
    pub fn includes(&self, at: DateTime<Utc>) -> bool {
        self.0.iter().any(|s| s.includes(at))
    }

    /// The first second after `after` that falls in the schedule, if any remains
    /// (an entry may name only past years).
    pub fn next_start(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0.iter().filter_map(|s| s.after(&after).next()).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        // 2026-12-07 is a Monday.
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, s)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn entries_match_their_seconds_and_name_the_bad_one() {
        let se = ScheduleEntries::parse(&json!({"sce": ["* 0-29 10 * * 1 *"]}), "se")
            .map_err(|p| p.message)
            .unwrap_or_else(|m| panic!("{m}"));
        assert!(se.includes(at(10, 5, 0)));
        assert!(!se.includes(at(10, 30, 0)));
        assert_eq!(se.next_start(at(9, 0, 0)), Some(at(10, 0, 0)));
        let err = ScheduleEntries::parse(&json!({"sce": ["* * * * * * *", "* * *"]}), "se")
            .err()
            .map(|p| p.message)
            .unwrap_or_default();
        assert!(err.contains("sce[1]") && err.contains("'* * *'"), "{err}");
        assert!(ScheduleEntries::parse(&json!({"sce": []}), "se").is_err());
        assert!(ScheduleEntries::parse(&json!({"sce": ["61 * * * * * *"]}), "se").is_err());
        assert!(ScheduleEntries::parse(&json!(["* * * * * * *"]), "se").is_err());
    }

    #[test]
    fn sunday_is_zero_or_seven() {
        let sunday = Utc
            .with_ymd_and_hms(2026, 12, 6, 12, 0, 0)
            .single()
            .unwrap_or_default();
        for dow in ["0", "7"] {
            let s = parse(&format!("* * * * * {dow} *")).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.includes(sunday));
        }
    }
}
