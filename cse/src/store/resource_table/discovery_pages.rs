//! Discovery candidates: the conditions of a discovery page the database evaluates,
//! and the statement that reads one page of rows or of addresses in path order.

use diesel::prelude::*;
use onecse_models::ResourceType;
use onecse_models::location::{BoundingBox, SpatialFunction};

use super::resource_row::{ResourceRow, column};
use crate::store::db::DbConn;
use crate::store::schema::{locations, resources};

/// Conditions of a discovery page that the database evaluates.
#[derive(Debug, Default)]
pub struct DiscoveryFilter<'a> {
    /// Subtree root path (the root itself is not a candidate).
    pub path: &'a str,
    /// Deepest `lvl` included.
    pub max_depth: i32,
    /// Any of these types (empty: all).
    pub types: Vec<ResourceType>,
    /// Any of these labels (empty: no label condition).
    pub labels: Vec<String>,
    /// Column conditions (all must hold): (column, operator, value).
    pub text_bounds: Vec<(TimeColumn, Bound, String)>,
    /// Integer column conditions (all must hold).
    pub int_bounds: Vec<(CountColumn, Bound, i64)>,
    /// Continue after this path (keyset paging).
    pub after: Option<String>,
    /// Rows to skip (`ofst`), when the database evaluates every condition.
    pub offset: i64,
    /// A geo-query's function and box, read by [`resolve_area`] (the exact geometry
    /// is checked per row).
    pub area: Option<(SpatialFunction, BoundingBox)>,
    /// The resourceIDs [`resolve_area`] found in `area`, when they are few: the page
    /// then reads just those rows instead of walking the subtree in path order.
    pub located: Option<Vec<String>>,
}

/// Most resourceIDs of a geo-query's box read up front ([`resolve_area`]); a box
/// holding more is not selective, so walking the subtree finds its matches quickly.
pub const MAX_LOCATED: i64 = 2000;

/// Reads the resourceIDs in `filter.area` once, when there are at most
/// [`MAX_LOCATED`] of them, so every page of the request reads only those rows
/// (found by their primary key) rather than every row of the subtree in path order
/// with a lookup each, which is what a planner picks for an ordered, limited read.
pub fn resolve_area(conn: &mut DbConn, filter: &mut DiscoveryFilter<'_>) -> QueryResult<()> {
    let Some((function, area)) = filter.area else {
        return Ok(());
    };
    let ids: Vec<String> = located(
        locations::table.select(locations::ri).into_boxed(),
        function,
        area,
    )
    .limit(MAX_LOCATED + 1)
    .load(conn)?;
    if i64::try_from(ids.len()).unwrap_or(i64::MAX) <= MAX_LOCATED {
        filter.located = Some(ids);
    }
    Ok(())
}

/// Timestamp columns a discovery condition can bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeColumn {
    /// creationTime (`crb`, `cra`).
    Created,
    /// lastModifiedTime (`ms`, `us`).
    Modified,
    /// expirationTime (`exb`, `exa`).
    Expires,
}

/// Integer columns a discovery condition can bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountColumn {
    /// stateTag (`sts`, `stb`).
    StateTag,
    /// contentSize (`sza`, `szb`).
    Size,
}

/// A comparison in a discovery condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// column < value
    Below,
    /// column >= value
    AtLeast,
}

/// One page of discovery candidates in path order: live descendants matching the
/// conditions the database can evaluate. With labels, the `labels(label, ri)` index
/// selects the candidates; otherwise the path index is walked in order and the scan
/// stops as soon as `limit` rows matched.
pub fn discover_page(
    conn: &mut DbConn,
    filter: &DiscoveryFilter<'_>,
    now: &str,
    limit: i64,
) -> QueryResult<Vec<ResourceRow>> {
    discovery_query(filter, now)
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}

/// [`discover_page`] when only the addresses are needed: (path, resourceID, type)
/// triples, so the documents (which may be large) are never read.
pub fn discover_addresses(
    conn: &mut DbConn,
    filter: &DiscoveryFilter<'_>,
    now: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String, i32)>> {
    discovery_query(filter, now)
        .limit(limit)
        .select((resources::path, resources::ri, resources::ty))
        .load(conn)
}

/// The rows `filter` matches, in path order, after `filter.after`, skipping
/// `filter.offset`.
fn discovery_query<'a>(
    filter: &DiscoveryFilter<'_>,
    now: &str,
) -> resources::BoxedQuery<'a, <DbConn as Connection>::Backend> {
    use crate::store::schema::labels;
    let mut query = resources::table
        .filter(resources::path.gt(format!("{}/", filter.path)))
        .filter(resources::path.lt(format!("{}0", filter.path)))
        .filter(resources::lvl.le(filter.max_depth))
        .filter(resources::et.is_null().or(resources::et.gt(now.to_owned())))
        .into_boxed();
    if let Some(after) = &filter.after {
        query = query.filter(resources::path.gt(after.clone()));
    }
    if !filter.types.is_empty() {
        query = query.filter(resources::ty.eq_any(filter.types.iter().map(|t| column(*t))));
    }
    if !filter.labels.is_empty() {
        let with_label = labels::table
            .filter(labels::label.eq_any(filter.labels.clone()))
            .select(labels::ri);
        query = query.filter(resources::ri.eq_any(with_label));
    }
    // A box holding more than MAX_LOCATED is no narrowing worth a subquery: the
    // exact predicate on each row decides then.
    if let Some(ids) = &filter.located {
        query = query.filter(resources::ri.eq_any(ids.clone()));
    }
    for (column, bound, value) in &filter.text_bounds {
        let value = value.clone();
        query = match (*column, *bound) {
            (TimeColumn::Created, Bound::Below) => query.filter(resources::ct.lt(value)),
            (TimeColumn::Created, Bound::AtLeast) => query.filter(resources::ct.ge(value)),
            (TimeColumn::Modified, Bound::Below) => query.filter(resources::lt.lt(value)),
            (TimeColumn::Modified, Bound::AtLeast) => query.filter(resources::lt.ge(value)),
            (TimeColumn::Expires, Bound::Below) => query.filter(resources::et.lt(value)),
            (TimeColumn::Expires, Bound::AtLeast) => query.filter(resources::et.ge(value)),
        };
    }
    for (column, bound, value) in &filter.int_bounds {
        query = match (*column, *bound) {
            (CountColumn::StateTag, Bound::Below) => query.filter(resources::st.lt(*value)),
            (CountColumn::StateTag, Bound::AtLeast) => query.filter(resources::st.ge(*value)),
            (CountColumn::Size, Bound::Below) => query.filter(resources::cs.lt(*value)),
            (CountColumn::Size, Bound::AtLeast) => query.filter(resources::cs.ge(*value)),
        };
    }
    query.order(resources::path.asc()).offset(filter.offset)
}

/// Keeps the location boxes that can satisfy `function` against the query box
/// `area`: inside it (within), around it (contains) or overlapping it (intersects).
fn located<'a>(
    query: locations::BoxedQuery<'a, <DbConn as Connection>::Backend, diesel::sql_types::Text>,
    function: SpatialFunction,
    area: BoundingBox,
) -> locations::BoxedQuery<'a, <DbConn as Connection>::Backend, diesel::sql_types::Text> {
    use locations::{max_lat, max_lon, min_lat, min_lon};
    match function {
        // The upper bounds on `min_lon`/`min_lat` follow from the others (a box's
        // minimum is below its maximum); they give the (min_lon, min_lat) index a
        // closed range instead of a half-open one that covers most rows.
        SpatialFunction::Within => query
            .filter(min_lon.between(area.min_lon, area.max_lon))
            .filter(min_lat.between(area.min_lat, area.max_lat))
            .filter(max_lon.le(area.max_lon))
            .filter(max_lat.le(area.max_lat)),
        SpatialFunction::Contains => query
            .filter(min_lon.le(area.min_lon))
            .filter(max_lon.ge(area.max_lon))
            .filter(min_lat.le(area.min_lat))
            .filter(max_lat.ge(area.max_lat)),
        SpatialFunction::Intersects => query
            .filter(min_lon.le(area.max_lon))
            .filter(max_lon.ge(area.min_lon))
            .filter(min_lat.le(area.max_lat))
            .filter(max_lat.ge(area.min_lat)),
    }
}
