//! Notifications under access control (issue: content leaked around it): a
//! notification is a read on its subscriber's behalf, so it carries only what the
//! subscription's creator may RETRIEVE at the moment of the event; a revoked reader
//! hears nothing more until it may read again; and the owner of a resource may see
//! and remove a stranger's subscription on it.
//!
//! Notifications of one subscription to one target arrive in order, so "the next
//! notification is the permitted event that followed" proves that the refused event
//! before it was never sent (not merely late).

use std::time::Duration;

use onecse_testkit::{Notification, Receiver};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const OWNER: &str = "Cowner";
const OTHER: &str = "Cother";
const THIRD: &str = "Cthird";
const DATA: &str = "/cse-in/owner/data";
const WATCH: &str = "/cse-in/owner/data/watch";
const SHARE: &str = "/cse-in/owner/share";
const WAIT: Duration = Duration::from_secs(10);

/// The owner's rules plus `other_acop` for `Cother`, as a `pv`.
fn share_rules(other_acop: u8) -> Value {
    json!({"acr": [{"acor": [OWNER], "acop": 63}, {"acor": [OTHER], "acop": other_acop}]})
}

/// Three AEs; the owner's container `data` governed by policy `share`, which lets
/// `Cother` create (1) and retrieve (2) in it; `Cother`'s subscription `watch` on
/// `data` (child creations and updates) towards `rx`, verified.
async fn watched_by_other(rx: &Receiver) -> TestApp {
    let app = spawn_app().await;
    for (rn, originator) in [("owner", OWNER), ("other", OTHER), ("third", THIRD)] {
        app.register_ae(rn, originator).await;
    }
    let policy = json!({"m2m:acp": {"rn": "share", "pv": share_rules(3),
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &policy, Some(OWNER)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let share = reply.expect_resource("m2m:acp")["ri"].clone();
    let reply = app
        .container("/cse-in/owner", "data", json!({"acpi": [share]}), OWNER)
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let sub = json!({"m2m:sub": {"rn": "watch", "nu": [rx.url()], "enc": {"net": [1, 3]}}});
    let reply = app.create(DATA, 23, &sub, Some(OTHER)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let verification = rx.next_within(WAIT).await.expect("verification request");
    assert!(verification.is_verification(), "{verification:#?}");
    app
}

/// Sets what `share` grants `Cother`.
async fn grant_other(app: &TestApp, acop: u8) {
    let body = json!({"m2m:acp": {"pv": share_rules(acop)}});
    let reply = app.update(SHARE, &body, OWNER).await;
    assert_eq!(reply.rsc, Some(2004), "{reply:#?}");
}

async fn instance(app: &TestApp, con: &str) {
    let reply = app.instance(DATA, con, OWNER).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

async fn next(rx: &Receiver) -> Notification {
    rx.next_within(WAIT).await.expect("a notification")
}

fn instance_content(n: &Notification) -> Option<&str> {
    n.sgn()["nev"]["rep"]["m2m:cin"]["con"].as_str()
}

#[tokio::test]
async fn a_new_child_the_subscriber_may_not_read_is_not_notified() {
    let rx = Receiver::start().expect("receiver");
    let app = watched_by_other(&rx).await;
    // A child container of the owner's own: only the owner may read it.
    let private = json!({"m2m:acp": {"rn": "private",
        "pv": {"acr": [{"acor": [OWNER], "acop": 63}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let reply = app.create("/cse-in/owner", 1, &private, Some(OWNER)).await;
    let private = reply.expect_resource("m2m:acp")["ri"].clone();
    let body = json!({"acpi": [private], "lbl": ["secret-label"]});
    let reply = app.container(DATA, "secret", body, OWNER).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    app.retrieve(&format!("{DATA}/secret"), OTHER)
        .await
        .assert_error(4103, 403, "may not RETRIEVE");
    // An instance is read under the container's policy, which lets Cother read.
    instance(&app, "visible").await;
    let n = next(&rx).await;
    assert_eq!(instance_content(&n), Some("visible"), "{n:#?}");
    assert!(!n.body.to_string().contains("secret-label"), "{n:#?}");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_revoked_subscriber_hears_nothing_until_it_may_read_again() {
    let rx = Receiver::start().expect("receiver");
    let app = watched_by_other(&rx).await;
    instance(&app, "before").await;
    assert_eq!(instance_content(&next(&rx).await), Some("before"));

    // CREATE stays, RETRIEVE goes: Cother may no longer read the container.
    grant_other(&app, 1).await;
    app.retrieve(DATA, OTHER)
        .await
        .assert_error(4103, 403, "may not RETRIEVE");
    instance(&app, "while-revoked").await;
    let update = json!({"m2m:cnt": {"lbl": ["while-revoked"]}});
    assert_eq!(app.update(DATA, &update, OWNER).await.rsc, Some(2004));

    // The subscription is kept (silent, not deleted): reading again resumes it.
    assert_eq!(app.retrieve(WATCH, "CAdmin").await.rsc, Some(2000));
    grant_other(&app, 3).await;
    instance(&app, "after").await;
    let n = next(&rx).await;
    assert_eq!(instance_content(&n), Some("after"), "{n:#?}");
    assert!(!n.body.to_string().contains("while-revoked"), "{n:#?}");
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn an_update_is_not_notified_to_a_subscriber_that_lost_retrieve() {
    let rx = Receiver::start().expect("receiver");
    let app = watched_by_other(&rx).await;
    grant_other(&app, 1).await;
    let hidden = json!({"m2m:cnt": {"lbl": ["hidden-update"]}});
    assert_eq!(app.update(DATA, &hidden, OWNER).await.rsc, Some(2004));
    grant_other(&app, 3).await;
    let shown = json!({"m2m:cnt": {"lbl": ["shown-update"]}});
    assert_eq!(app.update(DATA, &shown, OWNER).await.rsc, Some(2004));
    let n = next(&rx).await;
    assert_eq!(n.sgn()["nev"]["net"], 1, "{n:#?}");
    assert_eq!(
        n.sgn()["nev"]["rep"]["m2m:cnt"]["lbl"],
        json!(["shown-update"]),
        "{n:#?}"
    );
}

#[tokio::test]
async fn the_owner_of_a_resource_sees_lists_and_deletes_a_strangers_subscription() {
    let rx = Receiver::start().expect("receiver");
    let app = watched_by_other(&rx).await;
    // The subscription names no policy, yet the owner of what it watches may see it…
    let reply = app.retrieve(WATCH, OWNER).await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:sub")["rn"], "watch");
    // …find it among the container's children…
    let reply = app.retrieve(&format!("{DATA}?rcn=6"), OWNER).await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert!(reply.body.to_string().contains("watch"), "{reply:#?}");
    // …while a third AE, which may not delete the container, may not.
    app.retrieve(WATCH, THIRD).await.assert_error(
        4103,
        403,
        "and it may not DELETE the subscribed-to resource",
    );
    app.delete(WATCH, THIRD)
        .await
        .assert_error(4103, 403, "may not DELETE");
    // Cother may read the container but not delete it: its right to read does not
    // reach another AE's subscription there.
    let mine = json!({"m2m:sub": {"rn": "mine", "nu": [rx.url()]}});
    assert_eq!(
        app.create(DATA, 23, &mine, Some(OWNER)).await.rsc,
        Some(2001)
    );
    app.retrieve(&format!("{DATA}/mine"), OTHER)
        .await
        .assert_error(4103, 403, "may not RETRIEVE");
    // The owner removes the stranger's subscription; the container stays.
    assert_eq!(app.delete(WATCH, OWNER).await.rsc, Some(2002));
    assert_eq!(app.retrieve(WATCH, "CAdmin").await.rsc, Some(4004));
    assert_eq!(app.retrieve(DATA, OWNER).await.rsc, Some(2000));
}
