//! The one decision (TS-0003 §7.1.5 permit-overrides, TS-0001 §9.6.1.3 default
//! policy): a resource is judged by the policies its `acpi` names (any rule of any of
//! them may permit), by its creator alone when it names none, by its parent when its
//! type has no `acpi` (instances), and by its own selfPrivileges when it is a policy.
//! A judge lives for one request and remembers the policies and parent decisions it
//! loaded, so a listing of many instances of one container costs one decision.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use onecse_models::resource::acp::{Privileges, Situation, canonical_originator, operation};

use super::policies::{Policy, rules};
use super::{DefaultAccess, Governance, Records, Requester, Site, Subject};
use crate::error::CseResult;

/// The outcome of one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Some rule (or the default policy) grants it.
    Permit,
    /// Nothing grants it; why, for the 4103 message.
    Deny(String),
}

/// Decides for one requester, with what it loaded so far.
pub struct Judge<'w> {
    site: Site<'w>,
    who: &'w Requester,
    originator: String,
    sp_id: String,
    policies: HashMap<String, Option<Arc<Policy>>>,
    inherited: HashMap<(String, u8), Verdict>,
    /// Whether the requester is a member, by group resourceID, of the groups `acor`
    /// entries named so far.
    groups: HashMap<String, bool>,
}

impl<'w> Judge<'w> {
    /// A judge for `who` at `site`.
    pub fn new(site: Site<'w>, who: &'w Requester) -> Self {
        let sp_id = format!("//{}", site.sp_id);
        let originator = who
            .originator
            .as_deref()
            .map(|o| canonical_originator(o, site.cse_id, &sp_id))
            .unwrap_or_default();
        Self {
            site,
            who,
            originator,
            sp_id,
            policies: HashMap::new(),
            inherited: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    /// Whether the requester may perform the operation `bit` on `resource` (whose
    /// parent the caller passes when it has it loaded). `create` is the new child's
    /// type and the target's type, for `acod`.
    pub fn decide<R: Records>(
        &mut self,
        records: &mut R,
        resource: &Subject<'_>,
        parent: Option<&Subject<'_>>,
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<Verdict> {
        if self.who.admin {
            return Ok(Verdict::Permit);
        }
        let verdict = self.decide_own(records, resource, parent, bit, create)?;
        if let Verdict::Deny(why) = &verdict
            && overseen_by_parent(resource, bit)
        {
            return Ok(
                match self.decide_by_parent(records, resource, parent, operation::DELETE, None)? {
                    Verdict::Permit => Verdict::Permit,
                    Verdict::Deny(_) => Verdict::Deny(format!(
                        "{why}, and it may not DELETE the subscribed-to resource"
                    )),
                },
            );
        }
        Ok(verdict)
    }

    /// The decision by the resource's own governance alone.
    fn decide_own<R: Records>(
        &mut self,
        records: &mut R,
        resource: &Subject<'_>,
        parent: Option<&Subject<'_>>,
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<Verdict> {
        match resource.governance {
            Governance::SelfPrivileges => {
                let pvs = rules(resource.attrs, "pvs");
                Ok(if self.grants(records, &pvs, bit, create)? {
                    Verdict::Permit
                } else {
                    Verdict::Deny("no rule in the policy's own selfPrivileges grants it".into())
                })
            }
            Governance::Parent => self.decide_by_parent(records, resource, parent, bit, create),
            Governance::ParentEntity => Ok(self.represents(resource.pi.unwrap_or(""))),
            Governance::Policies => match policy_ids(resource) {
                Some(ids) => self.decide_by_policies(
                    records,
                    resource.policy_docs,
                    &ids,
                    |p| &p.privileges,
                    bit,
                    create,
                ),
                None => match self.default_policy(resource) {
                    // Inheritance stops below the CSEBase: its policy is about the
                    // CSEBase, not about everything registered under it.
                    Verdict::Deny(_)
                        if self.site.settings.default_access == DefaultAccess::Parent
                            && resource.pi.is_some_and(|pi| pi != self.site.cse_ri) =>
                    {
                        self.decide_by_parent(records, resource, parent, bit, create)
                    }
                    verdict => Ok(verdict),
                },
            },
        }
    }

    /// Whether the requester may change `resource`'s `acpi`: UPDATE in the
    /// selfPrivileges of a policy it names now, or its creator when it names none.
    pub fn may_change_policies<R: Records>(
        &mut self,
        records: &mut R,
        resource: &Subject<'_>,
    ) -> CseResult<Verdict> {
        if self.who.admin {
            return Ok(Verdict::Permit);
        }
        match policy_ids(resource) {
            Some(ids) => self.decide_by_policies(
                records,
                resource.policy_docs,
                &ids,
                |p| &p.self_privileges,
                operation::UPDATE,
                None,
            ),
            None => Ok(self.default_policy(resource)),
        }
    }

    fn decide_by_parent<R: Records>(
        &mut self,
        records: &mut R,
        resource: &Subject<'_>,
        parent: Option<&Subject<'_>>,
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<Verdict> {
        let Some(pi) = resource.pi else {
            return Ok(Verdict::Deny(
                "it has no parent to take a decision from".into(),
            ));
        };
        let key = (pi.to_owned(), bit);
        if create.is_none()
            && let Some(verdict) = self.inherited.get(&key)
        {
            return Ok(verdict.clone());
        }
        let verdict = match parent {
            Some(parent) => self.decide(records, parent, None, bit, create)?,
            None => match records.find(pi)? {
                Some(loaded) => self.decide(records, &R::subject(&loaded), None, bit, create)?,
                None => Verdict::Deny("its parent no longer exists".into()),
            },
        };
        if create.is_none() {
            self.inherited.insert(key, verdict.clone());
        }
        Ok(verdict)
    }

    /// Permit-overrides over the policies `ids`, whose documents `docs` may hold.
    fn decide_by_policies<R: Records>(
        &mut self,
        records: &mut R,
        docs: Option<&[(String, String)]>,
        ids: &[String],
        rules: fn(&Policy) -> &Privileges,
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<Verdict> {
        self.load(records, docs, ids)?;
        let policies: Vec<Arc<Policy>> = ids
            .iter()
            .filter_map(|id| self.policies.get(id).cloned().flatten())
            .collect();
        let mut granted = false;
        for policy in &policies {
            if self.grants(records, rules(policy), bit, create)? {
                granted = true;
                break;
            }
        }
        Ok(if granted {
            Verdict::Permit
        } else {
            Verdict::Deny(format!(
                "no rule of its access control policies {} grants it",
                ids.join(", ")
            ))
        })
    }

    /// Whether the requester may perform the operation `bit` (`create` as in
    /// [`Judge::decide`]) under the policies `ids` a resource names in an attribute
    /// other than `acpi` (a group's `macp`, which decides what may go through its
    /// fan-out point, TS-0001 §9.6.13).
    pub fn decide_under<R: Records>(
        &mut self,
        records: &mut R,
        ids: &[String],
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<Verdict> {
        if self.who.admin {
            return Ok(Verdict::Permit);
        }
        // Documents loaded with a resource are those of its `acpi`, not these.
        self.decide_by_policies(records, None, ids, |p| &p.privileges, bit, create)
    }

    /// Makes the policies `ids` known: those in `docs` (loaded with the resource that
    /// names them) as they are, the others with one query; missing ones are
    /// remembered as missing (they grant nothing).
    fn load<R: Records>(
        &mut self,
        records: &mut R,
        docs: Option<&[(String, String)]>,
        ids: &[String],
    ) -> CseResult<()> {
        let missing: Vec<&str> = ids
            .iter()
            .filter(|id| !self.policies.contains_key(*id))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for id in &missing {
            self.policies.insert((*id).to_owned(), None);
        }
        let loaded = match docs {
            Some(docs) => docs.to_vec(),
            None => records.policy_documents(&missing)?,
        };
        for (ri, doc) in loaded {
            let policy = self.site.policy_cache.get(&ri, &doc);
            self.policies.insert(ri, Some(policy));
        }
        Ok(())
    }

    /// Whether the requester is the entity with this ID (an AE-ID, compared in
    /// SP-relative form): the only one a pollingChannel of that AE serves.
    pub fn represents(&self, entity: &str) -> Verdict {
        let entity = canonical_originator(entity, self.site.cse_id, &self.sp_id);
        if !self.originator.is_empty() && entity == self.originator {
            Verdict::Permit
        } else {
            Verdict::Deny(format!(
                "only '{entity}', the AE it belongs to, may use a pollingChannel"
            ))
        }
    }

    /// TS-0001 §9.6.1.3: without `acpi`, only the creator has access, or (R4) its
    /// custodian `cstn` instead when one is set. Both come with the resource: no query.
    fn default_policy(&self, resource: &Subject<'_>) -> Verdict {
        let custodian = resource.attrs.get("cstn").and_then(Value::as_str);
        let (holder, role) = match custodian {
            Some(custodian) => (Some(custodian), "custodian"),
            None => (resource.owner, "creator"),
        };
        let holder = holder.map(|o| canonical_originator(o, self.site.cse_id, &self.sp_id));
        if !self.originator.is_empty() && holder.as_deref() == Some(self.originator.as_str()) {
            Verdict::Permit
        } else {
            Verdict::Deny(format!(
                "it has no accessControlPolicyIDs, so only its {role} may access it"
            ))
        }
    }

    /// Whether some rule of `privileges` grants the request, matched against its facts
    /// (the request time, so one request sees one instant in every window). A group an
    /// `acor` entry names is looked up once per request, and only when the rest of
    /// its rule holds.
    fn grants<R: Records>(
        &mut self,
        records: &mut R,
        privileges: &Privileges,
        bit: u8,
        create: Option<(u16, u16)>,
    ) -> CseResult<bool> {
        let situation = Situation {
            originator: &self.originator,
            cse_id: self.site.cse_id,
            sp_id: &self.sp_id,
            operation: bit,
            create,
            time: records.now(),
            ip: self.who.caller.ip,
            authenticated: self.who.caller.authenticated,
        };
        let (groups, site, sp_id) = (&mut self.groups, self.site, self.sp_id.as_str());
        let originator = self.originator.as_str();
        let mut failure = None;
        let mut member_of = |group: &str| {
            if let Some(known) = groups.get(group) {
                return *known;
            }
            let member = match records.group_members(group) {
                Ok(members) => members.into_iter().flatten().any(|m| {
                    !originator.is_empty()
                        && canonical_originator(&m, site.cse_id, sp_id) == originator
                }),
                Err(error) => {
                    failure.get_or_insert(error);
                    false
                }
            };
            groups.insert(group.to_owned(), member);
            member
        };
        let granted = privileges.permits_with(&situation, &mut member_of);
        match failure {
            Some(error) => Err(error),
            None => Ok(granted),
        }
    }
}

/// Whether whoever may DELETE `resource`'s parent may also perform `bit` on it: a
/// resource that watches its parent (a subscription) may be seen, listed and deleted
/// by those who may delete what it watches. Deleting the parent deletes its
/// subscriptions with it (a DELETE removes the whole subtree), so this grants nothing
/// they could not already do, and lets the owner of a resource see and remove a
/// stranger's subscription on it without removing the resource.
fn overseen_by_parent(resource: &Subject<'_>, bit: u8) -> bool {
    matches!(
        bit,
        operation::RETRIEVE | operation::DELETE | operation::DISCOVER
    ) && resource.ty.spec().is_some_and(|spec| spec.watches_parent)
}

/// The resource's `acpi`, `None` when it names no policy.
fn policy_ids(resource: &Subject<'_>) -> Option<Vec<String>> {
    let ids = resource.ids("acpi");
    (!ids.is_empty()).then_some(ids)
}
