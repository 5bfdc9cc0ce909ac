//! Who asks: the originator, whether it is the administrator, and what the binding
//! knows of how the request arrived.

use std::net::IpAddr;

use onecse_models::id::local_ae_stem;
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
    /// The AE-ID-Stem the originator claims to be registered here with (any form of
    /// an AE-ID of this CSE; never the administrator's): dispatch holds it to that
    /// registration (4106 when there is none, TS-0004 §7.2.2.2).
    pub registree: Option<String>,
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
        let registree = req
            .from
            .as_deref()
            .and_then(|from| local_ae_stem(from, site.cse_id, site.sp_id))
            .filter(|stem| *stem != site.admin_originator)
            .map(str::to_owned);
        Self {
            admin: req.from.as_deref() == Some(site.admin_originator),
            originator: req.from.clone(),
            registree,
            caller,
            registered_cse: false,
        }
    }
}
