//! Access decisions. [`authorize`] is called by dispatch for every operation, after
//! the target is loaded and before anything is written; [`Sight`] answers child
//! listings and discovery for each row they would return. Both ask one [`Judge`]
//! (access control policies, the default policy, the administrator), so a request and
//! a listing can never disagree.

mod access_settings;
mod judge;
mod policies;

pub mod auth;
pub mod token;

use std::net::IpAddr;

use onecse_models::primitive::Request;
use onecse_models::resource::acp::operation;
use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Destination, Target};
use crate::core::record::{self, Resource};
use crate::core::resources;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

pub use access_settings::{AccessSettings, DefaultAccess};
pub use judge::{Judge, Verdict};
pub use policies::PolicyCache;

/// What the binding knows about the sender of a request beyond its primitive: the
/// facts access-control contexts (`acip`) and the authentication flag (`acaf`) need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caller {
    /// The peer's IP address, when the binding has one.
    pub ip: Option<IpAddr>,
    /// Whether the binding verified that the originator is who it claims to be.
    pub authenticated: bool,
}

/// Who asks: what a decision is made about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// The originator (`None` only for an AE registration without one).
    pub originator: Option<String>,
    /// Whether the originator is the CSE's administrator, always allowed.
    pub admin: bool,
    /// How the request arrived.
    pub caller: Caller,
}

impl Requester {
    /// The requester of `req`, sent by `caller`, at `cse`.
    pub fn of(req: &Request, caller: Caller, cse: &Cse) -> Self {
        Self {
            admin: req.from.as_deref() == Some(cse.admin_originator.as_str()),
            originator: req.from.clone(),
            caller,
        }
    }
}

/// The privilege an operation needs on its target (TS-0001 §9.6.2 `acop` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// CREATE of a child of this type under the target. A type that watches its
    /// parent (a subscription) also needs RETRIEVE on it (TS-0004 §7.4.8.2.1).
    Create(ResourceType),
    /// RETRIEVE of the target.
    Retrieve,
    /// UPDATE of the target's attributes other than `acpi`.
    Update,
    /// UPDATE of the target's `acpi`: decided by the selfPrivileges of the policies
    /// it names now (TS-0001 §9.6.1.3), or by its creator when it names none.
    UpdatePolicies,
    /// DELETE of the target.
    Delete,
    /// NOTIFY to the target.
    Notify,
    /// DISCOVER below the target.
    Discover,
}

impl Access {
    /// The `acop` bit this access needs.
    pub fn bit(self) -> u8 {
        match self {
            Self::Create(_) => operation::CREATE,
            Self::Retrieve => operation::RETRIEVE,
            Self::Update | Self::UpdatePolicies => operation::UPDATE,
            Self::Delete => operation::DELETE,
            Self::Notify => operation::NOTIFY,
            Self::Discover => operation::DISCOVER,
        }
    }
}

/// How the access to a resource of some type is decided (TS-0001 §9.6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Governance {
    /// By the policies its `acpi` names, or the default policy without one.
    Policies,
    /// By its parent's decision (types without `acpi`: instances, virtual resources).
    Parent,
    /// By its own selfPrivileges (an accessControlPolicy).
    SelfPrivileges,
    /// Only the entity its parent `<AE>` represents (the AE-ID), and the
    /// administrator: a pollingChannel, which has no `acpi` (TS-0001 §9.6.21).
    ParentEntity,
}

/// Decides whether `who` may perform `access` on `target`; a denial is 4103 with a
/// message naming the operation and the missing privilege. Discovery is not decided
/// on its target: each result is (see [`Sight`]). An AE registration is decided by
/// the registration rules, not by the CSEBase's policies (TS-0001 §10.2.2.2).
pub fn authorize(
    tx: &mut Txn<'_>,
    who: &Requester,
    access: Access,
    target: &Target,
) -> CseResult<()> {
    // Dispatch refused children the target cannot have (4108) before this point, so
    // a registering type reaches here only under the CSEBase.
    let created = match access {
        Access::Create(ty) => resources::kind(ty),
        _ => None,
    };
    if created.is_some_and(|kind| kind.registers_originator()) {
        return tx
            .cse
            .access
            .check_registrant(who, &tx.cse.admin_originator);
    }
    if who.admin || access == Access::Discover {
        return Ok(());
    }
    let mut judge = Judge::new(tx.cse, who);
    if created.is_some_and(|kind| kind.governance() == Governance::ParentEntity) {
        // The new resource's parent is the entity (an AE, whose resourceID is its AE-ID).
        if let Verdict::Deny(why) = judge.represents(&target.resource.ri) {
            return Err(denied(who, access, &target.resource.path, &why));
        }
        return Ok(());
    }
    let resource = &target.resource;
    let parent = target.parent.as_ref();
    let required: &[Access] = if created.is_some_and(|kind| kind.watches_parent()) {
        &[access, Access::Retrieve]
    } else {
        &[access]
    };
    for needed in required {
        let verdict = match needed {
            Access::UpdatePolicies => judge.may_change_policies(tx, resource)?,
            Access::Create(ty) => {
                let create = Some((ty.number(), resource.ty.number()));
                judge.decide(tx, resource, parent, needed.bit(), create)?
            }
            other => judge.decide(tx, resource, parent, other.bit(), None)?,
        };
        if let Verdict::Deny(why) = verdict {
            return Err(denied(who, *needed, &resource.path, &why));
        }
    }
    Ok(())
}

/// The 4103 answer to a denied request: who, which operation on what, which
/// privilege is missing, and why no rule gave it.
fn denied(who: &Requester, access: Access, path: &str, why: &str) -> CseError {
    let originator = who.originator.as_deref().unwrap_or("");
    let bit = operation::name(access.bit());
    let (operation, privilege) = match access {
        Access::Create(ty) => (
            format!(
                "CREATE {} under",
                crate::core::resources::with_article(ty.long_name())
            ),
            format!("the {bit} privilege"),
        ),
        Access::UpdatePolicies => (
            "UPDATE the accessControlPolicyIDs of".to_owned(),
            format!("the {bit} privilege in the selfPrivileges"),
        ),
        _ => (bit.to_owned(), format!("the {bit} privilege")),
    };
    CseError::new(
        ResponseStatusCode::OriginatorHasNoPrivilege,
        format!(
            "originator '{originator}' may not {operation} '{path}': it lacks {privilege} ({why})"
        ),
    )
}

/// Checks `acpi` in request content and stores it as resourceIDs: every entry must
/// name a live accessControlPolicy of this CSE, in any addressing form (4000
/// otherwise, as ACME answers); an empty list is refused (`null` removes `acpi`).
pub fn check_policy_ids(tx: &mut Txn<'_>, attrs: &mut Map<String, Value>) -> CseResult<()> {
    check_policy_list(tx, attrs, "acpi")
}

/// Checks and stores as resourceIDs a list attribute naming accessControlPolicies
/// (`acpi`, a group's `macp`), with the rules of [`check_policy_ids`].
pub fn check_policy_list(
    tx: &mut Txn<'_>,
    attrs: &mut Map<String, Value>,
    name: &str,
) -> CseResult<()> {
    let Some(Value::Array(entries)) = attrs.get(name) else {
        return Ok(());
    };
    if entries.is_empty() {
        return Err(CseError::bad_request(format!(
            "{name} must name at least one accessControlPolicy (send null to remove it)"
        )));
    }
    let mut ids: Vec<String> = Vec::with_capacity(entries.len());
    for entry in entries.clone() {
        let entry = entry.as_str().unwrap_or_default();
        let found = match addressing::parse(entry, tx.cse) {
            Ok(Destination::Local(address)) => addressing::find(tx, &address)?,
            _ => None,
        };
        match found {
            Some(policy) if policy.ty == ResourceType::AccessControlPolicy => {
                if !ids.contains(&policy.ri) {
                    ids.push(policy.ri);
                }
            }
            _ => {
                return Err(CseError::bad_request(format!(
                    "{name} names '{entry}', which is not an accessControlPolicy of this CSE"
                )));
            }
        }
    }
    attrs.insert(name.into(), json!(ids));
    Ok(())
}

/// Decides whether `who` may send a request needing `access` through the fan-out
/// point of `group`: by the policies its `macp` names, or by the group's own
/// access control when it names none (spec digest access-control §3, TS-0001
/// §9.6.13). Each member's own access control is decided later, per member request.
pub fn authorize_fan_out(
    tx: &mut Txn<'_>,
    who: &Requester,
    access: Access,
    group: &Resource,
) -> CseResult<()> {
    if who.admin {
        return Ok(());
    }
    let mut judge = Judge::new(tx.cse, who);
    let members_policies = record::string_items(&group.attrs, "macp");
    let create = match access {
        Access::Create(ty) => Some((ty.number(), group.ty.number())),
        _ => None,
    };
    let verdict = if members_policies.is_empty() {
        judge.decide(tx, group, None, access.bit(), create)?
    } else {
        judge.decide_under(tx, &members_policies, access.bit(), create)?
    };
    match verdict {
        Verdict::Permit => Ok(()),
        Verdict::Deny(why) => {
            let why = if members_policies.is_empty() {
                why
            } else {
                format!(
                    "no rule of its membersAccessControlPolicyIDs {} grants it",
                    members_policies.join(", ")
                )
            };
            let point = format!("{}/{}", group.path, resources::grp::FAN_OUT_POINT);
            Err(denied(who, access, &point, &why))
        }
    }
}

/// Answers, row by row, whether a child listing (RETRIEVE) or discovery (DISCOVER)
/// may show a resource to its requester, reusing loaded policies and parent
/// decisions across the rows of one request.
pub struct Sight<'w> {
    judge: Judge<'w>,
    bit: u8,
    everything: bool,
}

impl<'w> Sight<'w> {
    /// The sight of `who` for `access` (RETRIEVE or DISCOVER).
    pub fn new(cse: &'w Cse, who: &'w Requester, access: Access) -> Self {
        Self {
            judge: Judge::new(cse, who),
            bit: access.bit(),
            everything: who.admin,
        }
    }

    /// Whether every row is visible (the administrator): callers may then let the
    /// database page.
    pub fn sees_everything(&self) -> bool {
        self.everything
    }

    /// Whether `resource` may be shown.
    pub fn sees(&mut self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<bool> {
        if self.everything {
            return Ok(true);
        }
        let verdict = self.judge.decide(tx, resource, None, self.bit, None)?;
        Ok(verdict == Verdict::Permit)
    }
}
