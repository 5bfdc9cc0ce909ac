//! expirationTime rules (TS-0001 §9.6.1.3, spec digest resources §1): past values are
//! refused, a missing value gets the default lifetime, none is later than the maximum
//! expiration delta, and a child never outlives its parent.

use onecse_models::time::Timestamp;
use serde_json::Value;

use crate::core::record::Resource;
use crate::error::{CseError, CseResult};

/// The `et` a new child of `parent` gets from the requested value (if any): never
/// later than `max_delta_s` from now (the `max_expiration_delta_s` setting; a missing
/// `et` gets that lifetime) nor than the parent's `et`.
pub fn for_create(
    requested: Option<&Value>,
    parent: &Resource,
    now: Timestamp,
    max_delta_s: u64,
) -> CseResult<Timestamp> {
    let wanted = match requested {
        Some(value) => parse_future(value, now)?,
        None => latest(now, max_delta_s),
    };
    Ok(cap_by_parent(wanted.min(latest(now, max_delta_s)), parent))
}

/// Checks a requested `et` on UPDATE, lowered like [`for_create`]'s; `null` (the
/// attribute deleted) gives the resource the default lifetime again.
pub fn for_update(
    requested: &Value,
    parent: Option<&Resource>,
    now: Timestamp,
    max_delta_s: u64,
) -> CseResult<Timestamp> {
    let limit = latest(now, max_delta_s);
    let wanted = match requested {
        Value::Null => limit,
        value => parse_future(value, now)?.min(limit),
    };
    Ok(match parent {
        Some(parent) => cap_by_parent(wanted, parent),
        None => wanted,
    })
}

/// The latest `et` allowed now.
fn latest(now: Timestamp, max_delta_s: u64) -> Timestamp {
    now.plus_seconds(i64::try_from(max_delta_s).unwrap_or(i64::MAX))
}

fn parse_future(value: &Value, now: Timestamp) -> CseResult<Timestamp> {
    let text = value
        .as_str()
        .ok_or_else(|| CseError::bad_request("attribute 'et' must be a timestamp string"))?;
    let et = Timestamp::parse(text)?;
    if et <= now {
        return Err(CseError::bad_request(format!(
            "expirationTime {text} is not in the future (now is {now})"
        )));
    }
    Ok(et)
}

fn cap_by_parent(wanted: Timestamp, parent: &Resource) -> Timestamp {
    let parent_et = parent
        .attrs
        .get("et")
        .and_then(Value::as_str)
        .and_then(|s| Timestamp::parse(s).ok());
    match parent_et {
        Some(limit) if wanted > limit => limit,
        _ => wanted,
    }
}
