//! The command line, and the layering of its settings over the TOML file and defaults.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use super::settings::{Config, Overrides};

/// Command line of the `onecse` binary.
#[derive(Debug, Parser)]
#[command(
    name = "onecse",
    version,
    about = "onecse: a oneM2M CSE (Common Services Entity) with the HTTP binding, on SQLite or PostgreSQL",
    long_about = "onecse: a oneM2M CSE (Common Services Entity) with the HTTP binding.\n\n\
        Settings are read, each overriding the one before: built-in defaults, the TOML file \
        given by --config (keys are the flag names with underscores, e.g. \
        database_url = \"onecse.db\"), ONECSE_* environment variables, then flags."
)]
pub struct Cli {
    /// What to do; without a command onecse serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML file with settings (same names as the flags, with underscores)
    #[arg(long, env = "ONECSE_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The settings given on the command line or in the environment.
    #[command(flatten)]
    pub settings: Overrides,
}

/// Subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Start the CSE (the default): migrate the database, then serve HTTP
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Print a JWT for an originator, signed with the configured key (jwt_secret,
    /// jwt_secret_file, or the private key of jwt_public_key_file)
    Token(TokenArgs),
}

/// What `onecse token` signs: who, for how long, and with which private key.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TokenArgs {
    /// The originator the token names (its sub), e.g. Cmyapp
    #[arg(long, value_name = "ORIGINATOR")]
    pub sub: String,
    /// How long the token is valid: a number and s, m, h or d (30s, 15m, 1h, 7d)
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub ttl: String,
    /// PEM file with the private key that belongs to jwt_public_key_file (EC keys in
    /// PKCS#8 form); needed for RS256 and ES256, refused with an HS256 secret
    #[arg(long, value_name = "FILE")]
    pub private_key_file: Option<PathBuf>,
}

impl Cli {
    /// Defaults, then the file, then the environment and flags: the plain values, not
    /// yet checked (`startup::Settings::parse` checks and types them).
    pub fn layered(&self) -> anyhow::Result<Config> {
        let mut config = Config::default();
        if let Some(path) = &self.config {
            config.merge_file(path)?;
        }
        config.apply(self.settings.clone());
        Ok(config)
    }
}

impl Config {
    /// Applies the settings present in a TOML file over these ones.
    pub fn merge_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let file: Overrides = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.message()))?;
        self.apply(file);
        Ok(())
    }
}
