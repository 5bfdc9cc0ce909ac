//! A setting whose value must never be shown: `Debug` and `Display` print a fixed
//! placeholder, so a `Config` can be logged or compared in a failing test without
//! leaking it.

use std::fmt;

/// Text shown instead of a secret.
const REDACTED: &str = "[redacted]";

/// A secret value (the HS256 key of `jwt_secret`). It reaches the code that needs it
/// only through [`Secret::expose`], so every other path (`{:?}` of the whole `Config`,
/// a help text, an error message) shows `[redacted]`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The value itself, for the one place that uses it as a key.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How clap reads a flag or variable into a secret.
impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// In a TOML file a secret is a string; written out (the sample file) it stays
/// `[redacted]`, like everywhere else.
impl super::declare::TomlScalar for Secret {
    const QUOTED: bool = true;
    fn to_toml(&self) -> toml::Value {
        toml::Value::String(REDACTED.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_never_formatted() {
        let secret = Secret::from("hunter2-hunter2".to_owned());
        assert_eq!(
            format!("{secret:?} {secret} {:?}", Some(&secret)),
            "[redacted] [redacted] Some([redacted])"
        );
        assert_eq!(secret.expose(), "hunter2-hunter2");
    }
}
