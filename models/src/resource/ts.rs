//! `<timeSeries>` (ty 29) attributes (TS-0001 §9.6.36, TS-0004 §7.4.35, spec digest
//! resources §10 and notifications-advanced §8): instance limits as a container's,
//! the periodic interval and missing-data detection.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::problem::Problem;
use crate::types::ResourceType;

/// The largest `mdn` (missingDataMaxNr): `mdlt` is bounded like every list attribute.
pub const MAX_MISSING_LIST: i64 = super::policy::MAX_LIST_ITEMS as i64;

/// The timeSeries: under the CSEBase, an AE or a container.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::TimeSeries,
        ATTRIBUTES,
        &[CseBase, Ae, Container, RemoteCse],
    )
    .announced_as(&super::annc::TS_ANNOUNCEMENT)
};

/// timeSeries attribute table. `cni`/`cbs` are maintained by the CSE; `mdlt`/`mdc`
/// by missing-data detection. There is no `st` in R3.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("mni", Integer { min: 0 }),
    A::read_write("mbs", Integer { min: 0 }),
    A::read_write("mia", Integer { min: 0 }),
    A::read_only("cni", Integer { min: 0 }),
    A::read_only("cbs", Integer { min: 0 }),
    A::read_write("pei", Integer { min: 1 }),
    A::read_write("peid", Integer { min: 0 }),
    A::read_write("mdd", Boolean),
    // `mdlt` is a list attribute: it holds at most as many entries as any list may.
    A::read_write(
        "mdn",
        IntegerRange {
            min: 1,
            max: MAX_MISSING_LIST,
        },
    ),
    A::read_only("mdlt", TextList),
    A::read_only("mdc", Integer { min: 0 }),
    A::read_write("mdt", Integer { min: 1 }),
    A::read_write("or", Text),
    A::write_once("cnf", Text),
    A::read_write("loc", Location),
];

/// The attributes whose UPDATE is refused while `mdd` is true (digest §8).
pub const FROZEN_WHILE_DETECTING: [&str; 4] = ["mdt", "mdn", "peid", "pei"];

/// The periodic settings of a timeSeries, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periodic {
    /// `pei` (ms), if set.
    pub pei: Option<i64>,
    /// `peid` (ms), if set.
    pub peid: Option<i64>,
    /// `mdt` (ms), if set.
    pub mdt: Option<i64>,
}

impl Periodic {
    /// The `peid` to store when a client gave none: half of `pei` (as ACME).
    pub fn default_delta(self) -> Option<i64> {
        self.pei.map(|pei| pei / 2)
    }

    /// Checks the combination: `peid` ≤ `pei`/2 and `mdt` > `peid` (4000 otherwise),
    /// so a point that is merely late within the tolerance is never reported missing.
    pub fn check(self) -> Result<(), Problem> {
        if let (Some(pei), Some(peid)) = (self.pei, self.peid)
            && peid.saturating_mul(2) > pei
        {
            return Err(Problem::bad_request(format!(
                "peid ({peid} ms) must not exceed half of pei ({pei} ms)"
            )));
        }
        if let Some(mdt) = self.mdt {
            let peid = self.peid.unwrap_or(0);
            if mdt <= peid {
                return Err(Problem::bad_request(format!(
                    "mdt ({mdt} ms) must be greater than peid ({peid} ms)"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periodic(pei: Option<i64>, peid: Option<i64>, mdt: Option<i64>) -> Periodic {
        Periodic { pei, peid, mdt }
    }

    #[test]
    fn delta_is_at_most_half_the_interval_and_the_timer_longer_than_the_delta() {
        assert!(periodic(Some(1000), Some(500), Some(501)).check().is_ok());
        assert!(periodic(Some(1000), Some(501), None).check().is_err());
        assert!(periodic(Some(1000), Some(500), Some(500)).check().is_err());
        assert!(periodic(None, None, Some(1)).check().is_ok());
        assert_eq!(periodic(Some(1001), None, None).default_delta(), Some(500));
    }
}
