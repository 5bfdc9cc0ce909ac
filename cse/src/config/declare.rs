//! The `settings!` macro: from one entry per setting it writes the `Config` field and
//! default, the flag, the environment variable, the TOML key, the help text (default
//! appended) and the layering, so none of them can drift from the others.

/// Prefix of every setting's environment variable.
pub const ENV_PREFIX: &str = "ONECSE_";

/// One row of the settings table, so tests and documentation can cover every setting
/// without a hand-written list.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The `Config` field and TOML key; the flag is this name with `-` for `_`.
    pub name: &'static str,
    /// The concern the setting belongs to; its heading in `--help`.
    pub group: &'static str,
    /// What the setting does, without its default.
    pub help: &'static str,
    /// Says what happens without the setting when the default has no value to show.
    pub unset: Option<&'static str>,
    /// The default value as shown to users, `None` when it has none to show.
    pub default: fn() -> Option<String>,
    /// The default as a TOML value, for the sample file `onecse config` prints.
    pub toml_default: fn() -> Option<toml::Value>,
    /// Whether a value is written as a TOML string (quoted) rather than a number or
    /// a boolean, so the sample shows a placeholder of the right form.
    pub quoted: bool,
    /// The placeholder `--help` shows for the value (`FILE`, `MS`), if one was named.
    pub value_name: Option<&'static str>,
}

impl Setting {
    /// The environment variable: `ONECSE_` and the name upper-cased.
    pub fn env(&self) -> String {
        env_var(self.name)
    }

    /// The command-line flag.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }

    /// The default as `--help` and the README show it.
    pub fn default_text(&self) -> String {
        default_text((self.default)(), self.unset)
    }
}

/// A value a TOML file can hold for a setting: a string, a number or a boolean.
pub trait TomlScalar {
    /// Whether it is written quoted (a TOML string).
    const QUOTED: bool;
    /// The value in TOML.
    fn to_toml(&self) -> toml::Value;
}

impl TomlScalar for String {
    const QUOTED: bool = true;
    fn to_toml(&self) -> toml::Value {
        toml::Value::String(self.clone())
    }
}

impl TomlScalar for bool {
    const QUOTED: bool = false;
    fn to_toml(&self) -> toml::Value {
        toml::Value::Boolean(*self)
    }
}

macro_rules! integer_scalars {
    ($($ty:ty),+) => {$(
        impl TomlScalar for $ty {
            const QUOTED: bool = false;
            fn to_toml(&self) -> toml::Value {
                toml::Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )+};
}
integer_scalars!(u32, u64, usize);

/// How a `Config` field's type is given by one layer: a plain value replaces the
/// default; for an `Option` the layer gives the inner value and the field becomes
/// `Some` (no layer can unset it, as TOML has no null).
pub trait SettingType {
    /// What a flag, variable or TOML key holds for this setting.
    type Value;
    /// Puts a value given by a layer into the field.
    fn set(&mut self, value: Self::Value);
    /// The value as `--help` shows it, `None` when unset.
    fn describe(&self) -> Option<String>;
    /// Whether the TOML file writes the value quoted.
    const QUOTED: bool;
    /// The value in TOML, `None` when unset.
    fn toml(&self) -> Option<toml::Value>;
}

macro_rules! plain_setting_types {
    ($($ty:ty),+) => {$(
        impl SettingType for $ty {
            type Value = Self;
            fn set(&mut self, value: Self) {
                *self = value;
            }
            fn describe(&self) -> Option<String> {
                Some(self.to_string())
            }
            const QUOTED: bool = <$ty as TomlScalar>::QUOTED;
            fn toml(&self) -> Option<toml::Value> {
                Some(self.to_toml())
            }
        }
    )+};
}
plain_setting_types!(String, bool, u32, u64, usize);

impl<T: std::fmt::Display + TomlScalar> SettingType for Option<T> {
    type Value = T;
    fn set(&mut self, value: T) {
        *self = Some(value);
    }
    fn describe(&self) -> Option<String> {
        self.as_ref().map(ToString::to_string)
    }
    const QUOTED: bool = T::QUOTED;
    fn toml(&self) -> Option<toml::Value> {
        self.as_ref().map(TomlScalar::to_toml)
    }
}

/// The text of a default: its value, or else what happens without it.
fn default_text(value: Option<String>, unset: Option<&str>) -> String {
    value
        .or_else(|| unset.map(str::to_owned))
        .unwrap_or_default()
}

/// A flag's help line: what it does and its default.
pub fn help_line(help: &str, default: Option<String>, unset: Option<&str>) -> String {
    format!("{help} [default: {}]", default_text(default, unset))
}

/// The first element of a zero-or-one list, which is how the macro passes an optional
/// part of an entry.
pub const fn optional(given: &[&'static str]) -> Option<&'static str> {
    match given {
        [first, ..] => Some(*first),
        [] => None,
    }
}

/// The environment variable of a setting: `ONECSE_` and its name upper-cased.
pub fn env_var(name: &str) -> String {
    format!("{ENV_PREFIX}{}", name.to_ascii_uppercase())
}

/// Declares every setting from one table; see `settings.rs` for the entry syntax.
///
/// A default expression is evaluated wherever it is shown (`Config::default`, the help
/// line, `SETTINGS`), so it must be a plain value. It is written `&($default)` because
/// clap's derive re-reads its attribute without the macro's grouping (`&1024 * 1024`).
macro_rules! settings {
    ($(
        $group:literal {$(
            $(#[doc = $doc:literal])+
            $name:ident: $ty:ty = $default:expr
                $(, unset = $unset:literal)?
                $(, value_name = $value_name:literal)?;
        )+}
    )+) => {
        /// The resolved settings of one onecse process. A plain value handed to
        /// `App::build`, so every test builds its own (`..Config::default()`).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Config {$($(
            $(#[doc = $doc])+
            pub $name: $ty,
        )+)+}

        impl Default for Config {
            fn default() -> Self {
                Self {$($($name: $default,)+)+}
            }
        }

        /// The settings one layer names — the TOML file, or the environment and flags
        /// (clap reads both) — each optional so a layer overrides only what it names.
        #[derive(Debug, Default, Clone, clap::Args, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Overrides {$($(
            #[arg(
                long,
                global = true,
                env = $crate::config::declare::env_var(stringify!($name)),
                // `--help` would otherwise print each variable's current value:
                // `ONECSE_JWT_SECRET`, or a database URL with its password.
                hide_env_values = true,
                help_heading = $group,
                help = $crate::config::declare::help_line(
                    concat!($($doc),+).trim_ascii(),
                    <$ty as $crate::config::declare::SettingType>::describe(&($default)),
                    $crate::config::declare::optional(&[$($unset)?]),
                ),
                $(value_name = $value_name,)?
            )]
            $name: Option<<$ty as $crate::config::declare::SettingType>::Value>,
        )+)+}

        impl Config {
            /// Puts every setting the layer names over these ones.
            pub(crate) fn apply(&mut self, layer: Overrides) {$($(
                if let Some(value) = layer.$name {
                    $crate::config::declare::SettingType::set(&mut self.$name, value);
                }
            )+)+}

            /// Every setting's value in `Debug` form, keyed by name, so tests can
            /// compare one field whatever its type.
            #[cfg(test)]
            pub(crate) fn debug_fields(&self) -> Vec<(&'static str, String)> {
                vec![$($((stringify!($name), format!("{:?}", self.$name)),)+)+]
            }
        }

        /// Every setting, in `--help` order.
        pub const SETTINGS: &[$crate::config::declare::Setting] = &[$($(
            $crate::config::declare::Setting {
                name: stringify!($name),
                group: $group,
                help: concat!($($doc),+).trim_ascii(),
                unset: $crate::config::declare::optional(&[$($unset)?]),
                default: || {
                    <$ty as $crate::config::declare::SettingType>::describe(&($default))
                },
                toml_default: || {
                    <$ty as $crate::config::declare::SettingType>::toml(&($default))
                },
                quoted: <$ty as $crate::config::declare::SettingType>::QUOTED,
                value_name: $crate::config::declare::optional(&[$($value_name)?]),
            },
        )+)+];
    };
}
pub(super) use settings;
