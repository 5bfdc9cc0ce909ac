//! Access decisions. [`authorize`] is called by dispatch for every operation, after
//! the target is loaded and before anything is written; [`Sight`] answers child
//! listings and discovery for each row they would return. Both ask one [`Judge`]
//! (access control policies, the default policy, the administrator), so a request and
//! a listing can never disagree. Security reads no core type: the core describes what
//! is asked in the terms of [`facts`] and answers its lookups through [`Records`].

mod access;
mod access_settings;
mod authorize;
mod facts;
mod judge;
mod policies;
mod requester;
mod sight;

pub mod auth;
pub mod token;

pub use access::Access;
pub use access_settings::{AccessSettings, DefaultAccess};
pub use authorize::{authorize, authorize_fan_out};
pub use facts::{Governance, Question, Records, Site, Subject};
pub use judge::{Judge, Verdict};
pub use policies::PolicyCache;
pub use requester::{Caller, Requester};
pub use sight::Sight;
