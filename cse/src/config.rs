//! Settings: defaults → TOML file (`--config`) → `ONECSE_*` environment → flags.
//! `Config` is a plain value handed to `App::build`, so every test builds its own.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use onecse_models::id::{is_unreserved_id, validate_cse_id, validate_resource_name};
use serde::Deserialize;

use crate::store::DatabaseTarget;

/// The resolved settings of one onecse process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address the HTTP binding listens on (`host:port`; port 0 picks a free one).
    pub bind: String,
    /// Database URL: `postgres://…` for PostgreSQL, `sqlite://FILE` or a path for SQLite.
    pub database_url: String,
    /// SP-relative CSE-ID, e.g. `/id-in`.
    pub cse_id: String,
    /// resourceName of the CSEBase, e.g. `cse-in`.
    pub cse_name: String,
    /// Originator that is always allowed everything.
    pub admin_originator: String,
    /// M2M-SP-ID without the leading `//`, used to recognise absolute addresses.
    pub sp_id: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Maximum number of pooled database connections.
    pub pool_size: u32,
    /// HTTP worker threads; `None` means one per CPU core.
    pub workers: Option<usize>,
    /// Advertised `poa` of the CSEBase; `None` derives it from the listening address.
    pub poa: Option<String>,
    /// How often the expiry task removes expired resources, in milliseconds.
    pub expiry_interval_ms: u64,
    /// Notifications sent at once by this process.
    pub notify_concurrency: usize,
    /// Time limit of one notification request, in milliseconds.
    pub notify_timeout_ms: u64,
    /// Time limit to connect to a notification target, in milliseconds.
    pub notify_connect_timeout_ms: u64,
    /// Delay before retrying a failed notification, doubled per attempt, in milliseconds.
    pub notify_retry_base_ms: u64,
    /// Longest delay between notification attempts, in milliseconds.
    pub notify_retry_max_ms: u64,
    /// Attempts before a notification is given up (logged and counted, kept in the outbox table).
    pub notify_max_attempts: u32,
    /// How often the outbox is polled when no wake-up arrives (rows of other processes, retries), in milliseconds.
    pub notify_poll_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: "onecse.db".into(),
            cse_id: "/id-in".into(),
            cse_name: "cse-in".into(),
            admin_originator: "CAdmin".into(),
            sp_id: "acme.example.com".into(),
            max_body_bytes: 1024 * 1024,
            pool_size: 16,
            workers: None,
            poa: None,
            expiry_interval_ms: 1000,
            notify_concurrency: 32,
            notify_timeout_ms: 5000,
            notify_connect_timeout_ms: 2000,
            notify_retry_base_ms: 1000,
            notify_retry_max_ms: 300000,
            notify_max_attempts: 12,
            notify_poll_ms: 500,
        }
    }
}

impl Config {
    /// Checks every setting, so a bad one stops start-up with a message naming it.
    pub fn validate(&self) -> anyhow::Result<()> {
        DatabaseTarget::parse(&self.database_url)
            .map_err(|e| anyhow::anyhow!("database URL: {e}"))?;
        validate_cse_id(&self.cse_id).map_err(|p| anyhow::anyhow!("CSE-ID: {}", p.message))?;
        validate_resource_name(&self.cse_name)
            .map_err(|p| anyhow::anyhow!("CSE name: {}", p.message))?;
        if self.cse_name == "-" {
            anyhow::bail!("CSE name: '-' is reserved as the CSEBase shortcut");
        }
        if !is_unreserved_id(&self.admin_originator) {
            anyhow::bail!(
                "admin originator '{}' must be a non-empty ID of letters, digits, '-', '.', '_' or '~'",
                self.admin_originator
            );
        }
        if self.sp_id.is_empty()
            || self.sp_id.contains('/')
            || self.sp_id != self.sp_id.to_lowercase()
        {
            anyhow::bail!(
                "SP-ID '{}' must be a lower-case domain name without slashes",
                self.sp_id
            );
        }
        if self.max_body_bytes == 0 {
            anyhow::bail!("max body size must be at least 1 byte");
        }
        if self.pool_size == 0 {
            anyhow::bail!("pool size must be at least 1");
        }
        if self.notify_concurrency == 0 || self.notify_max_attempts == 0 {
            anyhow::bail!("notify concurrency and max attempts must be at least 1");
        }
        if self.notify_timeout_ms == 0
            || self.notify_connect_timeout_ms == 0
            || self.notify_poll_ms == 0
        {
            anyhow::bail!("notification timeouts and poll interval must be at least 1 ms");
        }
        if self.expiry_interval_ms == 0 {
            anyhow::bail!("expiry interval must be at least 1 ms");
        }
        if self.workers == Some(0) {
            anyhow::bail!("workers must be at least 1");
        }
        Ok(())
    }

    /// The database URL without credentials, for logs and messages.
    pub fn database_url_redacted(&self) -> String {
        DatabaseTarget::parse(&self.database_url)
            .map_or_else(|_| "(invalid URL)".into(), |t| t.redacted())
    }

    /// Applies the settings present in a TOML file over these ones.
    pub fn merge_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let file: Settings = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.message()))?;
        self.merge(file);
        Ok(())
    }

    fn merge(&mut self, s: Settings) {
        let Settings {
            bind,
            database_url,
            cse_id,
            cse_name,
            admin_originator,
            sp_id,
            max_body_bytes,
            pool_size,
            workers,
            poa,
            expiry_interval_ms,
            notify_concurrency,
            notify_timeout_ms,
            notify_connect_timeout_ms,
            notify_retry_base_ms,
            notify_retry_max_ms,
            notify_max_attempts,
            notify_poll_ms,
        } = s;
        set(&mut self.bind, bind);
        set(&mut self.database_url, database_url);
        set(&mut self.cse_id, cse_id);
        set(&mut self.cse_name, cse_name);
        set(&mut self.admin_originator, admin_originator);
        set(&mut self.sp_id, sp_id);
        set(&mut self.max_body_bytes, max_body_bytes);
        set(&mut self.pool_size, pool_size);
        set(&mut self.expiry_interval_ms, expiry_interval_ms);
        set(&mut self.notify_concurrency, notify_concurrency);
        set(&mut self.notify_timeout_ms, notify_timeout_ms);
        set(
            &mut self.notify_connect_timeout_ms,
            notify_connect_timeout_ms,
        );
        set(&mut self.notify_retry_base_ms, notify_retry_base_ms);
        set(&mut self.notify_retry_max_ms, notify_retry_max_ms);
        set(&mut self.notify_max_attempts, notify_max_attempts);
        set(&mut self.notify_poll_ms, notify_poll_ms);
        if workers.is_some() {
            self.workers = workers;
        }
        if poa.is_some() {
            self.poa = poa;
        }
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// Settings that can come from the config file, the environment or flags; each is
/// optional so a layer only overrides what it names.
#[derive(Debug, Default, Clone, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on for HTTP [default: 127.0.0.1:8080]
    #[arg(long, env = "ONECSE_BIND", global = true, value_name = "HOST:PORT")]
    pub bind: Option<String>,
    /// Database: postgres://user@host/db for PostgreSQL, sqlite://FILE or a file path for the
    /// embedded SQLite [default: onecse.db in the working directory]
    #[arg(long, env = "ONECSE_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// SP-relative CSE-ID of this CSE [default: /id-in]
    #[arg(long, env = "ONECSE_CSE_ID", global = true, value_name = "ID")]
    pub cse_id: Option<String>,
    /// Resource name of the CSEBase; the tree is served under /<name> [default: cse-in]
    #[arg(long, env = "ONECSE_CSE_NAME", global = true, value_name = "NAME")]
    pub cse_name: Option<String>,
    /// Originator that may do anything (administration) [default: CAdmin]
    #[arg(
        long,
        env = "ONECSE_ADMIN_ORIGINATOR",
        global = true,
        value_name = "ORIGINATOR"
    )]
    pub admin_originator: Option<String>,
    /// M2M-SP-ID (without //) for absolute addresses /_/<sp-id>/<cse-id>/… [default: acme.example.com]
    #[arg(long, env = "ONECSE_SP_ID", global = true, value_name = "DOMAIN")]
    pub sp_id: Option<String>,
    /// Largest accepted request body, in bytes [default: 1048576]
    #[arg(
        long,
        env = "ONECSE_MAX_BODY_BYTES",
        global = true,
        value_name = "BYTES"
    )]
    pub max_body_bytes: Option<usize>,
    /// Maximum number of database connections [default: 16]
    #[arg(long, env = "ONECSE_POOL_SIZE", global = true, value_name = "N")]
    pub pool_size: Option<u32>,
    /// HTTP worker threads [default: one per CPU core]
    #[arg(long, env = "ONECSE_WORKERS", global = true, value_name = "N")]
    pub workers: Option<usize>,
    /// Point of access advertised in the CSEBase `poa` [default: http://<listening address>]
    #[arg(long, env = "ONECSE_POA", global = true, value_name = "URL")]
    pub poa: Option<String>,
    /// How often expired resources are removed, in milliseconds [default: 1000]
    #[arg(
        long,
        env = "ONECSE_EXPIRY_INTERVAL_MS",
        global = true,
        value_name = "MS"
    )]
    pub expiry_interval_ms: Option<u64>,
    /// Notifications sent at once by this process [default: 32]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_CONCURRENCY",
        global = true,
        value_name = "N"
    )]
    pub notify_concurrency: Option<usize>,
    /// Time limit of one notification request, in milliseconds [default: 5000]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_TIMEOUT_MS",
        global = true,
        value_name = "MS"
    )]
    pub notify_timeout_ms: Option<u64>,
    /// Time limit to connect to a notification target, in milliseconds [default: 2000]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_CONNECT_TIMEOUT_MS",
        global = true,
        value_name = "MS"
    )]
    pub notify_connect_timeout_ms: Option<u64>,
    /// Delay before retrying a failed notification, doubled per attempt, in milliseconds [default: 1000]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_RETRY_BASE_MS",
        global = true,
        value_name = "MS"
    )]
    pub notify_retry_base_ms: Option<u64>,
    /// Longest delay between notification attempts, in milliseconds [default: 300000]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_RETRY_MAX_MS",
        global = true,
        value_name = "MS"
    )]
    pub notify_retry_max_ms: Option<u64>,
    /// Attempts before a notification is given up (logged and counted, kept in the outbox table) [default: 12]
    #[arg(
        long,
        env = "ONECSE_NOTIFY_MAX_ATTEMPTS",
        global = true,
        value_name = "N"
    )]
    pub notify_max_attempts: Option<u32>,
    /// How often the outbox is polled when no wake-up arrives (rows of other processes, retries), in milliseconds [default: 500]
    #[arg(long, env = "ONECSE_NOTIFY_POLL_MS", global = true, value_name = "MS")]
    pub notify_poll_ms: Option<u64>,
}

/// Command line of the `onecse` binary.
#[derive(Debug, Parser)]
#[command(
    name = "onecse",
    version,
    about = "onecse: a oneM2M CSE (Common Services Entity) with the HTTP binding, on SQLite or PostgreSQL",
    long_about = "onecse: a oneM2M CSE (Common Services Entity) with the HTTP binding.\n\n\
        Settings are read, each overriding the one before: built-in defaults, the TOML file given by \
        --config (keys: bind, database_url, cse_id, cse_name, admin_originator, sp_id, \
        max_body_bytes, pool_size, workers, poa, expiry_interval_ms, notify_*), ONECSE_* environment variables, then flags."
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
    pub settings: Settings,
}

/// Subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Start the CSE (the default): migrate the database, then serve HTTP
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
}

impl Cli {
    /// Resolves the layers into one validated `Config`.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let mut config = Config::default();
        if let Some(path) = &self.config {
            config.merge_file(path)?;
        }
        config.merge(self.settings.clone());
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_common_onem2m_ones_and_valid() {
        let config = Config::default();
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(
            (config.cse_id.as_str(), config.cse_name.as_str()),
            ("/id-in", "cse-in")
        );
        assert_eq!(config.admin_originator, "CAdmin");
        assert!(config.validate().is_ok());
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
            "cse_name = \"file-cse\"\nbind = \"127.0.0.1:9000\"\n",
        );
        assert!(written.is_ok());
        let cli = Cli::try_parse_from([
            "onecse",
            "--config",
            path.to_str().unwrap_or(""),
            "--bind",
            "127.0.0.1:9001",
        ]);
        let config = cli.ok().map(|c| c.resolve());
        let config = config.and_then(Result::ok).unwrap_or_default();
        assert_eq!(config.cse_name, "file-cse");
        assert_eq!(config.bind, "127.0.0.1:9001");
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
                database_url: "mysql://x/y".into(),
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
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
