//! expirationTime rules (TS-0001 §9.6.1.3, spec digest resources §1): past values are
//! refused, a missing value gets the default lifetime, and a child never outlives its
//! parent.

use onecse_models::time::Timestamp;
use serde_json::Value;

use crate::core::record::Resource;
use crate::error::{CseError, CseResult};

/// Lifetime of a resource created without `et`: five years, as common CSEs default.
pub const DEFAULT_LIFETIME_SECS: i64 = 5 * 365 * 24 * 3600;

/// The `et` a new child of `parent` gets from the requested value (if any).
pub fn for_create(
    requested: Option<&Value>,
    parent: &Resource,
    now: Timestamp,
) -> CseResult<Timestamp> {
    let wanted = match requested {
        Some(value) => parse_future(value, now)?,
        None => now.plus_seconds(DEFAULT_LIFETIME_SECS),
    };
    Ok(cap_by_parent(wanted, parent))
}

/// Checks a requested `et` on UPDATE; the result is capped by the parent's `et`.
pub fn for_update(
    requested: &Value,
    parent: Option<&Resource>,
    now: Timestamp,
) -> CseResult<Timestamp> {
    let wanted = parse_future(requested, now)?;
    Ok(match parent {
        Some(parent) => cap_by_parent(wanted, parent),
        None => wanted,
    })
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
