//! Attribute policy tables and the content check every CREATE and UPDATE goes through.

use serde_json::{Map, Value};

use crate::problem::Problem;
use crate::resource::policy_for;
use crate::time::Timestamp;
use crate::types::{Operation, ResourceType};

/// Whether a client may put an attribute into a request's content (TS-0004 Annex K).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be present.
    Mandatory,
    /// May be present.
    Optional,
    /// Must not be present: set by the CSE, or fixed after creation.
    NotPermitted,
}

/// The JSON shape an attribute's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON string.
    Text,
    /// `true` / `false`.
    Boolean,
    /// A JSON integer not below `min`.
    Integer {
        /// Smallest accepted value.
        min: i64,
    },
    /// A JSON integer within `min..=max` (a percentage, a colour component).
    IntegerRange {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// Any JSON number, integer or not (TS-0023 `float` data points).
    Number,
    /// One of the listed integers (an enumeration).
    Enumerated(&'static [i64]),
    /// A oneM2M timestamp string.
    Timestamp,
    /// An array of strings.
    TextList,
    /// An array of at least one string (TS-0004 "listNE": an empty list is refused
    /// rather than stored, the attribute must be absent instead).
    NonEmptyTextList,
    /// An array of integers, each one of the listed values (a list of enumerations).
    EnumeratedList(&'static [i64]),
    /// An array of `m2m:scheduleEntries` (`{"sce": ["<7-field cron>", …]}`).
    Schedules,
    /// An array of absolute URIs (`scheme://…`).
    UriList,
    /// A JSON object.
    Object,
    /// A location (m2m:geoCoordinates `{"typ", "crd"}`), checked by
    /// [`crate::location::Location::from_attribute`].
    Location,
    /// Any JSON value.
    Any,
}

/// One attribute of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributePolicy {
    /// Short name on the wire.
    pub name: &'static str,
    /// Accepted JSON shape.
    pub kind: ValueKind,
    /// Presence rule in CREATE content.
    pub create: Presence,
    /// Presence rule in UPDATE content.
    pub update: Presence,
    /// Multiplicity 1 in the stored resource: UPDATE may not delete it with `null`.
    pub required: bool,
    /// False for attributes of features onecse does not implement yet (answered 5001).
    pub supported: bool,
    /// The `creator` rule: on CREATE only `null` is accepted, asking the CSE to fill it.
    pub null_requests_value: bool,
    /// Most items a list value may hold ([`MAX_LIST_ITEMS`] unless the type needs
    /// more, like a group's members).
    pub max_items: usize,
}

impl AttributePolicy {
    /// Set only by the CSE (RO): never in request content.
    pub const fn read_only(name: &'static str, kind: ValueKind) -> Self {
        Self {
            name,
            kind,
            create: Presence::NotPermitted,
            update: Presence::NotPermitted,
            required: true,
            supported: true,
            null_requests_value: false,
            max_items: MAX_LIST_ITEMS,
        }
    }

    /// Writable on create and update (RW), optional.
    pub const fn read_write(name: &'static str, kind: ValueKind) -> Self {
        Self {
            name,
            kind,
            create: Presence::Optional,
            update: Presence::Optional,
            required: false,
            supported: true,
            null_requests_value: false,
            max_items: MAX_LIST_ITEMS,
        }
    }

    /// Given once at creation (WO), optional.
    pub const fn write_once(name: &'static str, kind: ValueKind) -> Self {
        Self {
            name,
            kind,
            create: Presence::Optional,
            update: Presence::NotPermitted,
            required: false,
            supported: true,
            null_requests_value: false,
            max_items: MAX_LIST_ITEMS,
        }
    }

    /// Not given on CREATE but writable by UPDATE (TS-0004 NP/O: the status a device
    /// reports, a trigger that only makes sense once the object exists).
    pub const fn update_only(name: &'static str, kind: ValueKind) -> Self {
        Self {
            name,
            kind,
            create: Presence::NotPermitted,
            update: Presence::Optional,
            required: false,
            supported: true,
            null_requests_value: false,
            max_items: MAX_LIST_ITEMS,
        }
    }

    /// `cstn` (custodian, R4): the originator that holds the default privileges of a
    /// resource without `acpi`, in place of its creator (TS-0001 §9.6.1.3).
    pub const fn custodian() -> Self {
        Self::read_write("cstn", ValueKind::Text)
    }

    /// `cr` (creator): RO, but a CREATE may carry `"cr": null` to have the CSE record the
    /// originator (TS-0004 §7.4.x); any other value is refused.
    pub const fn creator() -> Self {
        Self {
            name: "cr",
            kind: ValueKind::Text,
            create: Presence::Optional,
            update: Presence::NotPermitted,
            required: false,
            supported: true,
            null_requests_value: true,
            max_items: MAX_LIST_ITEMS,
        }
    }

    /// Makes the attribute mandatory on create and undeletable afterwards.
    pub const fn mandatory(mut self) -> Self {
        self.create = Presence::Mandatory;
        self.required = true;
        self
    }

    /// Marks the attribute as always present in the stored resource.
    pub const fn always_present(mut self) -> Self {
        self.required = true;
        self
    }

    /// Lets a list hold up to `max` items instead of [`MAX_LIST_ITEMS`].
    pub const fn max_items(mut self, max: usize) -> Self {
        self.max_items = max;
        self
    }

    /// Marks the attribute as belonging to a feature onecse does not implement yet.
    pub const fn unsupported(mut self) -> Self {
        self.supported = false;
        self
    }
}

/// The universal attributes every type but the CSEBase has alike (TS-0001 §9.6.1.2):
/// set by the CSE, except `rn`, which a client may give on CREATE.
pub(crate) const UNIVERSAL: &[AttributePolicy] = &[
    AttributePolicy::read_only("ty", ValueKind::Integer { min: 0 }),
    AttributePolicy::read_only("ri", ValueKind::Text),
    AttributePolicy::write_once("rn", ValueKind::Text).always_present(),
    AttributePolicy::read_only("pi", ValueKind::Text),
    AttributePolicy::read_only("ct", ValueKind::Timestamp),
    AttributePolicy::read_only("lt", ValueKind::Timestamp),
];

/// The universal attributes (`ty`, `ri`, `rn`, `pi`, `ct`, `lt`) every type but the
/// CSEBase has besides its own table, for tools that list a type's whole table.
pub fn universal_attributes() -> &'static [AttributePolicy] {
    UNIVERSAL
}

/// The policy of one attribute of a type: its own table, then the universal one.
fn find(
    ty: ResourceType,
    table: &'static [AttributePolicy],
    name: &str,
) -> Option<&'static AttributePolicy> {
    table.iter().find(|a| a.name == name).or_else(|| {
        (ty != ResourceType::CseBase)
            .then(|| UNIVERSAL.iter().find(|a| a.name == name))
            .flatten()
    })
}

/// True if some resource type onecse hosts defines this short name; used to tell
/// attribute filters in a query string from typos.
pub fn is_known_attribute(name: &str) -> bool {
    ResourceType::ALL
        .into_iter()
        .filter_map(policy_for)
        .chain(crate::resource::extension_tables())
        .any(|table| table.iter().any(|a| a.name == name))
        || UNIVERSAL.iter().any(|a| a.name == name)
}

/// True if a resource of type `ty` with this specialization has the attribute `name`
/// (its type's table, the universal attributes, the specialization's; any name for an
/// open specialization): what a partial retrieve may ask for.
pub fn has_attribute(ty: ResourceType, extension: Extension, name: &str) -> bool {
    extension.open
        || extension.attributes.iter().any(|a| a.name == name)
        || policy_for(ty).is_some_and(|table| find(ty, table, name).is_some())
}

/// The attributes a specialization adds to its type's own table (a flexContainer's
/// custom attributes, a mgmtObj's object attributes), so the one content check serves
/// every specialization without code per specialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension {
    /// The specialization's attributes, checked like the type's own.
    pub attributes: &'static [AttributePolicy],
    /// True when attributes outside both tables are accepted as custom attributes of
    /// any JSON kind (the generic flexContainer, whose definition onecse does not know).
    pub open: bool,
}

impl Extension {
    /// No attributes beyond the type's table: what most types have.
    pub const NONE: Self = Self {
        attributes: &[],
        open: false,
    };

    /// The attributes of a known specialization.
    pub const fn of(attributes: &'static [AttributePolicy]) -> Self {
        Self {
            attributes,
            open: false,
        }
    }
}

/// An open extension accepts an unknown attribute as this: optional and writable,
/// any JSON value.
const CUSTOM: AttributePolicy = AttributePolicy::read_write("", ValueKind::Any);

/// Checks request content against a type's policy for CREATE or UPDATE: unknown
/// attributes, attributes not permitted in this operation, missing mandatory ones,
/// `null` where it is not allowed, and each value's JSON kind. Type-specific value
/// rules (App-ID syntax, …) are checked afterwards by the type's own module.
pub fn check_attributes(
    ty: ResourceType,
    op: Operation,
    attrs: &Map<String, Value>,
) -> Result<(), Problem> {
    check_extended(ty, Extension::NONE, op, attrs)
}

/// [`check_attributes`] for a specialization: its extension's attributes count as the
/// type's own.
pub fn check_extended(
    ty: ResourceType,
    extension: Extension,
    op: Operation,
    attrs: &Map<String, Value>,
) -> Result<(), Problem> {
    let table = policy_for(ty).ok_or_else(|| {
        Problem::not_implemented(format!("{} resources are not supported", ty.long_name()))
    })?;
    let type_name = ty.long_name();
    for (name, value) in attrs {
        let policy = find(ty, table, name)
            .or_else(|| extension.attributes.iter().find(|a| a.name == name))
            .or(extension.open.then_some(&CUSTOM))
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "attribute '{name}' is not defined for {type_name} resources"
                ))
            })?;
        let presence = match op {
            Operation::Create => policy.create,
            _ => policy.update,
        };
        if presence == Presence::NotPermitted {
            let why = if policy.create == Presence::NotPermitted {
                "it is assigned by the CSE"
            } else {
                "it can only be set when the resource is created"
            };
            return Err(Problem::bad_request(format!(
                "attribute '{name}' is not allowed in {} of {type_name}: {why}",
                op.name()
            )));
        }
        if !policy.supported {
            return Err(Problem::not_implemented(format!(
                "attribute '{name}' of {type_name} is not supported by this CSE yet"
            )));
        }
        if policy.null_requests_value && op == Operation::Create {
            if value.is_null() {
                continue;
            }
            return Err(Problem::bad_request(format!(
                "attribute '{name}' may only be null in CREATE (the CSE fills it in)"
            )));
        }
        if value.is_null() {
            if op == Operation::Create {
                return Err(Problem::bad_request(format!(
                    "attribute '{name}' must not be null in CREATE"
                )));
            }
            // `et` is mandatory but the CSE assigns it: null gives it the default
            // lifetime again (as ACME does) instead of leaving it without one.
            if policy.required && name != "et" {
                return Err(Problem::bad_request(format!(
                    "attribute '{name}' of {type_name} is mandatory and cannot be deleted with null"
                )));
            }
            continue;
        }
        check_strings(name, value, policy.max_items)?;
        check_kind(name, policy.kind, value)?;
    }
    if op == Operation::Create
        && let Some(missing) = table
            .iter()
            .chain(extension.attributes)
            .find(|a| a.create == Presence::Mandatory && !attrs.contains_key(a.name))
    {
        return Err(Problem::bad_request(format!(
            "mandatory attribute '{}' is missing for {type_name}",
            missing.name
        )));
    }
    Ok(())
}

fn check_kind(name: &str, kind: ValueKind, value: &Value) -> Result<(), Problem> {
    let wrong = |expected: &str| {
        Problem::bad_request(format!(
            "attribute '{name}' must be {expected}, got {}",
            describe(value)
        ))
    };
    match kind {
        ValueKind::Text => value.as_str().map(|_| ()).ok_or_else(|| wrong("a string")),
        ValueKind::Boolean => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| wrong("true or false")),
        ValueKind::Integer { min } => match value.as_i64() {
            Some(n) if n >= min => Ok(()),
            Some(_) => Err(wrong(&format!("an integer of at least {min}"))),
            None => Err(wrong("an integer")),
        },
        ValueKind::IntegerRange { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(()),
            _ => Err(wrong(&format!("an integer from {min} to {max}"))),
        },
        ValueKind::Number => value.as_f64().map(|_| ()).ok_or_else(|| wrong("a number")),
        ValueKind::Enumerated(allowed) => match value.as_i64() {
            Some(n) if allowed.contains(&n) => Ok(()),
            _ => Err(wrong(&format!("one of {allowed:?}"))),
        },
        ValueKind::Timestamp => {
            let s = value.as_str().ok_or_else(|| wrong("a timestamp string"))?;
            Timestamp::parse(s)
                .map(|_| ())
                .map_err(|p| Problem::bad_request(format!("attribute '{name}': {}", p.message)))
        }
        ValueKind::TextList => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong("an array of strings"))?;
            if items.iter().all(Value::is_string) {
                Ok(())
            } else {
                Err(wrong("an array of strings"))
            }
        }
        ValueKind::NonEmptyTextList => {
            let items = value
                .as_array()
                .filter(|items| items.iter().all(Value::is_string))
                .ok_or_else(|| wrong("a non-empty array of strings"))?;
            if items.is_empty() {
                return Err(Problem::bad_request(format!(
                    "attribute '{name}' must not be an empty list: leave it out (or delete it with null) instead"
                )));
            }
            Ok(())
        }
        ValueKind::EnumeratedList(allowed) => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong(&format!("an array of values from {allowed:?}")))?;
            match items
                .iter()
                .find(|item| item.as_i64().is_none_or(|n| !allowed.contains(&n)))
            {
                Some(bad) => Err(Problem::bad_request(format!(
                    "attribute '{name}': {bad} is not one of {allowed:?}"
                ))),
                None => Ok(()),
            }
        }
        ValueKind::Schedules => crate::resource::schedule::check_schedules(name, value),
        ValueKind::UriList => {
            let items = value.as_array().ok_or_else(|| wrong("an array of URIs"))?;
            for item in items {
                let uri = item.as_str().ok_or_else(|| wrong("an array of URIs"))?;
                if !is_absolute_uri(uri) {
                    return Err(Problem::bad_request(format!(
                        "attribute '{name}': '{uri}' is not an absolute URI (expected scheme://host…)"
                    )));
                }
            }
            Ok(())
        }
        ValueKind::Object => value
            .as_object()
            .map(|_| ())
            .ok_or_else(|| wrong("an object")),
        ValueKind::Location => crate::location::Location::from_attribute(value)
            .map(|_| ())
            .map_err(|p| Problem::bad_request(format!("attribute '{name}': {}", p.message))),
        ValueKind::Any => Ok(()),
    }
}

/// Longest string accepted in an indexed or listed attribute (labels, names, URIs):
/// keeps index entries far below PostgreSQL's B-tree row limit.
pub const MAX_STRING_BYTES: usize = 1024;

/// Most items a list attribute (labels, policy IDs, points of access, …) may hold:
/// each is indexed or checked per request, so an unbounded list is unbounded work.
pub const MAX_LIST_ITEMS: usize = 256;

/// Strings (alone or in a list) must not contain NUL, which PostgreSQL text cannot
/// hold, lists must stay within their attribute's `max_items`, and list items within
/// [`MAX_STRING_BYTES`].
fn check_strings(name: &str, value: &Value, max_items: usize) -> Result<(), Problem> {
    if let Value::Array(items) = value
        && items.len() > max_items
    {
        return Err(Problem::bad_request(format!(
            "attribute '{name}' lists {} items; at most {max_items} are accepted",
            items.len()
        )));
    }
    let items: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for item in items {
        if item.contains('\0') {
            return Err(Problem::bad_request(format!(
                "attribute '{name}' contains a NUL character"
            )));
        }
        if value.is_array() && item.len() > MAX_STRING_BYTES {
            return Err(Problem::bad_request(format!(
                "an item of attribute '{name}' is longer than {MAX_STRING_BYTES} bytes"
            )));
        }
    }
    Ok(())
}

/// `scheme://rest` with an RFC 3986 scheme and a non-empty rest.
fn is_absolute_uri(uri: &str) -> bool {
    match uri.split_once("://") {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ResponseStatusCode;
    use serde_json::json;

    fn check(op: Operation, content: Value) -> Result<(), ResponseStatusCode> {
        let map = content.as_object().cloned().unwrap_or_default();
        check_attributes(ResourceType::Ae, op, &map).map_err(|p| p.rsc)
    }

    #[test]
    fn a_minimal_registration_passes() {
        let ok = check(
            Operation::Create,
            json!({"api": "Nx", "rr": true, "srv": ["3"]}),
        );
        assert_eq!(ok, Ok(()));
    }

    #[test]
    fn content_errors_are_bad_requests() {
        let bad = ResponseStatusCode::BadRequest;
        let cases = [
            json!({"rr": true, "srv": ["3"]}),
            json!({"api": "Nx", "rr": "yes", "srv": ["3"]}),
            json!({"api": "Nx", "rr": true, "srv": "3"}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "ri": "x"}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "foo": 1}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "cr": null}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "lbl": null}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "et": "tomorrow"}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "poa": ["not a uri"]}),
            json!({"api": "Nx", "rr": true, "srv": ["3"], "regs": 7}),
        ];
        for case in cases {
            assert_eq!(check(Operation::Create, case.clone()), Err(bad), "{case}");
        }
    }

    #[test]
    fn update_rules_differ_from_create() {
        assert_eq!(check(Operation::Update, json!({"lbl": null})), Ok(()));
        assert_eq!(
            check(
                Operation::Update,
                json!({"rr": false, "poa": ["mqtt://h:1883"]})
            ),
            Ok(())
        );
        let bad = Err(ResponseStatusCode::BadRequest);
        assert_eq!(check(Operation::Update, json!({"api": "Ny"})), bad);
        assert_eq!(check(Operation::Update, json!({"rr": null})), bad);
        assert_eq!(check(Operation::Update, json!({"rn": "x"})), bad);
    }

    #[test]
    fn unsupported_features_are_not_implemented() {
        let got = check(Operation::Update, json!({"daci": ["/id-mn/dac"]}));
        assert_eq!(got, Err(ResponseStatusCode::NotImplemented));
    }

    #[test]
    fn numbers_and_ranges_have_their_own_kinds() {
        let kinds = |kind, value: Value| check_kind("x", kind, &value).map_err(|p| p.rsc);
        let range = ValueKind::IntegerRange { min: 0, max: 100 };
        assert_eq!(kinds(ValueKind::Number, json!(21.5)), Ok(()));
        assert_eq!(kinds(ValueKind::Number, json!(-3)), Ok(()));
        assert!(kinds(ValueKind::Number, json!("21.5")).is_err());
        assert_eq!(kinds(range, json!(0)), Ok(()));
        assert_eq!(kinds(range, json!(100)), Ok(()));
        assert!(kinds(range, json!(101)).is_err());
        assert!(kinds(range, json!(-1)).is_err());
        assert!(kinds(range, json!(50.5)).is_err());
    }

    #[test]
    fn known_attributes_include_every_hosted_type() {
        assert!(is_known_attribute("api"));
        assert!(is_known_attribute("csi"));
        assert!(!is_known_attribute("bogus"));
    }
}
