//! `la`/`ol` with their parent: what a request to a container's latest or oldest
//! instance needs (the parent decides access; the instance is the answer), in one
//! statement on PostgreSQL instead of one round trip for each.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text};
use onecse_models::ResourceType;

use super::db::DbConn;
use super::prepared::Prepared;
use super::resource_table::{self, End, Key, PolicyDocuments, ResourceRow};

/// Which instance type each instance-keeping parent type keeps (a container keeps
/// contentInstances): the core's registry knows it, the statement needs it.
pub type InstanceTypes = [(ResourceType, ResourceType)];

/// A live resource found by `key`, the (resourceID, document) of the live policies it
/// names, and its newest or oldest live instance when its type keeps instances.
pub fn find_with_edge(
    conn: &mut DbConn,
    key: Key<'_>,
    end: End,
    kept: &InstanceTypes,
    now: &str,
) -> QueryResult<Option<(ResourceRow, PolicyDocuments, Option<ResourceRow>)>> {
    let DbConn::Pg(pg) = conn else {
        // In-process: two point lookups cost less than building one statement.
        let Some((parent, policies)) = resource_table::find_with_policies(conn, key, now)? else {
            return Ok(None);
        };
        let instance_type = kept
            .iter()
            .find(|(parent_ty, _)| i32::from(parent_ty.number()) == parent.ty)
            .map(|(_, instance)| *instance);
        let edge = match instance_type {
            Some(ty) => resource_table::edge_child(conn, &parent.ri, ty, end, now)?,
            None => None,
        };
        return Ok(Some((parent, policies, edge)));
    };
    let (column, value) = match key {
        Key::Path(path) => ("path", path),
        Key::Ri(ri) => ("ri", ri),
    };
    let rows: Vec<EdgeRow> = Prepared(
        diesel::sql_query(statement(column, end, kept))
            .bind::<Text, _>(value)
            .bind::<Text, _>(now),
    )
    .load(pg)?;
    let mut parent = None;
    let mut policies = Vec::new();
    let mut edge = None;
    for row in rows {
        match row.part {
            PARENT => {
                if let (Some(ri), Some(doc)) = (row.policy_ri, row.policy_doc) {
                    policies.push((ri, doc));
                }
                parent.get_or_insert(row.resource);
            }
            _ => edge = Some(row.resource),
        }
    }
    Ok(parent.map(|parent| (parent, policies, edge)))
}

/// The `part` of a row that is the parent (repeated once per linked policy).
const PARENT: i32 = 0;

/// One row of [`statement`]'s answer: the parent with one of its policies, or the
/// instance.
#[derive(QueryableByName)]
struct EdgeRow {
    #[diesel(embed)]
    resource: ResourceRow,
    #[diesel(sql_type = Nullable<Text>)]
    policy_ri: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    policy_doc: Option<String>,
    #[diesel(sql_type = Integer)]
    part: i32,
}

/// The columns of a [`ResourceRow`], as `QueryableByName` reads them by name.
const COLUMNS: [&str; 19] = [
    "ri", "pi", "ty", "rn", "path", "ct", "lt", "et", "st", "cr", "cs", "cni", "cbs", "lvl", "doc",
    "owner", "uk", "due", "watch",
];

/// The statement: the parent and its live policies (as `find_with_policies`), then
/// the instance found by a LATERAL step down the (pi, ty, st) index from the parent
/// row, so it reads one index entry however many instances there are. `$1` is the
/// key, `$2` the request time. Its text depends only on the arguments, which take a
/// handful of values, so it stays prepared.
fn statement(column: &str, end: End, kept: &InstanceTypes) -> String {
    let of = |alias: &str| {
        COLUMNS
            .iter()
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let instance_type = if kept.is_empty() {
        "NULL".to_owned()
    } else {
        let arms = kept
            .iter()
            .map(|(parent, instance)| {
                format!(" WHEN {} THEN {}", parent.number(), instance.number())
            })
            .collect::<String>();
        format!("CASE p.ty{arms} END")
    };
    let order = match end {
        End::Latest => "DESC",
        End::Oldest => "ASC",
    };
    let live = |alias: &str| format!("({alias}.et IS NULL OR {alias}.et > $2)");
    format!(
        "SELECT {parent}, a.ri AS policy_ri, a.doc AS policy_doc, {PARENT} AS part \
         FROM resources p \
         LEFT JOIN policy_links l ON l.ri = p.ri \
         LEFT JOIN resources a ON a.ri = l.acp AND a.ty = {acp} AND {live_a} \
         WHERE p.{column} = $1 AND {live_p} \
         UNION ALL \
         SELECT {edge}, NULL::text, NULL::text, 1 \
         FROM resources p CROSS JOIN LATERAL (\
         SELECT * FROM resources c \
         WHERE c.pi = p.ri AND c.ty = {instance_type} AND {live_c} \
         ORDER BY c.st {order} LIMIT 1) e \
         WHERE p.{column} = $1 AND {live_p}",
        parent = of("p"),
        edge = of("e"),
        acp = ResourceType::AccessControlPolicy.number(),
        live_a = live("a"),
        live_p = live("p"),
        live_c = live("c"),
    )
}
