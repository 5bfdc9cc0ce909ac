//! Returning the database to a CSE's start state (the Upper Tester's `Reset`, which
//! test systems send between test groups): every resource but the ones kept (the
//! CSEBase and its own policy) goes, with everything hanging off them (labels, policy
//! links, pending requests, missing-data windows go by their foreign keys), and the
//! queues of work for the resources that went (notifications, polling) are emptied.

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::{outbox, polling_answers, polling_queue, resources};

/// Deletes every resource whose `ri` is not in `keep`, and every queued notification
/// and polling request; returns how many resources went.
pub fn clear_all_but(conn: &mut DbConn, keep: &[&str]) -> QueryResult<usize> {
    let removed =
        diesel::delete(resources::table.filter(resources::ri.ne_all(keep))).execute(conn)?;
    diesel::delete(outbox::table).execute(conn)?;
    diesel::delete(polling_queue::table).execute(conn)?;
    diesel::delete(polling_answers::table).execute(conn)?;
    Ok(removed)
}

/// Gives the resource `ri` a new creation time (and its document), as a CSEBase has
/// after a fresh start.
pub fn restart(conn: &mut DbConn, ri: &str, ct: &str, doc: &str) -> QueryResult<()> {
    diesel::update(resources::table.filter(resources::ri.eq(ri)))
        .set((
            resources::ct.eq(ct),
            resources::lt.eq(ct),
            resources::doc.eq(doc),
        ))
        .execute(conn)
        .map(|_| ())
}
