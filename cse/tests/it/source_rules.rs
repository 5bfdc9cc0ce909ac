//! Rules on the source itself, checked by reading it (test-only): settings are plain
//! values in `config/`, which names no other part of the crate; typed settings are
//! parsed once, in `startup.rs`; no part but start-up reads the whole `Config`.

use crate::source_tree;

/// Every `.rs` file under `src/`, as (`/src/` + its path with `/` separators, text).
fn source_files() -> Vec<(String, String)> {
    source_tree::files()
        .into_iter()
        .map(|path| {
            let text = source_tree::read(&path);
            (format!("/src/{path}"), text)
        })
        .collect()
}

/// The code of a source file without its comments and the contents of its string and
/// character literals, so only paths the compiler reads remain.
fn code_only(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                chars.by_ref().find(|&c| c == '\n');
                code.push('\n');
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                code.push_str("\"\"");
            }
            '\'' => {
                // A character literal ('x', '\n'); a lifetime ('a) is left as it is.
                let mut ahead = chars.clone();
                let literal = match ahead.next() {
                    Some('\\') => true,
                    Some(_) => ahead.next() == Some('\''),
                    None => false,
                };
                if literal {
                    chars.by_ref().find(|&c| c == '\'');
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    }
                    code.push_str("' '");
                } else {
                    code.push(c);
                }
            }
            _ => code.push(c),
        }
    }
    code
}

/// The paths that leave `config/` for another part of the crate: `crate::x` or
/// `crate::{…}` with `x` other than `config`, and `super::` where it names the crate
/// root (in `mod.rs`, or `super::super::`).
fn paths_out_of_config(file: &str, text: &str) -> Vec<String> {
    let text = &code_only(text);
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let name: String = rest.chars().take_while(|&c| ident(c)).collect();
        if rest.starts_with('{') || (!name.is_empty() && name != "config") {
            found.push(format!(
                "crate::{}",
                rest.chars().take(30).collect::<String>()
            ));
        }
    }
    let to_root = if file.ends_with("mod.rs") {
        "super::"
    } else {
        "super::super::"
    };
    found.extend(
        text.match_indices(to_root)
            .map(|(at, _)| text[at..].chars().take(40).collect::<String>()),
    );
    found
}

#[test]
fn the_config_module_names_no_other_part_of_the_crate() {
    let files: Vec<_> = source_files()
        .into_iter()
        .filter(|(file, _)| file.contains("/src/config/"))
        .collect();
    assert!(files.len() >= 5, "{files:?}");
    for (file, text) in &files {
        let out = paths_out_of_config(file, text);
        assert!(
            out.is_empty(),
            "{file} reaches outside config (settings are plain values; parse typed ones in startup.rs): {out:?}"
        );
    }
    // The check itself sees what it must refuse, and only that.
    assert!(!paths_out_of_config("x.rs", "use crate::store::Database;").is_empty());
    assert!(!paths_out_of_config("x.rs", "use crate::{config, store};").is_empty());
    assert!(!paths_out_of_config("mod.rs", "use super::binding;").is_empty());
    assert!(paths_out_of_config("x.rs", "$crate::config::declare::env_var").is_empty());
    let prose = "// see crate::store\nlet s = \"crate::binding\"; let q = '\"'; use crate::core;";
    assert_eq!(paths_out_of_config("x.rs", prose).len(), 1, "{prose}");
}

#[test]
fn settings_are_parsed_in_startup_only_and_no_part_reads_the_config() {
    // The parsers of typed settings: called at start-up and nowhere else.
    let parsers = [
        "DatabaseTarget::parse(",
        "AccessSettings::parse(",
        "EgressPolicy::parse(",
        "LogFormat::parse(",
        "AuthMode::parse(",
        "Verifier::new(",
        "Authenticator::new(",
        ".check_plain_values(",
    ];
    // Only start-up (and the builder and binary that call it) see the whole
    // configuration; the parts get typed values.
    let may_hold_config = ["/src/startup.rs", "/src/app.rs", "/src/main.rs"];
    let files = source_files();
    assert!(files.len() > 50, "{}", files.len());
    for (file, text) in &files {
        // Server code only: unit tests build what they test as they like.
        if file.ends_with("tests.rs") || file.ends_with("/src/startup.rs") {
            continue;
        }
        let code = code_only(text.split("#[cfg(test)]").next().unwrap_or_default());
        for parser in parsers {
            assert!(
                !code.contains(parser),
                "{file} calls {parser}…: settings are parsed once, in startup.rs"
            );
        }
        let holds_config = file.contains("/src/config/")
            || may_hold_config
                .iter()
                .any(|allowed| file.ends_with(allowed));
        assert!(
            holds_config || !code.contains("config::Config"),
            "{file} reads the Config: take the typed value startup.rs parsed instead"
        );
    }
}
