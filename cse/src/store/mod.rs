//! Persistence: one code path for PostgreSQL and SQLite through diesel and an r2d2
//! pool. Queries are free functions taking `&mut DbConn` so callers compose them in
//! one transaction; backend differences stay inside this module.

pub mod announcements;
mod conn;
pub mod cross_resource_heard;
pub mod db;
pub mod group_members;
pub mod instance_edges;
pub mod labels;
pub mod leases;
pub mod locations;
pub mod migrate;
pub mod missing_data_windows;
pub mod outbox;
pub mod pending_requests;
pub mod policy_links;
pub mod polling_queue;
pub mod prepared;
pub mod reset;
pub mod resource_table;
pub mod schema;

pub use db::{
    Backend, Database, DatabaseTarget, DbConn, DbPool, NoConnection, PooledConn, TransactionKind,
    build_pool, in_transaction,
};
