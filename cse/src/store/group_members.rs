//! The `group_members` side table: which local resources each group lists in `mid`,
//! so deleting a resource finds the groups to correct through an index (TS-0001
//! §9.6.13) instead of reading every group.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::{group_members, resources};

/// One row of the table.
#[derive(Insertable)]
#[diesel(table_name = group_members)]
struct MemberRow<'a> {
    grp: &'a str,
    member: &'a str,
}

/// Replaces the local members of group `grp` (resourceIDs; duplicates stored once).
pub fn replace(conn: &mut DbConn, grp: &str, members: &[String]) -> QueryResult<()> {
    diesel::delete(group_members::table.filter(group_members::grp.eq(grp))).execute(conn)?;
    let mut unique: Vec<&String> = members.iter().collect();
    unique.sort();
    unique.dedup();
    if unique.is_empty() {
        return Ok(());
    }
    let rows: Vec<MemberRow<'_>> = unique
        .into_iter()
        .map(|member| MemberRow { grp, member })
        .collect();
    // A multi-row INSERT is backend-specific in diesel.
    let insert = diesel::insert_into(group_members::table).values(&rows);
    match conn {
        DbConn::Pg(pg) => insert.execute(pg),
        DbConn::Sqlite(sqlite) => insert.execute(sqlite),
    }
    .map(|_| ())
}

/// The groups (resourceIDs) listing a member in the subtree rooted at `path`: read
/// before the subtree is deleted, through the path index and the member index.
pub fn groups_listing_subtree(conn: &mut DbConn, path: &str) -> QueryResult<Vec<String>> {
    let (lower, upper) = super::resource_table::descendant_bounds(path);
    let in_subtree = resources::table
        .filter(
            resources::path
                .eq(path)
                .or(resources::path.ge(lower).and(resources::path.lt(upper))),
        )
        .select(resources::ri);
    group_members::table
        .filter(group_members::member.eq_any(in_subtree))
        .select(group_members::grp)
        .distinct()
        .load(conn)
}
