//! The per-type seam: what a resource type adds to the generic processing. Constant
//! facts come from the type's [`TypeSpec`] in `onecse_models`; the behaviour hooks are
//! the kind's own.

use onecse_models::primitive::{Request, Response};
pub use onecse_models::resource::with_article;
use onecse_models::resource::{Extension, Governance, TypeSpec, children_of};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value};

use crate::core::Cse;
use crate::core::notification::Verification;
use crate::core::record::Resource;
use crate::core::resources::InstancePolicy;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;

/// A value a type keeps unique among a resource's siblings (stored in the indexed
/// `uk` column), with what a conflict says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingKey {
    /// The stored value (prefix it with what it is, so kinds sharing a parent differ).
    pub key: String,
    /// The 4105 message when a sibling already holds it.
    pub conflict: String,
}

/// Refuses request content about a resource of type `ty` whose root key is not the
/// `expected` one (`m2m:cnt`), 4000.
pub fn check_root(ty: ResourceType, root: &str, expected: &str) -> CseResult<()> {
    if root == expected {
        return Ok(());
    }
    Err(CseError::bad_request(format!(
        "request content root is '{root}' but this request is about {} ('{expected}')",
        with_article(ty.long_name())
    )))
}

/// What a resource type adds to the generic processing. Every method has the
/// behaviour most types want as its default, so a module states only how its type
/// differs. Hooks run inside the request's transaction.
pub trait ResourceKind: Sync {
    /// The type's one definition in `onecse_models` (attributes, parents, constant
    /// facts): the methods below that state facts read it.
    fn spec(&self) -> &'static TypeSpec;

    /// The type this kind serves.
    fn ty(&self) -> ResourceType {
        self.spec().ty
    }

    /// The attributes the specialization named by a request's root key adds (a
    /// flexContainer's custom attributes, a mgmtObj's object attributes), checked
    /// against `attrs`; `stored` is the resource an UPDATE changes. By default the
    /// root key must be the type's own and nothing is added.
    fn extension(
        &self,
        root: &str,
        _attrs: &Map<String, Value>,
        _stored: Option<&Resource>,
    ) -> CseResult<Extension> {
        check_root(self.ty(), root, &self.ty().root_key()).map(|()| Extension::NONE)
    }

    /// The JSON root key of a resource of this kind with these attributes: the
    /// type's own unless its specialization has one.
    fn root_key(&self, _attrs: &Map<String, Value>) -> String {
        self.ty().root_key()
    }

    /// A value this type keeps unique among siblings (a timeSeriesInstance's `dgt`),
    /// refused with 4105 when taken.
    fn sibling_key(&self, _attrs: &Map<String, Value>) -> Option<SiblingKey> {
        None
    }

    /// Runs the type's timer once its `due` time has passed (missing-data detection);
    /// must set the resource's next `due` (or `None`). Runs in a background
    /// transaction that holds the row.
    fn on_due(&self, _tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        resource.due = None;
        Ok(())
    }

    /// When this resource's timer is next due now that `instance` arrived (a
    /// timeSeries expects its next point one `pei` after this one); `None` leaves
    /// `due` as it is. Stored by the same statement that counts the instance, and
    /// never moved earlier, so a late instance cannot re-report a known gap.
    fn due_after_instance(&self, _parent: &Resource, _instance: &Resource) -> Option<String> {
        None
    }

    /// The types a resource of this kind may have as children (TS-0004 R3), limited
    /// to the ones onecse hosts: derived from the children's specs, which name their
    /// parents.
    fn children(&self) -> &'static [ResourceType] {
        children_of(self.ty())
    }

    /// Child names this type keeps for its virtual resources besides `la`/`ol` (a
    /// group's `fopt`), refused as the name of a real child so it stays reachable.
    fn reserved_child_names(&self) -> &'static [&'static str] {
        self.spec().reserved_child_names
    }

    /// Whether a CREATE of this type registers its originator, and so may come
    /// without one (an AE registration).
    fn registers_originator(&self) -> bool {
        self.spec().registers_originator
    }

    /// Whether a resource of this type watches its parent (a subscription), so that
    /// creating one needs RETRIEVE on the parent besides CREATE (TS-0004 §7.4.8.2.1).
    fn watches_parent(&self) -> bool {
        self.spec().watches_parent
    }

    /// False for types the CSE creates itself (the CSEBase): a CREATE answers 4005.
    fn created_by_request(&self) -> bool {
        self.spec().created_by_request
    }

    /// Refuses operations this type does not allow at all (4005), before any work.
    /// By default an instance ([`ResourceKind::is_instance`]) is never updated.
    fn refuse(&self, op: Operation) -> CseResult<()> {
        if op == Operation::Update && self.is_instance() {
            return Err(CseError::not_allowed(format!(
                "{} cannot be updated: an instance never changes once created",
                with_article(self.ty().long_name())
            )));
        }
        Ok(())
    }

    /// Refuses an originator that may never do `op` on this type, whatever the
    /// policies say (4005, before access is decided): a remoteCSE is created,
    /// updated and deleted by CSEs only. For a CREATE it is the created type's kind
    /// that is asked.
    fn refuse_originator(&self, _cse: &Cse, _op: Operation, _who: &Requester) -> CseResult<()> {
        Ok(())
    }

    /// How access to a resource of this type is decided: by the policies its `acpi`
    /// names (most types), by its parent (types without `acpi`: every instance), by
    /// its own selfPrivileges (an accessControlPolicy) or by the entity its parent
    /// represents (a pollingChannel), as its spec says.
    fn governance(&self) -> Governance {
        self.spec().governance
    }

    /// Whether the type keeps a `st` (stateTag) that changes increment.
    fn has_state_tag(&self) -> bool {
        self.spec().has_state_tag
    }

    /// The instances this type keeps under `mni`/`mbs`/`mia` (a container keeps
    /// contentInstances), with their `la`/`ol` virtual children.
    fn instances(&self) -> Option<&'static InstancePolicy> {
        None
    }

    /// Whether this type is an instance kept under such limits; its parent's
    /// counters follow its creation and removal.
    fn is_instance(&self) -> bool {
        self.spec().is_instance
    }

    /// Bytes an instance counts towards its parent's `cbs`.
    fn content_size(&self, _attrs: &Map<String, Value>) -> i64 {
        0
    }

    /// Refuses access to this resource's instances when they are switched off
    /// (a container's `disr`).
    fn check_instances_accessible(&self, _resource: &Resource) -> CseResult<()> {
        Ok(())
    }

    /// Whether creating or deleting a resource of this kind is an event for its
    /// parent's subscriptions (a subscription's own creation is not, as in ACME).
    fn raises_parent_events(&self) -> bool {
        self.spec().raises_parent_events
    }

    /// Value rules beyond the attribute policy's JSON kinds, for CREATE and UPDATE
    /// content (App-ID syntax, …).
    fn check_values(&self, _attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        Ok(())
    }

    /// A resourceID the type decides itself (an AE's is its AE-ID); `None` lets the
    /// CSE generate one.
    fn choose_id(
        &self,
        _tx: &mut Txn<'_>,
        _req: &Request,
        _attrs: &Map<String, Value>,
    ) -> CseResult<Option<String>> {
        Ok(None)
    }

    /// The `cr` (creator) to store: by default the originator when the client asked
    /// for it with `"cr": null`.
    fn creator(&self, attrs: &Map<String, Value>, originator: Option<&str>) -> Option<String> {
        attrs
            .contains_key("cr")
            .then(|| originator.unwrap_or_default().to_owned())
    }

    /// Fills the type's own attributes of a new resource and checks them as a whole,
    /// before it is stored.
    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        _parent: &Resource,
        _resource: &mut Resource,
    ) -> CseResult<()> {
        Ok(())
    }

    /// Checks and completes an updated resource (`before` as stored, `resource` with
    /// the request merged) before it is stored.
    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        _before: &Resource,
        _resource: &mut Resource,
    ) -> CseResult<()> {
        Ok(())
    }

    /// Work after a CREATE is stored, in the same transaction (a flexContainer records
    /// its first instance); runs before the parent's subscriptions hear of it.
    fn after_create(&self, _tx: &mut Txn<'_>, _resource: &mut Resource) -> CseResult<()> {
        Ok(())
    }

    /// Whether this UPDATE raises `st` (for types that keep one): every UPDATE does by
    /// default; a flexContainer's only when a custom attribute changes.
    fn update_raises_state_tag(&self, _before: &Resource, _resource: &Resource) -> bool {
        true
    }

    /// Work after an UPDATE is stored (a container applies changed limits).
    fn after_update(
        &self,
        _tx: &mut Txn<'_>,
        _before: &Resource,
        _resource: &mut Resource,
        _request: &Map<String, Value>,
    ) -> CseResult<()> {
        Ok(())
    }

    /// Refuses a DELETE request of this resource before anything is removed (a
    /// running `<request>` cannot be recalled); expiry is not asked.
    fn before_delete(&self, _tx: &mut Txn<'_>, _resource: &Resource) -> CseResult<()> {
        Ok(())
    }

    /// Work before a resource of this kind is removed with its subtree, by request,
    /// expiry or a limit (links other resources keep to it).
    fn on_remove(&self, _tx: &mut Txn<'_>, _resource: &Resource) -> CseResult<()> {
        Ok(())
    }

    /// Attributes computed when the resource is read (the CSEBase's `ctm`).
    fn on_retrieve(&self, _resource: &mut Resource, _now: Timestamp) {}

    /// A NOTIFY request addressed to `resource`, answered by its kind. A NOTIFY to
    /// an AE never gets here: dispatch routes it to the AE (`Route::Relay`).
    fn on_notify(
        &self,
        _tx: &mut Txn<'_>,
        _req: &Request,
        _resource: &Resource,
    ) -> CseResult<Response> {
        Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            format!(
                "forwarding NOTIFY requests to {} is not supported yet",
                with_article(self.ty().long_name())
            ),
        ))
    }

    /// The attributes a request kept for a resource of this type records once it ran
    /// (`rsp` its response primitive, `failed` for an error status): a `<request>`'s
    /// `rs`/`ors`, an action's `air`.
    fn kept_request_result(&self, _rsp: &Value, _failed: bool) -> Map<String, Value> {
        Map::new()
    }

    /// Whether a CREATE or UPDATE of this type may need its notification targets
    /// verified first (decided without the database).
    fn verifies_targets(&self) -> bool {
        false
    }

    /// The targets to verify before a CREATE or UPDATE of this type runs; sent by the
    /// caller outside any transaction. `target` is the request's target: the parent a
    /// CREATE adds to (so rules on it refuse the request before anything is sent), or
    /// the resource an UPDATE changes.
    fn verification(
        &self,
        _tx: &mut Txn<'_>,
        _req: &Request,
        _who: &Requester,
        _target: &Resource,
    ) -> CseResult<Option<Verification>> {
        Ok(None)
    }
}
