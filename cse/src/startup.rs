//! Start-up parsing: the one place a `Config`'s plain values become the typed values
//! the parts use (database target, access settings, egress policy, log format, the
//! authenticator and its key, the listener's TLS, the extra CA of outgoing https, the
//! MQTT broker, the core's own settings). `main` and `App::build` parse
//! once here and hand the results on; no part reads a setting string after start-up.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use rustls::pki_types::CertificateDer;

use crate::binding::console::CONSOLE_PATH;
use crate::binding::cors::CorsOrigins;
use crate::binding::mqtt::connection::MqttSettings;
use crate::binding::ops::RESERVED_PATHS;
use crate::binding::tls::{ListenerTls, TlsFiles};
use crate::config::Config;
use crate::core::context::{CseSettings, Registrar, RequestLimits};
use crate::core::scan::ScanLimits;
use crate::notify::egress::EgressPolicy;
use crate::security::AccessSettings;
use crate::security::auth::{AuthMode, Authenticator, KeySettings, Verifier};
use crate::store::DatabaseTarget;
use crate::telemetry::LogFormat;

/// Every setting of one process, checked: the plain values as given, and each value
/// that has a type parsed into it, so a bad setting stops start-up with a message
/// naming it and nothing later can meet it.
pub struct Settings {
    /// The plain values (addresses, sizes, intervals) the parts read as they are.
    pub config: Config,
    /// Where the database is (`database_url`).
    pub database: DatabaseTarget,
    /// What the core knows about itself, access settings included.
    pub cse: CseSettings,
    /// Where outgoing requests may go (`notify_allowed_networks`).
    pub egress: EgressPolicy,
    /// How log lines are written (`log_format`).
    pub log_format: LogFormat,
    /// The request gate of the HTTP binding (`auth` and the key).
    pub authenticator: Authenticator,
    /// The configured JWT key, also with `auth = none`: `onecse token` signs with it.
    pub verifier: Option<Arc<Verifier>>,
    /// The listener's TLS (`tls_cert_file`, `tls_key_file`, `tls_client_ca_file`);
    /// `None`: plain HTTP.
    pub tls: Option<ListenerTls>,
    /// CA certificates outgoing https trusts besides the system's (`notify_ca_file`).
    pub notify_roots: Vec<CertificateDer<'static>>,
    /// The MQTT binding's broker and session (`mqtt_*`); `None`: MQTT off.
    pub mqtt: Option<MqttSettings>,
    /// The origins whose pages may read answers (`cors_allowed_origins`); `None`: CORS off.
    pub cors: Option<CorsOrigins>,
}

impl Settings {
    /// Checks the plain values, then parses every typed one; the first bad setting is
    /// the error, named.
    pub fn parse(config: &Config) -> anyhow::Result<Self> {
        config.check_plain_values()?;
        let database = DatabaseTarget::parse(&config.database_url)
            .map_err(|e| anyhow!("database URL: {e}"))?;
        if RESERVED_PATHS.contains(&config.cse_name.as_str()) {
            anyhow::bail!(
                "CSE name: '{}' is taken by the operations endpoint /{}",
                config.cse_name,
                config.cse_name
            );
        }
        if config.console && config.cse_name == CONSOLE_PATH {
            anyhow::bail!(
                "CSE name: '{CONSOLE_PATH}' is taken by the web console /{CONSOLE_PATH}; set console = false to use it"
            );
        }
        let cors = config
            .cors_allowed_origins
            .as_deref()
            .map(CorsOrigins::parse)
            .transpose()
            .map_err(|e| anyhow!("CORS allowed origins: {e}"))?;
        let mut access = AccessSettings::parse(
            &config.registration_originators,
            config
                .registration_cse_originators
                .as_deref()
                .unwrap_or_default(),
            config.ae_id_prefixes.as_deref(),
            &config.default_access,
        )?;
        let egress = EgressPolicy::parse(config.notify_allowed_networks.as_deref())
            .map_err(|e| anyhow!("notify allowed networks: {e}"))?;
        let log_format = LogFormat::parse(&config.log_format)?;
        let mode = AuthMode::parse(&config.auth)?;
        access.originators_verified = mode == AuthMode::Jwt;
        let verifier = Verifier::new(&KeySettings {
            secret: config.jwt_secret.as_ref(),
            secret_file: config.jwt_secret_file.as_deref(),
            public_key_file: config.jwt_public_key_file.as_deref(),
            issuer: config.jwt_issuer.as_deref(),
            audience: config.jwt_audience.as_deref(),
            leeway_s: config.jwt_leeway_s,
            max_lifetime_s: config.jwt_max_lifetime_s,
        })?
        .map(Arc::new);
        let authenticator = Authenticator::new(mode, verifier.clone())?;
        let mqtt = MqttSettings::parse(config, mode == AuthMode::Jwt)?;
        let tls = ListenerTls::from_files(TlsFiles {
            cert: config.tls_cert_file.as_deref(),
            key: config.tls_key_file.as_deref(),
            client_ca: config.tls_client_ca_file.as_deref(),
        })?;
        let notify_roots = match &config.notify_ca_file {
            Some(path) => crate::pem::certificates("notify_ca_file", path)?,
            None => Vec::new(),
        };
        let cse = CseSettings {
            cse_id: config.cse_id.clone(),
            cse_name: config.cse_name.clone(),
            sp_id: config.sp_id.clone(),
            admin_originator: config.admin_originator.clone(),
            access,
            limits: RequestLimits {
                max_targets: config.notify_max_targets,
                max_pending_requests: config.request_max_pending_per_originator,
                request_lifetime_s: config.request_lifetime_s,
                max_expiration_delta_s: config.max_expiration_delta_s,
                scan: ScanLimits {
                    max_rows: config.scan_max_rows,
                    max_time: Duration::from_millis(config.scan_max_ms),
                },
            },
            upper_tester: config.upper_tester,
            registrar: config.registrar_url.as_ref().map(|url| Registrar {
                cse_id: config.registrar_cse_id.clone(),
                cse_name: config.registrar_cse_name.clone(),
                url: url.trim_end_matches('/').to_owned(),
            }),
        };
        Ok(Self {
            config: config.clone(),
            database,
            cse,
            egress,
            log_format,
            authenticator,
            verifier,
            tls,
            notify_roots,
            mqtt,
            cors,
        })
    }
}

/// Refuses to serve unauthenticated on an address other hosts can reach: with
/// `auth = none` every originator is taken at its word, so anyone who can connect is
/// the administrator. `bind` must then resolve to loopback addresses only, unless
/// `allow_unauthenticated_network` says the admin wants it so (logged at start). An
/// address that does not resolve is left to the bind, which reports it.
pub fn refuse_open_network(bind: &str, authenticates: bool, allowed: bool) -> anyhow::Result<()> {
    if authenticates {
        return Ok(());
    }
    let Ok(addresses) = std::net::ToSocketAddrs::to_socket_addrs(bind) else {
        return Ok(());
    };
    let exposed: Vec<_> = addresses.filter(|a| !a.ip().is_loopback()).collect();
    if exposed.is_empty() {
        return Ok(());
    }
    if allowed {
        tracing::warn!(
            bind,
            "serving without authentication on a network address (allow_unauthenticated_network): every originator, the administrator included, is taken at its word"
        );
        return Ok(());
    }
    anyhow::bail!(
        "bind {bind} reaches other hosts but auth = none: anyone could act as the administrator. Set auth = jwt with a key, bind to 127.0.0.1, or set allow_unauthenticated_network = true to serve it open on purpose"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::DefaultAccess;

    fn refusal(config: &Config) -> String {
        Settings::parse(config)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default()
    }

    #[test]
    fn the_defaults_parse() {
        let settings = Settings::parse(&Config::default());
        assert!(settings.as_ref().err().is_none(), "{:?}", settings.err());
        let settings = settings.ok();
        assert_eq!(
            settings.as_ref().map(|s| s.cse.access.default_access),
            Some(DefaultAccess::Creator)
        );
        assert_eq!(
            settings.as_ref().map(|s| s.log_format),
            Some(LogFormat::Text)
        );
        assert!(settings.is_some_and(|s| s.verifier.is_none()));
    }

    #[test]
    fn an_unauthenticated_cse_serves_only_loopback_unless_told_otherwise() {
        for bind in ["127.0.0.1:0", "[::1]:0", "127.0.0.1:8080"] {
            assert!(refuse_open_network(bind, false, false).is_ok(), "{bind}");
        }
        for bind in ["0.0.0.0:8080", "[::]:0"] {
            let err = refuse_open_network(bind, false, false)
                .expect_err("an open admin on the network")
                .to_string();
            assert!(err.contains("allow_unauthenticated_network"), "{err}");
            assert!(refuse_open_network(bind, true, false).is_ok(), "auth = jwt");
            assert!(refuse_open_network(bind, false, true).is_ok(), "allowed");
        }
    }

    #[test]
    fn every_bad_value_is_refused_naming_its_setting() {
        let bad = |adjust: fn(&mut Config), needle: &str| {
            let mut config = Config::default();
            adjust(&mut config);
            let err = refusal(&config);
            assert!(err.contains(needle), "{needle}: {err}");
        };
        // Plain values, checked by `Config::check_plain_values` first.
        bad(|c| c.cse_id = "id-in".into(), "CSE-ID");
        bad(|c| c.cse_name = "a/b".into(), "CSE name");
        bad(|c| c.admin_originator = String::new(), "admin originator");
        bad(|c| c.max_body_bytes = 0, "max body size");
        // Typed values, each parsed here once.
        bad(|c| c.database_url = "mysql://x/y".into(), "mysql://");
        bad(|c| c.cse_name = "readyz".into(), "operations endpoint");
        bad(|c| c.default_access = "nobody".into(), "default access");
        bad(
            |c| c.registration_originators = ",".into(),
            "registration originators",
        );
        bad(|c| c.ae_id_prefixes = Some("X".into()), "AE-ID prefixes");
        bad(
            |c| c.notify_allowed_networks = Some("intranet".into()),
            "notify allowed networks",
        );
        bad(|c| c.log_format = "yaml".into(), "log format 'yaml'");
        bad(|c| c.auth = "JWT".into(), "auth must be");
        bad(|c| c.auth = "jwt".into(), "auth = jwt needs a key");
        bad(
            |c| {
                c.auth = "jwt".into();
                c.jwt_secret = Some("short".to_owned().into());
            },
            "at least 32",
        );
        // The secret an earlier docker-compose.yml fell back to, and any other
        // published example.
        bad(
            |c| {
                c.auth = "jwt".into();
                c.jwt_secret = Some(
                    "CHANGE-ME-public-placeholder-secret-for-local-tries-only"
                        .to_owned()
                        .into(),
                );
            },
            "published placeholder",
        );
        bad(
            |c| {
                c.auth = "jwt".into();
                c.jwt_secret = Some("my-change-me-secret-of-forty-bytes-long".to_owned().into());
            },
            "published placeholder",
        );
    }
}
