//! NTP: notification target removal (R3; TS-0001 §9.6.31–33, spec digest
//! notifications-advanced §12): a target DELETEs `<subscription>/ntsr`, and the
//! `<notificationTargetPolicy>` (ty 26) or the subscription's
//! `<notificationTargetMgmtPolicyRef>` (ty 25) decide: accept, reject, or inform the
//! creator. The suite's receiver must be reachable from the CSE (`--notify-host`).

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const NTP: &[u16] = &[2, 3, 23, 25, 26];

/// An AE reached at this TP's receiver path `/owner` with a container and a
/// subscription `s` whose targets are the AE itself and the receiver path `/n`.
/// Returns (AE-ID, subscription path, owner path, `/n` path).
pub(super) fn subscribed(ctx: &mut Ctx) -> Result<(String, String, String, String), Verdict> {
    let owner = ctx.notify_path("/owner");
    let poa = ctx.receiver.url_for(&owner);
    let (aei, ae) = ctx.ae_with("ntp", json!({"poa": [poa]}))?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let n = ctx.notify_path("/n");
    let body = json!({"m2m:sub": {"rn": "s", "nu": [aei, ctx.receiver.url_for(&n)]}});
    expect(&ctx.client.create(&cnt, 23, &body, Some(&aei)), 2001, 201)?;
    Ok((aei, format!("{cnt}/s"), owner, n))
}

/// A notificationTargetPolicy under the CSEBase made by the admin (deleted after
/// the TP); returns its reply.
pub(super) fn policy(ctx: &mut Ctx, attrs: Value) -> Result<Reply, Verdict> {
    let admin = ctx.admin();
    let reply = ctx
        .client
        .create(&ctx.base(), 26, &json!({ "m2m:ntp": attrs }), Some(&admin));
    if reply.rsc == Some(2001)
        && let Some(rn) = reply
            .resource("m2m:ntp")
            .and_then(|r| r.get("rn"))
            .and_then(Value::as_str)
    {
        let path = format!("{}/{rn}", ctx.base());
        ctx.track_with(&path, &admin);
    }
    Ok(reply)
}

pub(super) fn targets(ctx: &Ctx, sub: &str, aei: &str) -> Vec<Value> {
    ctx.client
        .retrieve(sub, aei)
        .resource("m2m:sub")
        .and_then(|s| s.get("nu"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The NTP test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/001",
            NTP,
            "TS-0001 §10.2.10.9 (ntsr), system default policy",
            "a target DELETEs <sub>/ntsr: 2002 and it is no longer in nu",
            |ctx| {
                let (aei, sub, _, n) = subscribed(ctx)?;
                expect(&ctx.client.delete(&format!("{sub}/ntsr"), &aei), 2002, 200)?;
                let nu = targets(ctx, &sub, &aei);
                ensure(nu == vec![json!(ctx.receiver.url_for(&n))], || {
                    format!("nu {nu:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/002",
            NTP,
            "TS-0001 §10.2.10.9 (only a target may ask)",
            "an originator that is not a target: 4103",
            |ctx| {
                let (_, sub, _, _) = subscribed(ctx)?;
                let (other, _) = ctx.ae("ntpother")?;
                expect(
                    &ctx.client.delete(&format!("{sub}/ntsr"), &other),
                    4103,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/003",
            NTP,
            "TS-0001 §10.2.10.9 (ntsr is DELETEd)",
            "RETRIEVE of <sub>/ntsr: 4005",
            |ctx| {
                let (aei, sub, _, _) = subscribed(ctx)?;
                expect(
                    &ctx.client.retrieve(&format!("{sub}/ntsr"), &aei),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/004",
            NTP,
            "TS-0001 §9.6.33 (acn 2 reject), §9.6.32 (npi)",
            "a policy reference naming a rejecting policy: 4005 and nu unchanged",
            |ctx| {
                let (aei, sub, _, _) = subscribed(ctx)?;
                let reply = policy(
                    ctx,
                    json!({"rn": ctx.name("reject"), "acn": 2, "plbl": "reject"}),
                )?;
                expect(&reply, 2001, 201)?;
                let ri = reply.resource("m2m:ntp").and_then(|r| r.get("ri")).cloned();
                let body = json!({"m2m:ntpr": {"ntu": [aei], "npi": ri}});
                expect(&ctx.client.create(&sub, 25, &body, Some(&aei)), 2001, 201)?;
                expect(&ctx.client.delete(&format!("{sub}/ntsr"), &aei), 4005, 405)?;
                let nu = targets(ctx, &sub, &aei);
                ensure(nu.len() == 2, || format!("nu {nu:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/005",
            NTP,
            "TS-0001 §9.6.33 (acn 4 inform)",
            "an informing policy: the target is removed and the subscription's creator gets ntt",
            |ctx| {
                let (aei, sub, owner, _) = subscribed(ctx)?;
                let reply = policy(
                    ctx,
                    json!({"rn": ctx.name("inform"), "acn": 4, "plbl": "inform"}),
                )?;
                expect(&reply, 2001, 201)?;
                let ri = reply.resource("m2m:ntp").and_then(|r| r.get("ri")).cloned();
                let body = json!({"m2m:ntpr": {"ntu": [aei], "npi": ri}});
                expect(&ctx.client.create(&sub, 25, &body, Some(&aei)), 2001, 201)?;
                expect(&ctx.client.delete(&format!("{sub}/ntsr"), &aei), 2002, 200)?;
                let n = ctx.notification(&owner)?;
                ensure(n.sgn()["ntt"] == json!(aei), || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/001",
            NTP,
            "TS-0004 §6.3.4.2 (m2m:notificationTargetAction 1..4)",
            "notificationTargetPolicy with acn 5: 4000",
            |ctx| {
                let reply = policy(ctx, json!({"acn": 5, "plbl": "x"}))?;
                expect(&reply, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/002",
            NTP,
            "TS-0001 §9.6.31 (parent CSEBase)",
            "notificationTargetPolicy under an AE: 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("ntpparent")?;
                let body = json!({"m2m:ntp": {"acn": 1, "plbl": "x"}});
                expect(&ctx.client.create(&ae, 26, &body, Some(&aei)), 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/003",
            NTP,
            "TS-0001 §9.6.32 (ntu entries of the subscription's nu)",
            "notificationTargetMgmtPolicyRef naming a target the subscription does not have: 4000",
            |ctx| {
                let (aei, sub, _, _) = subscribed(ctx)?;
                let body = json!({"m2m:ntpr": {"ntu": ["Cnotatarget"]}});
                expect(&ctx.client.create(&sub, 25, &body, Some(&aei)), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/004",
            NTP,
            "TS-0001 §9.6.32 (npi names a notificationTargetPolicy)",
            "notificationTargetMgmtPolicyRef whose npi names no policy: 4000",
            |ctx| {
                let (aei, sub, _, _) = subscribed(ctx)?;
                let body = json!({"m2m:ntpr": {"ntu": [aei], "npi": "ntpdoesnotexist"}});
                expect(&ctx.client.create(&sub, 25, &body, Some(&aei)), 4000, 400)
            }
        ),
    ]
}
