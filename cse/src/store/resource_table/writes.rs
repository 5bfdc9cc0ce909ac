//! Writes to single resources and subtrees: insert, update, the watch bits, the
//! stateTag, expiration, and deletions by subtree, type or resourceID.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use onecse_models::ResourceType;

use super::resource_row::{ResourceRow, column};
use crate::store::db::DbConn;
use crate::store::prepared::Prepared;
use crate::store::schema::resources;

/// Inserts a new resource.
pub fn insert(conn: &mut DbConn, row: &ResourceRow) -> QueryResult<()> {
    Prepared(diesel::insert_into(resources::table).values(row))
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
            resources::due.eq(&row.due),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets a resource's timer when none is set (a sliding window opened by its first
/// event); a row whose timer is already set is left alone, and not locked.
pub fn set_due_if_unset(conn: &mut DbConn, ri: &str, due: &str) -> QueryResult<()> {
    diesel::update(
        resources::table
            .filter(resources::ri.eq(ri))
            .filter(resources::due.is_null()),
    )
    .set(resources::due.eq(due))
    .execute(conn)
    .map(|_| ())
}

/// Records which subscription features watch a resource (see [`ResourceRow::watch`]).
pub fn set_watch(conn: &mut DbConn, ri: &str, watch: i32) -> QueryResult<()> {
    diesel::update(resources::table.filter(resources::ri.eq(ri)))
        .set(resources::watch.eq(watch))
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

/// Whether an insert failed because a sibling already holds the new resource's
/// sibling key (the `resources_sibling_key` index): PostgreSQL names the constraint,
/// SQLite names the columns.
pub fn is_sibling_key_conflict(err: &Error) -> bool {
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name() == Some("resources_sibling_key")
                || info.message().contains("resources.uk")
        }
        _ => false,
    }
}

/// The structured addresses of `path`'s descendants lie in `lower <= path < upper`
/// (`0` follows `/` in byte order), a range the path index serves.
pub fn descendant_bounds(path: &str) -> (String, String) {
    (format!("{path}/"), format!("{path}0"))
}

/// Deletes a resource and every descendant in one statement, using the structured
/// address index (`path = p OR p/ <= path < p0`; `0` follows `/` in byte order).
/// Labels go with them through their foreign key, and children inserted concurrently
/// through the parent foreign key. Returns the rows the statement matched itself
/// (cascaded ones are not counted): 0 means the resource was already gone.
pub fn delete_subtree(conn: &mut DbConn, path: &str) -> QueryResult<usize> {
    let (lower, upper) = descendant_bounds(path);
    diesel::delete(
        resources::table.filter(
            resources::path
                .eq(path)
                .or(resources::path.ge(lower).and(resources::path.lt(upper))),
        ),
    )
    .execute(conn)
}

/// Ends the ownership `owner` (one stored form of an originator) holds over resources
/// outside the subtree at `path` (which is being deleted): the owner index finds
/// them. Returns how many were disowned.
pub fn disown(conn: &mut DbConn, owner: &str, path: &str) -> QueryResult<usize> {
    let (lower, upper) = descendant_bounds(path);
    diesel::update(
        resources::table
            .filter(resources::owner.eq(owner))
            .filter(resources::path.ne(path))
            .filter(resources::path.lt(lower).or(resources::path.ge(upper))),
    )
    .set(resources::owner.eq(None::<String>))
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

/// Deletes rows by resourceID (instances: they have no descendants). Returns how many.
pub fn delete_by_ris(conn: &mut DbConn, ris: &[String]) -> QueryResult<usize> {
    diesel::delete(resources::table.filter(resources::ri.eq_any(ris))).execute(conn)
}
