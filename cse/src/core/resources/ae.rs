//! `<AE>` rules: registration (originator → AE-ID, TS-0001 §10.2.2.2), App-ID and
//! release-version checks, and which attributes the CSE assigns.

use onecse_models::id::{
    RegistrationOriginator, classify_registration_originator, validate_app_id,
};
use onecse_models::resource::ae::check_release_versions;
use onecse_models::{ReleaseVersion, ResponseStatusCode};
use serde_json::{Map, Value};

use crate::core::Cse;
use crate::core::ids::new_ae_id;
use crate::error::{CseError, CseResult};
use crate::store::{DbConn, resources};

/// How many times to draw a fresh AE-ID before giving up (collisions are astronomically
/// unlikely with 64 random bits; the bound only keeps the loop finite).
const AE_ID_ATTEMPTS: usize = 4;

/// Decides the AE-ID of a registration and checks the AE's own attributes.
/// Returns the AE-ID-Stem, which becomes `ri` and `aei`.
pub fn register(
    conn: &mut DbConn,
    cse: &Cse,
    from: Option<&str>,
    rvi: ReleaseVersion,
    attrs: &Map<String, Value>,
) -> CseResult<String> {
    check_values(attrs, rvi)?;
    match classify_registration_originator(from, &cse.cse_id)? {
        RegistrationOriginator::Given(stem) => {
            if resources::ri_taken(conn, &stem)? {
                return Err(CseError::new(
                    ResponseStatusCode::OriginatorHasAlreadyRegistered,
                    format!("an AE with AE-ID '{stem}' is already registered"),
                ));
            }
            Ok(stem)
        }
        RegistrationOriginator::AssignC => fresh_id(conn, 'C'),
        RegistrationOriginator::AssignS => fresh_id(conn, 'S'),
    }
}

fn fresh_id(conn: &mut DbConn, prefix: char) -> CseResult<String> {
    for _ in 0..AE_ID_ATTEMPTS {
        let id = new_ae_id(prefix);
        if !resources::ri_taken(conn, &id)? {
            return Ok(id);
        }
    }
    Err(CseError::internal("could not allocate a unique AE-ID"))
}

/// Value rules beyond the JSON kinds: App-ID syntax and known release versions.
pub fn check_values(attrs: &Map<String, Value>, rvi: ReleaseVersion) -> CseResult<()> {
    if let Some(api) = attrs.get("api").and_then(Value::as_str) {
        validate_app_id(api, rvi)?;
    }
    if let Some(srv) = attrs.get("srv").and_then(Value::as_array) {
        check_release_versions(srv)?;
    }
    Ok(())
}
