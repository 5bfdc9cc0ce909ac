//! Discovery (RETRIEVE with `fu=1`, TS-0004 §7.3.3.14): the addresses of the target's
//! descendants that match the filter criteria, in path order, at most `lim` of them.
//! Conditions on indexed columns and labels are evaluated by the database; the rest
//! (`cty`, attribute filters, `fo=2`) on each candidate page, only on rows the
//! requester may discover, so a request never loads more than a page at a time; the
//! request's scan budget ([`ScanBudget`]) bounds the rows and time it examines.

use onecse_models::primitive::{
    DesiredIdentifierResultType, FilterOperation, PartialContent, Request, Response,
};
use onecse_models::{ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Value, json};

use crate::core::operations::hierarchy::{MAX_PAGE, MAX_PAGE_BYTES};
use crate::core::record::Resource;
use crate::core::scan::ScanBudget;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{Access, Requester, Sight};
use crate::store::resource_table::{self, Bound, CountColumn, DiscoveryFilter, TimeColumn};

/// Candidates read per database round trip when conditions are checked here.
const SCAN_PAGE: i64 = 500;

/// Rows of the first read of a scan; later reads are sized by the documents seen.
const FIRST_BATCH: i64 = 16;

/// Runs a discovery below `target`, returning only what `who` may discover.
pub fn discover(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    target: &Resource,
) -> CseResult<Response> {
    match req.rcn {
        None | Some(ResultContent::DiscoveryResultReferences) => {}
        Some(other) => {
            return Err(CseError::bad_request(format!(
                "rcn={} is not supported with discovery (use 11 or leave it out)",
                other.number()
            )));
        }
    }
    let fc = &req.filter;
    let limit = fc.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let skip = fc.offset.unwrap_or(1).saturating_sub(1);
    let in_database = fc.filter_operation != Some(FilterOperation::Or);
    let depth = i32::try_from(target.path.split('/').count()).unwrap_or(i32::MAX);
    let mut filter = DiscoveryFilter {
        path: &target.path,
        max_depth: fc.level.map_or(i32::MAX, |l| {
            depth.saturating_add(i32::try_from(l).unwrap_or(i32::MAX))
        }),
        ..DiscoveryFilter::default()
    };
    if in_database {
        filter.types = fc
            .resource_types
            .iter()
            .filter_map(|t| ResourceType::from_number(*t).ok())
            .collect();
        if filter.types.is_empty() && !fc.resource_types.is_empty() {
            // Only types no resource here can have: nothing matches.
            return Ok(found_nothing());
        }
        filter.labels = fc.labels.clone();
        let text = |v: &Option<onecse_models::time::Timestamp>| v.map(|t| t.to_string());
        let mut push_text = |column, bound, value: Option<String>| {
            if let Some(v) = value {
                filter.text_bounds.push((column, bound, v));
            }
        };
        push_text(TimeColumn::Created, Bound::Below, text(&fc.created_before));
        push_text(TimeColumn::Created, Bound::AtLeast, text(&fc.created_after));
        push_text(
            TimeColumn::Modified,
            Bound::AtLeast,
            text(&fc.modified_since),
        );
        push_text(
            TimeColumn::Modified,
            Bound::Below,
            text(&fc.unmodified_since),
        );
        push_text(TimeColumn::Expires, Bound::Below, text(&fc.expire_before));
        push_text(TimeColumn::Expires, Bound::AtLeast, text(&fc.expire_after));
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
    }
    // When the database evaluates every condition, it also skips `ofst` and returns one
    // page of exactly what is needed (plus one row to tell whether more exist), so a
    // large `ofst` never loads the rows it skips; documents are only parsed when a
    // condition must be checked here, page by page.
    let cse = tx.cse;
    let mut sight = Sight::new(cse.site(), who, Access::Discover);
    let checks_here = !in_database
        || !fc.content_types.is_empty()
        || !fc.attributes.is_empty()
        || !sight.sees_everything();
    let (found, more, scan_cut) = if checks_here {
        scan(tx, req, &mut sight, &mut filter, skip, limit)?
    } else {
        // One statement returns exactly the page (plus one row to tell whether more
        // exist), addresses only: no document is read.
        filter.offset = i64::try_from(skip).unwrap_or(i64::MAX);
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let mut found = resource_table::discover_addresses(tx.conn, &filter, &tx.now_text, fetch)?;
        let more = u64::try_from(found.len()).unwrap_or(u64::MAX) > limit;
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        (found, more, false)
    };
    let unstructured = req.drt == Some(DesiredIdentifierResultType::Unstructured);
    let found_count = found.len();
    let uris: Vec<Value> = found
        .into_iter()
        .map(|(path, ri)| json!(if unstructured { ri } else { path }))
        .collect();
    let mut response = Response::new(ResponseStatusCode::Ok, Some(json!({ "m2m:uril": uris })));
    if more && (scan_cut || fc.limit.is_none_or(|asked| asked > MAX_PAGE)) {
        response.partial = Some(PartialContent {
            offset: skip + u64::try_from(found_count).unwrap_or(u64::MAX) + 1,
        });
    }
    Ok(response)
}

/// (path, resourceID) of the matches, whether more exist, whether the budget ended
/// the scan.
type Scanned = (Vec<(String, String)>, bool, bool);

/// Evaluates conditions the database cannot (attributes, `fo=2`, visibility) batch
/// by batch: (path, resourceID) of the matches after skipping `skip` of them, whether
/// more exist, and whether the scan stopped at the request's [`ScanBudget`] (reads
/// sized to [`MAX_PAGE_BYTES`] of documents keep its memory bounded too).
fn scan(
    tx: &mut Txn<'_>,
    req: &Request,
    sight: &mut Sight<'_>,
    filter: &mut DiscoveryFilter<'_>,
    skip: u64,
    limit: u64,
) -> CseResult<Scanned> {
    let fc = &req.filter;
    let mut budget = ScanBudget::start(tx.cse.limits.scan);
    let mut found: Vec<(String, String)> = Vec::new();
    let mut skipped = 0;
    let mut batch_size = FIRST_BATCH;
    loop {
        let page = resource_table::discover_page(tx.conn, filter, &tx.now_text, batch_size)?;
        let exhausted = i64::try_from(page.len()).unwrap_or(i64::MAX) < batch_size;
        filter.after = page.last().map(|r| r.path.clone());
        let read: usize = page.iter().map(|r| r.doc.len()).sum();
        let rows = page.len();
        for row in page {
            if budget.spent(found.len()) {
                return Ok((found, true, true));
            }
            if skipped >= skip {
                budget.count();
            }
            let resource = Resource::from_row(row)?;
            // Visibility first: a row the requester may not discover costs no
            // matching, however long its values or the patterns. Conditions the
            // database evaluated hold already and evaluate true again.
            if !sight.sees(tx, &resource.subject())?
                || !fc.matches(resource.ty.number(), &resource.attrs)
            {
                continue;
            }
            if skipped < skip {
                skipped += 1;
                continue;
            }
            if u64::try_from(found.len()).unwrap_or(u64::MAX) >= limit {
                return Ok((found, true, false));
            }
            found.push((resource.path, resource.ri));
        }
        if exhausted {
            return Ok((found, false, false));
        }
        // Size the next read so that its documents fit the byte budget.
        let average = read.checked_div(rows).unwrap_or(1).max(1);
        batch_size = i64::try_from(MAX_PAGE_BYTES / average)
            .unwrap_or(SCAN_PAGE)
            .clamp(1, SCAN_PAGE);
    }
}

/// An empty discovery result.
fn found_nothing() -> Response {
    Response::new(
        ResponseStatusCode::Ok,
        Some(json!({ "m2m:uril": Vec::<Value>::new() })),
    )
}
