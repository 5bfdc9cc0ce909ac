//! Filter criteria (TS-0004 §6.3.5.8) turned into the conditions the database
//! evaluates on a page of descendants: the one translation that discovery (`fu=1`)
//! and conditional retrieval (rcn 4/5/6/8 with `fc`) share, so both select exactly
//! the same resources and both stay within indexed, paged reads.

use onecse_models::primitive::{FilterCriteria, FilterOperation};
use onecse_models::resource::{Extension, has_attribute};
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode};

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::core::{filter_relatives, semantics};
use crate::error::{CseError, CseResult};
use crate::security::Sight;
use crate::store::resource_table::{Bound, CountColumn, DiscoveryFilter, TimeColumn};

/// A page of `target`'s descendants down to `fc.level` levels below it, with every
/// condition of `fc` the database can evaluate; `None` when no resource can match
/// (every `ty` asked for is a type no resource can have).
pub fn database_filter<'a>(
    fc: &FilterCriteria,
    target: &'a Resource,
) -> Option<DiscoveryFilter<'a>> {
    let depth = i32::try_from(target.path.split('/').count()).unwrap_or(i32::MAX);
    let mut filter = DiscoveryFilter {
        path: &target.path,
        max_depth: fc.level.map_or(i32::MAX, |l| {
            depth.saturating_add(i32::try_from(l).unwrap_or(i32::MAX))
        }),
        ..DiscoveryFilter::default()
    };
    // With `fo=2` (OR) or 3 (XOR) no single condition must hold, so none can narrow
    // the read.
    if combines_loosely(fc) {
        return Some(filter);
    }
    filter.types = fc
        .resource_types
        .iter()
        .filter_map(|t| ResourceType::from_number(*t).ok())
        .collect();
    if filter.types.is_empty() && !fc.resource_types.is_empty() {
        return None;
    }
    if fc.size_above.is_some() || fc.size_below.is_some() {
        // `sza`/`szb` compare `cs`: only types with a content size can match (the
        // column holds 0 for the others).
        let sized = |t: &ResourceType| has_attribute(*t, Extension::NONE, "cs");
        if filter.types.is_empty() {
            filter.types = ResourceType::ALL.iter().copied().filter(sized).collect();
        } else {
            filter.types.retain(sized);
            if filter.types.is_empty() {
                return None;
            }
        }
    }
    filter.labels = fc.labels.clone();
    filter.area = fc
        .geo_query
        .as_ref()
        .and_then(|q| q.candidate_box().map(|area| (q.function, area)));
    let text = |v: &Option<Timestamp>| v.map(|t| t.to_string());
    for (column, bound, value) in [
        (TimeColumn::Created, Bound::Below, text(&fc.created_before)),
        (TimeColumn::Created, Bound::AtLeast, text(&fc.created_after)),
        (
            TimeColumn::Modified,
            Bound::AtLeast,
            text(&fc.modified_since),
        ),
        (
            TimeColumn::Modified,
            Bound::Below,
            text(&fc.unmodified_since),
        ),
        (TimeColumn::Expires, Bound::Below, text(&fc.expire_before)),
        (TimeColumn::Expires, Bound::AtLeast, text(&fc.expire_after)),
    ] {
        if let Some(v) = value {
            filter.text_bounds.push((column, bound, v));
        }
    }
    for (column, bound, value) in [
        (CountColumn::StateTag, Bound::Below, fc.state_tag_smaller),
        (CountColumn::StateTag, Bound::AtLeast, fc.state_tag_bigger),
        (CountColumn::Size, Bound::AtLeast, fc.size_above),
        (CountColumn::Size, Bound::Below, fc.size_below),
    ] {
        if let Some(v) = value {
            filter.int_bounds.push((column, bound, v));
        }
    }
    Some(filter)
}

/// Whether some condition of `fc` is left for [`FilterCriteria::matches`] on each
/// row read (`cty`, attribute filters, the exact geometry of a geo-query, or any
/// condition under `fo` 2 or 3).
pub fn checked_per_row(fc: &FilterCriteria) -> bool {
    combines_loosely(fc)
        || !fc.content_types.is_empty()
        || !fc.attributes.is_empty()
        || fc.geo_query.is_some()
        || !fc.semantics_filter.is_empty()
        || fc.has_relative_conditions()
}

/// Refuses filter conditions only the server can judge before any row is read:
/// `smf` that is no SPARQL query (4000), and `smf` or a parent/child condition
/// (`chty`, `pty`, `clbl`, `palb`) under `fo` 2 or 3 (5001).
pub fn check(fc: &FilterCriteria) -> CseResult<()> {
    if fc.has_relative_conditions() && combines_loosely(fc) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "chty, pty, clbl and palb combined with fo=2 or fo=3 are not supported; use fo=1",
        ));
    }
    if fc.semantics_filter.is_empty() {
        return Ok(());
    }
    if combines_loosely(fc) {
        return Err(CseError::new(
            ResponseStatusCode::NotImplemented,
            "smf (semanticsFilter) combined with fo=2 or fo=3 is not supported; use fo=1",
        ));
    }
    semantics::check_queries(&fc.semantics_filter)
}

/// Whether a row read passes the conditions left for each row: those of
/// [`FilterCriteria::matches`], then the parent and child conditions, then, with
/// `smf`, a SPARQL query over the row's semanticDescriptors; relatives count only
/// where the requester may see them through `sight` (each step asked only when the
/// ones before it hold).
pub fn row_matches(
    tx: &mut Txn<'_>,
    fc: &FilterCriteria,
    resource: &Resource,
    sight: &mut Sight<'_>,
) -> CseResult<bool> {
    if !fc.matches(resource.ty.number(), &resource.attrs) {
        return Ok(false);
    }
    if fc.has_relative_conditions() && !filter_relatives::matches(tx, fc, resource, sight)? {
        return Ok(false);
    }
    if fc.semantics_filter.is_empty() {
        return Ok(true);
    }
    semantics::matches(tx, resource, &fc.semantics_filter, sight)
}

/// Whether `fo` combines the conditions so that none of them alone must hold (OR,
/// XOR): then no condition can narrow the database read.
fn combines_loosely(fc: &FilterCriteria) -> bool {
    matches!(
        fc.filter_operation,
        Some(FilterOperation::Or | FilterOperation::Xor)
    )
}
