//! Who asks: the originator, whether it is the administrator, and what the binding
//! knows of how the request arrived.

use std::net::IpAddr;

use onecse_models::primitive::Request;

use super::Site;

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
    /// The originator is a CSE registered with this one (a `<remoteCSE>` holds its
    /// CSE-ID), as dispatch found in the request's transaction: it may RETRIEVE the
    /// CSEBase whatever the CSEBase's policies say.
    pub registered_cse: bool,
}

impl Requester {
    /// The requester of `req`, sent by `caller`, at `site`.
    pub fn of(req: &Request, caller: Caller, site: Site<'_>) -> Self {
        Self {
            admin: req.from.as_deref() == Some(site.admin_originator),
            originator: req.from.clone(),
            caller,
            registered_cse: false,
        }
    }
}
