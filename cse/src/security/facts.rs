//! What a decision is given, in security's own terms: the CSE it is made at
//! ([`Site`]), the resources it is about ([`Subject`]), the question ([`Question`]),
//! and the lookups it may make while it runs ([`Records`]). The core describes its
//! records this way, so security never reads a core type.

use chrono::{DateTime, Utc};
use onecse_models::ResourceType;
use serde_json::{Map, Value};

use super::{Access, AccessSettings, PolicyCache, Requester};
use crate::error::CseResult;

/// How the access to a resource of some type is decided (TS-0001 §9.6.1.3): a
/// constant of the type, declared in its spec.
pub use onecse_models::resource::Governance;

/// The CSE a decision is made at: the identity originators are compared in, the
/// access settings, and the policies parsed so far.
#[derive(Debug, Clone, Copy)]
pub struct Site<'w> {
    /// SP-relative CSE-ID (`/id-in`).
    pub cse_id: &'w str,
    /// resourceID of the CSEBase (`id-in`): inheritance of a decision stops below it.
    pub cse_ri: &'w str,
    /// M2M-SP-ID without `//`.
    pub sp_id: &'w str,
    /// The always-allowed originator, which may never become an AE-ID.
    pub admin_originator: &'w str,
    /// Who may register AEs, and the fallback for resources without `acpi`.
    pub settings: &'w AccessSettings,
    /// Access control policies parsed so far, shared by every request.
    pub policy_cache: &'w PolicyCache,
}

/// A resource a decision is about, as the core loaded it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'r> {
    /// Its type.
    pub ty: ResourceType,
    /// How its type is decided.
    pub governance: Governance,
    /// resourceID (an AE's is its AE-ID).
    pub ri: &'r str,
    /// parentID (`None` for the CSEBase).
    pub pi: Option<&'r str>,
    /// Structured CSE-relative address, for messages.
    pub path: &'r str,
    /// The originator that created it: all rights while it has no `acpi`.
    pub owner: Option<&'r str>,
    /// Its attributes (`acpi`, a group's `macp`, a policy's `pvs`).
    pub attrs: &'r Map<String, Value>,
    /// (resourceID, document) of the live policies its `acpi` names, when they were
    /// loaded with it; `None` when the decision must load them.
    pub policy_docs: Option<&'r [(String, String)]>,
}

impl Subject<'_> {
    /// The entries of the list attribute `name` (`acpi`, `macp`), empty when absent.
    pub fn ids(&self, name: &str) -> Vec<String> {
        let items = self.attrs.get(name).and_then(Value::as_array);
        let texts = items.into_iter().flatten().filter_map(Value::as_str);
        texts.map(str::to_owned).collect()
    }
}

/// One access question: who asks for what, on which resource.
#[derive(Debug, Clone)]
pub struct Question<'r> {
    /// Who asks.
    pub who: &'r Requester,
    /// The privilege asked for.
    pub access: Access,
    /// For a CREATE, what it would make (`None` for every other access).
    /// The addressed resource (for a CREATE, the parent of the new one).
    pub target: Subject<'r>,
    /// The target's parent, when the core has it loaded.
    pub parent: Option<Subject<'r>>,
}

/// The lookups a decision may make while it runs, inside the request's transaction:
/// the core implements them on its transaction.
pub trait Records {
    /// A resource as the core loads it.
    type Loaded;

    /// The request time, so one request sees one instant in every rule's window.
    fn now(&self) -> DateTime<Utc>;

    /// The live resource `ri`, with the documents of the policies its `acpi` names;
    /// `None` when it no longer exists.
    fn find(&mut self, ri: &str) -> CseResult<Option<Self::Loaded>>;

    /// What a loaded resource is, as a decision reads it.
    fn subject(loaded: &Self::Loaded) -> Subject<'_>;

    /// (resourceID, document) of the live accessControlPolicies among `ids`.
    fn policy_documents(&mut self, ids: &[&str]) -> CseResult<Vec<(String, String)>>;

    /// The `mid` of the live `<group>` `ri` (`None` when there is none): asked only
    /// for an `acor` entry that names a group.
    fn group_members(&mut self, ri: &str) -> CseResult<Option<Vec<String>>>;
}
