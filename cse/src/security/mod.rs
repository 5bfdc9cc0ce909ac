//! Access decisions. [`authorize`] is called by dispatch for every operation, after
//! the target is loaded and before anything is written; [`may_see`] is called by
//! child listings and discovery for each row they would return. Both allow
//! everything until access control policies land: this module is the one place that
//! will change, not the operations.

pub mod auth;
pub mod token;

use std::net::IpAddr;

use onecse_models::ResourceType;
use onecse_models::primitive::Request;

use crate::core::Cse;
use crate::core::addressing::Target;
use crate::core::transaction::Txn;
use crate::error::CseResult;

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
    /// CREATE of a child of this type under the target. A subscription also needs
    /// RETRIEVE on the subscribed-to resource (TS-0004 §7.4.8.2.1).
    Create(ResourceType),
    /// RETRIEVE of the target.
    Retrieve,
    /// UPDATE of the target.
    Update,
    /// DELETE of the target.
    Delete,
    /// NOTIFY to the target.
    Notify,
    /// DISCOVER below the target.
    Discover,
}

/// A row a listing or discovery would return, as far as a decision needs it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// resourceID.
    pub ri: &'a str,
    /// Type.
    pub ty: ResourceType,
    /// parentID.
    pub pi: Option<&'a str>,
}

/// Decides whether `who` may perform `access` on `target` (the transaction is there
/// to read the policies that govern it); a denial is the error to answer (4103 once
/// policies exist). Allows everything for now.
pub fn authorize(
    _tx: &mut Txn<'_>,
    _who: &Requester,
    _access: Access,
    _target: &Target,
) -> CseResult<()> {
    Ok(())
}

/// Whether `who` may see `candidate` in a result of `access` (RETRIEVE for child
/// listings, DISCOVER for discovery). Allows everything for now.
///
/// Callers filter after the database paged (`lim`/`ofst`); once this can say no,
/// hierarchical results and discovery must count only visible rows, as discovery
/// already does for conditions it checks itself.
pub fn may_see(
    _tx: &mut Txn<'_>,
    _who: &Requester,
    _access: Access,
    _candidate: Candidate<'_>,
) -> bool {
    true
}
