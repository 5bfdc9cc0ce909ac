//! Shaping response content by `rcn` (TS-0004 §7.5.2, spec digest primitives §4, §6).

use onecse_models::ResultContent;
use serde_json::{Map, Value, json};

use crate::core::record::Resource;
use crate::error::{CseError, CseResult};

/// Content of a CREATE or UPDATE response. `request_attrs` are the attributes the
/// client sent, needed for rcn 9 (modified attributes).
pub fn after_write(
    rcn: ResultContent,
    resource: &Resource,
    request_attrs: &Map<String, Value>,
) -> CseResult<Option<Value>> {
    Ok(match rcn {
        ResultContent::Nothing => None,
        ResultContent::Attributes => Some(resource.representation()),
        ResultContent::HierarchicalAddress => Some(json!({ "m2m:uri": resource.path })),
        ResultContent::HierarchicalAddressAttributes => {
            let mut rce = Map::new();
            rce.insert(resource.root_key(), Value::Object(resource.attrs.clone()));
            rce.insert("uri".into(), Value::String(resource.path.clone()));
            Some(json!({ "m2m:rce": rce }))
        }
        ResultContent::ModifiedAttributes => {
            let modified = modified_attributes(&resource.attrs, request_attrs);
            Some(resource.wrap(modified))
        }
        other => return Err(unsupported(other)),
    })
}

/// The attributes whose stored value was not given by the client as is: the ones the
/// CSE assigned or adjusted (ri, ct, lt, an `et` it lowered, …).
pub fn modified_attributes(
    stored: &Map<String, Value>,
    request: &Map<String, Value>,
) -> Map<String, Value> {
    stored
        .iter()
        .filter(|(name, value)| request.get(*name) != Some(*value))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Keeps only the attributes named by a partial retrieve (`atrl`).
pub fn select_attributes(attrs: &Map<String, Value>, names: &[String]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|name| attrs.get(name).map(|v| (name.clone(), v.clone())))
        .collect()
}

/// 5001 for a permitted `rcn` that onecse does not produce yet.
pub fn unsupported(rcn: ResultContent) -> CseError {
    CseError::new(
        onecse_models::ResponseStatusCode::NotImplemented,
        format!("rcn={} is not supported for this request yet", rcn.number()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_attributes_are_those_the_client_did_not_set_as_stored() {
        let stored = json!({"rn": "a", "ri": "x", "et": "20300101T000000,000000", "lbl": ["k"]});
        let request = json!({"rn": "a", "et": "20990101T000000", "lbl": ["k"]});
        let modified = modified_attributes(
            stored.as_object().expect("object"),
            request.as_object().expect("object"),
        );
        let keys: Vec<&str> = modified.keys().map(String::as_str).collect();
        assert_eq!(keys, ["et", "ri"]);
    }
}
