//! `<timeSeriesInstance>` rules (TS-0004 §7.4.36): an instance of its timeSeries
//! (counted, limited and evicted by [`super::instances`] exactly as a
//! contentInstance), never updated, its size taken from `con`, its `dgt` unique among
//! its siblings, and access decided by its timeSeries.

use onecse_models::ReleaseVersion;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::cin::content_size;
use onecse_models::resource::tsi::data_generation_time;
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, SiblingKey};
use crate::core::transaction::Txn;
use crate::error::CseResult;

/// The timeSeriesInstance kind.
pub struct TimeSeriesInstance;

impl ResourceKind for TimeSeriesInstance {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::tsi::SPEC
    }

    fn content_size(&self, attrs: &Map<String, Value>) -> i64 {
        attrs.get("con").map_or(0, content_size)
    }

    /// The `dgt` as an instant, so `…T100000` and `…T100000,000` collide; the unique
    /// index on (parent, key) refuses the second one even under concurrency.
    fn sibling_key(&self, attrs: &Map<String, Value>) -> Option<SiblingKey> {
        let dgt = attrs.get("dgt").and_then(Value::as_str)?;
        let instant = data_generation_time(dgt).ok()?;
        Some(SiblingKey {
            key: format!("dgt:{instant}"),
            conflict: format!(
                "the timeSeries already has an instance with dataGenerationTime {dgt}"
            ),
        })
    }

    /// Expected instances this one jumped over are missing now (see
    /// [`super::ts::record_skipped`]).
    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        super::ts::record_skipped(tx, parent, resource)
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(dgt) = attrs.get("dgt").and_then(Value::as_str) {
            data_generation_time(dgt)?;
        }
        Ok(())
    }
}
