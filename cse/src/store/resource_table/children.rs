//! Listings below a resource: pages of its direct children, children and
//! descendants of one type, and whether a child outlives a new expiration time.

use diesel::prelude::*;
use onecse_models::ResourceType;

use super::resource_row::{ResourceRow, column};
use crate::store::db::DbConn;
use crate::store::schema::resources;

/// One page of the live direct children of `pi` in name order (which is path order),
/// via the (pi, rn) index: after the name `after` when given, skipping `offset`.
pub fn children(
    conn: &mut DbConn,
    pi: &str,
    after: Option<&str>,
    offset: i64,
    limit: i64,
    now: &str,
) -> QueryResult<Vec<ResourceRow>> {
    let mut query = resources::table
        .filter(resources::pi.eq(pi))
        .filter(resources::et.is_null().or(resources::et.gt(now)))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(resources::rn.gt(after.to_owned()));
    }
    query
        .order(resources::rn.asc())
        .offset(offset)
        .limit(limit)
        .select(ResourceRow::as_select())
        .load(conn)
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
