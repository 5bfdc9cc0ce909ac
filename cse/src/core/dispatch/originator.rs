//! The originator, checked once per request in its transaction against what this
//! CSE knows of it: an originator naming an AE-ID of this CSE must be a registered AE
//! (4106, TS-0004 §7.2.2.2, spec digest addressing §4 and status-codes 4106), except
//! for what the specification leaves open to an AE before it registers: its
//! registration, and a RETRIEVE of the CSEBase (whose own policy decides it; clients
//! read `srt`, `poa` and `csi` there first). A CSE-ID originator must be a CSE
//! registered here (or be registering now, a remoteCSE CREATE); others answer 4107
//! SECURITY_ASSOCIATION_REQUIRED (status-codes digest), except that an unregistered
//! CSE deleting its own registration learns there is none (4004: ACME deregisters
//! before it registers, and takes 2002 or 4004 as done). The one place originator
//! checks that need the database live.

use std::borrow::Cow;

use onecse_models::Operation;
use onecse_models::ResponseStatusCode;
use onecse_models::id::originator_cse;

use super::admit::{self, Admission, Admitted};
use crate::core::Cse;
use crate::core::addressing::{self, Address, Destination};
use crate::core::remote_cses;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{Access, Requester};
use crate::store::resource_table;

/// The requester of `admitted` as far as this CSE knows it: refused (4106) when it
/// claims an AE-ID no live AE holds, marked as a registered CSE when its originator
/// is one, refused (4107) when it is a CSE-ID that is neither registered nor
/// registering. Other originators pass unchanged (and uncopied).
pub(super) fn standing<'w>(
    tx: &mut Txn<'_>,
    admitted: &'w Admitted,
) -> CseResult<Cow<'w, Requester>> {
    check_registree(tx, admitted)?;
    let (req, who) = (&admitted.req, &admitted.who);
    let Some(from) = req.from.as_deref() else {
        return Ok(Cow::Borrowed(who));
    };
    let Some(origin) = originator_cse(from, &tx.cse.sp_id).filter(|o| o.is_cse) else {
        return Ok(Cow::Borrowed(who));
    };
    let registering = req.op == Operation::Create
        && req
            .ty
            .and_then(onecse_models::ResourceType::spec)
            .is_some_and(|spec| spec.registers_cse);
    if registering {
        return Ok(Cow::Borrowed(who));
    }
    if remote_cses::find(tx, &origin.cse_id)?.is_none() {
        if req.op == Operation::Delete && names_registration_of(tx.cse, &req.to, &origin.cse_id) {
            return Err(CseError::not_found(format!(
                "CSE {} is not registered with this CSE: there is no registration to delete",
                origin.cse_id
            )));
        }
        return Err(CseError::new(
            ResponseStatusCode::SecurityAssociationRequired,
            format!(
                "originator '{from}' is a CSE-ID, and CSE {} is not registered with this CSE",
                origin.cse_id
            ),
        ));
    }
    let mut known = who.clone();
    known.registered_cse = true;
    Ok(Cow::Owned(known))
}

/// Refuses (4106 ORIGINATOR_NOT_AUTHENTICATED) a request whose originator claims an
/// AE-ID of this CSE that no live `<AE>` holds: never registered, deregistered, or
/// expired. One primary-key probe, in the request's transaction, only for such
/// originators (the administrator and CSE-IDs claim none).
fn check_registree(tx: &mut Txn<'_>, admitted: &Admitted) -> CseResult<()> {
    let Some(stem) = admitted.who.registree.as_deref() else {
        return Ok(());
    };
    if left_open(tx.cse, admitted) {
        return Ok(());
    }
    if resource_table::registered_ae(tx.conn, stem, &tx.now_text)? {
        return Ok(());
    }
    Err(CseError::new(
        ResponseStatusCode::OriginatorNotAuthenticated,
        format!(
            "originator '{}' names AE-ID '{stem}', which is not registered at this CSE; register the AE first (CREATE of an AE on the CSEBase)",
            admitted.req.from.as_deref().unwrap_or_default()
        ),
    ))
}

/// What an unregistered AE may still ask: its registration, and a RETRIEVE of the
/// CSEBase itself.
fn left_open(cse: &Cse, admitted: &Admitted) -> bool {
    if admit::registers(&admitted.req) {
        return true;
    }
    let req = &admitted.req;
    let retrieves = match &admitted.kind {
        Admission::Local { access, .. } => *access == Some(Access::Retrieve),
        // Not admitted to an address yet: read as a blocking one would be.
        Admission::NonBlocking => admit::access(req).is_ok_and(|a| a == Access::Retrieve),
        // Another CSE's resource: nothing there is left open by this CSE.
        Admission::Forward { .. } => false,
    };
    retrieves
        && matches!(
            addressing::parse(&req.to, cse),
            Ok(Destination::Local(address)) if names_cse_base(cse, &address)
        )
}

/// Whether `to` addresses the `<remoteCSE>` the CSE `cse_id` would be registered as
/// here (named and identified by its CSE-ID without `/`).
fn names_registration_of(cse: &Cse, to: &str, cse_id: &str) -> bool {
    let ri = cse_id.trim_start_matches('/');
    match addressing::parse(to, cse) {
        Ok(Destination::Local(Address::Structured(path))) => {
            path.strip_prefix(cse.cse_name.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                == Some(ri)
        }
        Ok(Destination::Local(Address::Unstructured { ri: named, rest })) => {
            named == ri && rest.is_empty()
        }
        _ => false,
    }
}

/// Whether `address` is the CSEBase itself (by name or by resourceID).
fn names_cse_base(cse: &Cse, address: &Address) -> bool {
    match address {
        Address::Structured(path) => *path == cse.cse_name,
        Address::Unstructured { ri, rest } => *ri == cse.cse_ri && rest.is_empty(),
    }
}
