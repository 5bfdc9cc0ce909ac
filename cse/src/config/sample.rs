//! The sample configuration file `onecse config` prints: every setting of the one
//! settings table, grouped as in `--help`, with its help as a comment and its default
//! as the value, so the file is complete, parses back to the defaults, and cannot
//! drift from the settings the binary knows.

use std::fmt::Write;

use super::declare::{ENV_PREFIX, Setting};
use super::settings::SETTINGS;

/// Widest a comment line grows before it wraps.
const WIDTH: usize = 88;

/// The whole file: a header, then each group's settings.
pub fn toml() -> String {
    let mut out = format!(
        "# onecse configuration: every setting with its default.\n\
         # Use it with `onecse --config FILE` (or ONECSE_CONFIG=FILE). Each key may also be\n\
         # given as an environment variable ({ENV_PREFIX}KEY in upper case) or a flag\n\
         # (--key-with-dashes); the environment overrides this file, flags override both.\n\
         # A setting without a default is commented out, with what happens without it.\n"
    );
    let mut group = "";
    for setting in SETTINGS {
        if setting.group != group {
            group = setting.group;
            let _ = write!(out, "\n# ==== {group} ====\n");
        }
        out.push('\n');
        entry(&mut out, setting);
    }
    out
}

/// One setting: its help wrapped as comments, then `key = value`, or the key
/// commented out with a placeholder when it has no default.
fn entry(out: &mut String, setting: &Setting) {
    comment(out, setting.help);
    match (setting.toml_default)() {
        Some(value) => {
            let _ = writeln!(out, "{} = {value}", setting.name);
        }
        None => {
            if let Some(unset) = setting.unset {
                comment(out, &format!("Unset: {unset}."));
            }
            let placeholder = setting.value_name.unwrap_or("VALUE");
            let placeholder = if setting.quoted {
                format!("\"{placeholder}\"")
            } else {
                placeholder.to_owned()
            };
            let _ = writeln!(out, "# {} = {placeholder}", setting.name);
        }
    }
}

/// `text` as `# ` lines of at most [`WIDTH`] characters (a longer word stays whole).
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}
