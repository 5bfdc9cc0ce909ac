//! Discovery (RETRIEVE with `fu=1`, TS-0004 §7.3.3.14): the addresses of the target's
//! descendants that match the filter criteria, in path order, at most `lim` of them.
//! Conditions on indexed columns and labels are evaluated by the database; the rest
//! (`cty`, attribute filters, `fo=2`) on each candidate page, so a request never loads
//! more than a page at a time.

use onecse_models::ResponseStatusCode;
use onecse_models::ResultContent;
use onecse_models::primitive::{
    DesiredIdentifierResultType, FilterCriteria, FilterOperation, PartialContent, Request, Response,
};
use serde_json::{Value, json};

use crate::core::operations::hierarchy::MAX_PAGE;
use crate::core::resource::Resource;
use crate::error::{CseError, CseResult};
use crate::store::DbConn;
use crate::store::resources::{self, Bound, DiscoveryFilter};

/// Candidates read per database round trip when conditions are checked here.
const SCAN_PAGE: i64 = 500;

/// Runs a discovery below `target`.
pub fn discover(
    conn: &mut DbConn,
    target: &Resource,
    req: &Request,
    now: &str,
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
            .filter_map(|t| i32::try_from(*t).ok())
            .collect();
        filter.labels = fc.labels.clone();
        let text = |v: &Option<onecse_models::time::Timestamp>| v.map(|t| t.to_string());
        let mut push_text = |column, bound, value: Option<String>| {
            if let Some(v) = value {
                filter.text_bounds.push((column, bound, v));
            }
        };
        push_text("ct", Bound::Below, text(&fc.created_before));
        push_text("ct", Bound::AtLeast, text(&fc.created_after));
        push_text("lt", Bound::AtLeast, text(&fc.modified_since));
        push_text("lt", Bound::Below, text(&fc.unmodified_since));
        push_text("et", Bound::Below, text(&fc.expire_before));
        push_text("et", Bound::AtLeast, text(&fc.expire_after));
        for (column, bound, value) in [
            ("st", Bound::Below, fc.state_tag_smaller),
            ("st", Bound::AtLeast, fc.state_tag_bigger),
            ("cs", Bound::AtLeast, fc.size_above),
            ("cs", Bound::Below, fc.size_below),
        ] {
            if let Some(v) = value {
                filter.int_bounds.push((column, bound, v));
            }
        }
    }
    // When the database evaluates every condition, one page of exactly what is needed
    // (plus one row to tell whether more exist) answers the request, and documents are
    // only parsed when a condition must be checked here.
    let checks_here = !in_database || !fc.content_types.is_empty() || !fc.attributes.is_empty();
    let page_size = if checks_here {
        SCAN_PAGE
    } else {
        i64::try_from(skip.saturating_add(limit).saturating_add(1)).unwrap_or(i64::MAX)
    };
    let mut found: Vec<(String, String)> = Vec::new();
    let mut skipped = 0;
    let mut more = false;
    loop {
        let page = resources::discover_page(conn, &filter, now, page_size)?;
        let exhausted = i64::try_from(page.len()).unwrap_or(i64::MAX) < page_size;
        filter.after = page.last().map(|r| r.path.clone());
        for row in page {
            if checks_here && !matches_here(fc, &Resource::from_row(row.clone())?, in_database) {
                continue;
            }
            if skipped < skip {
                skipped += 1;
                continue;
            }
            if u64::try_from(found.len()).unwrap_or(u64::MAX) >= limit {
                more = true;
                break;
            }
            found.push((row.path, row.ri));
        }
        if more || exhausted {
            break;
        }
    }
    let unstructured = req.drt == Some(DesiredIdentifierResultType::Unstructured);
    let uris: Vec<Value> = found
        .into_iter()
        .map(|(path, ri)| json!(if unstructured { ri } else { path }))
        .collect();
    let mut response = Response::new(ResponseStatusCode::Ok, Some(json!({ "m2m:uril": uris })));
    if more && fc.limit.is_none_or(|asked| asked > MAX_PAGE) {
        response.partial = Some(PartialContent {
            offset: skip + limit + 1,
        });
    }
    Ok(response)
}

/// The conditions the database did not evaluate: all of them with `fo=2` (OR), else
/// only `cty` and attribute filters.
fn matches_here(fc: &FilterCriteria, r: &Resource, database_did_the_rest: bool) -> bool {
    let text = |n: &str| {
        r.attrs
            .get(n)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let int = |n: &str| r.attrs.get(n).and_then(Value::as_i64);
    let mut results: Vec<bool> = Vec::new();
    if !database_did_the_rest {
        let ts = |t: &Option<onecse_models::time::Timestamp>| t.map(|t| t.to_string());
        if !fc.resource_types.is_empty() {
            results.push(fc.resource_types.contains(&i64::from(r.ty.number())));
        }
        if !fc.labels.is_empty() {
            results.push(r.labels().iter().any(|l| fc.labels.contains(l)));
        }
        for (value, column, below) in [
            (ts(&fc.created_before), "ct", true),
            (ts(&fc.created_after), "ct", false),
            (ts(&fc.modified_since), "lt", false),
            (ts(&fc.unmodified_since), "lt", true),
            (ts(&fc.expire_before), "et", true),
            (ts(&fc.expire_after), "et", false),
        ] {
            if let Some(v) = value {
                results.push(if below {
                    text(column) < v
                } else {
                    text(column) >= v
                });
            }
        }
        for (value, column, below) in [
            (fc.state_tag_smaller, "st", true),
            (fc.state_tag_bigger, "st", false),
            (fc.size_above, "cs", false),
            (fc.size_below, "cs", true),
        ] {
            if let Some(v) = value {
                results.push(int(column).is_some_and(|x| if below { x < v } else { x >= v }));
            }
        }
    }
    if !fc.content_types.is_empty() {
        let cnf = text("cnf");
        let media = cnf.split(':').next().unwrap_or("");
        results.push(fc.content_types.iter().any(|c| c == media));
    }
    for (name, wanted) in &fc.attributes {
        results.push(attribute_matches(r.attrs.get(name), wanted));
    }
    if results.is_empty() {
        return true;
    }
    if fc.filter_operation == Some(FilterOperation::Or) {
        results.into_iter().any(|m| m)
    } else {
        results.into_iter().all(|m| m)
    }
}

/// An attribute filter: the value as text, with `*` matching any run of characters.
fn attribute_matches(value: Option<&Value>, pattern: &str) -> bool {
    let Some(value) = value else { return false };
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => return items.iter().any(|i| attribute_matches(Some(i), pattern)),
        other => other.to_string(),
    };
    wildcard(pattern, &text)
}

fn wildcard(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| wildcard(rest, tail.get(i..).unwrap_or("")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_any_run() {
        assert!(wildcard("cnt*", "cnt123"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c*e", "abcde"));
        assert!(!wildcard("a*c", "abd"));
        assert!(wildcard("exact", "exact"));
    }
}
