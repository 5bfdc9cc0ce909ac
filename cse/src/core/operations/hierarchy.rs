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

/// Rows of the first database read; later reads are sized by [`next_batch`], between
/// 1 and [`MAX_BATCH`].
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
        let (read, kept_before) = (batch.len(), rows.len());
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
        batch_size = next_batch(NextBatch {
            bytes,
            kept: rows.len(),
            limit,
            previous: batch_size,
            all_kept: rows.len() - kept_before == read,
        });
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

/// What sizes the next read of a page.
struct NextBatch {
    /// Bytes of the documents kept so far.
    bytes: usize,
    /// Rows kept so far.
    kept: usize,
    /// Rows the page may hold.
    limit: usize,
    /// Rows the last read asked for.
    previous: i64,
    /// Whether the last read kept every row it returned.
    all_kept: bool,
}

/// Rows of the next read: when the last read kept every row, the rows still wanted
/// and one more (to tell whether more exist) are enough, so a page of 20 from a
/// container of a million instances reads 21 documents, not 500; when rows were
/// dropped (conditions, access, hidden instances) the read doubles from at least that.
/// Never more than the byte budget left holds at the average document size so far,
/// nor [`MAX_BATCH`].
fn next_batch(at: NextBatch) -> i64 {
    let average = at.bytes.checked_div(at.kept).unwrap_or(1).max(1);
    let fits =
        i64::try_from(MAX_PAGE_BYTES.saturating_sub(at.bytes) / average).unwrap_or(MAX_BATCH);
    let wanted = i64::try_from(at.limit.saturating_sub(at.kept))
        .unwrap_or(MAX_BATCH)
        .saturating_add(1);
    let wanted = if at.all_kept {
        wanted
    } else {
        wanted.max(at.previous.saturating_mul(2))
    };
    fits.min(wanted).clamp(1, MAX_BATCH)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(kept: usize, limit: usize, previous: i64, all_kept: bool) -> i64 {
        next_batch(NextBatch {
            bytes: kept * 250,
            kept,
            limit,
            previous,
            all_kept,
        })
    }

    #[test]
    fn a_read_that_kept_everything_asks_only_for_what_the_page_still_needs() {
        // 16 of a page of 20 kept: four more and one to tell whether more exist.
        assert_eq!(batch(16, 20, 16, true), 5);
        assert_eq!(batch(16, 100, 16, true), 85);
        // A page as large as the CSE allows still reads at most MAX_BATCH at once.
        assert_eq!(batch(16, 10_000, 16, true), MAX_BATCH);
    }

    #[test]
    fn a_read_that_dropped_rows_doubles_and_the_byte_budget_bounds_it() {
        assert_eq!(batch(2, 20, 16, false), 32);
        assert_eq!(batch(2, 20, 400, false), MAX_BATCH);
        // Documents filling the budget leave room for one more read of one row.
        let full = next_batch(NextBatch {
            bytes: MAX_PAGE_BYTES,
            kept: 10,
            limit: 20,
            previous: 16,
            all_kept: true,
        });
        assert_eq!(full, 1);
    }
}
