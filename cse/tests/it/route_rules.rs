//! The structure rules of the request path (docs/architecture.md "Routes"), read off
//! the sources: a request's access is decided only by dispatch, and the service layer
//! executes routes without naming a resource type or deciding access.

use crate::source_tree::{self, code};

/// Calls that decide access, and the files allowed to make them (with why).
const DECISIONS: &[&str] = &[
    "security::authorize(",
    "authorize_fan_out(",
    ".represents(",
    "Judge::new(",
    "Sight::new(",
    "check_generic(",
];

/// Where those calls may appear outside `security/` itself.
const ALLOWED: &[(&str, &str)] = &[
    (
        "core/dispatch/",
        "the choke point: the request's own target",
    ),
    ("core/discovery.rs", "row filter: each discovered resource"),
    (
        "core/operations/hierarchy.rs",
        "row filter: each child listed",
    ),
    (
        "core/notification/target.rs",
        "a notification target named in content needs the NOTIFY privilege on it",
    ),
    (
        "core/notification/subscriber.rs",
        "a notification is a read on its subscriber's behalf, decided per event",
    ),
    (
        "core/notification/cross_resource_members.rs",
        "a crossResourceSubscription subscribes to its targets on its creator's behalf: the same question as that creator's CREATE of a subscription there",
    ),
    (
        "core/resources/grp.rs",
        "a group member named in content needs the RETRIEVE privilege on it",
    ),
];

/// Each source file under cse/src with its text.
fn files() -> Vec<(String, String)> {
    source_tree::files()
        .into_iter()
        .map(|path| {
            let text = source_tree::read(&path);
            (path, text)
        })
        .collect()
}

#[test]
fn access_is_decided_only_by_dispatch_and_the_row_filters() {
    let mut offenders = Vec::new();
    for (path, text) in files() {
        if path.starts_with("security/") || ALLOWED.iter().any(|(p, _)| path.starts_with(p)) {
            continue;
        }
        let code = code(&text);
        for call in DECISIONS {
            if code.contains(call) {
                offenders.push(format!("{path}: {call}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "access decided outside dispatch and the row filters: {offenders:?}"
    );
}

#[test]
fn the_service_names_no_resource_type_and_decides_no_access() {
    for (path, text) in files() {
        if !(path == "service.rs" || path.starts_with("service/")) {
            continue;
        }
        let code = code(&text);
        for forbidden in [
            "ResourceType::",
            "resources::kind",
            "security::authorize",
            "Judge",
            "Sight",
            "Access::",
        ] {
            assert!(
                !code.contains(forbidden),
                "{path} uses {forbidden}: the service executes routes, dispatch decides"
            );
        }
    }
}

#[test]
fn the_allowed_list_names_files_that_exist() {
    for (prefix, why) in ALLOWED {
        assert!(
            source_tree::root().join(prefix).exists(),
            "{prefix} ({why}) is allowed but no longer exists: update the list"
        );
    }
}
