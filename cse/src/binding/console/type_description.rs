//! `/console/schema.json`: the resource types onecse hosts with their attribute
//! tables (presence rules and value kinds) and every short name's long name, derived
//! from the models crate's tables, so the console's forms and explanations never
//! drift from what the CSE accepts.

use onecse_models::resource::long_names::long_name;
use onecse_models::resource::{
    AttributePolicy, Presence, ValueKind, children_of, extension_tables, specs,
    universal_attributes,
};
use onecse_models::types::ResourceType;
use serde_json::{Map, Value, json};

/// The description the console loads once: the CSE's names, whether tokens are
/// needed, the types and the long names.
pub fn schema(cse_id: &str, cse_name: &str, jwt: bool) -> Value {
    let types: Vec<Value> = specs()
        .map(|spec| {
            let universal = if spec.ty == ResourceType::CseBase {
                &[][..]
            } else {
                universal_attributes()
            };
            let attributes: Vec<Value> = universal
                .iter()
                .chain(spec.attributes)
                .filter(|attribute| attribute.supported)
                .map(attribute)
                .collect();
            json!({
                "ty": spec.ty.number(),
                "sn": spec.short_name(),
                "ln": spec.long_name(),
                "creatable": spec.created_by_request,
                "children": children_of(spec.ty).iter().map(|ty| ty.number()).collect::<Vec<_>>(),
                "attributes": attributes,
            })
        })
        .collect();
    json!({
        "cseId": cse_id,
        "cseName": cse_name,
        "jwt": jwt,
        "types": types,
        "names": names(),
    })
}

/// Every short name of every table (types, specializations) with its long name.
fn names() -> Map<String, Value> {
    specs()
        .map(|spec| spec.attributes)
        .chain(extension_tables())
        .chain([universal_attributes()])
        .flatten()
        .filter_map(|a| long_name(a.name).map(|long| (a.name.to_owned(), json!(long))))
        .collect()
}

fn attribute(policy: &AttributePolicy) -> Value {
    json!({
        "sn": policy.name,
        "ln": long_name(policy.name),
        "kind": kind(policy.kind),
        "create": presence(policy.create),
        "update": presence(policy.update),
    })
}

/// The TS-0004 letters: M, O, NP.
fn presence(presence: Presence) -> &'static str {
    match presence {
        Presence::Mandatory => "M",
        Presence::Optional => "O",
        Presence::NotPermitted => "NP",
    }
}

/// The form field a value kind takes.
fn kind(kind: ValueKind) -> Value {
    match kind {
        ValueKind::Text => json!("text"),
        ValueKind::Boolean => json!("boolean"),
        ValueKind::Integer { .. } | ValueKind::IntegerRange { .. } => json!("integer"),
        ValueKind::Number => json!("number"),
        ValueKind::Enumerated(values) => json!({ "enum": values }),
        ValueKind::Timestamp => json!("timestamp"),
        ValueKind::TextList | ValueKind::NonEmptyTextList | ValueKind::UriList => json!("list"),
        ValueKind::Object | ValueKind::Location => json!("object"),
        // Lists of numbers and of schedule entries are typed as JSON.
        ValueKind::EnumeratedList(_) | ValueKind::Schedules | ValueKind::Any => json!("any"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_container_from_its_table() {
        let schema = schema("/id-in", "cse-in", false);
        let types = schema["types"].as_array().expect("types");
        let cnt = types.iter().find(|t| t["sn"] == "cnt").expect("cnt");
        assert_eq!(cnt["ln"], "container");
        let mni = cnt["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .find(|a| a["sn"] == "mni")
            .expect("mni");
        assert_eq!(mni["ln"], "maxNrOfInstances");
        assert_eq!(mni["create"], "O");
        assert!(
            cnt["children"]
                .as_array()
                .expect("children")
                .contains(&json!(4))
        );
        assert_eq!(schema["names"]["cni"], "currentNrOfInstances");
    }
}
