//! The `locations` side table: the bounding box of each resource's `loc`, so a
//! geo-query reads the few resources whose box can satisfy it through an index
//! instead of parsing every document below its target.

use diesel::prelude::*;
use onecse_models::location::BoundingBox;

use super::db::DbConn;
use super::schema::locations;

/// One row of the table.
#[derive(Insertable)]
#[diesel(table_name = locations)]
struct LocationRow<'a> {
    ri: &'a str,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
}

/// Records the box of a resource's location, replacing the one it had; `None`
/// (no `loc`, or `loc` deleted) leaves it without one.
pub fn replace(conn: &mut DbConn, ri: &str, area: Option<BoundingBox>) -> QueryResult<()> {
    diesel::delete(locations::table.filter(locations::ri.eq(ri))).execute(conn)?;
    let Some(area) = area else {
        return Ok(());
    };
    diesel::insert_into(locations::table)
        .values(&LocationRow {
            ri,
            min_lon: area.min_lon,
            min_lat: area.min_lat,
            max_lon: area.max_lon,
            max_lat: area.max_lat,
        })
        .execute(conn)
        .map(|_| ())
}
