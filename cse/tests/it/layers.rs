//! The import rules between the parts of `cse/src`, read from the sources: a rule
//! broken by a new `use` fails here, not in a review.

use crate::source_tree;

/// Files under `security/` that still name the core, each with the work that removes
/// it. Empty is the end state; nothing may be added.
const SECURITY_NAMING_CORE_FOR_NOW: &[(&str, &str)] = &[];

/// Whether a source names the core module: a `crate::core` path, or `core` inside a
/// `use crate::{…}` group.
fn names_core(text: &str) -> bool {
    if text.contains("crate::core") {
        return true;
    }
    text.split("use crate::{").skip(1).any(|rest| {
        let group = rest.split_once("};").map_or(rest, |(group, _)| group);
        group
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == "core")
    })
}

#[test]
fn security_decides_on_facts_and_names_no_core_type() {
    let offenders: Vec<String> = source_tree::files()
        .into_iter()
        .filter_map(|path| path.strip_prefix("security/").map(str::to_owned))
        .filter(|name| names_core(&source_tree::read(&format!("security/{name}"))))
        .filter(|name| {
            !SECURITY_NAMING_CORE_FOR_NOW
                .iter()
                .any(|(pending, _)| *pending == name.as_str())
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "security must be given facts, not core types; these files name crate::core: {offenders:?}"
    );
}

#[test]
fn the_core_naming_check_sees_both_forms() {
    assert!(names_core("use crate::core::Cse;"));
    assert!(names_core("use crate::{core::record::Resource, error};"));
    assert!(names_core(
        "use crate::{\n    core,\n    error::CseResult,\n};"
    ));
    assert!(!names_core("use crate::{error::CseResult, store};"));
    assert!(!names_core(
        "use onecse_models::resource::acp::Privileges; // scores"
    ));
}
