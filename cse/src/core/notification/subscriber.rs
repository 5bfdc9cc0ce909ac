//! The subscriber as access control sees it when an event is raised. A notification
//! hands its subscriber a representation of the subscribed-to resource or of a child,
//! so it is a read on the subscriber's behalf: it is queued only when the
//! subscription's creator may RETRIEVE its subject at that moment (TS-0004
//! §7.4.8.2.1 asks for that privilege when the subscription is created; a policy can
//! change afterwards, so the check is made again for every event). The decision is
//! the one a RETRIEVE request gets, by the same judge, in the event's transaction.
//!
//! The subscriber does not send the request, so the facts of a request that a rule
//! may name are taken as follows: the time is the event's; there is no peer address
//! (a rule limited to `acip` networks does not match); the originator counts as
//! authenticated when this CSE authenticates every originator (`auth = jwt`), since
//! its creation request was then authenticated.

use onecse_models::resource::acp::operation;

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::{Caller, Judge, Requester, Verdict};

/// Whether the creator of `sub` may RETRIEVE `subject` now; `parent` is the
/// subject's parent when the caller has it loaded (it saves a read for instances,
/// which are judged by their parent). A subscription without a recorded creator
/// notifies nothing.
pub fn may_read(
    tx: &mut Txn<'_>,
    sub: &Resource,
    subject: &Resource,
    parent: Option<&Resource>,
) -> CseResult<bool> {
    let Some(owner) = sub.owner.as_deref() else {
        return Ok(false);
    };
    let site = tx.cse.site();
    let who = requester(tx, owner);
    let parent = parent.map(Resource::subject);
    let verdict = Judge::new(site, &who).decide(
        tx,
        &subject.subject(),
        parent.as_ref(),
        operation::RETRIEVE,
        None,
    )?;
    Ok(verdict == Verdict::Permit)
}

/// The subscriber `owner` as access control sees it when the CSE acts for it later
/// (an event, or the subscriptions a crossResourceSubscription creates for it): the
/// facts of a request are taken as the module documentation says.
pub fn requester(tx: &Txn<'_>, owner: &str) -> Requester {
    let site = tx.cse.site();
    Requester {
        originator: Some(owner.to_owned()),
        admin: owner == site.admin_originator,
        // Held to its registration when it created the subscription; an AE that
        // deregistered since no longer owns it (its `owner` was cleared).
        registree: None,
        caller: Caller {
            ip: None,
            authenticated: site.settings.originators_verified,
        },
        registered_cse: false,
    }
}
