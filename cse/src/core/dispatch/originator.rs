//! The originator, checked once per request in its transaction against what this
//! CSE knows of it (spec digest status-codes 4107): a CSE-ID originator must be a
//! CSE registered here (or be registering now, a remoteCSE CREATE); others answer
//! 4107 SECURITY_ASSOCIATION_REQUIRED. The one place originator checks that need
//! the database live (an unregistered AE-ID → 4106 belongs here too).

use std::borrow::Cow;

use onecse_models::Operation;
use onecse_models::ResponseStatusCode;
use onecse_models::id::originator_cse;
use onecse_models::primitive::Request;

use crate::core::remote_cses;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;

/// `who` as far as this CSE knows it: marked as a registered CSE when its
/// originator is one, refused (4107) when it is a CSE-ID that is neither registered
/// nor registering. Other originators pass unchanged (and uncopied).
pub(super) fn standing<'w>(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &'w Requester,
) -> CseResult<Cow<'w, Requester>> {
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
