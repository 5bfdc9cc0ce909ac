//! The flexContainer specializations onecse knows (TS-0023 SDT module classes of the
//! `org.onem2m.common` domain), as data: each is a root short name, a
//! containerDefinition and an attribute table, so supporting one more is one entry
//! here and no code. Cardinality 1 in TS-0023 is mandatory on CREATE and cannot be
//! deleted; 0..1 is optional. Every module class has the optional `dgt`.

use super::policy::{AttributePolicy as A, ValueKind, ValueKind::*};

/// One specialization of `<flexContainer>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Specialization {
    /// The JSON root key (`cod:binSh`): names the specialization in requests and
    /// representations.
    pub root: &'static str,
    /// The TS-0023 long name, for messages and documentation.
    pub long_name: &'static str,
    /// The `cnd` (containerDefinition) a resource of it must carry.
    pub definition: &'static str,
    /// Its custom attributes.
    pub attributes: &'static [A],
    /// False where onecse could not check short names or kinds against a published
    /// definition and took them from TS-0023 as remembered (the user guide says which).
    pub checked: bool,
}

const INT: ValueKind = Integer { min: i64::MIN };
const NON_NEG: ValueKind = Integer { min: 0 };
const PERCENT: ValueKind = IntegerRange { min: 0, max: 100 };
const COLOUR: ValueKind = IntegerRange { min: 0, max: 255 };
/// TS-0023 enum tempUnit: 1 Celsius, 2 Fahrenheit, 3 Kelvin.
const TEMPERATURE_UNIT: ValueKind = Enumerated(&[1, 2, 3]);

/// The data point every module class has: when the values were produced.
const fn dgt() -> A {
    A::read_write("dgt", Timestamp)
}

/// A cardinality-1 data point.
const fn required(name: &'static str, kind: ValueKind) -> A {
    A::read_write(name, kind).mandatory()
}

/// A cardinality-0..1 data point.
const fn optional(name: &'static str, kind: ValueKind) -> A {
    A::read_write(name, kind)
}

/// Every known specialization.
pub static SPECIALIZATIONS: &[Specialization] = &[
    Specialization {
        root: "cod:binSh",
        long_name: "binarySwitch",
        definition: "org.onem2m.common.moduleclass.binarySwitch",
        attributes: &[dgt(), required("powSe", Boolean)],
        checked: true,
    },
    Specialization {
        root: "cod:tempe",
        long_name: "temperature",
        definition: "org.onem2m.common.moduleclass.temperature",
        attributes: &[
            dgt(),
            required("curT0", Number),
            optional("tarTe", Number),
            optional("unit", TEMPERATURE_UNIT),
            optional("minVe", Number),
            optional("maxVe", Number),
            optional("steVe", Number),
        ],
        checked: false,
    },
    Specialization {
        root: "cod:color",
        long_name: "colour",
        definition: "org.onem2m.common.moduleclass.colour",
        attributes: &[
            dgt(),
            required("red", COLOUR),
            required("green", COLOUR),
            required("blue", COLOUR),
        ],
        checked: false,
    },
    Specialization {
        root: "cod:brigs",
        long_name: "brightness",
        definition: "org.onem2m.common.moduleclass.brightness",
        attributes: &[dgt(), required("brigs", PERCENT)],
        checked: false,
    },
    Specialization {
        root: "cod:fauDn",
        long_name: "faultDetection",
        definition: "org.onem2m.common.moduleclass.faultDetection",
        attributes: &[
            dgt(),
            required("sus", Boolean),
            optional("code", INT),
            optional("descn", Text),
        ],
        checked: false,
    },
    Specialization {
        root: "cod:bat",
        long_name: "battery",
        definition: "org.onem2m.common.moduleclass.battery",
        attributes: &[
            dgt(),
            required("lvl", PERCENT),
            optional("capay", INT),
            optional("reche", Boolean),
            optional("charg", Boolean),
            optional("discg", Boolean),
            optional("lowBy", Boolean),
            optional("batTd", INT),
            optional("chaVe", Number),
            optional("chaAe", Number),
            optional("disVe", Number),
            optional("disAe", Number),
            optional("batMl", NON_NEG),
            optional("batSe", NON_NEG),
        ],
        checked: true,
    },
    Specialization {
        root: "cod:alaSr",
        long_name: "alarmSpeaker",
        definition: "org.onem2m.common.moduleclass.alarmSpeaker",
        attributes: &[
            dgt(),
            optional("tone", NON_NEG),
            optional("light", NON_NEG),
            required("alaSs", Boolean),
        ],
        checked: true,
    },
    Specialization {
        root: "cod:anemr",
        long_name: "anemometer",
        definition: "org.onem2m.common.moduleclass.anemometer",
        attributes: &[dgt(), required("speed", Number)],
        checked: true,
    },
    Specialization {
        root: "cod:audVe",
        long_name: "audioVolume",
        definition: "org.onem2m.common.moduleclass.audioVolume",
        attributes: &[
            dgt(),
            required("volPe", PERCENT),
            optional("steVe", INT),
            optional("maxVe", INT),
            required("mutEd", Boolean),
        ],
        checked: true,
    },
    Specialization {
        root: "cod:baror",
        long_name: "barometer",
        definition: "org.onem2m.common.moduleclass.barometer",
        attributes: &[
            dgt(),
            optional("alarm", Boolean),
            required("atmPe", Number),
            optional("miPTd", INT),
            optional("maPTd", INT),
        ],
        checked: true,
    },
    Specialization {
        root: "cod:binOt",
        long_name: "binaryObject",
        definition: "org.onem2m.common.moduleclass.binaryObject",
        attributes: &[
            dgt(),
            required("objet", Text),
            required("objTe", Text),
            optional("size", NON_NEG),
            optional("hash", Text),
        ],
        checked: true,
    },
];

/// The specialization a request's JSON root key names.
pub fn by_root(root: &str) -> Option<&'static Specialization> {
    SPECIALIZATIONS.iter().find(|s| s.root == root)
}

/// The specialization a `cnd` names.
pub fn by_definition(cnd: &str) -> Option<&'static Specialization> {
    SPECIALIZATIONS.iter().find(|s| s.definition == cnd)
}

/// Every specialization's attribute table, for attribute filters and `atrl`.
pub fn tables() -> impl Iterator<Item = &'static [A]> {
    SPECIALIZATIONS.iter().map(|s| s.attributes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::is_known_attribute;
    use crate::resource::policy::Presence;

    fn kind_name(kind: ValueKind) -> String {
        match kind {
            ValueKind::Boolean => "boolean".into(),
            ValueKind::Text => "string".into(),
            ValueKind::Number => "number".into(),
            ValueKind::Timestamp => "timestamp".into(),
            ValueKind::Integer { min: 0 } => "integer ≥ 0".into(),
            ValueKind::Integer { .. } => "integer".into(),
            ValueKind::IntegerRange { min, max } => format!("integer {min}–{max}"),
            ValueKind::Enumerated(values) => format!("one of {values:?}"),
            other => format!("{other:?}"),
        }
    }

    /// The user guide's table of specializations, rendered from the data.
    fn markdown_table() -> String {
        let mut out = String::from(
            "| root | module class | containerDefinition | custom attributes (**M** = mandatory on CREATE) |\n|---|---|---|---|\n",
        );
        for spec in SPECIALIZATIONS {
            let attrs: Vec<String> = spec
                .attributes
                .iter()
                .map(|a| {
                    let m = if a.create == Presence::Mandatory {
                        " **M**"
                    } else {
                        ""
                    };
                    format!("`{}` {}{m}", a.name, kind_name(a.kind))
                })
                .collect();
            let mark = if spec.checked { "" } else { " (unverified)" };
            out.push_str(&format!(
                "| `{}` | {}{mark} | `{}` | {} |\n",
                spec.root,
                spec.long_name,
                spec.definition,
                attrs.join(", ")
            ));
        }
        out
    }

    #[test]
    fn the_user_guide_lists_every_specialization_as_the_data_says() {
        let guide = include_str!("../../../docs/user-guide.md");
        let table = markdown_table();
        assert!(
            guide.contains(&table),
            "docs/user-guide.md needs this table:\n{table}"
        );
    }

    #[test]
    fn roots_and_definitions_are_unique_and_well_formed() {
        for (i, spec) in SPECIALIZATIONS.iter().enumerate() {
            assert!(spec.root.starts_with("cod:"), "{}", spec.root);
            assert!(
                spec.definition.ends_with(&format!(".{}", spec.long_name)),
                "{}",
                spec.definition
            );
            let later = SPECIALIZATIONS.iter().skip(i + 1);
            for other in later {
                assert_ne!(spec.root, other.root);
                assert_ne!(spec.definition, other.definition);
            }
            assert_eq!(by_root(spec.root), Some(spec));
            assert_eq!(by_definition(spec.definition), Some(spec));
        }
        assert!(SPECIALIZATIONS.len() >= 10);
    }

    #[test]
    fn custom_attribute_names_are_known_to_filters() {
        assert!(is_known_attribute("powSe"));
        assert!(is_known_attribute("curT0"));
        assert!(!is_known_attribute("notACustomAttribute"));
    }

    #[test]
    fn custom_attributes_never_shadow_common_ones() {
        for spec in SPECIALIZATIONS {
            for attr in spec.attributes {
                assert!(
                    crate::resource::fcnt::is_custom_attribute(attr.name),
                    "{} {}",
                    spec.root,
                    attr.name
                );
                assert_eq!(attr.update, Presence::Optional);
            }
        }
    }
}
