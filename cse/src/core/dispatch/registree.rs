//! The originator's registration (TS-0004 §7.2.2.2, spec digest addressing §4 and
//! status-codes 4106): an originator that names an AE-ID of this CSE must be a
//! registered AE, whatever it asks, except what the specification leaves open to an
//! AE before it registers: its registration, and a RETRIEVE of the CSEBase (whose own
//! policy decides it; clients read `srt`, `poa` and `csi` there first).

use onecse_models::ResponseStatusCode;

use super::admit::{self, Admission, Admitted};
use crate::core::Cse;
use crate::core::addressing::{self, Address, Destination};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Access;
use crate::store::resource_table;

/// Refuses (4106 ORIGINATOR_NOT_AUTHENTICATED) a request whose originator claims an
/// AE-ID of this CSE that no live `<AE>` holds: never registered, deregistered, or
/// expired. One primary-key probe, in the request's transaction, only for such
/// originators (the administrator and CSE-IDs claim none).
pub(super) fn check(tx: &mut Txn<'_>, admitted: &Admitted) -> CseResult<()> {
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
    };
    retrieves
        && matches!(
            addressing::parse(&req.to, cse),
            Ok(Destination::Local(address)) if names_cse_base(cse, &address)
        )
}

/// Whether `address` is the CSEBase itself (by name or by resourceID).
fn names_cse_base(cse: &Cse, address: &Address) -> bool {
    match address {
        Address::Structured(path) => *path == cse.cse_name,
        Address::Unstructured { ri, rest } => *ri == cse.cse_ri && rest.is_empty(),
    }
}
