//! The layout rules of `cse/src`, read from the files themselves:
//! no two files share a base name (`mod.rs` aside), so a name stands for one job;
//! and a `mod.rs` only declares modules and re-exports, so logic sits in a file
//! named by its concept.
//!
//! The two allow-lists are empty and meant to stay so: an exception must be named
//! there, and an entry that no longer offends fails the test too.

use std::collections::BTreeMap;

use crate::source_tree;

/// Base names still shared by two files, pending their renames (none: keep it so).
const PENDING_SHARED_NAMES: &[&str] = &[];

/// `mod.rs` files (relative to `cse/src`) allowed to hold logic (none: keep it so).
const PENDING_MOD_RS_WITH_LOGIC: &[&str] = &[];

fn all_files() -> Vec<String> {
    source_tree::files()
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Base name → the files carrying it, for every base name shared by two or more
/// files (`mod.rs` aside).
fn shared_names(files: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let name = base_name(file);
        if name != "mod.rs" {
            by_name
                .entry(name.to_owned())
                .or_default()
                .push(file.clone());
        }
    }
    by_name.retain(|_, files| files.len() > 1);
    by_name
}

/// `text` without comments and attributes (`#[…]`, `#![…]`, brackets nested).
fn without_comments_and_attributes(text: &str) -> String {
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut kept = String::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' && matches!(chars.peek(), Some('[' | '!')) {
            let mut depth = 0_usize;
            for inner in chars.by_ref() {
                match inner {
                    '[' => depth += 1,
                    ']' if depth == 1 => break,
                    ']' => depth -= 1,
                    _ => {}
                }
            }
        } else {
            kept.push(c);
        }
    }
    kept
}

/// The statements of a `mod.rs` that are neither a module declaration nor a `use`.
fn logic_in(module_file: &str) -> Vec<String> {
    let allowed = |statement: &str| {
        let rest = statement
            .strip_prefix("pub(crate) ")
            .or_else(|| statement.strip_prefix("pub(super) "))
            .or_else(|| statement.strip_prefix("pub "))
            .unwrap_or(statement);
        rest.starts_with("mod ") || rest.starts_with("use ")
    };
    without_comments_and_attributes(module_file)
        .split(';')
        .map(str::trim)
        .filter(|statement| !statement.is_empty() && !allowed(statement))
        .map(|statement| statement.lines().next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn no_two_files_in_cse_src_share_a_base_name() {
    let shared = shared_names(&all_files());
    let unexpected: Vec<_> = shared
        .iter()
        .filter(|(name, _)| !PENDING_SHARED_NAMES.contains(&name.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "files sharing a base name (name each by its job): {unexpected:?}"
    );
    let stale: Vec<_> = PENDING_SHARED_NAMES
        .iter()
        .filter(|name| !shared.contains_key(**name))
        .collect();
    assert!(
        stale.is_empty(),
        "no longer shared: remove from PENDING_SHARED_NAMES: {stale:?}"
    );
}

#[test]
fn mod_rs_files_only_declare_and_re_export() {
    let mut offending = BTreeMap::new();
    for file in all_files().iter().filter(|f| base_name(f) == "mod.rs") {
        let text = source_tree::read(file);
        let logic = logic_in(&text);
        if !logic.is_empty() {
            offending.insert(file.clone(), logic);
        }
    }
    let unexpected: Vec<_> = offending
        .iter()
        .filter(|(file, _)| !PENDING_MOD_RS_WITH_LOGIC.contains(&file.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "mod.rs holding more than `mod` and `use` lines (move it to a file named by \
         its concept): {unexpected:?}"
    );
    let stale: Vec<_> = PENDING_MOD_RS_WITH_LOGIC
        .iter()
        .filter(|file| !offending.contains_key(**file))
        .collect();
    assert!(
        stale.is_empty(),
        "only declares now: remove from PENDING_MOD_RS_WITH_LOGIC: {stale:?}"
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    let files = [
        "a/polling.rs".to_owned(),
        "b/polling.rs".to_owned(),
        "a/mod.rs".to_owned(),
        "b/mod.rs".to_owned(),
        "c.rs".to_owned(),
    ];
    let shared = shared_names(&files);
    assert_eq!(shared.keys().collect::<Vec<_>>(), ["polling.rs"]);
    let declares = "//! Doc.\n\n#[cfg(test)]\nmod tests;\npub mod a;\n\
                    #[expect(unused, reason = \"[x]\")]\npub use a::{\n    B,\n    C,\n};\n";
    assert!(logic_in(declares).is_empty(), "{:?}", logic_in(declares));
    let holds = "pub mod a;\n/// Why.\nconst N: u8 = 1;\npub struct S {\n    x: u8,\n}\n";
    assert_eq!(logic_in(holds), ["const N: u8 = 1", "pub struct S {"]);
}
