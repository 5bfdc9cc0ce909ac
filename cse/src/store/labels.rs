//! The `labels` side table: one row per label so discovery can filter by label
//! through an index instead of parsing documents.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::labels;

/// Replaces the labels of a resource.
pub fn replace(conn: &mut DbConn, ri: &str, new_labels: &[String]) -> QueryResult<()> {
    diesel::delete(labels::table.filter(labels::ri.eq(ri))).execute(conn)?;
    insert(conn, ri, new_labels)
}

/// Adds the labels of a newly created resource (duplicates in the list are stored once).
pub fn insert(conn: &mut DbConn, ri: &str, new_labels: &[String]) -> QueryResult<()> {
    let mut unique: Vec<&String> = new_labels.iter().collect();
    unique.sort();
    unique.dedup();
    // diesel's batch insert is not available on the two-backend connection; a
    // resource carries few labels, so one statement each is cheap.
    for label in unique {
        diesel::insert_into(labels::table)
            .values((labels::ri.eq(ri), labels::label.eq(label)))
            .execute(conn)?;
    }
    Ok(())
}
