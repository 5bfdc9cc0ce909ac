//! `<contentInstance>` rules (TS-0004 §7.4.7): an instance of its container (counted,
//! limited and evicted by [`super::instances`]), never updated, its size taken from
//! `con`, `cnf` and `dgt` checked, and access decided by its container.

use onecse_models::ReleaseVersion;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::cin::{check_content_info, content_size};
use onecse_models::resource::tsi::data_generation_time;
use serde_json::{Map, Value};

use crate::core::resources::ResourceKind;
use crate::error::CseResult;

/// The contentInstance kind.
pub struct ContentInstance;

impl ResourceKind for ContentInstance {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::cin::SPEC
    }

    fn content_size(&self, attrs: &Map<String, Value>) -> i64 {
        attrs.get("con").map_or(0, content_size)
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(cnf) = attrs.get("cnf").and_then(Value::as_str) {
            check_content_info(cnf)?;
        }
        // dataGenerationTime (R4): when the data was generated, an absolute time as
        // for a timeSeriesInstance.
        if let Some(dgt) = attrs.get("dgt").and_then(Value::as_str) {
            data_generation_time(dgt)?;
        }
        Ok(())
    }
}
