//! `<contentInstance>` rules (TS-0004 §7.4.7.2.1): content size, the container's `mbs`
//! (5207 when one instance is larger), `mia` capping `et`, and the container's counters
//! and state tag, all in the creating transaction.

use onecse_models::ResponseStatusCode;
use onecse_models::resource::cin::{check_content_info, content_size};
use onecse_models::time::Timestamp;
use serde_json::{Map, Value, json};

use crate::core::resource::Resource;
use crate::core::resources::cnt;
use crate::error::{CseError, CseResult};
use crate::store::DbConn;
use crate::store::resources::{self, Counters};

/// Fills `cs` and `st`, caps `et` by `mia`, and counts the instance in its container.
/// Returns the container's counters, for limit enforcement after the insert.
pub fn before_insert(
    conn: &mut DbConn,
    container: &Resource,
    attrs: &mut Map<String, Value>,
    now: Timestamp,
) -> CseResult<Counters> {
    if let Some(cnf) = attrs.get("cnf").and_then(Value::as_str) {
        check_content_info(cnf)?;
    }
    let cs = attrs.get("con").map_or(0, content_size);
    if let Some(mbs) = cnt::max_byte_size(container)
        && cs > mbs
    {
        return Err(CseError::new(
            ResponseStatusCode::NotAcceptable,
            format!("the content is {cs} bytes, more than the container's mbs of {mbs}"),
        ));
    }
    if let Some(mia) = cnt::max_instance_age(container) {
        let cap = now.plus_seconds(mia);
        let et = attrs
            .get("et")
            .and_then(Value::as_str)
            .and_then(|s| Timestamp::parse(s).ok());
        if et.is_none_or(|et| et > cap) {
            attrs.insert("et".into(), json!(cap.to_string()));
        }
    }
    let counters = resources::add_instance(conn, &container.ri, cs)?;
    attrs.insert("cs".into(), json!(cs));
    attrs.insert("st".into(), json!(counters.st));
    Ok(counters)
}
