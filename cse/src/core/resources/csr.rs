//! `<remoteCSE>` rules (TS-0004 §7.4.4, spec digest inter-cse §1–§2): a CSE
//! registers with this one by creating it under the CSEBase. Only CSEs create,
//! update or delete one (4005 for an AE); its resourceID and name are the CSE-ID
//! without `/` (as ACME), a second registration of one CSE-ID is 4117, and `csi` is
//! the originator's CSE-ID whatever the content says.

use onecse_models::id::{originator_cse, validate_cse_id};
use onecse_models::primitive::Request;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::ae::check_release_versions;
use onecse_models::serialization::check_csz;
use onecse_models::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;
use crate::store::resource_table;

/// The remoteCSE kind.
pub struct RemoteCse;

impl ResourceKind for RemoteCse {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::csr::SPEC
    }

    /// CREATE, UPDATE and DELETE must not be originated by an AE (TS-0004
    /// §7.4.4.2.1/.3/.4): only a CSE (for a CREATE, another CSE than this one) and,
    /// for UPDATE and DELETE, the administrator.
    fn refuse_originator(&self, cse: &Cse, op: Operation, who: &Requester) -> CseResult<()> {
        if matches!(op, Operation::Retrieve | Operation::Notify) {
            return Ok(());
        }
        if who.admin && op != Operation::Create {
            return Ok(());
        }
        let from = who.originator.as_deref().unwrap_or_default();
        match originator_cse(from, &cse.sp_id) {
            Some(origin)
                if origin.is_cse && op == Operation::Create && origin.cse_id == cse.cse_id =>
            {
                Err(CseError::not_allowed(format!(
                    "'{from}' is this CSE's own CSE-ID: a CSE does not register with itself"
                )))
            }
            Some(origin) if origin.is_cse => Ok(()),
            _ => Err(CseError::not_allowed(format!(
                "{} of a remoteCSE must be originated by a CSE, not by '{from}' (an AE)",
                op.name()
            ))),
        }
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(srv) = attrs.get("srv").and_then(Value::as_array) {
            check_release_versions(srv)?;
        }
        if let Some(csz) = attrs.get("csz") {
            check_csz(csz)?;
        }
        if let Some(cb) = attrs.get("cb").and_then(Value::as_str)
            && !(cb.starts_with('/') && cb.len() > 1)
        {
            return Err(CseError::bad_request(format!(
                "cb '{cb}' must be the SP-relative address of the remote CSEBase (/csi/name)"
            )));
        }
        for entry in attrs
            .get("dcse")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let valid = entry.as_str().is_some_and(|id| validate_cse_id(id).is_ok());
            if !valid {
                return Err(CseError::bad_request(format!(
                    "dcse entry {entry} is not an SP-relative CSE-ID (e.g. /id-mn)"
                )));
            }
        }
        Ok(())
    }

    /// The registering CSE's ID without `/`: a CSE is registered once (4117), and
    /// its name is taken by nothing else (4105).
    fn choose_id(
        &self,
        tx: &mut Txn<'_>,
        req: &Request,
        attrs: &Map<String, Value>,
    ) -> CseResult<Option<String>> {
        let from = req.from.as_deref().unwrap_or_default();
        let csi = registering_cse_id(tx.cse, from)?;
        let ri = csi.trim_start_matches('/').to_owned();
        if let Some(rn) = attrs.get("rn").and_then(Value::as_str)
            && rn != ri
        {
            return Err(CseError::bad_request(format!(
                "the resourceName of a remoteCSE is the registering CSE-ID without '/' ('{ri}'), not '{rn}'"
            )));
        }
        // Looked up again after the name check: a registration of the same CSE that
        // committed in between is a duplicate registration (4117), not a name clash.
        for name_checked in [false, true] {
            if let Some(existing) = resource_table::find_by_ri(tx.conn, &ri, &tx.now_text)? {
                return Err(
                    if existing.ty == i32::from(ResourceType::RemoteCse.number()) {
                        CseError::new(
                            ResponseStatusCode::OriginatorHasAlreadyRegistered,
                            format!("CSE '{csi}' is already registered with this CSE"),
                        )
                    } else {
                        CseError::new(
                            ResponseStatusCode::Conflict,
                            format!("resourceID '{ri}' is taken by another resource of this CSE"),
                        )
                    },
                );
            }
            if name_checked {
                return Err(CseError::new(
                    ResponseStatusCode::Conflict,
                    format!("the CSEBase already has a child named '{ri}'"),
                ));
            }
            if !resource_table::child_name_taken(tx.conn, &tx.cse.cse_ri, &ri)? {
                break;
            }
        }
        Ok(Some(ri))
    }

    /// `csi` is the originator's CSE-ID (TS-0004 §7.4.4.2.1).
    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let csi = format!("/{}", resource.ri);
        resource.attrs.insert("csi".into(), json!(csi));
        registrees_changed(tx);
        Ok(())
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        if before.attrs.get("dcse") != resource.attrs.get("dcse") {
            registrees_changed(tx);
        }
        Ok(())
    }

    fn on_remove(&self, tx: &mut Txn<'_>, _resource: &Resource) -> CseResult<()> {
        registrees_changed(tx);
        Ok(())
    }
}

/// Marks the CSEs registered here as changed, so this CSE's `dcse` at its own
/// registrar follows (TS-0001 §10.2.2.7 step 2, spec digest inter-cse §2). A change
/// of the registrar's own `<remoteCSE>` here marks it too; the registration task
/// finds the list unchanged and sends nothing.
fn registrees_changed(tx: &Txn<'_>) {
    tx.cse
        .registrees_changed
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The SP-relative CSE-ID a registration's originator `from` names: a CSE of this
/// service provider (4005 otherwise, checked before access; 4000 for another
/// provider's CSE, whose registration onecse does not take).
fn registering_cse_id(cse: &Cse, from: &str) -> CseResult<String> {
    match originator_cse(from, &cse.sp_id) {
        Some(origin) if origin.is_cse && origin.cse_id.starts_with("//") => {
            Err(CseError::bad_request(format!(
                "'{from}' is a CSE of another service provider; this CSE takes registrations from its own only"
            )))
        }
        Some(origin) if origin.is_cse => Ok(origin.cse_id),
        _ => Err(CseError::not_allowed(format!(
            "a remoteCSE must be created by a CSE, not by '{from}'"
        ))),
    }
}
