//! SEC/SUB: notifications under access control. A notification hands its subscriber a
//! representation of a resource, so it is a read on the subscriber's behalf: a CSE
//! must not send what the subscription's creator may not RETRIEVE (TS-0004
//! §7.4.8.2.1 asks for RETRIEVE when the subscription is created; these TPs check
//! that the rule still holds when the event happens). The receiver must be reachable
//! from the CSE (`--notify-host`).
//!
//! Notifications of one subscription to one target arrive in order, so "the next
//! notification is the permitted event that followed" shows that the refused event
//! before it was not sent.

use serde_json::json;

use super::sec::{
    CREATE, RETRIEVE, Two, denied, permitted, policy, rule, set_acpi, subscribe, two,
};
use super::tp;
use crate::suite::{Check, Ctx, TestPurpose, Verdict, ensure, expect, setup_failed};

const SUB: &[u16] = &[1, 2, 3, 4, 23];

/// The content of the instance a notification carries, if it carries one.
fn instance_content(n: &onecse_testkit::Notification) -> Option<&str> {
    n.sgn()["nev"]["rep"]["m2m:cin"]["con"].as_str()
}

/// Fails unless the next notification on `path` carries the instance `con`.
fn next_is_instance(ctx: &Ctx, path: &str, con: &str) -> Check {
    let n = ctx.notification(path)?;
    ensure(instance_content(&n) == Some(con), || {
        format!(
            "expected the notification of instance '{con}', got {}",
            n.body
        )
    })
}

/// `other` subscribes to the owner's container `c` (child creations) while the policy
/// of `c` lets it create and retrieve there. Returns the AEs, the container, the
/// container's policy and the receiver path.
fn watched_by_other(ctx: &mut Ctx) -> Result<(Two, String, String, String), Verdict> {
    let t = two(ctx)?;
    let acp = policy(ctx, &t, vec![rule(&[&t.other], CREATE | RETRIEVE)])?;
    let c = ctx.container(&t.owner_ae, "c", json!({"acpi": [acp]}), &t.owner)?;
    let path = ctx.notify_path("/n");
    let nu = ctx.receiver.url_for(&path);
    let body = json!({"m2m:sub": {"rn": "s", "nu": [nu], "enc": {"net": [3]}}});
    let reply = ctx.client.create(&c, 23, &body, Some(&t.other));
    expect(&reply, 2001, 201).map_err(|v| setup_failed("subscription by other", v))?;
    Ok((t, c, acp, path))
}

/// The SEC/SUB test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SEC/SUB/001",
            SUB,
            "TS-0004 §7.4.8.2.1, §7.5.1; TS-0001 §9.6.1.3",
            "a new child the subscriber may not RETRIEVE is not notified to it",
            |ctx| {
                let (t, c, _, path) = watched_by_other(ctx)?;
                let private = policy(ctx, &t, Vec::new())?;
                let body = json!({"acpi": [private]});
                let secret = ctx.container(&c, "secret", body, &t.owner)?;
                denied(&ctx.client.retrieve(&secret, &t.other))?;
                ctx.instance(&c, "visible", &t.owner)?;
                next_is_instance(ctx, &path, "visible")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/SUB/002",
            SUB,
            "TS-0004 §7.4.8.2.1, §7.5.1; TS-0001 §9.6.2",
            "after the subscriber loses RETRIEVE no event is notified to it; once it may read again, events are notified again",
            |ctx| {
                let (t, c, acp, path) = watched_by_other(ctx)?;
                let create_only = policy(ctx, &t, vec![rule(&[&t.other], CREATE)])?;
                let revoke = set_acpi(ctx, &c, "m2m:cnt", json!([create_only]), &t.owner);
                permitted(
                    &revoke,
                    2004,
                    200,
                    "the owner changes the container's policy",
                )?;
                denied(&ctx.client.retrieve(&c, &t.other))?;
                ctx.instance(&c, "while-revoked", &t.owner)?;
                let regrant = set_acpi(ctx, &c, "m2m:cnt", json!([acp]), &t.owner);
                permitted(&regrant, 2004, 200, "the owner restores the policy")?;
                ctx.instance(&c, "after", &t.owner)?;
                next_is_instance(ctx, &path, "after")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/SUB/003",
            SUB,
            "TS-0001 §9.6.1.3 (default policy); onecse: who may DELETE a resource may RETRIEVE and DELETE the subscriptions on it (docs/conformance.md)",
            "the owner of a resource may retrieve and delete another AE's subscription on it; an AE that may only read the resource may not",
            |ctx| {
                let (reply, t, sub) = subscribe(ctx, CREATE | RETRIEVE)?;
                expect(&reply, 2001, 201).map_err(|v| setup_failed("subscription", v))?;
                let c = sub.trim_end_matches("/s").to_owned();
                let nu = ctx.receiver.url_for(&ctx.notify_path("/mine"));
                let body = json!({"m2m:sub": {"rn": "mine", "nu": [nu]}});
                let mine = ctx.client.create(&c, 23, &body, Some(&t.owner));
                expect(&mine, 2001, 201).map_err(|v| setup_failed("owner's subscription", v))?;
                denied(&ctx.client.retrieve(&format!("{c}/mine"), &t.other))?;
                permitted(
                    &ctx.client.retrieve(&sub, &t.owner),
                    2000,
                    200,
                    "the owner retrieves the other AE's subscription",
                )?;
                permitted(
                    &ctx.client.delete(&sub, &t.owner),
                    2002,
                    200,
                    "the owner deletes the other AE's subscription",
                )
            }
        ),
    ]
}
