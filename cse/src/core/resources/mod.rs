//! Per-type rules: which types onecse hosts, which children each may have, and the
//! hooks a type adds to the common CREATE/UPDATE/DELETE processing.

pub mod ae;
pub mod cin;
pub mod cnt;
pub mod cse_base;
pub mod sub;

use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode};

use crate::core::resource::Resource;
use crate::error::{CseError, CseResult};
use crate::store::DbConn;
use crate::store::resources::Counters;

/// The types listed in the CSEBase `srt`: only what onecse really serves.
pub const SUPPORTED_TYPES: &[ResourceType] = &[
    ResourceType::Ae,
    ResourceType::Container,
    ResourceType::ContentInstance,
    ResourceType::CseBase,
    ResourceType::Subscription,
];

/// The types a type may have as children (TS-0004 R3, spec digest resources §12),
/// limited to the ones onecse hosts.
fn allowed_children(parent: ResourceType) -> &'static [ResourceType] {
    match parent {
        ResourceType::CseBase => &[
            ResourceType::Ae,
            ResourceType::Container,
            ResourceType::Subscription,
        ],
        ResourceType::Ae => &[ResourceType::Container, ResourceType::Subscription],
        ResourceType::Container => &[
            ResourceType::Container,
            ResourceType::ContentInstance,
            ResourceType::Subscription,
        ],
        _ => &[],
    }
}

/// Refuses a CREATE of `child` under `parent`: 5001 for types onecse does not host,
/// 4005 for the CSEBase (never created by request), 4108 for a type that cannot be a
/// child of this parent.
pub fn check_child_allowed(parent: ResourceType, child: ResourceType) -> CseResult<()> {
    if child == ResourceType::CseBase {
        return Err(CseError::not_allowed(
            "a CSEBase cannot be created by a request",
        ));
    }
    if !SUPPORTED_TYPES.contains(&child) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            format!(
                "{} resources (ty {}) are not supported by this CSE",
                child.long_name(),
                child.number()
            ),
        ));
    }
    if child == ResourceType::Subscription && !sub::subscribable(parent) {
        return Err(CseError::new(
            ResponseStatusCode::TargetNotSubscribable,
            format!(
                "{} cannot be subscribed to",
                with_article(parent.long_name())
            ),
        ));
    }
    if !allowed_children(parent).contains(&child) {
        return Err(CseError::new(
            ResponseStatusCode::InvalidChildResourceType,
            format!(
                "a {} cannot be created under {}",
                child.long_name(),
                with_article(parent.long_name())
            ),
        ));
    }
    Ok(())
}

/// "an AE", "a container": for messages.
fn with_article(name: &str) -> String {
    let vowel = name.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// Whether the type keeps a `st` (stateTag) that UPDATE increments.
pub fn has_state_tag(ty: ResourceType) -> bool {
    matches!(
        ty,
        ResourceType::Container | ResourceType::ContentInstance | ResourceType::FlexContainer
    )
}

/// Type-specific work before a new resource is inserted. Returns the counters of the
/// parent container when the new resource is an instance, so its limits can be
/// enforced once the instance is stored.
pub fn before_insert(
    conn: &mut DbConn,
    parent: &Resource,
    resource: &mut Resource,
    now: Timestamp,
) -> CseResult<Option<Counters>> {
    match resource.ty {
        ResourceType::Container => {
            cnt::on_create(&mut resource.attrs);
            Ok(None)
        }
        ResourceType::ContentInstance => {
            cin::before_insert(conn, parent, &mut resource.attrs, now).map(Some)
        }
        ResourceType::Subscription => {
            sub::check_and_complete(&mut resource.attrs)?;
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Type-specific work after the insert: a new instance may push its container over
/// `mni`/`mbs`.
pub fn after_insert(
    conn: &mut DbConn,
    parent: &Resource,
    counters: Option<Counters>,
) -> CseResult<()> {
    if let Some(counters) = counters {
        cnt::enforce_limits(conn, parent, counters)?;
    }
    Ok(())
}

/// Refuses UPDATEs a type does not allow (TS-0004: CSEBase, contentInstance → 4005).
pub fn check_updatable(ty: ResourceType) -> CseResult<()> {
    match ty {
        ResourceType::CseBase => cse_base::refuse_change("UPDATE"),
        ResourceType::ContentInstance => Err(CseError::not_allowed(
            "a contentInstance cannot be updated; create a new one instead",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_rules_give_the_spec_codes() {
        let rsc = |p, c| check_child_allowed(p, c).err().map(|e| e.rsc);
        assert_eq!(rsc(ResourceType::CseBase, ResourceType::Ae), None);
        assert_eq!(
            rsc(ResourceType::Ae, ResourceType::Ae),
            Some(ResponseStatusCode::InvalidChildResourceType)
        );
        assert_eq!(
            rsc(ResourceType::CseBase, ResourceType::CseBase),
            Some(ResponseStatusCode::OperationNotAllowed)
        );
        assert_eq!(
            rsc(ResourceType::CseBase, ResourceType::Group),
            Some(ResponseStatusCode::NotImplemented)
        );
    }
}
