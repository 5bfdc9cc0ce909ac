//! The per-type seam: every resource type onecse hosts is one module here implementing
//! [`ResourceKind`] over the type's spec in `onecse_models`, plus one line in the
//! registry (`registry.rs`). The generic operations (create,
//! retrieve, update, delete, removal, notification matching, addressing) ask the kind
//! of the resource they work on and never name a concrete type, so adding a type
//! touches no operation.

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
pub mod depr;
pub mod fcin;
pub mod fcnt;
pub mod grp;
pub mod instances;
mod kind;
pub mod lcp;
pub mod mgo;
pub mod missing_data;
pub mod nod;
pub mod node_links;
pub mod ntp;
pub mod pch;
pub mod pdr;
mod registry;
pub mod req;
pub mod sch;
pub mod smd;
pub mod sub;
pub mod ts;
pub mod tsb;
pub mod tsi;

pub use instances::{InstancePolicy, VirtualChild};
pub use kind::{ResourceKind, SiblingKey, check_root, with_article};
pub use registry::{Unhosted, check_child_allowed, hosted, instance_types, kind, supported_types};
