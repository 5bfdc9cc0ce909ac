//! Keeps hot writes and hand-written statements prepared on each connection.
//!
//! diesel caches a prepared statement per connection only for queries it can prove
//! have a bounded set of SQL texts: every `UPDATE`, every `INSERT` of a struct and
//! every `sql_query` is parsed and planned again on each execution. The statements on
//! the request path (a contentInstance's counters and insert, `la`/`ol`) have one or
//! two fixed texts, so [`Prepared`] declares them safe to cache: diesel then keys
//! the cache by the SQL text itself, which stays correct even if a text varied.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A statement whose SQL text takes one of a few fixed forms, kept prepared.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for Prepared<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // Keyed by the SQL text (see the module comment), never by the Rust type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}
