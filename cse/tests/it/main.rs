//! Integration tests: the real application on 127.0.0.1:0 with a fresh database
//! (a temporary SQLite file, or a fresh PostgreSQL schema when
//! `ONECSE_TEST_DATABASE_URL` is set), spoken to over HTTP exactly as clients do.

#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

mod acp;
mod acp_r4;
mod actr;
mod ae;
mod announcement;
mod auth;
mod browser;
mod cin;
mod cli;
mod cnt;
mod compose;
mod conditional;
mod conformance;
mod console;
mod cors;
mod crash;
mod cross_cse;
mod crs;
mod cse_base;
mod dac;
mod deregistration;
mod discovery;
mod egress;
mod expiry;
mod fcnt;
mod fcnt_history;
mod file_layout;
mod forwarding;
mod fuzz;
mod group_commit;
mod grp;
mod helpers;
mod hierarchy;
mod http_binding;
mod latest_oldest;
mod layers;
mod lifecycle;
mod lifetime;
mod limits;
mod location;
mod metrics;
mod mgo;
mod mqtt;
mod no_response;
mod nod;
mod nonblocking;
mod ntp;
mod ops;
mod pch;
mod proxy;
mod readme_subscription;
mod regressions;
mod relay;
mod remote_cse;
mod route_rules;
mod sch;
mod serialization;
mod smd;
mod source_rules;
mod source_tree;
mod storage;
mod sub;
mod sub_access;
mod sub_features;
mod sub_rules;
mod three_cses;
mod timing;
mod tls;
mod token_limits;
mod ts;
mod ts_windows;
mod tsb;
mod upper_tester;
mod user_docs;
