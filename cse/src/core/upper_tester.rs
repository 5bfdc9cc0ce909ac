//! The Upper Tester switches (TS-0019 upper tester interface, ACME's `__ut__`
//! commands): short default expirations that test systems turn on so resources and
//! requests expire within a test's time. Shared by every request of the process; off
//! unless the `upper_tester` setting is on (test-only).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use onecse_models::time::Timestamp;

/// The switches, behind an `Arc` so every clone of `Cse` sees the same values.
#[derive(Debug, Clone, Default)]
pub struct UpperTester {
    inner: Arc<Switches>,
}

#[derive(Debug, Default)]
struct Switches {
    /// Whether the interface exists at all (the `upper_tester` setting).
    enabled: bool,
    /// Default lifetime of resources created without `et`, in seconds; 0 = off.
    resource_secs: AtomicU64,
    /// Default expiration of requests without `X-M2M-RET`, in milliseconds; 0 = off.
    request_ms: AtomicU64,
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

    /// `enableShortResourceExpiration`/`disable…`: `Some(lifetime)` gives resources
    /// created without `et` that lifetime, `None` restores the normal default.
    pub fn set_short_resource_expiration(&self, lifetime: Option<Duration>) {
        let secs = lifetime.map_or(0, |d| d.as_secs().max(1));
        self.inner.resource_secs.store(secs, Ordering::Relaxed);
    }

    /// `enableShortRequestExpiration`/`disable…`: `Some(limit)` gives requests
    /// without `X-M2M-RET` that expiration, `None` restores none.
    pub fn set_short_request_expiration(&self, limit: Option<Duration>) {
        let ms = limit.map_or(0, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
        });
        self.inner.request_ms.store(ms, Ordering::Relaxed);
    }

    /// The expiration a resource created at `now` without `et` gets while short
    /// resource expiration is on; `None` means the normal default applies.
    pub fn default_resource_expiration(&self, now: Timestamp) -> Option<Timestamp> {
        let secs = self.inner.resource_secs.load(Ordering::Relaxed);
        (secs > 0).then(|| now.plus_seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
    }

    /// The request expiration (relative to its arrival) a request without
    /// `X-M2M-RET` gets while short request expiration is on; `None`: no default.
    /// Read by the request-expiration (`rqet`) handling.
    pub fn default_request_expiration(&self) -> Option<Duration> {
        let ms = self.inner.request_ms.load(Ordering::Relaxed);
        (ms > 0).then(|| Duration::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_shared_by_clones_and_off_by_default() {
        let ut = UpperTester::new(true);
        let other = ut.clone();
        let now = Timestamp::now();
        assert_eq!(ut.default_resource_expiration(now), None);
        assert_eq!(ut.default_request_expiration(), None);
        ut.set_short_resource_expiration(Some(Duration::from_secs(2)));
        ut.set_short_request_expiration(Some(Duration::from_secs(5)));
        assert_eq!(
            other.default_resource_expiration(now),
            Some(now.plus_seconds(2))
        );
        assert_eq!(
            other.default_request_expiration(),
            Some(Duration::from_secs(5))
        );
        ut.set_short_resource_expiration(None);
        ut.set_short_request_expiration(None);
        assert_eq!(other.default_resource_expiration(now), None);
        assert_eq!(other.default_request_expiration(), None);
    }
}
