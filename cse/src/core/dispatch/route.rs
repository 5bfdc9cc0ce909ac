//! What dispatch decided a request is, when it is more than an operation run in its
//! own transaction: the routes the service executes (DESIGN §1). Each is found here,
//! with its access decided, inside the transaction that resolved the target.

use onecse_models::primitive::Request;
use onecse_models::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, ResultContent};

use crate::core::addressing::{Address, Target};
use crate::core::fan_out_point::{self, Plan};
use crate::core::notification::Verification;
use crate::core::notification::blocking_update::Notice;
use crate::core::notification::target::{self, Route as Reach};
use crate::core::polling_channel::{self, Channel};
use crate::core::remote_cses::Hop;
use crate::core::resources::check_child_allowed;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{self, Access, Judge, Requester, Verdict};

/// A request that does not end in its own transaction: what the service does with
/// it next. Access was decided by dispatch before the route was returned.
#[derive(Debug)]
pub enum Route {
    /// Send the request to every member of a group (its fan-out point): each member
    /// request runs through dispatch as a request of its own.
    FanOut(Plan),
    /// A long poll of the originator's own pollingChannel (`pcu` RETRIEVE).
    Poll(Channel),
    /// The polling AE's answer to a request it took from its channel (`pcu` NOTIFY).
    Answer(Channel),
    /// A NOTIFY to an AE of this CSE, relayed to the AE (its `poa` or its channel),
    /// or why it cannot be reached.
    Relay {
        /// How the AE is reached, or why it cannot be.
        reach: Result<Reach, String>,
        /// The release the relayed request is sent in: the highest of the AE's `srv`
        /// onecse speaks (spec digest versions §2), else the request's own.
        release: Option<ReleaseVersion>,
    },
    /// Verify the notification targets a CREATE or UPDATE adds, then run it again
    /// verified (TS-0004 §7.3.8.2.1).
    Verify(Verification),
    /// Send the blocking-update notification and wait for its subscriber, then run the
    /// UPDATE again approved (TS-0004 §7.3.2.9). Nothing was written.
    Approve(Notice),
    /// Forward the request to the next CSE on its way to the CSE hosting its
    /// target (spec digest inter-cse §3); access is that CSE's to decide.
    Forward(Hop),
    /// RETRIEVE of a contentInstance that counts its retrievals (`dcnt`): run it again
    /// in a write transaction that counts this one ([`crate::core::retrieval_count`]).
    /// Nothing was written.
    Count,
    /// RETRIEVE with rcn=7 of an announced resource: its original, read at the CSE
    /// its `lnk` names with the requester's originator, so the original's host decides
    /// access (TS-0004 §7.4.26.2.2, as ACME).
    Original {
        /// The next hop towards the original's host.
        hop: Hop,
        /// The original's ID (`lnk`).
        to: String,
    },
}

impl Route {
    /// The resource type the request is counted under in the request metrics.
    pub fn resource_type(&self) -> Option<ResourceType> {
        match self {
            Self::FanOut(_) => Some(ResourceType::Group),
            Self::Poll(_) | Self::Answer(_) => Some(ResourceType::PollingChannel),
            Self::Relay { .. } => Some(ResourceType::Ae),
            Self::Count => Some(ResourceType::ContentInstance),
            Self::Verify(_) | Self::Approve(_) | Self::Forward(_) | Self::Original { .. } => None,
        }
    }
}

/// The route of a request to a pollingChannel's `pcu`; `None` when the segment
/// before `pcu` is no pollingChannel (then `pcu` is an ordinary resource name).
pub(super) fn to_pcu(
    tx: &mut Txn<'_>,
    req: &Request,
    address: &Address,
    who: &Requester,
) -> CseResult<Option<Route>> {
    if polling_channel::may_name_pcu(&req.to)
        && let Some(channel) = polling_channel::channel_at(tx, address)?
    {
        return to_channel(tx, req, who, channel).map(Some);
    }
    Ok(None)
}

/// The route of a request through a group's fan-out point, with the originator's
/// privilege decided under the group's `macp`; `None` when the resource before `fopt`
/// is no group (then `fopt` is an ordinary resource name).
pub(super) fn to_fan_out(
    tx: &mut Txn<'_>,
    req: &Request,
    address: &Address,
    who: &Requester,
    access: Access,
) -> CseResult<Option<Route>> {
    if fan_out_point::may_fan_out(&req.to)
        && let Some((group, rest)) = fan_out_point::group_at(tx, address)?
    {
        security::authorize_fan_out(
            tx.cse.site(),
            tx,
            &group.question(who, access),
            fan_out_point::FAN_OUT_POINT,
        )?;
        return fan_out_point::plan(group, &rest).map(|plan| Some(Route::FanOut(plan)));
    }
    Ok(None)
}

/// A request to a channel's `pcu`: CREATE, UPDATE and DELETE are refused (4005)
/// before access; only the AE the channel belongs to may poll it or answer through it
/// (4103; the administrator neither: the queue is the AE's).
fn to_channel(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    channel: Channel,
) -> CseResult<Route> {
    if !matches!(req.op, Operation::Retrieve | Operation::Notify) {
        return Err(CseError::not_allowed(format!(
            "{} is not allowed on a pollingChannelURI: RETRIEVE polls it, NOTIFY answers a request received through it",
            req.op.name()
        )));
    }
    if let Verdict::Deny(why) = Judge::new(tx.cse.site(), who).represents(&channel.owner) {
        return Err(CseError::new(
            ResponseStatusCode::OriginatorHasNoPrivilege,
            format!(
                "originator '{}' may not use '{}/{}': {why}",
                who.originator.as_deref().unwrap_or_default(),
                channel.path,
                polling_channel::PCU
            ),
        ));
    }
    Ok(match req.op {
        Operation::Notify => Route::Answer(channel),
        _ => Route::Poll(channel),
    })
}

/// A NOTIFY to a loaded (and authorized) target that relays it: an AE of this CSE
/// (TS-0004 §7.3.3.9, spec digest polling-and-requests §4); `None` for targets that
/// process a NOTIFY themselves.
pub(super) fn to_relay(
    tx: &mut Txn<'_>,
    req: &Request,
    target: &Target,
) -> CseResult<Option<Route>> {
    if req.op != Operation::Notify || target.resource.ty != ResourceType::Ae {
        return Ok(None);
    }
    let release = target::release_of(&target.resource);
    target::reach(tx, &req.to, &target.resource).map(|reach| Some(Route::Relay { reach, release }))
}

/// The targets to verify before a CREATE or UPDATE of a type that verifies its
/// notification targets runs, found after the request's own load and access check.
pub(super) fn to_verification(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    target: &Target,
    access: Access,
) -> CseResult<Option<Route>> {
    let kind = match access {
        Access::Create(ty) => check_child_allowed(target.resource.kind(), ty)?,
        _ => target.resource.kind(),
    };
    if !kind.verifies_targets() {
        return Ok(None);
    }
    Ok(kind
        .verification(tx, req, who, &target.resource)?
        .map(Route::Verify))
}

/// A RETRIEVE with rcn=7 (original-resource) of a loaded, authorized target: the
/// route to its original when it is an announced resource; 4000 for any other.
pub(super) fn to_original(
    tx: &mut Txn<'_>,
    req: &Request,
    target: &Target,
) -> CseResult<Option<Route>> {
    if req.op != Operation::Retrieve || req.rcn != Some(ResultContent::OriginalResource) {
        return Ok(None);
    }
    let resource = &target.resource;
    let lnk = resource
        .kind()
        .spec()
        .original
        .and_then(|_| resource.attrs.get("lnk"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            CseError::bad_request(format!(
                "rcn=7 (original resource) applies to announced resources only, and '{}' is {}",
                resource.path,
                resource.ty.with_article()
            ))
        })?;
    let cse = crate::core::announcement::entry_target(lnk).to_owned();
    let hop = to_forward(tx, req, &cse)?;
    Ok(Some(Route::Original {
        hop,
        to: lnk.to_owned(),
    }))
}

/// The next hop of a request for another CSE (`cse`, as the `To` named it), found in
/// the request's transaction (spec digest inter-cse §3, TS-0004 §7.3.2.8).
pub(super) fn to_forward(tx: &mut Txn<'_>, req: &Request, cse: &str) -> CseResult<Hop> {
    crate::core::remote_cses::next_hop(tx, req.from.as_deref(), cse)?.ok_or_else(|| {
        CseError::not_found(format!(
            "no forwarding route: '{}' is on CSE {cse}, which this CSE ({}) does not know",
            req.to, tx.cse.cse_id
        ))
    })
}
