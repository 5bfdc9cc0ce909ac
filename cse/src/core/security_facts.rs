//! The core's records told in the terms security decides on: the CSE as a
//! [`Site`], a resource as a [`Subject`], a request's access as a [`Question`]
//! (security reads a created type's facts from its spec in the models), and the lookups
//! a decision makes in the request's transaction ([`Records`] on [`Txn`]). Security
//! reads no core type; this file is where the core translates.

use chrono::{DateTime, Utc};
use onecse_models::ResourceType;

use crate::core::Cse;
use crate::core::addressing::Target;
use crate::core::record::{Resource, string_items};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::{Access, Question, Records, Requester, Site, Subject};
use crate::store::resource_table::{self, Key};

impl Cse {
    /// This CSE as access decisions see it.
    pub fn site(&self) -> Site<'_> {
        Site {
            cse_id: &self.cse_id,
            cse_ri: &self.cse_ri,
            sp_id: &self.sp_id,
            admin_originator: &self.admin_originator,
            settings: &self.access,
            policy_cache: &self.policy_cache,
        }
    }
}

impl Resource {
    /// This resource as access decisions see it.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            ty: self.ty,
            governance: self.kind().governance(),
            ri: &self.ri,
            pi: self.pi.as_deref(),
            path: &self.path,
            owner: self.owner.as_deref(),
            attrs: &self.attrs,
            policy_docs: self.policy_docs.as_deref(),
        }
    }
}

impl Resource {
    /// The question whether `who` may have `access` on this resource.
    pub fn question<'r>(&'r self, who: &'r Requester, access: Access) -> Question<'r> {
        question(who, access, self, None)
    }
}

impl Target {
    /// The question whether `who` may have `access` on this target, with its parent
    /// when it was loaded.
    pub fn question<'r>(&'r self, who: &'r Requester, access: Access) -> Question<'r> {
        question(who, access, &self.resource, self.parent.as_ref())
    }
}

/// The question whether `who` may have `access` on `target` (whose `parent` the
/// caller passes when it has it loaded).
fn question<'r>(
    who: &'r Requester,
    access: Access,
    target: &'r Resource,
    parent: Option<&'r Resource>,
) -> Question<'r> {
    Question {
        who,
        access,
        target: target.subject(),
        parent: parent.map(Resource::subject),
    }
}

impl Records for Txn<'_> {
    type Loaded = Resource;

    fn now(&self) -> DateTime<Utc> {
        self.now.as_datetime()
    }

    fn find(&mut self, ri: &str) -> CseResult<Option<Resource>> {
        match resource_table::find_with_policies(self.conn, Key::Ri(ri), &self.now_text)? {
            Some((row, policies)) => Resource::with_policies(row, policies).map(Some),
            None => Ok(None),
        }
    }

    fn subject(loaded: &Resource) -> Subject<'_> {
        loaded.subject()
    }

    fn policy_documents(&mut self, ids: &[&str]) -> CseResult<Vec<(String, String)>> {
        Ok(resource_table::policy_documents(
            self.conn,
            ids,
            &self.now_text,
        )?)
    }

    fn group_members(&mut self, ri: &str) -> CseResult<Option<Vec<String>>> {
        Ok(self
            .find(ri)?
            .filter(|group| group.ty == ResourceType::Group)
            .map(|group| string_items(&group.attrs, "mid")))
    }
}
