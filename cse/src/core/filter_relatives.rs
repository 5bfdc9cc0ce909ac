//! The filter conditions about a candidate's relatives (TS-0004 §6.3.5.8, R4):
//! `pty`/`palb` on its parent, `chty`/`clbl` on its children. Each is answered with
//! indexed reads of those few rows (the parent by its resourceID, the children through
//! the same paged read discovery uses, one level down), and only relatives the
//! requester may see count: a hidden child or parent would otherwise leak its type or
//! labels through which candidates match.

use onecse_models::ResourceType;
use onecse_models::primitive::FilterCriteria;
use serde_json::Value;

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Sight;
use crate::store::resource_table::{self, DiscoveryFilter};

/// Children read per page while looking for a visible one.
const CHILD_PAGE: i64 = 64;

/// Most matching children examined per candidate. A candidate whose first
/// [`MAX_CHILDREN_EXAMINED`] children of the asked type or label are all hidden from
/// the requester does not match: the cost of one candidate stays bounded whatever
/// its number of children.
pub const MAX_CHILDREN_EXAMINED: usize = 1024;

/// Whether `resource` passes every parent and child condition of `fc` (all of them:
/// these conditions are refused with `fo` 2 or 3). True when `fc` has none.
pub fn matches(
    tx: &mut Txn<'_>,
    fc: &FilterCriteria,
    resource: &Resource,
    sight: &mut Sight<'_>,
) -> CseResult<bool> {
    let about_parent = !fc.parent_types.is_empty() || !fc.parent_labels.is_empty();
    if about_parent && !parent_matches(tx, fc, resource, sight)? {
        return Ok(false);
    }
    if !fc.child_types.is_empty() {
        let types: Vec<ResourceType> = fc
            .child_types
            .iter()
            .filter_map(|t| ResourceType::from_number(*t).ok())
            .collect();
        if types.is_empty() || !has_visible_child(tx, resource, types, Vec::new(), sight)? {
            return Ok(false);
        }
    }
    if !fc.child_labels.is_empty()
        && !has_visible_child(tx, resource, Vec::new(), fc.child_labels.clone(), sight)?
    {
        return Ok(false);
    }
    Ok(true)
}

/// `pty` and `palb`: the parent is of one of the types and carries one of the labels
/// (each when given), and the requester may see it. The CSEBase has no parent.
fn parent_matches(
    tx: &mut Txn<'_>,
    fc: &FilterCriteria,
    resource: &Resource,
    sight: &mut Sight<'_>,
) -> CseResult<bool> {
    let Some(pi) = &resource.pi else {
        return Ok(false);
    };
    let Some(row) = resource_table::find_by_ri(tx.conn, pi, &tx.now_text)? else {
        return Ok(false);
    };
    let parent = Resource::from_row(row)?;
    let type_holds =
        fc.parent_types.is_empty() || fc.parent_types.contains(&i64::from(parent.ty.number()));
    let labels_hold = fc.parent_labels.is_empty() || carries_any(&parent, &fc.parent_labels);
    Ok(type_holds && labels_hold && sight.sees(tx, &parent.subject())?)
}

fn carries_any(resource: &Resource, labels: &[String]) -> bool {
    resource
        .attrs
        .get("lbl")
        .and_then(Value::as_array)
        .is_some_and(|own| {
            own.iter()
                .filter_map(Value::as_str)
                .any(|l| labels.iter().any(|want| want == l))
        })
}

/// Whether `resource` has a live child of one of `types` (any type when empty) carrying
/// one of `labels` (any when empty) that the requester may see.
fn has_visible_child(
    tx: &mut Txn<'_>,
    resource: &Resource,
    types: Vec<ResourceType>,
    labels: Vec<String>,
    sight: &mut Sight<'_>,
) -> CseResult<bool> {
    let depth = i32::try_from(resource.path.split('/').count()).unwrap_or(i32::MAX);
    let mut filter = DiscoveryFilter {
        path: &resource.path,
        max_depth: depth.saturating_add(1),
        types,
        labels,
        ..DiscoveryFilter::default()
    };
    let mut examined = 0;
    while examined < MAX_CHILDREN_EXAMINED {
        let page = resource_table::discover_page(tx.conn, &filter, &tx.now_text, CHILD_PAGE)?;
        let exhausted = i64::try_from(page.len()).unwrap_or(i64::MAX) < CHILD_PAGE;
        filter.after = page.last().map(|r| r.path.clone());
        for row in page {
            examined += 1;
            let child = Resource::from_row(row)?;
            if sight.sees(tx, &child.subject())? {
                return Ok(true);
            }
        }
        if exhausted {
            break;
        }
    }
    Ok(false)
}
