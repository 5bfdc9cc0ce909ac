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
use crate::security::{self, Access, Candidate, Requester};
use crate::store::resource_table;

/// Most entries in one hierarchical result; a client wanting more pages with `ofst`.
pub const MAX_PAGE: u64 = 1000;

/// One page of descendants and, if the page was cut short, where the next starts.
pub struct Page {
    rows: Vec<Resource>,
    partial: Option<PartialContent>,
}

/// Reads the page of `target`'s descendants that `fc` asks for, keeping only those
/// `who` may retrieve.
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
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let skip = i64::try_from(offset).unwrap_or(i64::MAX);
    let found = if fc.level == Some(1) {
        // Direct children come straight from the (pi, rn) index.
        resource_table::children(tx.conn, &target.ri, skip, fetch, &tx.now_text)?
    } else {
        resource_table::descendants(tx.conn, &target.path, max_depth, skip, fetch, &tx.now_text)?
    };
    let mut rows = found
        .into_iter()
        .map(Resource::from_row)
        .collect::<CseResult<Vec<_>>>()?;
    let more = u64::try_from(rows.len()).unwrap_or(u64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // The client asked for a shorter page: that is not a truncation by the CSE.
    let cut_by_cse = fc.limit.is_none_or(|asked| asked > MAX_PAGE);
    let partial = (more && cut_by_cse).then(|| PartialContent {
        offset: offset + limit + 1,
    });
    hide_inaccessible_instances(target, &mut rows);
    rows.retain(|r| {
        let candidate = Candidate {
            ri: &r.ri,
            ty: r.ty,
            pi: r.pi.as_deref(),
        };
        security::may_see(tx, who, Access::Retrieve, candidate)
    });
    Ok(Page { rows, partial })
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
                onecse_models::resource::wrap(target.ty, attrs)
            }
            ResultContent::ChildResources => {
                onecse_models::resource::wrap(target.ty, self.nest(target, Map::new()))
            }
            _ => onecse_models::resource::wrap(target.ty, self.nest(target, target.attrs.clone())),
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
            .entry(child.ty.root_key())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(Value::Object(rendered));
        }
    }
    node
}
