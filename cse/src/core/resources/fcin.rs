//! `<flexContainerInstance>` rules (TS-0004 R4 §7.4.x): a snapshot its flexContainer
//! stores (see [`super::fcnt`]); clients cannot create or update one, may read or
//! delete it, and access is decided by the flexContainer.

use onecse_models::resource::TypeSpec;
use onecse_models::resource::fcin::GENERIC_ROOT;
use onecse_models::resource::fcnt::custom_size;
use onecse_models::resource::fcnt_specs;
use serde_json::{Map, Value};

use crate::core::resources::ResourceKind;

/// The flexContainerInstance kind.
pub struct FlexContainerInstance;

impl ResourceKind for FlexContainerInstance {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::fcin::SPEC
    }

    /// `<specialization root>Inst` (`cod:binShInst`), the name the TS-0023 SDT tool
    /// gives a module class's instance; `m2m:fcin` for generic flexContainers.
    fn root_key(&self, attrs: &Map<String, Value>) -> String {
        attrs
            .get("cnd")
            .and_then(Value::as_str)
            .and_then(fcnt_specs::by_definition)
            .map_or_else(|| GENERIC_ROOT.to_owned(), |s| format!("{}Inst", s.root))
    }

    fn content_size(&self, attrs: &Map<String, Value>) -> i64 {
        custom_size(attrs)
    }
}
