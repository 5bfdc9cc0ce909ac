//! `<AE>` rules: registration (originator → AE-ID, TS-0001 §10.2.2.2), App-ID and
//! release-version checks, and the attributes the CSE assigns (`aei`).

use onecse_models::id::{
    RegistrationOriginator, classify_registration_originator, validate_app_id,
};
use onecse_models::primitive::Request;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::ae::check_release_versions;
use onecse_models::serialization::check_csz;
use onecse_models::{ReleaseVersion, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Address};
use crate::core::ids::new_ae_id;
use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, node_links};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::{DbConn, resource_table};

/// How many times to draw a fresh AE-ID before giving up (collisions are astronomically
/// unlikely with 64 random bits; the bound only keeps the loop finite).
const AE_ID_ATTEMPTS: usize = 4;

/// The AE kind.
pub struct Ae;

impl ResourceKind for Ae {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::ae::SPEC
    }

    fn check_values(&self, attrs: &Map<String, Value>, rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(api) = attrs.get("api").and_then(Value::as_str) {
            validate_app_id(api, rvi)?;
        }
        if let Some(srv) = attrs.get("srv").and_then(Value::as_array) {
            check_release_versions(srv)?;
        }
        if let Some(csz) = attrs.get("csz") {
            check_csz(csz)?;
        }
        Ok(())
    }

    /// The AE-ID-Stem from the registration originator; it becomes `ri` and `aei`.
    fn choose_id(
        &self,
        tx: &mut Txn<'_>,
        req: &Request,
        _attrs: &Map<String, Value>,
    ) -> CseResult<Option<String>> {
        let id = match classify_registration_originator(req.from.as_deref(), &tx.cse.cse_id)? {
            RegistrationOriginator::Given(stem) => {
                tx.cse.access.check_ae_id(&stem)?;
                if resource_table::ri_taken(tx.conn, &stem)? {
                    return Err(CseError::new(
                        ResponseStatusCode::OriginatorHasAlreadyRegistered,
                        format!("an AE with AE-ID '{stem}' is already registered"),
                    ));
                }
                stem
            }
            RegistrationOriginator::AssignC => {
                fresh_id(tx.conn, &tx.cse.access.assigned_prefix('C')?)?
            }
            RegistrationOriginator::AssignS => {
                fresh_id(tx.conn, &tx.cse.access.assigned_prefix('S')?)?
            }
        };
        Ok(Some(id))
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_names(tx, parent, resource)?;
        resource.attrs.insert("aei".into(), json!(resource.ri));
        node_links::ae_link_changed(tx, None, resource)
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if request.contains_key("nl") {
            node_links::ae_link_changed(tx, Some(before), resource)?;
        }
        Ok(())
    }

    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        // Its pollingChannel goes with the subtree, and so does its queue.
        crate::core::polling_channel::purge(tx, &resource.ri)?;
        disown_elsewhere(tx, resource)?;
        node_links::ae_removed(tx, resource)
    }
}

fn fresh_id(conn: &mut DbConn, prefix: &str) -> CseResult<String> {
    for _ in 0..AE_ID_ATTEMPTS {
        let id = new_ae_id(prefix);
        if !resource_table::ri_taken(conn, &id)? {
            return Ok(id);
        }
    }
    Err(CseError::internal("could not allocate a unique AE-ID"))
}

/// An AE's name and its AE-ID never name two AEs: under the CSEBase the name `X`
/// (`cse-in/X`) belongs to the AE whose AE-ID is `X` when there is one, so one AE
/// cannot shadow another in structured addresses (and in what clients derive from
/// them). A name that is another registered AE's AE-ID, or an AE-ID that another AE
/// already uses as its name, is 4105 CONFLICT (TS-0004 §6.6: the name is taken).
fn check_names(tx: &mut Txn<'_>, parent: &Resource, ae: &Resource) -> CseResult<()> {
    if ae.rn != ae.ri && resource_table::registered_ae(tx.conn, &ae.rn, &tx.now_text)? {
        return Err(CseError::new(
            ResponseStatusCode::Conflict,
            format!(
                "'{}' is the AE-ID of another registered AE and cannot name this one",
                ae.rn
            ),
        ));
    }
    let named = Address::Structured(format!("{}/{}", parent.path, ae.ri));
    if ae.rn != ae.ri
        && let Some(other) = addressing::find(tx, &named)?
        && other.ty == ResourceType::Ae
    {
        return Err(CseError::new(
            ResponseStatusCode::Conflict,
            format!(
                "AE-ID '{}' is the name of another AE ('{}'), whose address it would share",
                ae.ri, other.path
            ),
        ));
    }
    Ok(())
}

/// Deregistration releases the AE-ID (TS-0001 §10.2.2.2), and with it the creator's
/// right of the default policy (§9.6.1.3) over what the AE created outside its own
/// subtree (which goes with it): an AE registering later under the same AE-ID is a new
/// registration and inherits nothing. The owner is disowned in every form of its
/// AE-ID an originator may have sent.
fn disown_elsewhere(tx: &mut Txn<'_>, ae: &Resource) -> CseResult<()> {
    let cse = tx.cse;
    let forms = [
        ae.ri.clone(),
        format!("{}/{}", cse.cse_id, ae.ri),
        format!("//{}{}/{}", cse.sp_id, cse.cse_id, ae.ri),
    ];
    for form in &forms {
        resource_table::disown(tx.conn, form, &ae.path)?;
    }
    Ok(())
}
