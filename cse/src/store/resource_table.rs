//! Queries on the `resources` table (the resource tree). Every lookup that serves a request hides
//! resources whose expirationTime has passed, so an expired resource is never
//! returned even before the expiry task removes it.

use diesel::prelude::*;
use onecse_models::ResourceType;

use super::db::DbConn;
use super::schema::resources;

/// One stored resource: the indexed attributes plus the JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = resources)]
pub struct ResourceRow {
    /// resourceID.
    pub ri: String,
    /// parentID, `None` for the CSEBase.
    pub pi: Option<String>,
    /// resourceType.
    pub ty: i32,
    /// resourceName.
    pub rn: String,
    /// Structured CSE-relative address (`cse-in/ae1/cnt1`).
    pub path: String,
    /// creationTime.
    pub ct: String,
    /// lastModifiedTime.
    pub lt: String,
    /// expirationTime, `None` for resources that never expire (the CSEBase).
    pub et: Option<String>,
    /// stateTag.
    pub st: i64,
    /// creator.
    pub cr: Option<String>,
    /// contentSize.
    pub cs: i64,
    /// currentNrOfInstances.
    pub cni: i64,
    /// currentByteSize.
    pub cbs: i64,
    /// Depth of the path.
    pub lvl: i32,
    /// All attributes as a JSON object.
    pub doc: String,
    /// The originator that created the resource.
    pub owner: Option<String>,
}

/// The `ty` column's value for a type: the store speaks `ResourceType`, the table
/// keeps the number.
fn column(ty: ResourceType) -> i32 {
    i32::from(ty.number())
}

/// Looks a live resource up by resourceID.
pub fn find_by_ri(conn: &mut DbConn, ri: &str, now: &str) -> QueryResult<Option<ResourceRow>> {
    resources::table
        .filter(resources::ri.eq(ri))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()
}

/// The live access control policies among `ris`, in one query (the decision reads
/// every policy a resource names at once).
pub fn find_policies(conn: &mut DbConn, ris: &[&str], now: &str) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::ri.eq_any(ris))
        .filter(resources::ty.eq(column(ResourceType::AccessControlPolicy)))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Looks a live resource up by its structured address.
pub fn find_by_path(conn: &mut DbConn, path: &str, now: &str) -> QueryResult<Option<ResourceRow>> {
    resources::table
        .filter(resources::path.eq(path))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()
}

/// The CSEBase row (the only one without a parent), expired or not.
pub fn find_root(conn: &mut DbConn) -> QueryResult<Option<ResourceRow>> {
    resources::table
        .filter(resources::pi.is_null())
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()
}

/// True if the parent already has a child with this name. Expired children count:
/// their row still holds the name until the expiry task removes it.
pub fn child_name_taken(conn: &mut DbConn, pi: &str, rn: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        resources::table
            .filter(resources::pi.eq(pi))
            .filter(resources::rn.eq(rn)),
    ))
    .get_result(conn)
}

/// True if any resource (live or expired) has this resourceID.
pub fn ri_taken(conn: &mut DbConn, ri: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        resources::table.filter(resources::ri.eq(ri)),
    ))
    .get_result(conn)
}

/// Inserts a new resource.
pub fn insert(conn: &mut DbConn, row: &ResourceRow) -> QueryResult<()> {
    diesel::insert_into(resources::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes back what an UPDATE may change: `lt`, `et` and the document. The counters
/// (`st`, `cni`, `cbs`) are only ever changed by the atomic increments below, so a
/// concurrent instance creation is never overwritten by a stale value.
pub fn update(conn: &mut DbConn, row: &ResourceRow) -> QueryResult<()> {
    diesel::update(resources::table.filter(resources::ri.eq(&row.ri)))
        .set((
            resources::lt.eq(&row.lt),
            resources::et.eq(&row.et),
            resources::doc.eq(&row.doc),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Increments `st` and returns the new value.
pub fn bump_state_tag(conn: &mut DbConn, ri: &str) -> QueryResult<i64> {
    diesel::update(resources::table.filter(resources::ri.eq(ri)))
        .set(resources::st.eq(resources::st + 1))
        .returning(resources::st)
        .get_result(conn)
}

/// The counters of a container after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct Counters {
    /// stateTag.
    pub st: i64,
    /// currentNrOfInstances.
    pub cni: i64,
    /// currentByteSize.
    pub cbs: i64,
}

/// Records a new instance of `bytes` bytes in its container: `st`, `cni` and `cbs` go
/// up in one statement. On PostgreSQL the statement also locks the container row until
/// commit, which serialises concurrent creations in one container (SQLite writers are
/// serialised by `BEGIN IMMEDIATE`).
pub fn add_instance(conn: &mut DbConn, container: &str, bytes: i64) -> QueryResult<Counters> {
    diesel::update(resources::table.filter(resources::ri.eq(container)))
        .set((
            resources::st.eq(resources::st + 1),
            resources::cni.eq(resources::cni + 1),
            resources::cbs.eq(resources::cbs + bytes),
        ))
        .returning((resources::st, resources::cni, resources::cbs))
        .get_result(conn)
}

/// Records removed instances (`count` of them, `bytes` in total) in their container;
/// `None` if the container itself is gone (removed earlier in the same sweep).
pub fn remove_instances(
    conn: &mut DbConn,
    container: &str,
    count: i64,
    bytes: i64,
) -> QueryResult<Option<Counters>> {
    diesel::update(resources::table.filter(resources::ri.eq(container)))
        .set((
            resources::cni.eq(resources::cni - count),
            resources::cbs.eq(resources::cbs - bytes),
        ))
        .returning((resources::st, resources::cni, resources::cbs))
        .get_result(conn)
        .optional()
}

/// Up to `limit` oldest children of one type, as (ri, cs), oldest first; expired ones
/// included, since they still count until removed. Served by the (pi, ty, st) index:
/// an instance's `st` is assigned under its container's row lock, so it is commit order.
pub fn oldest_children(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
    limit: i64,
) -> QueryResult<Vec<(String, i64)>> {
    resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::ty.eq(column(ty)))
        .order(resources::st.asc())
        .select((resources::ri, resources::cs))
        .limit(limit)
        .load(conn)
}

/// Children of one type created before `before`, as (ri, cs), up to `limit`.
pub fn children_created_before(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
    before: &str,
    limit: i64,
) -> QueryResult<Vec<(String, i64)>> {
    resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::ty.eq(column(ty)))
        .filter(resources::ct.lt(before))
        .order(resources::st.asc())
        .select((resources::ri, resources::cs))
        .limit(limit)
        .load(conn)
}

/// Which end of a container's instances to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The newest (`la`).
    Latest,
    /// The oldest (`ol`).
    Oldest,
}

/// The newest or oldest live child of one type: one step down the (pi, ty, st) index.
pub fn edge_child(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
    end: End,
    now: &str,
) -> QueryResult<Option<ResourceRow>> {
    let query = resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::ty.eq(column(ty)))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .select(ResourceRow::as_select())
        .limit(1);
    match end {
        End::Latest => query.order(resources::st.desc()).first(conn).optional(),
        End::Oldest => query.order(resources::st.asc()).first(conn).optional(),
    }
}

/// Deletes rows by resourceID (instances: they have no descendants). Returns how many.
pub fn delete_by_ris(conn: &mut DbConn, ris: &[String]) -> QueryResult<usize> {
    diesel::delete(resources::table.filter(resources::ri.eq_any(ris))).execute(conn)
}

/// One page of the live descendants of `path`, parents before children (path order),
/// at most `max_depth` levels deep, skipping `offset` and returning up to `limit`.
pub fn descendants(
    conn: &mut DbConn,
    path: &str,
    max_depth: i32,
    offset: i64,
    limit: i64,
    now: &str,
) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::path.gt(format!("{path}/")))
        .filter(resources::path.lt(format!("{path}0")))
        .filter(resources::lvl.le(max_depth))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .order(resources::path.asc())
        .offset(offset)
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Expired resources (up to `limit`), earliest first, for the expiry task.
pub fn expired(conn: &mut DbConn, now: &str, limit: i64) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::et.le(now))
        .order(resources::et.asc())
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}

/// True if some direct child would outlive `et` (a parent's `et` may not be lowered
/// below its children's). Served by the (pi, rn) index prefix.
pub fn child_expires_after(conn: &mut DbConn, pi: &str, et: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        resources::table
            .filter(resources::pi.eq(pi))
            .filter(resources::et.gt(et)),
    ))
    .get_result(conn)
}

/// Deletes a resource and every descendant in one statement, using the structured
/// address index (`path = p OR p/ <= path < p0`; `0` follows `/` in byte order).
/// Labels go with them through their foreign key, and children inserted concurrently
/// through the parent foreign key. Returns the rows the statement matched itself
/// (cascaded ones are not counted): 0 means the resource was already gone.
pub fn delete_subtree(conn: &mut DbConn, path: &str) -> QueryResult<usize> {
    let lower = format!("{path}/");
    let upper = format!("{path}0");
    diesel::delete(
        resources::table.filter(
            resources::path
                .eq(path)
                .or(resources::path.ge(lower).and(resources::path.lt(upper))),
        ),
    )
    .execute(conn)
}

/// Deletes every child of one type (a container's instances when `disr` is switched
/// off) in one statement. Returns how many were removed.
pub fn delete_children_of_type(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
) -> QueryResult<usize> {
    diesel::delete(
        resources::table
            .filter(resources::pi.eq(pi))
            .filter(resources::ty.eq(column(ty))),
    )
    .execute(conn)
}

/// Recounts a container's instances and bytes from its children (after bulk changes)
/// and stores the result. One aggregate over the (pi, ty, …) index range.
pub fn recount_instances(
    conn: &mut DbConn,
    container: &str,
    ty: ResourceType,
) -> QueryResult<Counters> {
    // SUM(bigint) is numeric on PostgreSQL: cast it back so both backends return BIGINT.
    let (count, bytes): (i64, i64) = resources::table
        .filter(resources::pi.eq(container))
        .filter(resources::ty.eq(column(ty)))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(COALESCE(SUM(cs), 0) AS BIGINT)"),
        ))
        .first(conn)?;
    diesel::update(resources::table.filter(resources::ri.eq(container)))
        .set((resources::cni.eq(count), resources::cbs.eq(bytes)))
        .returning((resources::st, resources::cni, resources::cbs))
        .get_result(conn)
}

/// An instance's resourceID, stateTag, creationTime and expirationTime.
pub type InstanceTimes = (String, i64, String, Option<String>);

/// One page of a container's instances after stateTag `after_st`, in `st` order, as
/// (ri, st, ct, et), for rewriting expiration times when `mia` changes.
pub fn instances_page(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
    after_st: i64,
    limit: i64,
) -> QueryResult<Vec<InstanceTimes>> {
    resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::ty.eq(column(ty)))
        .filter(resources::st.gt(after_st))
        .order(resources::st.asc())
        .select((resources::ri, resources::st, resources::ct, resources::et))
        .limit(limit)
        .load(conn)
}

/// One page of the live direct children of `pi` in name order (which is path order),
/// via the (pi, rn) index.
pub fn children(
    conn: &mut DbConn,
    pi: &str,
    offset: i64,
    limit: i64,
    now: &str,
) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .order(resources::rn.asc())
        .offset(offset)
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Sets the expiration time of one resource, in its column and its document.
pub fn set_expiration(conn: &mut DbConn, ri: &str, et: &str) -> QueryResult<()> {
    let doc: String = resources::table
        .filter(resources::ri.eq(ri))
        .select(resources::doc)
        .first(conn)?;
    let mut value: serde_json::Value = serde_json::from_str(&doc).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("et".into(), serde_json::Value::String(et.to_owned()));
    }
    diesel::update(resources::table.filter(resources::ri.eq(ri)))
        .set((resources::et.eq(et), resources::doc.eq(value.to_string())))
        .execute(conn)
        .map(|_| ())
}

/// Live children of one type (subscriptions of a resource), via the (pi, ty, …) index.
pub fn children_of_type(
    conn: &mut DbConn,
    pi: &str,
    ty: ResourceType,
    now: &str,
) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::ty.eq(column(ty)))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Descendants of one type anywhere below `path` (expired ones included: they are
/// deleted with the subtree too), e.g. the subscriptions a subtree deletion concerns.
/// A range scan of the path index.
pub fn descendants_of_type(
    conn: &mut DbConn,
    path: &str,
    ty: ResourceType,
) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .filter(resources::path.gt(format!("{path}/")))
        .filter(resources::path.lt(format!("{path}0")))
        .filter(resources::ty.eq(column(ty)))
        .select(ResourceRow::as_select())
        .load(conn)
}

/// Locks a resource's row for the rest of the transaction (PostgreSQL `FOR UPDATE`;
/// SQLite writers are already serialised) and returns it as it is now.
pub fn lock_and_reload(conn: &mut DbConn, ri: &str) -> QueryResult<Option<ResourceRow>> {
    match conn {
        DbConn::Pg(pg) => resources::table
            .filter(resources::ri.eq(ri))
            .select(ResourceRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConn::Sqlite(_) => resources::table
            .filter(resources::ri.eq(ri))
            .select(ResourceRow::as_select())
            .first(conn)
            .optional(),
    }
}

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
    use super::schema::labels;
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
    query
        .order(resources::path.asc())
        .offset(filter.offset)
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
}
