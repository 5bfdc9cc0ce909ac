//! `<timeSeriesInstance>` (ty 30) attributes (TS-0001 §9.6.37, TS-0004 §7.4.36):
//! immutable, with a mandatory data generation time unique among its siblings.

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::problem::Problem;
use crate::time::Timestamp as Instant;
use crate::types::ResourceType;

/// The timeSeriesInstance: an instance of a timeSeries.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::TimeSeriesInstance, ATTRIBUTES, &[TimeSeries]).instance()
};

/// timeSeriesInstance attribute table. Instances are immutable (UPDATE answers 4005),
/// so every client attribute is write-once.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::write_once("et", Timestamp).always_present(),
    A::write_once("lbl", TextList),
    A::write_once("at", TextList).unsupported(),
    A::write_once("aa", TextList).unsupported(),
    A::creator(),
    A::write_once("dgt", Text).mandatory(),
    A::write_once("con", Any).mandatory(),
    A::read_only("cs", Integer { min: 0 }),
    A::write_once("snr", Integer { min: 0 }),
];

/// Reads a `dgt` (dataGenerationTime). Only absolute timestamps are accepted: a
/// relative offset would make the instant depend on when the request was handled.
pub fn data_generation_time(dgt: &str) -> Result<Instant, Problem> {
    Instant::parse(dgt).map_err(|_| {
        Problem::bad_request(format!(
            "dgt '{dgt}' is not an absolute oneM2M timestamp (YYYYMMDDThhmmss[,ffffff]); relative times are not supported"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_instants_read_the_same() {
        let a = data_generation_time("20250101T100000");
        let b = data_generation_time("20250101T100000,000");
        assert_eq!(a.ok(), b.ok());
        assert!(data_generation_time("-PT5S").is_err());
    }
}
