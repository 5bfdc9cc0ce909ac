//! SEC/ACC: what an originator may learn or keep beyond its privileges — the
//! registration an AE-ID stands for (TS-0004 §7.2.2.2, 4106), the names and ownership
//! an AE-ID carries (TS-0001 §10.2.2.2, §9.6.1.3), and answers that would show a
//! resource the originator may not RETRIEVE (a DELETE's content, a group's member
//! check, a hierarchical page past a `disr` container, a subscription's `su`).

use onecse_testkit::{Method, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Check, Ctx, TestPurpose, Verdict, ensure, expect, setup_failed};

const ACP: &[u16] = &[1, 2];
const CNT: &[u16] = &[2, 3];
const CIN: &[u16] = &[2, 3, 4];
const GRP: &[u16] = &[2, 3, 9];
const SUB: &[u16] = &[1, 2, 3, 23];

/// A policy under `parent` (by `owner`) granting `owner` everything and `grantee`
/// the bits `acop`; returns its resource ID.
fn grant(ctx: &Ctx, parent: &str, owner: &str, grantee: &str, acop: u8) -> Result<String, Verdict> {
    let attrs = json!({"rn": ctx.name("grant"),
        "pv": {"acr": [{"acor": [owner], "acop": 63}, {"acor": [grantee], "acop": acop}]},
        "pvs": {"acr": [{"acor": [owner], "acop": 63}]}});
    let reply = ctx
        .client
        .create(parent, 1, &json!({ "m2m:acp": attrs }), Some(owner));
    expect(&reply, 2001, 201).map_err(|v| setup_failed("policy", v))?;
    reply
        .text("m2m:acp", "ri")
        .ok_or_else(|| Verdict::Fail(format!("setup (policy): no ri in {}", reply.raw)))
}

/// Points the `acpi` of `path` (a `root` resource) at `ri`, as `owner`.
fn attach(ctx: &Ctx, path: &str, root: &str, ri: &str, owner: &str) -> Check {
    let reply = ctx
        .client
        .update(path, &json!({ root: {"acpi": [ri]} }), owner);
    expect(&reply, 2004, 200).map_err(|v| setup_failed("acpi", v))
}

/// An AE registration with AE-ID `aei` and name `rn`.
fn register(ctx: &Ctx, aei: &str, rn: &str) -> Reply {
    let attrs =
        json!({"rn": rn, "api": "Nconformance", "rr": true, "srv": [ctx.target().rvi.clone()]});
    ctx.client
        .create(&ctx.base(), 2, &json!({ "m2m:ae": attrs }), Some(aei))
}

/// A policy under the CSEBase owned by `originator`: what anyone may create there.
fn squat(ctx: &Ctx, originator: &str) -> Reply {
    let attrs = json!({"rn": ctx.name("squat"), "pv": {"acr": []},
        "pvs": {"acr": [{"acor": [originator], "acop": 63}]}});
    ctx.client.create(
        &ctx.base(),
        1,
        &json!({ "m2m:acp": attrs }),
        Some(originator),
    )
}

/// The `m2m:dbg` text of an error reply with the named entry replaced.
fn dbg_without(reply: &Reply, entry: &str) -> String {
    let dbg = reply.body.get("m2m:dbg").and_then(Value::as_str);
    dbg.unwrap_or_default().replace(entry, "X")
}

/// Every SEC/ACC test purpose.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/001",
            ACP,
            "TS-0004 §7.2.2.2, §6.6 (4106)",
            "an AE-ID that is not registered is refused with 4106, but may read the CSEBase",
            |ctx| {
                let nobody = format!("C{}", ctx.name("nobody"));
                expect(&squat(ctx, &nobody), 4106, 403)?;
                expect(&ctx.client.retrieve(&ctx.base(), &nobody), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/002",
            ACP,
            "TS-0001 §10.2.2.2 (deregistration), TS-0004 §7.2.2.2",
            "a deregistered AE-ID originates nothing more (4106)",
            |ctx| {
                let (aei, ae) = ctx.ae("gone")?;
                expect(&ctx.client.delete(&ae, &aei), 2002, 200)?;
                expect(&squat(ctx, &aei), 4106, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/003",
            CNT,
            "TS-0001 §9.6.2, TS-0004 §7.3.3 (rcn of DELETE)",
            "a DELETE with rcn=1 by an originator without RETRIEVE is refused and deletes nothing",
            |ctx| {
                let (owner, owner_ae) = ctx.ae("owner")?;
                let (other, _) = ctx.ae("other")?;
                let cnt = ctx.container(&owner_ae, "data", json!({}), &owner)?;
                let acp = grant(ctx, &owner_ae, &owner, &other, 8)?;
                attach(ctx, &cnt, "m2m:cnt", &acp, &owner)?;
                let delete = ctx.client.request(Method::DELETE, &cnt);
                let reply = ctx
                    .client
                    .execute(delete.query("rcn", "1").originator(&other));
                expect(&reply, 4103, 403)?;
                expect(&ctx.client.retrieve(&cnt, &owner), 2000, 200)?;
                expect(&ctx.client.delete(&cnt, &other), 2002, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/004",
            CNT,
            "TS-0001 §10.2.2.2, TS-0004 §6.6 (4105)",
            "an AE cannot take another registered AE's AE-ID as its name",
            |ctx| {
                let (other, _) = ctx.ae("taken")?;
                let mine = format!("C{}", ctx.name("mine"));
                let reply = register(ctx, &mine, &other);
                if reply.rsc == Some(2001) {
                    ctx.track_with(&format!("{}/{other}", ctx.base()), &mine);
                }
                expect(&reply, 4105, 409)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/005",
            GRP,
            "TS-0001 §9.6.13, TS-0004 §7.4.13.2.1 (memberIDs)",
            "a member the originator may not retrieve is answered like a missing one",
            |ctx| {
                let (victim, victim_ae) = ctx.ae("victim")?;
                let hidden = ctx.container(&victim_ae, "secret", json!({}), &victim)?;
                let missing = format!("{victim_ae}/nothing");
                let (probe, probe_ae) = ctx.ae("probe")?;
                let answer = |member: &str| {
                    let attrs = json!({"mnm": 5, "mt": 4, "csy": 2,
                        "mid": [member.trim_start_matches('/')]});
                    ctx.client
                        .create(&probe_ae, 9, &json!({ "m2m:grp": attrs }), Some(&probe))
                };
                let (seen, unseen) = (answer(&hidden), answer(&missing));
                expect(&seen, 4004, 404)?;
                expect(&unseen, 4004, 404)?;
                let hidden_entry = hidden.trim_start_matches('/');
                let missing_entry = missing.trim_start_matches('/');
                ensure(
                    dbg_without(&seen, hidden_entry) == dbg_without(&unseen, missing_entry),
                    || format!("answers differ: {} / {}", seen.raw, unseen.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/006",
            SUB,
            "TS-0001 §9.6.2 (NOTIFY), TS-0004 §7.4.8.2.1",
            "a subscription's su naming an AE needs the NOTIFY privilege on it, as nu does",
            |ctx| {
                let (victim, _) = ctx.ae("victim")?;
                let (subber, subber_ae) = ctx.ae("subber")?;
                let cnt = ctx.container(&subber_ae, "c", json!({}), &subber)?;
                let sub = |su: &str| {
                    let attrs = json!({"rn": ctx.name("s"), "nu": [subber], "su": su});
                    ctx.client
                        .create(&cnt, 23, &json!({ "m2m:sub": attrs }), Some(&subber))
                };
                expect(&sub(&victim), 4103, 403)?;
                expect(&sub(&subber), 2001, 201)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/007",
            CNT,
            "TS-0001 §9.6.1.3 (creator), §10.2.2.2 (AE-ID released)",
            "an AE-ID registered again does not inherit what its earlier registration created",
            |ctx| {
                let (owner, owner_ae) = ctx.ae("host")?;
                let (guest, guest_ae) = ctx.ae("guest")?;
                let acp = grant(ctx, &owner_ae, &owner, &guest, 3)?;
                attach(ctx, &owner_ae, "m2m:ae", &acp, &owner)?;
                let left = ctx.container(&owner_ae, "left", json!({}), &guest)?;
                expect(&ctx.client.retrieve(&left, &guest), 2000, 200)?;
                expect(&ctx.client.delete(&guest_ae, &guest), 2002, 200)?;
                let again = ctx.name("again");
                expect(&register(ctx, &guest, &again), 2001, 201)?;
                ctx.track_with(&format!("{}/{again}", ctx.base()), &guest);
                expect(&ctx.client.retrieve(&left, &guest), 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/ACC/008",
            CIN,
            "TS-0004 §7.4.6 (disableRetrieval), §7.5.2 (rcn 4, ofst)",
            "a hierarchical page starting past a disr container still hides its instances",
            |ctx| {
                let (aei, ae) = ctx.ae("closed")?;
                let cnt = ctx.container(&ae, "d", json!({"disr": true}), &aei)?;
                ctx.instance(&cnt, "secret", &aei)?;
                let reply = ctx.client.retrieve(&format!("{ae}?rcn=4&ofst=2"), &aei);
                expect(&reply, 2000, 200)?;
                ensure(
                    !reply.raw.contains("m2m:cin") && !reply.raw.contains("secret"),
                    || format!("instances shown: {}", reply.raw),
                )
            }
        ),
    ]
}
