//! A container's instances in creation (stateTag) order: the newest or oldest one,
//! the oldest ones to remove, those created before a time, and pages of their times.

use diesel::prelude::*;
use onecse_models::ResourceType;

use super::resource_row::{ResourceRow, column};
use crate::store::db::DbConn;
use crate::store::schema::resources;

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
