//! The lookups derived from the type specs: a type's attribute table, its allowed
//! children (from every other type's `parents`), and the specialization tables.

use std::sync::OnceLock;

use crate::resource::policy::AttributePolicy;
use crate::resource::spec::TypeSpec;
use crate::resource::{fcnt_specs, mgo};
use crate::types::ResourceType;

/// Every hosted type's spec, in the order of [`ResourceType::ALL`].
pub fn specs() -> impl Iterator<Item = &'static TypeSpec> {
    ResourceType::ALL.into_iter().filter_map(ResourceType::spec)
}

/// The attribute table of a resource type, or `None` for types onecse cannot host yet.
pub fn policy_for(ty: ResourceType) -> Option<&'static [AttributePolicy]> {
    ty.spec().map(|spec| spec.attributes)
}

/// The hosted types a resource of type `parent` may have as children: those whose
/// spec names `parent` among its parents (TS-0004 R3), in [`ResourceType::ALL`] order.
pub fn children_of(parent: ResourceType) -> &'static [ResourceType] {
    static CHILDREN: OnceLock<Vec<(ResourceType, Vec<ResourceType>)>> = OnceLock::new();
    let table = CHILDREN.get_or_init(|| {
        ResourceType::ALL
            .into_iter()
            .map(|ty| {
                let children = specs()
                    .filter(|child| child.parents.contains(&ty))
                    .map(|child| child.ty)
                    .collect();
                (ty, children)
            })
            .collect()
    });
    table
        .iter()
        .find(|(ty, _)| *ty == parent)
        .map_or(&[], |(_, children)| children.as_slice())
}

/// The attribute tables of every specialization (flexContainer definitions, mgmtObj
/// specializations), so attribute names in filters and `atrl` are known.
pub fn extension_tables() -> impl Iterator<Item = &'static [AttributePolicy]> {
    mgo::SPECIALIZATIONS
        .iter()
        .map(|s| s.attributes)
        .chain(fcnt_specs::tables())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parent_a_spec_names_is_a_hosted_type() {
        for spec in specs() {
            for parent in spec.parents {
                assert!(parent.spec().is_some(), "{:?} under {parent:?}", spec.ty);
            }
        }
    }

    #[test]
    fn every_spec_describes_the_type_that_names_it() {
        for ty in ResourceType::ALL {
            if let Some(spec) = ty.spec() {
                assert_eq!(spec.ty, ty);
            }
        }
    }

    #[test]
    fn children_are_the_types_naming_the_parent() {
        assert!(children_of(ResourceType::Ae).contains(&ResourceType::PollingChannel));
        assert!(!children_of(ResourceType::CseBase).contains(&ResourceType::PollingChannel));
        assert_eq!(
            children_of(ResourceType::Subscription),
            &[
                ResourceType::Schedule,
                ResourceType::NotificationTargetMgmtPolicyRef
            ]
        );
        assert!(children_of(ResourceType::RemoteCse).contains(&ResourceType::Container));
        assert!(children_of(ResourceType::CseBase).contains(&ResourceType::RemoteCse));
    }
}
