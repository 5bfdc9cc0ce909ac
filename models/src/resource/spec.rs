//! The one definition of a resource type: its attribute table, the types it may be
//! created under and its constant facts. The attribute lookup, the child rules and
//! the server's per-type registry are derived from these, so no other table names
//! a type's parents or children.

use crate::resource::annc::Announceable;
use crate::resource::policy::AttributePolicy;
use crate::types::ResourceType;

/// How access to a resource of a type is decided, a fact of the type that the access
/// decision reads (TS-0001 §9.6.1.3, §9.6.2, §9.6.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Governance {
    /// By the policies its `acpi` names (or its creator without one).
    Policies,
    /// By its parent's policies: types without `acpi` (every instance).
    Parent,
    /// By its own selfPrivileges (an accessControlPolicy).
    SelfPrivileges,
    /// Only the entity its parent `<AE>` represents, and the administrator (a
    /// pollingChannel, which has no `acpi`).
    ParentEntity,
}

/// One resource type as onecse hosts it, declared once in the type's model file.
/// Behaviour (hooks run on CREATE, UPDATE, …) is the server's; everything here is a
/// constant the server and the models read alike.
#[derive(Debug, Clone, Copy)]
pub struct TypeSpec {
    /// The type (its number, short name and long name live with the enum).
    pub ty: ResourceType,
    /// The type's own attributes (the universal ones are added for every type but the
    /// CSEBase).
    pub attributes: &'static [AttributePolicy],
    /// The types a resource of this type may be a child of (TS-0004 R3), limited to
    /// the ones onecse hosts: every parent's allowed children are derived from these.
    pub parents: &'static [ResourceType],
    /// A CREATE of this type registers its originator, and so may come without one
    /// (an AE registration).
    pub registers_originator: bool,
    /// A CREATE of this type registers the originating CSE (a remoteCSE): decided by
    /// the CSE registration settings, not by the parent's policies.
    pub registers_cse: bool,
    /// A resource of this type watches its parent (a subscription), so creating one
    /// needs RETRIEVE on the parent besides CREATE (TS-0004 §7.4.8.2.1).
    pub watches_parent: bool,
    /// False for types the CSE creates itself (the CSEBase, `<request>`): a CREATE
    /// request for one answers 4005.
    pub created_by_request: bool,
    /// How access to a resource of this type is decided.
    pub governance: Governance,
    /// The type keeps a `st` (stateTag) that changes increment.
    pub has_state_tag: bool,
    /// The type is an instance kept under its parent's `mni`/`mbs`/`mia`; its
    /// parent's counters follow its creation and removal.
    pub is_instance: bool,
    /// Creating or deleting a resource of this type is an event for its parent's
    /// subscriptions (a subscription's own creation is not).
    pub raises_parent_events: bool,
    /// Child names kept for the type's virtual resources besides `la`/`ol` (a group's
    /// `fopt`), refused as the name of a real child so they stay reachable.
    pub reserved_child_names: &'static [&'static str],
    /// How a resource of this type is announced to other CSEs (its `at`/`aa`), or
    /// `None` when onecse does not announce the type.
    pub announcement: Option<&'static Announceable>,
    /// For an announced type (`…Annc`, ty 10000+n), the type of its originals.
    pub original: Option<ResourceType>,
}

impl TypeSpec {
    /// A type with the facts most types have: created by request, governed by its
    /// `acpi`, no state tag, not an instance, an event for its parent.
    pub const fn new(
        ty: ResourceType,
        attributes: &'static [AttributePolicy],
        parents: &'static [ResourceType],
    ) -> Self {
        Self {
            ty,
            attributes,
            parents,
            registers_originator: false,
            registers_cse: false,
            watches_parent: false,
            created_by_request: true,
            governance: Governance::Policies,
            has_state_tag: false,
            is_instance: false,
            raises_parent_events: true,
            reserved_child_names: &[],
            announcement: None,
            original: None,
        }
    }

    /// An instance kept under its parent's limits, governed by its parent.
    pub const fn instance(mut self) -> Self {
        self.is_instance = true;
        self.governance = Governance::Parent;
        self
    }

    /// Keeps a `st` that changes increment.
    pub const fn with_state_tag(mut self) -> Self {
        self.has_state_tag = true;
        self
    }

    /// A CREATE registers the originator (an AE).
    pub const fn registering_originator(mut self) -> Self {
        self.registers_originator = true;
        self
    }

    /// A CREATE registers the originating CSE (a remoteCSE).
    pub const fn registering_cse(mut self) -> Self {
        self.registers_cse = true;
        self
    }

    /// Watches its parent (a subscription): creating one needs RETRIEVE on the parent,
    /// and its own creation is no event for the parent's subscriptions.
    pub const fn watching_parent(mut self) -> Self {
        self.watches_parent = true;
        self.raises_parent_events = false;
        self
    }

    /// Created by the CSE itself, never by a CREATE request.
    pub const fn created_by_cse(mut self) -> Self {
        self.created_by_request = false;
        self
    }

    /// Access decided otherwise than by `acpi`.
    pub const fn governed_by(mut self, governance: Governance) -> Self {
        self.governance = governance;
        self
    }

    /// Keeps these child names for virtual resources.
    pub const fn reserving(mut self, names: &'static [&'static str]) -> Self {
        self.reserved_child_names = names;
        self
    }

    /// Announced to other CSEs as `announcement` says.
    pub const fn announced_as(mut self, announcement: &'static Announceable) -> Self {
        self.announcement = Some(announcement);
        self
    }

    /// The announced variant of `original`: stands for a resource of another CSE.
    pub const fn announcing(mut self, original: ResourceType) -> Self {
        self.original = Some(original);
        self
    }

    /// The type's short name (`cnt`), as the enum gives it.
    pub fn short_name(&self) -> &'static str {
        self.ty.short_name()
    }

    /// The type's long name (`container`), as the enum gives it.
    pub fn long_name(&self) -> &'static str {
        self.ty.long_name()
    }
}

/// `name` with its indefinite article ("an AE", "a container"), for messages people
/// read; the one rule every message about a type uses.
pub fn with_article(name: &str) -> String {
    let vowel = name.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}
