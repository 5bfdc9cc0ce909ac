//! `<accessControlPolicy>` rules (TS-0001 §9.6.2, spec digest access-control §7): its
//! privileges are validated field by field when written, `pvs` keeps at least one
//! rule, and access to the policy itself is decided by its own `pvs`.

use onecse_models::ReleaseVersion;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::acp::Privileges;
use serde_json::{Map, Value};

use crate::core::resources::ResourceKind;
use crate::error::{CseError, CseResult};

/// The accessControlPolicy kind.
pub struct AccessControlPolicy;

impl ResourceKind for AccessControlPolicy {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::acp::SPEC
    }

    /// Both rule sets parse (every field checked, naming it); `pvs` must keep at
    /// least one rule, or nobody could ever manage the policy again.
    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(pv) = attrs.get("pv").filter(|v| !v.is_null()) {
            Privileges::parse(pv, "pv")?;
        }
        if let Some(pvs) = attrs.get("pvs").filter(|v| !v.is_null())
            && Privileges::parse(pvs, "pvs")?.rules.is_empty()
        {
            return Err(CseError::bad_request(
                "pvs must hold at least one rule (acr), or nobody could manage the policy",
            ));
        }
        Ok(())
    }
}
