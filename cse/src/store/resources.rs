//! Queries on the `resources` table. Every lookup that serves a request hides
//! resources whose expirationTime has passed, so an expired resource is never
//! returned even before the expiry task removes it.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::resources;

/// One stored resource: the indexed attributes plus the JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
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
    /// All attributes as a JSON object.
    pub doc: String,
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

/// Writes back a modified resource (all columns but the key).
pub fn update(conn: &mut DbConn, row: &ResourceRow) -> QueryResult<()> {
    diesel::update(resources::table.filter(resources::ri.eq(&row.ri)))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Deletes a resource and every descendant in one statement, using the structured
/// address index (`path = p OR p/ <= path < p0`; `0` follows `/` in byte order).
/// Labels go with them through the foreign key. Returns the number of rows removed.
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
