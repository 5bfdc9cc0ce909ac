//! Results that include descendants (rcn 4, 5, 6, 8; TS-0004 §7.5.2, spec digest
//! primitives §4): one page read from the path index in path order (parents before
//! children), limited by `lvl`, `ofst` and `lim` and, for a conditional retrieval
//! (TS-0004 §7.3.3.17), to the descendants matching the filter conditions (the same
//! evaluation as discovery, `core::filter_query`); never the whole subtree.

use std::collections::HashMap;

use onecse_models::ResultContent;
use onecse_models::primitive::{FilterCriteria, PartialContent};
use serde_json::{Map, Value, json};

use crate::core::filter_query;
use crate::core::record::Resource;
use crate::core::scan::ScanBudget;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::{Access, Requester, Sight};
use crate::store::resource_table::{self, DiscoveryFilter, ResourceRow};

/// Most entries in one hierarchical result; a client wanting more pages with `ofst`.
pub const MAX_PAGE: u64 = 1000;

/// Most bytes of stored documents one hierarchical result carries: past it the page
/// ends early and says where to continue, so a few large children (a container of
/// 1 MB instances) cannot make one request hold gigabytes.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// One page of descendants and, if the page was cut short, where the next starts.
pub struct Page {
    rows: Vec<Resource>,
    partial: Option<PartialContent>,
}

/// Rows of the first database read; later reads are sized from the bytes left and
/// the documents seen so far, between 1 and [`MAX_BATCH`].
const FIRST_BATCH: i64 = 16;

/// Most rows of one database read.
const MAX_BATCH: i64 = 500;

/// Reads the page of `target`'s descendants that `fc` asks for, keeping only those
/// that match its conditions and that `who` may retrieve; `ofst` and `lim` count visible rows only. Rows are read in
/// batches continuing after the last path (keyset), so the page stops within its
/// byte budget without reading what it will not return.
pub fn page(
    tx: &mut Txn<'_>,
    who: &Requester,
    target: &Resource,
    fc: &FilterCriteria,
) -> CseResult<Page> {
    let limit = usize::try_from(fc.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE)).unwrap_or(usize::MAX);
    let offset = fc.offset.unwrap_or(1).saturating_sub(1);
    filter_query::check(fc)?;
    let Some(mut filter) = filter_query::database_filter(fc, target) else {
        // Only types no resource can have: no descendant matches.
        return Ok(Page {
            rows: Vec::new(),
            partial: None,
        });
    };
    // Conditions the database cannot evaluate are checked on each row read here.
    resource_table::resolve_area(tx.conn, &mut filter)?;
    let per_row = filter_query::checked_per_row(fc);
    let cse = tx.cse;
    let mut sight = Sight::new(cse.site(), who, Access::Retrieve);
    // When every row read is returned the database skips `ofst` rows itself.
    let everything = sight.sees_everything() && !per_row;
    let mut cursor = Cursor {
        target,
        direct_children: fc.level == Some(1) && !fc.has_conditions(),
        filter,
        skip: if everything {
            i64::try_from(offset).unwrap_or(i64::MAX)
        } else {
            0
        },
    };
    let mut closed = Closed::new(target);
    // A requester who may not see every row makes the scan examine rows it does not
    // return: the request's budget bounds them.
    let mut budget = ScanBudget::start(tx.cse.limits.scan);
    let (mut rows, mut bytes, mut skipped) = (Vec::new(), 0usize, 0u64);
    // Instances hidden by their parent's `disr` that the page read (they count as
    // rows where the database skipped `ofst` rows itself).
    let mut hidden = 0u64;
    let mut batch_size = FIRST_BATCH;
    // Why the page ended before the subtree did: the client's `lim`, or a bound of
    // the CSE's (then the client is told where to continue).
    let mut ended = End::Exhausted;
    'scan: loop {
        let batch = cursor.next(tx, batch_size)?;
        let exhausted = i64::try_from(batch.len()).unwrap_or(i64::MAX) < batch_size;
        for row in batch {
            if !everything {
                if budget.spent(rows.len()) {
                    ended = End::Budget;
                    break 'scan;
                }
                if skipped >= offset {
                    budget.count();
                }
            }
            let size = row.doc.len();
            let resource = Resource::from_row(row)?;
            closed.note(&resource);
            if closed.hides(tx, &resource)? {
                hidden += 1;
                continue;
            }
            if !everything
                && (!sight.sees(tx, &resource.subject())?
                    || (per_row && !filter_query::row_matches(tx, fc, &resource, &mut sight)?))
            {
                continue;
            }
            if !everything && skipped < offset {
                skipped += 1;
                continue;
            }
            if rows.len() >= limit {
                ended = End::Limit;
                break 'scan;
            }
            if !rows.is_empty() && bytes + size > MAX_PAGE_BYTES {
                ended = End::Budget;
                break 'scan;
            }
            bytes += size;
            rows.push(resource);
        }
        if exhausted {
            break;
        }
        let average = bytes.checked_div(rows.len()).unwrap_or(1).max(1);
        let fits =
            i64::try_from(MAX_PAGE_BYTES.saturating_sub(bytes) / average).unwrap_or(MAX_BATCH);
        batch_size = fits.clamp(1, MAX_BATCH);
    }
    // The client asked for a shorter page: that is not a truncation by the CSE.
    let cut_by_cse = match ended {
        End::Exhausted => false,
        End::Budget => true,
        End::Limit => fc.limit.is_none_or(|asked| asked > MAX_PAGE),
    };
    let counted = if everything { hidden } else { 0 };
    let next = offset + u64::try_from(rows.len()).unwrap_or(u64::MAX) + counted + 1;
    let partial = cut_by_cse.then_some(PartialContent { offset: next });
    Ok(Page { rows, partial })
}

/// Why a page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// No more descendants.
    Exhausted,
    /// `lim` (or [`MAX_PAGE`]) rows were collected and more exist.
    Limit,
    /// [`MAX_PAGE_BYTES`] or the request's [`ScanBudget`] was reached.
    Budget,
}

/// Reads descendants in path order, a batch at a time, each batch continuing after
/// the last row of the previous one.
struct Cursor<'a> {
    target: &'a Resource,
    /// `lvl=1` without conditions: direct children, read through the (pi, rn) index.
    direct_children: bool,
    /// The subtree, depth and conditions the database evaluates; its `after` moves on
    /// with each batch.
    filter: DiscoveryFilter<'a>,
    /// Rows the first read skips (`ofst` when every row counts).
    skip: i64,
}

impl Cursor<'_> {
    fn next(&mut self, tx: &mut Txn<'_>, batch: i64) -> CseResult<Vec<ResourceRow>> {
        let skip = std::mem::take(&mut self.skip);
        let rows = if self.direct_children {
            let after_name = self
                .filter
                .after
                .as_deref()
                .and_then(|path| path.rsplit('/').next());
            resource_table::children(
                tx.conn,
                &self.target.ri,
                after_name,
                skip,
                batch,
                &tx.now_text,
            )?
        } else {
            self.filter.offset = skip;
            resource_table::discover_page(tx.conn, &self.filter, &tx.now_text, batch)?
        };
        if let Some(last) = rows.last() {
            self.filter.after = Some(last.path.clone());
        }
        Ok(rows)
    }
}

/// Which parents refuse access to their instances (a container with `disr` set):
/// such instances are never returned (TS-0004 §7.4.6), not even inside a hierarchical
/// result, wherever `ofst` or a batch boundary cut the page: a parent read on the way
/// is remembered (read or not, rows come in path order, parents first), one that was
/// not (skipped by the database) is looked up once.
struct Closed(HashMap<String, bool>);

impl Closed {
    fn new(target: &Resource) -> Self {
        let mut closed = Self(HashMap::new());
        closed.note(target);
        closed
    }

    /// Remembers whether `resource` refuses access to its instances, if it has any.
    fn note(&mut self, resource: &Resource) {
        if resource.kind().instances().is_some() {
            let refuses = resource
                .kind()
                .check_instances_accessible(resource)
                .is_err();
            self.0.insert(resource.ri.clone(), refuses);
        }
    }

    /// Whether `resource` is an instance its parent hides.
    fn hides(&mut self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<bool> {
        let Some(pi) = resource
            .pi
            .as_deref()
            .filter(|_| resource.kind().is_instance())
        else {
            return Ok(false);
        };
        if let Some(refuses) = self.0.get(pi) {
            return Ok(*refuses);
        }
        let parent = resource_table::find_by_ri(tx.conn, pi, &tx.now_text)?
            .map(Resource::from_row)
            .transpose()?;
        let refuses = parent
            .as_ref()
            .is_some_and(|p| p.kind().check_instances_accessible(p).is_err());
        self.0.insert(pi.to_owned(), refuses);
        Ok(refuses)
    }
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
