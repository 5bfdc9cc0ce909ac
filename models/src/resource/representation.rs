//! The JSON wrapper of a resource representation: one member named `m2m:<type>`
//! holding the attributes (TS-0004 §8.4).

use serde_json::{Map, Value};

use crate::problem::Problem;
use crate::types::ResourceType;

/// Takes the attribute object out of request content that must represent `ty`.
///
/// Rejects, with a message naming the expected key, content that is not an object,
/// has more or fewer than one member, has another root key, or whose member is not
/// an object.
pub fn content_for_type(content: Value, ty: ResourceType) -> Result<Map<String, Value>, Problem> {
    let expected = ty.root_key();
    let (key, attrs) = single_member(content, &expected)?;
    if key != expected {
        return Err(Problem::bad_request(format!(
            "request content root is '{key}' but this request is about a {} ('{expected}')",
            ty.long_name()
        )));
    }
    Ok(attrs)
}

/// Splits request content into its one root key and the attribute object under it,
/// for types whose root key depends on a specialization (`cod:tempe`, `m2m:fwr`);
/// `expected` describes the accepted keys in messages.
pub fn single_member(
    content: Value,
    expected: &str,
) -> Result<(String, Map<String, Value>), Problem> {
    let Value::Object(root) = content else {
        return Err(Problem::bad_request(format!(
            "request content must be a JSON object with the single member '{expected}'"
        )));
    };
    if root.len() != 1 {
        let keys: Vec<&str> = root.keys().map(String::as_str).collect();
        return Err(Problem::bad_request(format!(
            "request content must have exactly one member '{expected}', found {keys:?}"
        )));
    }
    let Some((key, inner)) = root.into_iter().next() else {
        return Err(Problem::bad_request(format!(
            "request content must contain '{expected}'"
        )));
    };
    match inner {
        Value::Object(attrs) => Ok((key, attrs)),
        _ => Err(Problem::bad_request(format!(
            "the value of '{key}' must be a JSON object of attributes"
        ))),
    }
}

/// Wraps attributes into `{"<root>": {...}}` (`m2m:<type>`, or a specialization's
/// own root key).
pub fn wrap(root: String, attrs: Map<String, Value>) -> Value {
    let mut root_map = Map::with_capacity(1);
    root_map.insert(root, Value::Object(attrs));
    Value::Object(root_map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A registration body as TR-0051 and common clients send it.
    const REAL_AE: &str = r#"{"m2m:ae": {"rn": "myapp", "api": "Nmyapp", "rr": true,
        "srv": ["3"], "poa": ["http://192.168.1.20:9000/notify"], "lbl": ["floor:1"]}}"#;

    #[test]
    fn real_registration_content_round_trips() {
        let value: Value = serde_json::from_str(REAL_AE).unwrap_or_default();
        let attrs = content_for_type(value.clone(), ResourceType::Ae).unwrap_or_default();
        assert_eq!(attrs.get("api"), Some(&json!("Nmyapp")));
        assert_eq!(wrap(ResourceType::Ae.root_key(), attrs), value);
    }

    #[test]
    fn wrong_shapes_are_rejected_with_the_expected_key_named() {
        let cases = [
            json!([]),
            json!({}),
            json!({"m2m:cnt": {}}),
            json!({"ae": {}}),
            json!({"m2m:ae": {}, "m2m:cnt": {}}),
            json!({"m2m:ae": "x"}),
        ];
        for case in cases {
            let err = content_for_type(case.clone(), ResourceType::Ae).err();
            let message = err.map(|p| p.message).unwrap_or_default();
            assert!(message.contains("m2m:ae"), "{case}: {message}");
        }
    }
}
