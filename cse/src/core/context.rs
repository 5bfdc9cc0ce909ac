//! What the core needs to know about the CSE it runs as.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::core::scan::ScanLimits;
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
    /// The CSE this one is registered with (an MN-CSE's IN-CSE), if any.
    pub registrar: Option<Registrar>,
    /// Set when a `<remoteCSE>` of a registree was created, changed or removed in
    /// this process: the registration task then tells the registrar the new
    /// `dcse` (descendant CSEs) at once instead of at its next check.
    pub registrees_changed: Arc<AtomicBool>,
}

/// The registrar of this CSE (TS-0001 §6.4, the "Association Configuration"): where
/// it registers and what it forwards upwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrar {
    /// Its SP-relative CSE-ID (`/id-in`).
    pub cse_id: String,
    /// Its CSEBase's resource name (`cse-in`).
    pub cse_name: String,
    /// Base URL of its HTTP binding, used until its `<CSEBase>` `poa` is known.
    pub url: String,
}

/// Bounds on what one request may ask for (refused with 4000 beyond them) or make the
/// CSE do (a partial answer beyond them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Notification targets (`nu` entries) per subscription.
    pub max_targets: usize,
    /// Non-blocking requests one originator may have unfinished.
    pub max_pending_requests: usize,
    /// How long a `<request>` outlives the request's deadlines (without `rp`).
    pub request_lifetime_s: u64,
    /// Longest lifetime of a resource (`max_expiration_delta_s`): a later `et` is
    /// lowered to now plus this.
    pub max_expiration_delta_s: u64,
    /// The work one discovery or listing may do before it answers with a partial page.
    pub scan: ScanLimits,
}

/// What the core is told about itself at start-up: values `startup` has already
/// checked and typed, so the core parses no setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CseSettings {
    /// SP-relative CSE-ID (`/id-in`).
    pub cse_id: String,
    /// resourceName of the CSEBase.
    pub cse_name: String,
    /// M2M-SP-ID without `//`.
    pub sp_id: String,
    /// The always-allowed originator.
    pub admin_originator: String,
    /// Who may register AEs, and the fallback for resources without `acpi`.
    pub access: AccessSettings,
    /// Bounds on the work one request may cause.
    pub limits: RequestLimits,
    /// Whether the Upper Tester switches may be used (`upper_tester`).
    pub upper_tester: bool,
    /// The registrar (`registrar_url`, `registrar_cse_id`, `registrar_cse_name`).
    pub registrar: Option<Registrar>,
}

impl Cse {
    /// The CSE the start-up settings describe, on `db`.
    pub fn new(settings: CseSettings, db: Database) -> Self {
        Self {
            cse_ri: settings.cse_id.trim_start_matches('/').to_owned(),
            cse_id: settings.cse_id,
            cse_name: settings.cse_name,
            sp_id: settings.sp_id,
            admin_originator: settings.admin_originator,
            access: settings.access,
            policy_cache: PolicyCache::default(),
            db,
            limits: settings.limits,
            upper_tester: UpperTester::new(settings.upper_tester),
            registrar: settings.registrar,
            registrees_changed: Arc::default(),
        }
    }
}
