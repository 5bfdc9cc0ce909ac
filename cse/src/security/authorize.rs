//! The decision on one request: [`authorize`] for its target, [`authorize_fan_out`]
//! for what goes through a group's fan-out point, and the 4103 answer both give.

use onecse_models::ResponseStatusCode;
use onecse_models::resource::acp::operation;

use super::{Access, Governance, Judge, Question, Records, Site, Verdict};
use crate::error::{CseError, CseResult};

/// Decides whether `question.who` may perform `question.access` on its target; a
/// denial is 4103 with a message naming the operation and the missing privilege.
/// Discovery is not decided on its target: each result is (see [`super::Sight`]). An
/// AE registration is decided by the registration rules, not by the CSEBase's
/// policies (TS-0001 §10.2.2.2).
pub fn authorize<R: Records>(
    site: Site<'_>,
    records: &mut R,
    question: &Question<'_>,
) -> CseResult<()> {
    let who = question.who;
    let access = question.access;
    // Dispatch refused children the target cannot have (4108) before this point, so
    // a registering type reaches here only under the CSEBase.
    // The facts of the type a CREATE makes come from its spec; a type this CSE does
    // not host has none (dispatch refused it before).
    let created = match access {
        Access::Create(ty) => ty.spec(),
        _ => None,
    };
    if created.is_some_and(|created| created.registers_originator) {
        return site.settings.check_registrant(who, site.admin_originator);
    }
    if created.is_some_and(|created| created.registers_cse) {
        return site.settings.check_cse_registrant(who);
    }
    // A registered CSE reads the CSEBase it registered with (TS-0001 §10.2.2.7 steps
    // 5–8), whatever its policies say.
    if who.registered_cse
        && access == Access::Retrieve
        && question.target.ty == onecse_models::ResourceType::CseBase
    {
        return Ok(());
    }
    // A registered CSE places the copies of its announced resources under the
    // CSEBase (its `<CSEBaseAnnc>`, TS-0001 §10.2.13.2); below that copy they are its
    // own (their creator), as no `acpi` is announced with them.
    if who.registered_cse
        && created.is_some_and(|created| created.original.is_some())
        && question.target.ty == onecse_models::ResourceType::CseBase
    {
        return Ok(());
    }
    if who.admin || access == Access::Discover {
        return Ok(());
    }
    let mut judge = Judge::new(site, who);
    let resource = &question.target;
    if created.is_some_and(|created| created.governance == Governance::ParentEntity) {
        // The new resource's parent is the entity (an AE, whose resourceID is its AE-ID).
        if let Verdict::Deny(why) = judge.represents(resource.ri) {
            return Err(denied(question, access, resource.path, &why));
        }
        return Ok(());
    }
    let parent = question.parent.as_ref();
    let required: &[Access] = if created.is_some_and(|created| created.watches_parent) {
        &[access, Access::Retrieve]
    } else {
        &[access]
    };
    for needed in required {
        let verdict = match needed {
            Access::UpdatePolicies => judge.may_change_policies(records, resource)?,
            Access::Create(ty) => {
                let create = Some((ty.number(), resource.ty.number()));
                judge.decide(records, resource, parent, needed.bit(), create)?
            }
            other => judge.decide(records, resource, parent, other.bit(), None)?,
        };
        if let Verdict::Deny(why) = verdict {
            return Err(denied(question, *needed, resource.path, &why));
        }
    }
    Ok(())
}

/// Decides whether `question.who` may send a request needing `question.access`
/// through the fan-out point (named `point`) of the group `question.target`: by the
/// policies its `macp` names, or by the group's own access control when it names
/// none (spec digest access-control §3, TS-0001 §9.6.13). Each member's own access
/// control is decided later, per member request.
pub fn authorize_fan_out<R: Records>(
    site: Site<'_>,
    records: &mut R,
    question: &Question<'_>,
    point: &str,
) -> CseResult<()> {
    let who = question.who;
    if who.admin {
        return Ok(());
    }
    let access = question.access;
    let group = &question.target;
    let mut judge = Judge::new(site, who);
    let members_policies = group.ids("macp");
    let create = match access {
        Access::Create(ty) => Some((ty.number(), group.ty.number())),
        _ => None,
    };
    let verdict = if members_policies.is_empty() {
        judge.decide(records, group, None, access.bit(), create)?
    } else {
        judge.decide_under(records, &members_policies, access.bit(), create)?
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
            let point = format!("{}/{point}", group.path);
            Err(denied(question, access, &point, &why))
        }
    }
}

/// The 4103 answer to a denied request: who, which operation on what, which
/// privilege is missing, and why no rule gave it.
fn denied(question: &Question<'_>, access: Access, path: &str, why: &str) -> CseError {
    let originator = question.who.originator.as_deref().unwrap_or("");
    let bit = operation::name(access.bit());
    let (operation, privilege) = match access {
        Access::Create(ty) => (
            format!("CREATE {} under", ty.with_article()),
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
