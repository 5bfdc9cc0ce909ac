//! `<flexContainer>` (ty 28) attributes (TS-0001 §9.6.35, TS-0004 §7.4.37): the
//! common ones every flexContainer has; the custom attributes come from its
//! specialization ([`super::fcnt_specs`]) or, for the generic form, from the client.

use serde_json::{Map, Value};

use super::cin::content_size;
use super::policy::{AttributePolicy as A, UNIVERSAL, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The JSON root key of a flexContainer whose definition onecse does not know.
pub const GENERIC_ROOT: &str = "m2m:fcnt";

/// The flexContainer: under the CSEBase, an AE, a container or a flexContainer.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::FlexContainer,
        ATTRIBUTES,
        &[CseBase, Ae, Container, FlexContainer, RemoteCse],
    )
    .with_state_tag()
    .announced_as(&super::annc::FCNT_ANNOUNCEMENT)
};

/// flexContainer attribute table; `st`, `cs`, `cni` and `cbs` are maintained by the
/// CSE; `fcied` (fcinEnabled, R4) switches the flexContainerInstance history on, and
/// `mni`/`mbs`/`mia` (never 0) limit it.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::read_only("st", Integer { min: 0 }),
    A::creator(),
    A::write_once("cnd", Text).mandatory(),
    A::read_write("or", Text),
    A::read_only("cs", Integer { min: 0 }),
    A::read_write("nl", Text),
    A::read_write("fcied", Boolean),
    A::read_write("mni", Integer { min: 1 }),
    A::read_write("mbs", Integer { min: 1 }),
    A::read_write("mia", Integer { min: 1 }),
    A::read_write("loc", Location),
    A::read_only("cni", Integer { min: 0 }),
    A::read_only("cbs", Integer { min: 0 }),
];

/// True for a custom attribute: any name that is neither a universal nor a common
/// attribute of flexContainer, so the generic form needs no list of them.
pub fn is_custom_attribute(name: &str) -> bool {
    !ATTRIBUTES.iter().any(|a| a.name == name) && !UNIVERSAL.iter().any(|a| a.name == name)
}

/// The custom attributes among `attrs`.
pub fn custom_attributes(attrs: &Map<String, Value>) -> Map<String, Value> {
    attrs
        .iter()
        .filter(|(name, _)| is_custom_attribute(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// `cs` (contentSize): the bytes of all custom attribute values (TS-0001 §9.6.35), each
/// counted like a contentInstance's `con`.
pub fn custom_size(attrs: &Map<String, Value>) -> i64 {
    attrs
        .iter()
        .filter(|(name, _)| is_custom_attribute(name))
        .map(|(_, value)| content_size(value))
        .fold(0, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_attributes_are_those_outside_the_common_table() {
        let attrs = json!({"rn": "s", "cnd": "x", "lbl": ["a"], "powSe": true, "unit": "C"});
        let map = attrs.as_object().cloned().unwrap_or_default();
        let custom = custom_attributes(&map);
        assert_eq!(custom.len(), 2);
        assert!(custom.contains_key("powSe") && custom.contains_key("unit"));
        // "true" is 4 bytes, "C" is 1.
        assert_eq!(custom_size(&map), 5);
    }
}
