//! The command line, and the layering of its settings over the TOML file and defaults.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use super::settings::{Config, Overrides, SETTINGS};

/// How logging is tuned; shown under every command's `--help`.
const LOG_HELP: &str = "Logging: ONECSE_LOG (or RUST_LOG when ONECSE_LOG is unset) sets what is \
    logged, in tracing's EnvFilter syntax: a level (error, warn, info, debug, trace) or \
    comma-separated TARGET=LEVEL directives, e.g. ONECSE_LOG=debug or \
    ONECSE_LOG=info,onecse::binding=debug [default: info]. log_format chooses text or json lines.";

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
    /// Print a sample configuration file: every setting with its help and default, as
    /// TOML for --config
    Config,
}

impl Command {
    /// The settings the subcommand reads, by name, `None` for all of them (`serve`);
    /// its `--help` lists only these, and it refuses the others as flags.
    fn reads(&self) -> Option<&'static [&'static str]> {
        match self {
            Self::Serve => None,
            Self::Migrate => Some(&["database_url", "database_wait_s", "log_format"]),
            Self::Token(_) => Some(&[
                "jwt_secret",
                "jwt_secret_file",
                "jwt_public_key_file",
                "jwt_issuer",
                "jwt_audience",
                "jwt_max_lifetime_s",
            ]),
            Self::Config => Some(&[]),
        }
    }

    /// [`Command::reads`] by subcommand name, for the command-line definition.
    fn reads_of(name: &str) -> Option<&'static [&'static str]> {
        let command = match name {
            "migrate" => Self::Migrate,
            "config" => Self::Config,
            "token" => Self::Token(TokenArgs::default()),
            _ => Self::Serve,
        };
        command.reads()
    }
}

/// What `onecse token` signs: who, for how long, and with which private key.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
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
    /// The command line's definition: the derived one, with the logging syntax under
    /// every `--help`, and each subcommand's help listing only the settings it reads
    /// (the settings are global flags, so clap would list all of them everywhere).
    pub fn definition() -> clap::Command {
        let cli = <Self as CommandFactory>::command().after_help(LOG_HELP);
        // clap copies a global flag into a subcommand only where the subcommand has no
        // flag of that name: a hidden copy put there first keeps it out of that help.
        let hidden: Vec<clap::Arg> = cli
            .get_arguments()
            .filter(|arg| SETTINGS.iter().any(|s| s.name == arg.get_id()))
            .map(|arg| arg.clone().hide(true))
            .collect();
        cli.mut_subcommands(|sub| {
            let reads = Command::reads_of(sub.get_name());
            let sub = sub.after_help(LOG_HELP);
            match reads {
                None => sub,
                Some(reads) => sub.args(
                    hidden
                        .iter()
                        .filter(|arg| !reads.iter().any(|name| *name == arg.get_id()))
                        .cloned(),
                ),
            }
        })
    }

    /// Parses the process's arguments with [`Cli::definition`]; exits with clap's
    /// message on bad syntax, `--help` or `--version`, and when a subcommand is given a
    /// setting flag it does not read (the environment and the file may name any: they
    /// are shared with `serve`).
    pub fn parse_args() -> Self {
        let mut definition = Self::definition();
        let matches = definition.get_matches_mut();
        let cli = Self::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
        if let (Some(command), Some((name, given))) = (&cli.command, matches.subcommand())
            && let Some(reads) = command.reads()
            && let Some(stray) = SETTINGS.iter().find(|setting| {
                !reads.contains(&setting.name)
                    && given.value_source(setting.name) == Some(ValueSource::CommandLine)
            })
        {
            definition
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{} is not a setting of `onecse {name}`", stray.flag()),
                )
                .exit();
        }
        cli
    }

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
