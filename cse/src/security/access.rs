//! The privilege an operation asks for, and the `acop` bit that grants it.

use onecse_models::ResourceType;
use onecse_models::resource::acp::operation;

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
