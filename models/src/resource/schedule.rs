//! `m2m:scheduleEntries` (TS-0004 §6.3.5.x): a list of `sce` strings, each a
//! 7-field crontab-like expression `second minute hour day-of-month month
//! day-of-week year`. Checked where a schedule is given (a dataCollection's `rpsc` and
//! `mesc`), so a malformed schedule is refused when it is written, not when a device
//! tries to follow it.

use serde_json::Value;

use crate::problem::Problem;

/// The fields of one schedule expression, with their names and value ranges.
const FIELDS: [(&str, u32, u32); 7] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
    ("year", 1970, 9999),
];

/// Checks an attribute holding a list of `m2m:scheduleEntries`.
pub fn check_schedules(name: &str, value: &Value) -> Result<(), Problem> {
    let entries = value.as_array().ok_or_else(|| {
        Problem::bad_request(format!(
            "attribute '{name}' must be a list of scheduleEntries ({{\"sce\": [\"…\"]}})"
        ))
    })?;
    for entry in entries {
        let expressions = entry
            .as_object()
            .and_then(|e| e.get("sce"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "attribute '{name}': each scheduleEntries item must be an object with an 'sce' list"
                ))
            })?;
        for expression in expressions {
            let text = expression.as_str().ok_or_else(|| {
                Problem::bad_request(format!(
                    "attribute '{name}': each schedule entry must be a string"
                ))
            })?;
            check_expression(text)
                .map_err(|why| Problem::bad_request(format!("attribute '{name}': {why}")))?;
        }
    }
    Ok(())
}

/// One expression: exactly seven whitespace-separated fields, each `*`, a value, a
/// range `a-b`, a step `*/n` or `a-b/n`, or a comma list of these, within its range.
fn check_expression(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != FIELDS.len() {
        return Err(format!(
            "schedule entry '{text}' has {} fields; 7 are required (second minute hour day month weekday year)",
            parts.len()
        ));
    }
    for (part, (field, min, max)) in parts.iter().zip(FIELDS) {
        for item in part.split(',') {
            check_item(item, min, max)
                .map_err(|why| format!("schedule entry '{text}': {field} '{item}' {why}"))?;
        }
    }
    Ok(())
}

fn check_item(item: &str, min: u32, max: u32) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => return Err("has an invalid step".into()),
        }
    }
    if range == "*" {
        return Ok(());
    }
    let number = |s: &str| -> Result<u32, String> {
        match s.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("is not a number from {min} to {max}")),
        }
    };
    match range.split_once('-') {
        Some((from, to)) if number(from)? <= number(to)? => Ok(()),
        Some(_) => Err("is a range whose start is after its end".into()),
        None => number(range).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn well_formed_schedules_pass() {
        for sce in [
            "10 * * * * * *",
            "0 0/15 8-18 * 1-12 1,3,5 *",
            "*/5 * * 1 * * 2030",
        ] {
            assert!(
                check_schedules("rpsc", &json!([{"sce": [sce]}])).is_ok(),
                "{sce}"
            );
        }
    }

    #[test]
    fn malformed_schedules_are_refused() {
        for value in [
            json!(10000),
            json!([10]),
            json!([{"sce": "10 * * * * * *"}]),
            json!([{"sce": ["10 * * * *"]}]),
            json!([{"sce": ["61 * * * * * *"]}]),
            json!([{"sce": ["* * 5-2 * * * *"]}]),
            json!([{"sce": ["* * * * * 7 *"]}]),
            json!([{"sce": ["*/0 * * * * * *"]}]),
        ] {
            assert!(check_schedules("rpsc", &value).is_err(), "{value}");
        }
    }
}
