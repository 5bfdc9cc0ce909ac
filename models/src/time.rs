//! oneM2M timestamps: ISO 8601 basic format `YYYYMMDDThhmmss[,ffffff]`, always UTC
//! (TS-0004 §6.3.3 m2m:timestamp). onecse emits six fraction digits so that stored
//! timestamps compare correctly as text, which the database indexes rely on.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};

use crate::problem::Problem;

/// A UTC instant with microsecond precision, written the oneM2M way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(NaiveDateTime);

impl Timestamp {
    /// The current time, truncated to microseconds so that a value survives a round trip
    /// through its text form unchanged.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Wraps a chrono UTC time (truncated to microseconds).
    pub fn from_datetime(dt: DateTime<Utc>) -> Self {
        let naive = dt.naive_utc();
        let micros = naive.nanosecond() / 1_000 * 1_000;
        Self(naive.with_nanosecond(micros).unwrap_or(naive))
    }

    /// This instant plus a (possibly negative) number of seconds; saturates instead of
    /// overflowing so a huge client value cannot panic the server.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        self.plus_millis(seconds.saturating_mul(1000))
    }

    /// This instant plus a (possibly negative) number of milliseconds, saturating.
    pub fn plus_millis(self, millis: i64) -> Self {
        let delta = TimeDelta::try_milliseconds(millis).unwrap_or(if millis < 0 {
            TimeDelta::MIN
        } else {
            TimeDelta::MAX
        });
        let moved = self.0.checked_add_signed(delta).unwrap_or(if millis < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        });
        Self(moved.clamp(first_representable(), last_representable()))
    }

    /// The instant as a chrono UTC time (for calendar rules such as time windows).
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0.and_utc()
    }

    /// Parses the oneM2M form; the fraction (1 to 6 digits, after `,` or `.`) is optional.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let bad = || {
            Problem::bad_request(format!(
                "'{s}' is not a oneM2M timestamp (expected YYYYMMDDThhmmss with an optional ,ffffff fraction)"
            ))
        };
        let (base, fraction) = match s.find([',', '.']) {
            Some(pos) => (s.get(..pos).ok_or_else(bad)?, s.get(pos + 1..)),
            None => (s, None),
        };
        if base.len() != 15 || !base.is_char_boundary(8) || base.get(8..9) != Some("T") {
            return Err(bad());
        }
        let naive = NaiveDateTime::parse_from_str(base, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        let micros = match fraction {
            None => 0,
            Some(f) if (1..=6).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let padded = format!("{f:0<6}");
                padded.parse::<u32>().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
        };
        naive
            .with_nanosecond(micros * 1_000)
            .map(Self)
            .ok_or_else(bad)
    }
}

impl Timestamp {
    /// Parses an m2m:absRelTimestamp (TS-0004 §6.3.3): an absolute timestamp, an
    /// integer string of milliseconds relative to `now`, or (as ACME accepts, and the
    /// TS-0009 `rp` example uses) an ISO 8601 duration such as `PT30S` relative to
    /// `now`. `name` is the parameter named in the message of a refusal.
    pub fn parse_abs_rel(s: &str, now: Timestamp, name: &str) -> Result<Self, Problem> {
        if let Ok(absolute) = Self::parse(s) {
            return Ok(absolute);
        }
        if let Ok(millis) = s.parse::<i64>() {
            return Ok(now.plus_millis(millis));
        }
        if let Some(millis) = iso_duration_millis(s) {
            return Ok(now.plus_millis(millis));
        }
        Err(Problem::bad_request(format!(
            "{name} '{s}' is not an absRelTimestamp: expected YYYYMMDDThhmmss[,ffffff], \
             milliseconds relative to now, or an ISO 8601 duration such as PT30S"
        )))
    }
}

/// An ISO 8601 duration `PnYnMnWnDTnHnMnS` (seconds may have a fraction) in
/// milliseconds; a year counts 365 days and a month 30 (a relative time has no
/// calendar to count in). `None` when `s` is not one.
fn iso_duration_millis(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    if rest.is_empty() || rest == "T" {
        return None;
    }
    const DAY: f64 = 86_400_000.0;
    let mut total = 0.0_f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut seen_unit = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let scale = match (in_time, unit) {
                    (false, 'Y') => 365.0 * DAY,
                    (false, 'M') => 30.0 * DAY,
                    (false, 'W') => 7.0 * DAY,
                    (false, 'D') => DAY,
                    (true, 'H') => 3_600_000.0,
                    (true, 'M') => 60_000.0,
                    (true, 'S') => 1_000.0,
                    _ => return None,
                };
                total += value * scale;
                seen_unit = true;
            }
        }
    }
    if !number.is_empty() || !seen_unit || !total.is_finite() {
        return None;
    }
    // Saturates at i64 bounds (`as` on a float does), and plus_millis saturates again.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "saturating conversion is wanted"
    )]
    Some(total.round() as i64)
}

/// The basic format has four year digits: 0000-01-01 … 9999-12-31T23:59:59.999999.
/// Clamping keeps every value printable and text-ordered like time.
fn first_representable() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("00000101T000000", "%Y%m%dT%H%M%S").unwrap_or(NaiveDateTime::MIN)
}

fn last_representable() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("99991231T235959", "%Y%m%dT%H%M%S")
        .ok()
        .and_then(|t| t.with_nanosecond(999_999_000))
        .unwrap_or(NaiveDateTime::MAX)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y%m%dT%H%M%S,%6f"))
    }
}

impl FromStr for Timestamp {
    type Err = Problem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|p| serde::de::Error::custom(p.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_fraction_and_formats_six_digits() {
        let cases = [
            ("20240316T101530", "20240316T101530,000000"),
            ("20240316T101530,123456", "20240316T101530,123456"),
            ("20240316T101530,1", "20240316T101530,100000"),
            ("20240316T101530.25", "20240316T101530,250000"),
        ];
        for (input, output) in cases {
            assert_eq!(
                Timestamp::parse(input).map(|t| t.to_string()),
                Ok(output.into())
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_basic_format_timestamp() {
        for bad in [
            "",
            "2024-03-16T10:15:30",
            "20240316101530",
            "20241316T101530",
            "20240316T251530",
            "20240316T101530,",
            "20240316T101530,1234567",
            "20240316T101530,12a",
            "20240316T101530Z",
            "2024031€T101530",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} must be rejected");
        }
    }

    #[test]
    fn text_order_matches_time_order() {
        let a = Timestamp::parse("20240316T101530,000001").ok();
        let b = Timestamp::parse("20240316T101530,1").ok();
        assert!(a < b);
        assert!(a.map(|t| t.to_string()) < b.map(|t| t.to_string()));
    }

    #[test]
    fn now_round_trips_through_text_and_serde() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::parse(&now.to_string()), Ok(now));
        let json = serde_json::to_string(&now).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).ok(), Some(now));
    }

    #[test]
    fn adding_seconds_saturates_instead_of_panicking() {
        let t = Timestamp::now();
        assert!(t.plus_seconds(i64::MAX) > t);
        assert!(t.plus_seconds(i64::MIN) < t);
        assert_eq!(
            t.plus_seconds(300_000_000_000).to_string(),
            "99991231T235959,999999"
        );
        assert_eq!(
            t.plus_seconds(-300_000_000_000).to_string(),
            "00000101T000000,000000"
        );
        assert_eq!(t.plus_seconds(60).plus_seconds(-60), t);
    }

    #[test]
    fn abs_rel_timestamps_are_absolute_relative_milliseconds_or_durations() {
        let now = Timestamp::parse("20240316T101530").unwrap_or_else(|_| Timestamp::now());
        let at = |s: &str| Timestamp::parse_abs_rel(s, now, "rqet").map(|t| t.to_string());
        assert_eq!(at("20250101T000000"), Ok("20250101T000000,000000".into()));
        assert_eq!(at("30000"), Ok("20240316T101600,000000".into()));
        assert_eq!(at("-1000"), Ok("20240316T101529,000000".into()));
        assert_eq!(at("PT30S"), Ok("20240316T101600,000000".into()));
        assert_eq!(at("PT1.5S"), Ok("20240316T101531,500000".into()));
        assert_eq!(at("P1DT1H"), Ok("20240317T111530,000000".into()));
        assert_eq!(at("P1Y2M3DT10H1M0S"), Ok("20250518T201630,000000".into()));
        for bad in [
            "", "P", "PT", "P1H", "PT1D", "PT5", "tomorrow", "1e3", "30s", "PTS",
        ] {
            let err = Timestamp::parse_abs_rel(bad, now, "rqet").err();
            assert!(
                err.is_some_and(|e| e.message.contains("rqet")),
                "{bad} must be refused naming the parameter"
            );
        }
    }
}
