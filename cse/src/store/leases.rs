//! The `leases` table: work that one process of a CSE does for all of them (the
//! registration with the registrar), taken by the process that finds the lease
//! free or lapsed and renewed while it works.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::leases;

/// Takes or renews the lease `name` for `holder` until `until`, if it is free, held
/// by `holder` already, or lapsed (`until` of the holder before `now`). Run it in a
/// write transaction: the conditional UPDATE is then atomic on both backends, and two
/// first INSERTs collide on the key (one of them fails, as not taken).
pub fn claim(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    now: &str,
    until: &str,
) -> QueryResult<bool> {
    let renewed = diesel::update(
        leases::table.filter(
            leases::name
                .eq(name)
                .and(leases::holder.eq(holder).or(leases::until.lt(now))),
        ),
    )
    .set((leases::holder.eq(holder), leases::until.eq(until)))
    .execute(conn)?;
    if renewed == 1 {
        return Ok(true);
    }
    let exists = leases::table
        .filter(leases::name.eq(name))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(leases::table)
        .values((
            leases::name.eq(name),
            leases::holder.eq(holder),
            leases::until.eq(until),
        ))
        .execute(conn)
        .map(|inserted| inserted == 1)
}
