//! The `policy_links` side table: a resource's `acpi`, one row per policy, so the
//! lookup of a request's target joins the policies that decide about it (see
//! [`super::resource_table::find_with_policies`]).

use diesel::prelude::*;

use super::db::DbConn;
use super::schema::policy_links;

/// Sets the policies a resource names (none: its `acpi` was removed); `policies` holds
/// no duplicates (`acpi` is deduplicated when checked).
pub fn replace(conn: &mut DbConn, ri: &str, policies: &[String]) -> QueryResult<()> {
    diesel::delete(policy_links::table.filter(policy_links::ri.eq(ri))).execute(conn)?;
    // Few policies per resource, and the two-backend connection has no batch insert.
    for acp in policies {
        diesel::insert_into(policy_links::table)
            .values((policy_links::ri.eq(ri), policy_links::acp.eq(acp)))
            .execute(conn)?;
    }
    Ok(())
}
