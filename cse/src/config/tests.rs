//! Settings tests: the layering, the checks on plain values, and that every setting of
//! the table is reachable under each of its names and documented. The typed values are
//! tested in `startup.rs`; that this module names no other part, in `source_rules.rs`.

use std::fmt::Write as _;

use clap::{CommandFactory, Parser};

use super::*;

fn from_args(args: &[&str]) -> anyhow::Result<Config> {
    Cli::try_parse_from(std::iter::once("onecse").chain(args.iter().copied()))?.layered()
}

fn from_toml(text: &str) -> anyhow::Result<Config> {
    let mut config = Config::default();
    config.apply(toml::from_str(text)?);
    Ok(config)
}

#[test]
fn defaults_are_the_common_onem2m_ones_and_valid() {
    let config = Config::default();
    assert_eq!(config.bind, "127.0.0.1:8080");
    assert_eq!(
        (config.cse_id.as_str(), config.cse_name.as_str()),
        ("/id-in", "cse-in")
    );
    assert_eq!(config.admin_originator, "CAdmin");
    assert!(config.check_plain_values().is_ok());
}

#[test]
fn flags_override_the_file_which_overrides_defaults() {
    let dir = tempfile::tempdir().ok();
    let path = dir
        .as_ref()
        .map(|d| d.path().join("onecse.toml"))
        .unwrap_or_default();
    let written = std::fs::write(
        &path,
        "cse_name = \"file-cse\"\nbind = \"127.0.0.1:9000\"\nworkers = 3\n",
    );
    assert!(written.is_ok());
    let config = from_args(&[
        "--config",
        path.to_str().unwrap_or(""),
        "--bind",
        "127.0.0.1:9001",
    ])
    .unwrap_or_default();
    assert_eq!(config.cse_name, "file-cse");
    assert_eq!(config.bind, "127.0.0.1:9001");
    assert_eq!(config.workers, Some(3));
    assert_eq!(config.pool_size, Config::default().pool_size);
}

#[test]
fn unknown_file_keys_and_bad_values_are_refused() {
    let dir = tempfile::tempdir().ok();
    let path = dir
        .as_ref()
        .map(|d| d.path().join("bad.toml"))
        .unwrap_or_default();
    assert!(std::fs::write(&path, "bnd = \"x\"\n").is_ok());
    let mut config = Config::default();
    let err = config
        .merge_file(&path)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("bnd"), "{err}");

    for bad in [
        Config {
            cse_id: "id-in".into(),
            ..Config::default()
        },
        Config {
            cse_name: "a/b".into(),
            ..Config::default()
        },
        Config {
            admin_originator: "".into(),
            ..Config::default()
        },
        Config {
            max_body_bytes: 0,
            ..Config::default()
        },
    ] {
        assert!(bad.check_plain_values().is_err(), "{bad:?}");
    }
    // A bad database URL (a typed value) is refused by `startup::Settings::parse`,
    // tested there with the other typed values.
}

/// The value every setting is given in the reachability tests: valid for each type
/// but the switches, and no setting's default.
const SAMPLE: &str = "7";

/// The sample value of one setting: [`SAMPLE`], or for a switch the opposite of its
/// default.
fn sample(setting: &Setting) -> &'static str {
    match (setting.default)().as_deref() {
        Some("false") => "true",
        Some("true") => "false",
        _ => SAMPLE,
    }
}

/// The TOML for `name = 7` (or `true`), quoted when the setting holds text.
fn sample_toml(setting: &Setting) -> String {
    let (name, value) = (setting.name, sample(setting));
    let plain = format!("{name} = {value}");
    if from_toml(&plain).is_ok() {
        plain
    } else {
        format!("{name} = \"{value}\"")
    }
}

fn field(config: &Config, name: &str) -> Option<String> {
    config
        .debug_fields()
        .into_iter()
        .find_map(|(field, value)| (field == name).then_some(value))
}

#[test]
fn every_flag_and_toml_key_sets_only_its_own_field() {
    let defaults = Config::default();
    for setting in SETTINGS {
        let by_flag = from_args(&[&setting.flag(), sample(setting)]).expect("flag parses");
        let by_toml = from_toml(&sample_toml(setting)).expect("TOML key parses");
        assert_eq!(by_flag, by_toml, "{}", setting.name);
        for ((name, set), (_, default)) in by_flag
            .debug_fields()
            .into_iter()
            .zip(defaults.debug_fields())
        {
            assert_eq!(
                name == setting.name,
                set != default,
                "{} should change exactly the field {name}",
                setting.flag()
            );
        }
    }
}

/// Set by `every_environment_variable_sets_its_own_field` in the child it starts.
const CHILD_MARKER: &str = "CONFIG_TEST_ENVIRONMENT_CHILD";

/// Runs in a child process with every `ONECSE_*` variable set (the environment of this
/// process cannot be changed safely while other tests run) and prints its settings.
#[test]
#[ignore = "started by every_environment_variable_sets_its_own_field"]
fn environment_child_prints_its_settings() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    let config = from_args(&[]).expect("every variable parses");
    for (name, value) in config.debug_fields() {
        println!("setting {name}={value}");
    }
}

#[test]
fn every_environment_variable_sets_its_own_field() {
    // Test names leave out the crate: `config::tests::…`.
    let (_, test_path) = module_path!().split_once("::").expect("crate::module");
    let child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .arg(format!(
            "{test_path}::environment_child_prints_its_settings"
        ))
        .args(["--exact", "--ignored", "--nocapture"])
        .env(CHILD_MARKER, "1")
        .env_remove("ONECSE_CONFIG")
        .envs(
            SETTINGS
                .iter()
                .map(|setting| (setting.env(), sample(setting))),
        )
        .output()
        .expect("the test binary runs itself");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success(), "{stdout}");
    for setting in SETTINGS {
        let by_flag = from_args(&[&setting.flag(), sample(setting)]).expect("flag parses");
        let expected = format!(
            "setting {}={}",
            setting.name,
            field(&by_flag, setting.name).unwrap_or_default()
        );
        assert!(
            stdout.lines().any(|line| line == expected),
            "{} should reach the field {}: {stdout}",
            setting.env(),
            setting.name
        );
    }
}

#[test]
fn help_shows_every_setting_with_its_variable_group_and_default() {
    let command = Cli::command();
    for setting in SETTINGS {
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_id() == setting.name)
            .expect("every setting has a flag");
        assert_eq!(
            arg.get_long().map(|l| format!("--{l}")),
            Some(setting.flag())
        );
        assert_eq!(
            arg.get_env().and_then(|e| e.to_str()),
            Some(setting.env().as_str()),
            "{}",
            setting.name
        );
        assert_eq!(arg.get_help_heading(), Some(setting.group));
        assert!(
            arg.is_global_set(),
            "{} should work after a subcommand",
            setting.name
        );
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        assert_eq!(
            help,
            format!("{} [default: {}]", setting.help, setting.default_text())
        );
        // A default without a value (`None`) must say what happens instead, and only then.
        assert_eq!(
            (setting.default)().is_none(),
            setting.unset.is_some(),
            "{}",
            setting.name
        );
        assert!(
            setting.env().starts_with(declare::ENV_PREFIX)
                && setting.env().ends_with(&setting.name.to_uppercase())
        );
    }
}

/// The settings table of the README and the admin guide, made from `settings.rs`.
fn settings_table() -> String {
    let mut table = String::from(
        "| group | flag | environment | TOML key | default | meaning |\n|---|---|---|---|---|---|\n",
    );
    let mut group = "";
    for setting in SETTINGS {
        let shown_group = if setting.group == group {
            ""
        } else {
            setting.group
        };
        group = setting.group;
        let default = match setting.unset {
            Some(unset) => unset.to_owned(),
            None => format!("`{}`", setting.default_text()),
        };
        let _ = writeln!(
            table,
            "| {shown_group} | `{}` | `{}` | `{}` | {default} | {} |",
            setting.flag(),
            setting.env(),
            setting.name,
            setting.help
        );
    }
    table
}

#[test]
fn readme_and_admin_guide_list_every_setting_as_declared() {
    let table = settings_table();
    for (file, text) in [
        ("README.md", include_str!("../../../README.md")),
        (
            "docs/admin-guide.md",
            include_str!("../../../docs/admin-guide.md"),
        ),
    ] {
        assert!(
            text.contains(&table),
            "{file} should hold this settings table:\n\n{table}"
        );
    }
}

#[test]
fn the_sample_file_names_every_setting_and_parses_back_to_the_defaults() {
    let sample = super::sample::toml();
    let parsed = from_toml(&sample).map_err(|e| format!("{e:#}"));
    assert_eq!(parsed.as_ref().ok(), Some(&Config::default()), "{parsed:?}");
    for setting in SETTINGS {
        let set = format!("\n{} = ", setting.name);
        let commented = format!("\n# {} = ", setting.name);
        assert!(
            sample.contains(&set) != sample.contains(&commented),
            "{} once, set or commented out:\n{sample}",
            setting.name
        );
        // A commented-out key becomes a valid setting once its placeholder is replaced.
        if sample.contains(&commented) {
            assert_eq!((setting.default)(), None, "{}", setting.name);
        }
    }
    // Every commented-out key, uncommented with a value of its form, parses.
    let uncommented: String = sample
        .lines()
        .map(
            |line| match line.strip_prefix("# ").and_then(|l| l.split_once(" = ")) {
                Some((key, value)) if SETTINGS.iter().any(|s| s.name == key) => {
                    let value = if value.starts_with('"') { "\"x\"" } else { "2" };
                    format!("{key} = {value}\n")
                }
                _ => format!("{line}\n"),
            },
        )
        .collect();
    let mut config = Config::default();
    let layer: Result<Overrides, _> = toml::from_str(&uncommented);
    assert!(layer.is_ok(), "{layer:?}");
    config.apply(layer.unwrap_or_default());
    assert_eq!(config.workers, Some(2));
    assert_eq!(config.poa.as_deref(), Some("x"));
}
