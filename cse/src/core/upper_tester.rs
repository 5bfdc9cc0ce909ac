//! The Upper Tester switches (TS-0019 upper tester interface, ACME's `__ut__`
//! commands) that test systems turn on so expirations happen within a test's time: a
//! shorter expiry-check interval and a shorter lifetime of `<request>` resources.
//! Neither changes the lifetime new resources get (a test system registers its AE
//! first and expects it to live through the test). Shared by every request of the
//! process; off unless the `upper_tester` setting is on (test-only).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use onecse_models::time::Timestamp;
use serde_json::json;

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::resources::cse_base::CSE_BASE_POLICY;
use crate::core::transaction;
use crate::error::{CseError, CseResult};
use crate::store::{TransactionKind, reset, resource_table};

/// The switches, behind an `Arc` so every clone of `Cse` sees the same values.
#[derive(Debug, Clone, Default)]
pub struct UpperTester {
    inner: Arc<Switches>,
}

#[derive(Debug, Default)]
struct Switches {
    /// Whether the interface exists at all (the `upper_tester` setting).
    enabled: bool,
    /// Interval of the expiry check, in milliseconds; 0 = the configured one.
    expiry_ms: AtomicU64,
    /// Lifetime of `<request>` resources, in milliseconds; 0 = the configured one.
    request_ms: AtomicU64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl UpperTester {
    /// The switches of a process; `enabled` is the `upper_tester` setting.
    pub fn new(enabled: bool) -> Self {
        Self {
            inner: Arc::new(Switches {
                enabled,
                ..Switches::default()
            }),
        }
    }

    /// Whether the Upper Tester interface is served (never in production).
    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }

    /// `enableShortResourceExpiration`/`disable…`: `Some(interval)` checks for expired
    /// resources that often, `None` restores the configured interval.
    pub fn set_expiry_interval(&self, interval: Option<Duration>) {
        let ms = interval.map_or(0, millis);
        self.inner.expiry_ms.store(ms, Ordering::Relaxed);
    }

    /// How often expired resources are removed now: the switch, or `configured`.
    /// Read by the expiry sweep before each pause.
    pub fn expiry_interval(&self, configured: Duration) -> Duration {
        match self.inner.expiry_ms.load(Ordering::Relaxed) {
            0 => configured,
            ms => Duration::from_millis(ms),
        }
    }

    /// `enableShortRequestExpiration`/`disable…`: `Some(lifetime)` keeps `<request>`
    /// resources that long after the request's deadlines, `None` restores the
    /// configured lifetime.
    pub fn set_request_lifetime(&self, lifetime: Option<Duration>) {
        let ms = lifetime.map_or(0, millis);
        self.inner.request_ms.store(ms, Ordering::Relaxed);
    }

    /// How long a `<request>` outlives the request's deadlines now: the switch, or
    /// `configured`.
    pub fn request_lifetime(&self, configured: Duration) -> Duration {
        self.short_request_lifetime().unwrap_or(configured)
    }

    /// The short request lifetime while the switch is on: also the expiration of a
    /// request that gives no `X-M2M-RET` (ACME's `requestExpirationDelta` serves both).
    pub fn short_request_lifetime(&self) -> Option<Duration> {
        match self.inner.request_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }
}

/// `Reset`: returns the CSE to its start state: only the CSEBase and its own policy
/// remain, the CSEBase gets a new creation time, nothing queued for the removed
/// resources is sent, and the switches are off again. Returns how many resources
/// went. Runs in one write transaction, so a concurrent request sees the CSE before
/// or after, never half reset.
pub fn reset(cse: &Cse) -> CseResult<usize> {
    cse.upper_tester.set_expiry_interval(None);
    cse.upper_tester.set_request_lifetime(None);
    let now = Timestamp::now();
    let committed = transaction::run_background(cse, TransactionKind::Write, now, |tx| {
        let removed = reset::clear_all_but(tx.conn, &[cse.cse_ri.as_str(), CSE_BASE_POLICY])?;
        let row = resource_table::find_root(tx.conn)?
            .ok_or_else(|| CseError::internal("the CSEBase is missing"))?;
        let mut base = Resource::from_row(row)?;
        let ct = now.to_string();
        base.attrs.insert("ct".into(), json!(ct));
        base.attrs.insert("lt".into(), json!(ct));
        reset::restart(tx.conn, &base.ri, &ct, &base.to_row().doc)?;
        Ok(removed)
    })?;
    Ok(committed.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_shared_by_clones_and_off_by_default() {
        let ut = UpperTester::new(true);
        let other = ut.clone();
        let configured = Duration::from_secs(600);
        assert_eq!(ut.expiry_interval(configured), configured);
        assert_eq!(ut.request_lifetime(configured), configured);
        ut.set_expiry_interval(Some(Duration::from_secs(2)));
        ut.set_request_lifetime(Some(Duration::from_millis(2500)));
        assert_eq!(other.expiry_interval(configured), Duration::from_secs(2));
        assert_eq!(
            other.request_lifetime(configured),
            Duration::from_millis(2500)
        );
        ut.set_expiry_interval(None);
        ut.set_request_lifetime(None);
        assert_eq!(other.expiry_interval(configured), configured);
        assert_eq!(other.request_lifetime(configured), configured);
    }
}
