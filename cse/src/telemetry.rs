//! Structured logging through `tracing`: text for people by default, JSON lines for
//! log collectors with `log_format = json`; level from `ONECSE_LOG` or `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written; from the `log_format` setting, checked at start-up so a
/// typo does not silently fall back to text in front of a log collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Reads `text` or `json` (any case); anything else is refused with both named.
    pub fn parse(value: &str) -> anyhow::Result<Self> {
        if value.eq_ignore_ascii_case("text") {
            Ok(Self::Text)
        } else if value.eq_ignore_ascii_case("json") {
            Ok(Self::Json)
        } else {
            anyhow::bail!("log format '{value}' is not one of text, json")
        }
    }
}

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(default_level: &str, format: LogFormat) {
    let filter = std::env::var("ONECSE_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_formats_are_text_or_json() {
        assert_eq!(LogFormat::parse("JSON").ok(), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text").ok(), Some(LogFormat::Text));
        assert!(LogFormat::parse("yaml").is_err());
    }
}
