//! A container's counters (`st`, `cni`, `cbs`) as instances come and go: the one
//! statement that counts a new instance (and, on PostgreSQL, stores it too), the
//! decrement after removals and the recount after bulk changes.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use onecse_models::ResourceType;

use super::resource_row::{ResourceRow, column};
use super::writes::insert;
use crate::store::db::DbConn;
use crate::store::prepared::Prepared;
use crate::store::schema::resources;

/// The counters of a container after a change, and its `watch` bits as they are
/// under the row lock the change took (so a create learns whether anything
/// subscribes to the container from the statement that counted it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, QueryableByName)]
pub struct Counters {
    /// stateTag.
    #[diesel(sql_type = BigInt)]
    pub st: i64,
    /// currentNrOfInstances.
    #[diesel(sql_type = BigInt)]
    pub cni: i64,
    /// currentByteSize.
    #[diesel(sql_type = BigInt)]
    pub cbs: i64,
    /// See [`ResourceRow::watch`].
    #[diesel(sql_type = Integer)]
    pub watch: i32,
}

/// What [`Counters`] reads back from a changed container row.
type CountersColumns = (
    resources::st,
    resources::cni,
    resources::cbs,
    resources::watch,
);

const COUNTERS: CountersColumns = (
    resources::st,
    resources::cni,
    resources::cbs,
    resources::watch,
);

/// Records a new instance of `bytes` bytes in its container: `st`, `cni` and `cbs` go
/// up in one statement. On PostgreSQL the statement also locks the container row until
/// commit, which serialises concurrent creations in one container (SQLite writers are
/// serialised by `BEGIN IMMEDIATE`).
///
/// With `due`, the same statement moves the container's timer to it unless it is
/// already later (a timeSeries' missing-data detection), so the hot path stays one
/// statement.
pub fn add_instance(
    conn: &mut DbConn,
    container: &str,
    bytes: i64,
    due: Option<&str>,
) -> QueryResult<Counters> {
    let target = resources::table.filter(resources::ri.eq(container));
    let counters = (
        resources::st.eq(resources::st + 1),
        resources::cni.eq(resources::cni + 1),
        resources::cbs.eq(resources::cbs + bytes),
    );
    let returned = COUNTERS;
    match due {
        None => Prepared(diesel::update(target).set(counters).returning(returned)).get_result(conn),
        Some(due) => {
            let later = diesel::dsl::case_when(
                resources::due.is_null().or(resources::due.lt(due)),
                due.into_sql::<Nullable<Text>>(),
            )
            .otherwise(resources::due);
            Prepared(
                diesel::update(target)
                    .set((counters, resources::due.eq(later)))
                    .returning(returned),
            )
            .get_result(conn)
        }
    }
}

/// Stores a new instance `row` of `bytes` bytes and counts it in its container
/// (`row.pi`) as [`add_instance`] does, taking the instance's `st` from the
/// container's. On PostgreSQL one statement does both (a data-modifying CTE), so a
/// create makes one round trip for its writes; SQLite, in-process, runs the two.
pub fn insert_counted(
    conn: &mut DbConn,
    row: &ResourceRow,
    bytes: i64,
    due: Option<&str>,
) -> QueryResult<Counters> {
    let container = row.pi.as_deref().unwrap_or_default();
    let DbConn::Pg(pg) = conn else {
        let counters = add_instance(conn, container, bytes, due)?;
        insert(
            conn,
            &ResourceRow {
                st: counters.st,
                ..row.clone()
            },
        )?;
        return Ok(counters);
    };
    let query = diesel::sql_query(if due.is_some() {
        COUNTED_INSERT_WITH_DUE
    } else {
        COUNTED_INSERT
    })
    .bind::<BigInt, _>(bytes)
    .bind::<Text, _>(container)
    .bind::<Text, _>(&row.ri)
    .bind::<Integer, _>(row.ty)
    .bind::<Text, _>(&row.rn)
    .bind::<Text, _>(&row.path)
    .bind::<Text, _>(&row.ct)
    .bind::<Text, _>(&row.lt)
    .bind::<Nullable<Text>, _>(&row.et)
    .bind::<Nullable<Text>, _>(&row.cr)
    .bind::<BigInt, _>(row.cs)
    .bind::<BigInt, _>(row.cni)
    .bind::<BigInt, _>(row.cbs)
    .bind::<Integer, _>(row.lvl)
    .bind::<Text, _>(&row.doc)
    .bind::<Nullable<Text>, _>(&row.owner)
    .bind::<Nullable<Text>, _>(&row.uk)
    .bind::<Nullable<Text>, _>(&row.due)
    .bind::<Integer, _>(row.watch);
    match due {
        None => Prepared(query).get_result(pg),
        Some(due) => Prepared(query.bind::<Text, _>(due)).get_result(pg),
    }
}

/// [`insert_counted`] on PostgreSQL: `$1` bytes, `$2` the container, `$3`… the
/// instance's columns but `st`; `$due` is what else the container's row gets.
macro_rules! counted_insert {
    ($due:literal) => {
        concat!(
            "WITH counted AS (UPDATE resources SET st = st + 1, cni = cni + 1, cbs = cbs + $1",
            $due,
            " WHERE ri = $2 RETURNING st, cni, cbs, watch), \
             inserted AS (INSERT INTO resources \
             (ri, pi, ty, rn, path, ct, lt, et, st, cr, cs, cni, cbs, lvl, doc, owner, uk, due, watch) \
             SELECT $3, $2, $4, $5, $6, $7, $8, $9, counted.st, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19 FROM counted) \
             SELECT st, cni, cbs, watch FROM counted"
        )
    };
}

/// [`insert_counted`]'s statement.
const COUNTED_INSERT: &str = counted_insert!("");

/// [`COUNTED_INSERT`] that also moves the container's timer to `$20` unless it is
/// already later (a timeSeries' missing-data detection).
const COUNTED_INSERT_WITH_DUE: &str =
    counted_insert!(", due = CASE WHEN due IS NULL OR due < $20 THEN $20 ELSE due END");

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
        .returning(COUNTERS)
        .get_result(conn)
        .optional()
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
        .returning(COUNTERS)
        .get_result(conn)
}
