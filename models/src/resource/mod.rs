//! Resource representations and their attribute policies: which attributes a type
//! has, their JSON kinds, and whether a client may give them on CREATE and UPDATE
//! (TS-0004 §7.3.3.3/§7.3.3.4, Annex K). The server's per-type rules build on these.

pub mod acp;
pub mod actr;
pub mod ae;
pub mod annc;
pub mod cin;
pub mod cnt;
pub mod crs;
pub mod cse_base;
pub mod csr;
pub mod dac;
pub mod fcin;
pub mod fcnt;
pub mod fcnt_specs;
pub mod grp;
pub mod lcp;
pub mod long_names;
pub mod mgo;
pub mod mgo_config;
pub mod nod;
pub mod ntp;
pub mod pch;
pub mod pdr;
mod policy;
mod registry;
mod representation;
pub mod req;
pub mod sch;
pub mod schedule;
pub mod smd;
mod spec;
pub mod sub;
pub mod ts;
pub mod tsb;
pub mod tsi;

pub use policy::{
    AttributePolicy, Extension, Presence, ValueKind, check_attributes, check_extended,
    has_attribute, is_known_attribute, universal_attributes,
};
pub use registry::{children_of, extension_tables, policy_for, specs};
pub use representation::{content_for_type, single_member, wrap};
pub use spec::{Governance, TypeSpec, with_article};
