//! `<CSEBase>` rules: created by the CSE itself, read-only over the API (R3: UPDATE
//! and DELETE answer 4005), `ctm` sampled at retrieval.

use onecse_models::time::Timestamp;
use serde_json::{Map, Value};

use crate::error::{CseError, CseResult};

/// UPDATE and DELETE of the CSEBase are not allowed (TS-0004 R3).
pub fn refuse_change(operation: &str) -> CseResult<()> {
    Err(CseError::not_allowed(format!(
        "{operation} of the CSEBase is not allowed"
    )))
}

/// Adds the attributes computed at retrieval time.
pub fn on_retrieve(attrs: &mut Map<String, Value>, now: Timestamp) {
    attrs.insert("ctm".into(), Value::String(now.to_string()));
}
