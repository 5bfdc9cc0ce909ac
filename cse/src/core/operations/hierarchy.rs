//! Results that include descendants (rcn 4, 5, 6, 8; TS-0004 §7.5.2, spec digest
//! primitives §4): one page read from the path index in path order (parents before
//! children), limited by `lvl`, `ofst` and `lim`, never the whole subtree.

use std::collections::HashMap;

use onecse_models::ResultContent;
use onecse_models::primitive::{FilterCriteria, PartialContent};
use serde_json::{Map, Value, json};

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::{Access, Requester, Sight};
use crate::store::resource_table::{self, DiscoveryFilter};

/// Most entries in one hierarchical result; a client wanting more pages with `ofst`.
pub const MAX_PAGE: u64 = 1000;

/// One page of descendants and, if the page was cut short, where the next starts.
pub struct Page {
    rows: Vec<Resource>,
    partial: Option<PartialContent>,
}

/// Most rows one request examines to fill a page for a requester who may not see
/// everything; past it the page ends early and says where to continue.
pub const MAX_SCAN: usize = 10 * MAX_PAGE as usize;

/// Rows read per database round trip while filtering by visibility.
const SCAN_BATCH: i64 = 500;

/// Reads the page of `target`'s descendants that `fc` asks for, keeping only those
/// `who` may retrieve; `ofst` and `lim` count visible rows only.
pub fn page(
    tx: &mut Txn<'_>,
    who: &Requester,
    target: &Resource,
    fc: &FilterCriteria,
) -> CseResult<Page> {
    let limit = fc.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let offset = fc.offset.unwrap_or(1).saturating_sub(1);
    let depth = i32::try_from(target.path.split('/').count()).unwrap_or(i32::MAX);
    let max_depth = match fc.level {
        Some(level) => depth.saturating_add(i32::try_from(level).unwrap_or(i32::MAX)),
        None => i32::MAX,
    };
    let cse = tx.cse;
    let mut sight = Sight::new(cse, who, Access::Retrieve);
    let (mut rows, more, scan_cut) = if sight.sees_everything() {
        let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        let skip = i64::try_from(offset).unwrap_or(i64::MAX);
        let found = if fc.level == Some(1) {
            // Direct children come straight from the (pi, rn) index.
            resource_table::children(tx.conn, &target.ri, skip, fetch, &tx.now_text)?
        } else {
            resource_table::descendants(
                tx.conn,
                &target.path,
                max_depth,
                skip,
                fetch,
                &tx.now_text,
            )?
        };
        let rows = found
            .into_iter()
            .map(Resource::from_row)
            .collect::<CseResult<Vec<_>>>()?;
        let more = u64::try_from(rows.len()).unwrap_or(u64::MAX) > limit;
        (rows, more, false)
    } else {
        visible(tx, &mut sight, &target.path, max_depth, offset, limit)?
    };
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // The client asked for a shorter page: that is not a truncation by the CSE.
    let cut_by_cse = scan_cut || fc.limit.is_none_or(|asked| asked > MAX_PAGE);
    let next = offset + u64::try_from(rows.len()).unwrap_or(u64::MAX) + 1;
    let partial = (more && cut_by_cse).then_some(PartialContent { offset: next });
    hide_inaccessible_instances(target, &mut rows);
    Ok(Page { rows, partial })
}

/// The descendants `sight` lets through, in path order, skipping the first `offset`
/// visible ones: up to `limit` rows, whether more exist, and whether the scan stopped
/// at [`MAX_SCAN`] rows examined (then "more" is assumed).
fn visible(
    tx: &mut Txn<'_>,
    sight: &mut Sight<'_>,
    path: &str,
    max_depth: i32,
    offset: u64,
    limit: u64,
) -> CseResult<(Vec<Resource>, bool, bool)> {
    let mut filter = DiscoveryFilter {
        path,
        max_depth,
        ..DiscoveryFilter::default()
    };
    let (mut rows, mut skipped, mut scanned) = (Vec::new(), 0, 0);
    loop {
        let batch = resource_table::discover_page(tx.conn, &filter, &tx.now_text, SCAN_BATCH)?;
        let exhausted = i64::try_from(batch.len()).unwrap_or(i64::MAX) < SCAN_BATCH;
        filter.after = batch.last().map(|r| r.path.clone());
        for row in batch {
            scanned += 1;
            let resource = Resource::from_row(row)?;
            if !sight.sees(tx, &resource)? {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            if u64::try_from(rows.len()).unwrap_or(u64::MAX) >= limit {
                return Ok((rows, true, false));
            }
            rows.push(resource);
        }
        if exhausted {
            return Ok((rows, false, false));
        }
        if scanned >= MAX_SCAN {
            return Ok((rows, true, true));
        }
    }
}

/// Instances whose parent refuses access to them (a container with `disr` set) are
/// never returned (TS-0004 §7.4.6), not even inside a hierarchical result.
fn hide_inaccessible_instances(target: &Resource, rows: &mut Vec<Resource>) {
    let closed: Vec<&str> = std::iter::once(target)
        .chain(rows.iter())
        .filter(|r| r.kind().check_instances_accessible(r).is_err())
        .map(|r| r.ri.as_str())
        .collect();
    if closed.is_empty() {
        return;
    }
    let hidden: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.kind().is_instance() && r.pi.as_deref().is_some_and(|pi| closed.contains(&pi))
        })
        .map(|r| r.ri.clone())
        .collect();
    rows.retain(|r| !hidden.contains(&r.ri));
}

impl Page {
    /// Where the next page starts, when this one was cut short by the CSE.
    pub fn partial(&self) -> Option<PartialContent> {
        self.partial
    }

    /// Renders the page for `rcn` (4, 5, 6 or 8) around `target`.
    pub fn render(&self, rcn: ResultContent, target: &Resource) -> Value {
        match rcn {
            ResultContent::ChildResourceReferences => {
                json!({ "m2m:rrl": { "rrf": self.references() } })
            }
            ResultContent::AttributesAndChildResourceReferences => {
                let mut attrs = target.attrs.clone();
                attrs.insert("ch".into(), Value::Array(self.references()));
                target.wrap(attrs)
            }
            ResultContent::ChildResources => target.wrap(self.nest(target, Map::new())),
            _ => target.wrap(self.nest(target, target.attrs.clone())),
        }
    }

    /// `{"nm", "typ", "val"}` child references with structured CSE-relative addresses.
    fn references(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| json!({ "nm": r.rn, "typ": r.ty.number(), "val": r.path }))
            .collect()
    }

    /// Nests the page under `target`: each resource's children are listed per type
    /// under their root key. Entries whose parent is not on the page (cut by `ofst`)
    /// are placed directly under the target.
    fn nest(&self, target: &Resource, top: Map<String, Value>) -> Map<String, Value> {
        let on_page: HashMap<&str, ()> = self.rows.iter().map(|r| (r.ri.as_str(), ())).collect();
        let mut children: HashMap<&str, Vec<&Resource>> = HashMap::new();
        for row in &self.rows {
            let parent = row.pi.as_deref().unwrap_or_default();
            let key = if on_page.contains_key(parent) {
                parent
            } else {
                target.ri.as_str()
            };
            children.entry(key).or_default().push(row);
        }
        attach(&target.ri, top, &children)
    }
}

fn attach(
    ri: &str,
    mut node: Map<String, Value>,
    children: &HashMap<&str, Vec<&Resource>>,
) -> Map<String, Value> {
    for child in children.get(ri).map(Vec::as_slice).unwrap_or_default() {
        let rendered = attach(&child.ri, child.attrs.clone(), children);
        let list = node
            .entry(child.root_key())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(Value::Object(rendered));
        }
    }
    node
}
