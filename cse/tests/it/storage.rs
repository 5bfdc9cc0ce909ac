//! Storage behaviour seen from outside: migrations both ways, restarts, identity
//! checks, and subtree deletion by structured address.

use onecse::app::open_and_migrate;
use onecse::config::Config;
use onecse::core::record::Resource;
use onecse::startup::Settings;
use onecse::store::{migrate, resource_table};
use serde_json::json;

use crate::helpers::{TestDb, spawn_app_with};

/// The start-up settings of `config_for(url)`, parsed as `main` parses them.
fn settings_for(url: &str) -> Settings {
    Settings::parse(&config_for(url)).expect("valid settings")
}

fn config_for(url: &str) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        database_url: url.to_owned(),
        pool_size: 2,
        workers: Some(1),
        ..Config::default()
    }
}

#[test]
fn migrations_run_up_down_and_up_again() {
    let (_db, url) = TestDb::fresh();
    let mut conn = open_and_migrate(&settings_for(&url)).expect("first migration");
    migrate::revert_all(&mut conn).expect("down migrations");
    // Every migration folder runs again (counted, so a new migration needs no edit here).
    let folders = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
        .expect("migrations folder")
        .count();
    assert_eq!(migrate::run_pending(&mut conn).expect("up again"), folders);
    assert_eq!(migrate::run_pending(&mut conn).expect("nothing left"), 0);
}

#[tokio::test]
async fn data_survives_a_restart_and_a_different_identity_is_refused() {
    let (db, url) = TestDb::fresh();
    let first = spawn_app_with(|c| c.database_url = url.clone()).await;
    first.register_ae("keep", "Ckeep").await;
    drop(first);

    let second = spawn_app_with(|c| c.database_url = url.clone()).await;
    assert_eq!(
        second.retrieve("/cse-in/keep", "Ckeep").await.rsc,
        Some(2000)
    );

    let mut other = config_for(&url);
    other.cse_name = "another".into();
    let err = onecse::app::App::build(&other)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("cse-in") && err.contains("another"), "{err}");
    drop(db);
}

fn row(path: &str, pi: &str) -> Resource {
    let rn = path.rsplit('/').next().unwrap_or(path).to_owned();
    let attrs = json!({"ri": path.replace('/', "_"), "rn": rn, "ct": "20260101T000000,000000", "lt": "20260101T000000,000000"});
    Resource {
        ty: onecse_models::ResourceType::Ae,
        ri: path.replace('/', "_"),
        pi: Some(pi.to_owned()),
        rn,
        path: path.to_owned(),
        attrs: attrs.as_object().cloned().unwrap_or_default(),
        owner: None,
        policy_docs: None,
        due: None,
        watch: 0,
    }
}

#[test]
fn subtree_deletion_removes_descendants_but_not_siblings_sharing_a_prefix() {
    let (_db, url) = TestDb::fresh();
    let mut conn = open_and_migrate(&settings_for(&url)).expect("migrated");
    let tree = [
        ("cse-in/a", "root"),
        ("cse-in/a/x", "cse-in_a"),
        ("cse-in/a/x/y", "cse-in_a_x"),
        ("cse-in/a0", "root"),
        ("cse-in/a-b", "root"),
        ("cse-in/ab", "root"),
        ("cse-in/a.b", "root"),
    ];
    let mut root = row("cse-in", "");
    root.ri = "root".into();
    root.pi = None;
    resource_table::insert(&mut conn, &root.to_row()).expect("insert root");
    for (path, pi) in tree {
        resource_table::insert(&mut conn, &row(path, pi).to_row()).expect("insert");
    }
    assert!(resource_table::delete_subtree(&mut conn, "cse-in/a").expect("delete") > 0);
    let now = "20260101T000000,000000";
    for (path, _) in tree {
        let found =
            resource_table::find_with_policies(&mut conn, resource_table::Key::Path(path), now)
                .expect("query")
                .is_some();
        let should_exist = !(path == "cse-in/a" || path.starts_with("cse-in/a/"));
        assert_eq!(found, should_exist, "{path}");
    }
}
