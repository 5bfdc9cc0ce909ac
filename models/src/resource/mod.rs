//! Resource representations and their attribute policies: which attributes a type
//! has, their JSON kinds, and whether a client may give them on CREATE and UPDATE
//! (TS-0004 §7.3.3.3/§7.3.3.4, Annex K). The server's per-type rules build on these.

pub mod acp;
pub mod ae;
pub mod cin;
mod cnt;
mod cse_base;
pub mod fcin;
pub mod fcnt;
pub mod fcnt_specs;
mod grp;
pub mod mgo;
mod nod;
mod pch;
mod policy;
mod representation;
mod req;
pub mod sub;
pub mod ts;
pub mod tsi;

pub use policy::{
    AttributePolicy, Extension, Presence, ValueKind, check_attributes, check_extended,
    has_attribute, is_known_attribute,
};
pub use representation::{content_for_type, single_member, wrap};

use crate::types::ResourceType;

/// The attribute table of a resource type, or `None` for types onecse cannot host yet.
pub fn policy_for(ty: ResourceType) -> Option<&'static [AttributePolicy]> {
    match ty {
        ResourceType::AccessControlPolicy => Some(acp::ATTRIBUTES),
        ResourceType::Ae => Some(ae::ATTRIBUTES),
        ResourceType::CseBase => Some(cse_base::ATTRIBUTES),
        ResourceType::Container => Some(cnt::ATTRIBUTES),
        ResourceType::ContentInstance => Some(cin::ATTRIBUTES),
        ResourceType::Subscription => Some(sub::ATTRIBUTES),
        ResourceType::MgmtObj => Some(mgo::ATTRIBUTES),
        ResourceType::Node => Some(nod::ATTRIBUTES),
        ResourceType::Request => Some(req::ATTRIBUTES),
        ResourceType::PollingChannel => Some(pch::ATTRIBUTES),
        ResourceType::FlexContainer => Some(fcnt::ATTRIBUTES),
        ResourceType::FlexContainerInstance => Some(fcin::ATTRIBUTES),
        ResourceType::Group => Some(grp::ATTRIBUTES),
        ResourceType::TimeSeries => Some(ts::ATTRIBUTES),
        ResourceType::TimeSeriesInstance => Some(tsi::ATTRIBUTES),
        _ => None,
    }
}

/// The attribute tables of every specialization (flexContainer definitions, mgmtObj
/// specializations), so attribute names in filters and `atrl` are known.
pub fn extension_tables() -> impl Iterator<Item = &'static [AttributePolicy]> {
    mgo::SPECIALIZATIONS
        .iter()
        .map(|s| s.attributes)
        .chain(fcnt_specs::tables())
}
