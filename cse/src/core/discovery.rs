//! Discovery (RETRIEVE with `fu=1`, TS-0004 §7.3.3.14): the addresses of the target's
//! descendants that match the filter criteria, in path order, at most `lim` of them.
//! Conditions on indexed columns and labels are evaluated by the database; the rest
//! (`cty`, attribute filters, `fo=2`) on each candidate page, only on rows the
//! requester may discover, so a request never loads more than a page at a time; the
//! request's scan budget ([`ScanBudget`]) bounds the rows and time it examines.

use onecse_models::primitive::{DesiredIdentifierResultType, PartialContent, Request, Response};
use onecse_models::{ResponseStatusCode, ResultContent};
use serde_json::{Value, json};

use crate::core::filter_query;
use crate::core::operations::hierarchy::{MAX_PAGE, MAX_PAGE_BYTES};
use crate::core::record::Resource;
use crate::core::scan::ScanBudget;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{Access, Requester, Sight};
use crate::store::resource_table::{self, DiscoveryFilter};

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
    // TS-0001 table 8.1.2-1: discovery answers addresses (rcn 11, the default) or
    // child-resource references (rcn 6).
    let references = match req.rcn {
        None | Some(ResultContent::DiscoveryResultReferences) => false,
        Some(ResultContent::ChildResourceReferences) => true,
        Some(other) => {
            return Err(CseError::bad_request(format!(
                "rcn={} is not permitted with discovery (use 11, 6 or leave it out)",
                other.number()
            )));
        }
    };
    if references && req.filter.relative_path.is_some() {
        return Err(CseError::bad_request(
            "arp (applyRelativePath) names no resource type for a reference: use it with rcn=11",
        ));
    }
    let fc = &req.filter;
    filter_query::check(fc)?;
    let limit = fc.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let skip = fc.offset.unwrap_or(1).saturating_sub(1);
    let Some(mut filter) = filter_query::database_filter(fc, target) else {
        // Only types no resource here can have: nothing matches.
        return Ok(found_nothing(references));
    };
    // When the database evaluates every condition, it also skips `ofst` and returns one
    // page of exactly what is needed (plus one row to tell whether more exist), so a
    // large `ofst` never loads the rows it skips; documents are only parsed when a
    // condition must be checked here, page by page.
    resource_table::resolve_area(tx.conn, &mut filter)?;
    let cse = tx.cse;
    let mut sight = Sight::new(cse.site(), who, Access::Discover);
    let checks_here = filter_query::checked_per_row(fc) || !sight.sees_everything();
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
    let address = |path: &str, ri: &str| {
        let base = if unstructured { ri } else { path };
        match &fc.relative_path {
            Some(relative) => format!("{base}/{relative}"),
            None => base.to_owned(),
        }
    };
    let content = if references {
        let rrf: Vec<Value> = found
            .iter()
            .map(|(path, ri, ty)| {
                let name = path.rsplit('/').next().unwrap_or_default();
                json!({ "nm": name, "typ": ty, "val": address(path, ri) })
            })
            .collect();
        json!({ "m2m:rrl": { "rrf": rrf } })
    } else {
        let uris: Vec<Value> = found
            .iter()
            .map(|(path, ri, _)| json!(address(path, ri)))
            .collect();
        json!({ "m2m:uril": uris })
    };
    let mut response = Response::new(ResponseStatusCode::Ok, Some(content));
    if more && (scan_cut || fc.limit.is_none_or(|asked| asked > MAX_PAGE)) {
        response.partial = Some(PartialContent {
            offset: skip + u64::try_from(found_count).unwrap_or(u64::MAX) + 1,
        });
    }
    Ok(response)
}

/// (path, resourceID, type) of one match.
type Found = (String, String, i32);

/// The matches, whether more exist, whether the budget ended the scan.
type Scanned = (Vec<Found>, bool, bool);

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
    let mut found: Vec<Found> = Vec::new();
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
                || !filter_query::row_matches(tx, fc, &resource, sight)?
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
            found.push((resource.path, resource.ri, i32::from(resource.ty.number())));
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

/// An empty discovery result, as addresses or as references.
fn found_nothing(references: bool) -> Response {
    let content = if references {
        json!({ "m2m:rrl": { "rrf": [] } })
    } else {
        json!({ "m2m:uril": [] })
    };
    Response::new(ResponseStatusCode::Ok, Some(content))
}
