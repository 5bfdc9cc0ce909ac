//! `<dynamicAuthorizationConsultation>` (TS-0001 §9.6.40, TS-0004 §7.4.40): stored and
//! returned with its attributes checked by the policy table. No Dynamic Authorization
//! Server is ever consulted: a `daci` naming one is answered 5001 (see
//! docs/conformance.md).

use onecse_models::resource::TypeSpec;

use crate::core::resources::ResourceKind;

/// The dynamicAuthorizationConsultation kind.
pub struct DynamicAuthorizationConsultation;

impl ResourceKind for DynamicAuthorizationConsultation {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::dac::SPEC
    }
}
