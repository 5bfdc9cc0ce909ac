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

/// One row of the table.
#[derive(Insertable)]
#[diesel(table_name = labels)]
struct LabelRow<'a> {
    ri: &'a str,
    label: &'a str,
}

/// Adds the labels of a newly created resource (duplicates in the list are stored
/// once), in one statement whatever their number.
pub fn insert(conn: &mut DbConn, ri: &str, new_labels: &[String]) -> QueryResult<()> {
    let mut unique: Vec<&String> = new_labels.iter().collect();
    unique.sort();
    unique.dedup();
    if unique.is_empty() {
        return Ok(());
    }
    let rows: Vec<LabelRow<'_>> = unique
        .into_iter()
        .map(|label| LabelRow { ri, label })
        .collect();
    // A multi-row INSERT is backend-specific in diesel, so each backend gets its own
    // (identical) statement.
    let insert = diesel::insert_into(labels::table).values(&rows);
    match conn {
        DbConn::Pg(pg) => insert.execute(pg),
        DbConn::Sqlite(sqlite) => insert.execute(sqlite),
    }
    .map(|_| ())
}
