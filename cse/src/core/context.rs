//! What the core needs to know about the CSE it runs as.

use crate::config::Config;
use crate::core::upper_tester::UpperTester;
use crate::security::{AccessSettings, PolicyCache};
use crate::store::Database;

/// The running CSE: its identity and its database pool, shared by every request.
#[derive(Clone)]
pub struct Cse {
    /// SP-relative CSE-ID (`/id-in`).
    pub cse_id: String,
    /// resourceID of the CSEBase: the CSE-ID without its slash (`id-in`).
    pub cse_ri: String,
    /// resourceName of the CSEBase (`cse-in`).
    pub cse_name: String,
    /// M2M-SP-ID without `//`.
    pub sp_id: String,
    /// The always-allowed originator.
    pub admin_originator: String,
    /// Who may register AEs, and the fallback for resources without `acpi`.
    pub access: AccessSettings,
    /// Access control policies parsed so far, shared by every request.
    pub policy_cache: PolicyCache,
    /// The database.
    pub db: Database,
    /// Bounds on the work one request may cause.
    pub limits: RequestLimits,
    /// The Upper Tester switches (test-only, off unless `upper_tester` is set).
    pub upper_tester: UpperTester,
}

/// Bounds on what one request may ask for, refused with 4000 beyond them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Notification targets (`nu` entries) per subscription.
    pub max_targets: usize,
    /// Non-blocking requests one originator may have unfinished.
    pub max_pending_requests: usize,
    /// How long a `<request>` outlives the request's deadlines (without `rp`).
    pub request_lifetime_s: u64,
}

impl Cse {
    /// Takes the identity settings from the configuration.
    pub fn new(config: &Config, db: Database) -> Self {
        Self {
            cse_id: config.cse_id.clone(),
            cse_ri: config.cse_id.trim_start_matches('/').to_owned(),
            cse_name: config.cse_name.clone(),
            sp_id: config.sp_id.clone(),
            admin_originator: config.admin_originator.clone(),
            // `Config::validate` refused bad values before any CSE is built.
            access: AccessSettings::from_config(config).unwrap_or_default(),
            policy_cache: PolicyCache::default(),
            db,
            limits: RequestLimits {
                max_targets: config.notify_max_targets,
                max_pending_requests: config.request_max_pending_per_originator,
                request_lifetime_s: config.request_lifetime_s,
            },
            upper_tester: UpperTester::new(config.upper_tester),
        }
    }
}
