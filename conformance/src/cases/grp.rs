//! GRP: the group resource and its fan-out point (TS-0001 §9.6.13, §10.2.7;
//! TS-0004 §7.4.13, §7.4.14; spec digest resources.md §8).

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const GRP: &[u16] = &[2, 3, 4, 9];

fn attr(r: &Reply, name: &str) -> Value {
    r.resource("m2m:grp")
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The member ID of a container created at HTTP path `path` (structured,
/// CSE-relative: no leading `/`).
fn member_id(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

/// An AE with `n` containers `c0..`, each with one instance `v0..`:
/// (AE-ID, AE path, member IDs).
fn members(ctx: &mut Ctx, what: &str, n: usize) -> Result<(String, String, Vec<String>), Verdict> {
    let (aei, ae) = ctx.ae(what)?;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let cnt = ctx.container(&ae, &format!("c{i}"), json!({}), &aei)?;
        ctx.instance(&cnt, &format!("v{i}"), &aei)?;
        ids.push(member_id(&cnt));
    }
    Ok((aei, ae, ids))
}

/// CREATE of a group `g` under `parent` with `attrs`.
fn create(ctx: &Ctx, parent: &str, attrs: Value, originator: &str) -> Reply {
    let mut attrs = attrs;
    crate::suite::merge(&mut attrs, &json!({"rn": "g"}));
    ctx.client
        .create(parent, 9, &json!({ "m2m:grp": attrs }), Some(originator))
}

/// A group `g` under the AE with `attrs` (must be created): its path.
fn grouped(ctx: &Ctx, ae: &str, attrs: Value, aei: &str) -> Result<String, Verdict> {
    expect(&create(ctx, ae, attrs, aei), 2001, 201)
        .map_err(|v| crate::suite::setup_failed("group creation", v))?;
    Ok(format!("{ae}/g"))
}

/// The member responses of a fan-out answer, which must be 2000 OK.
fn rsps(reply: &Reply) -> Result<Vec<Value>, Verdict> {
    expect(reply, 2000, 200)?;
    reply.body["m2m:agr"]["m2m:rsp"]
        .as_array()
        .cloned()
        .ok_or_else(|| Verdict::Fail(format!("no m2m:agr/m2m:rsp in {}", reply.raw)))
}

fn codes(rsps: &[Value]) -> Vec<i64> {
    rsps.iter()
        .map(|r| r["rsc"].as_i64().unwrap_or(0))
        .collect()
}

fn all_are(rsps: &[Value], rsc: i64, n: usize) -> Result<(), Verdict> {
    let got = codes(rsps);
    ensure(got == vec![rsc; n], || {
        format!("member codes {got:?}, expected {n} × {rsc}")
    })
}

/// A mixed AE + container member list under `csy`: the group's reply.
fn inconsistent(ctx: &mut Ctx, what: &str, csy: i64) -> Result<Reply, Verdict> {
    let (aei, ae, ids) = members(ctx, what, 1)?;
    let mid = json!([ids[0], member_id(&ae)]);
    Ok(create(
        ctx,
        &ae,
        json!({"mt": 3, "csy": csy, "mnm": 5, "mid": mid}),
        &aei,
    ))
}

/// The GRP test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/001",
            GRP,
            "TS-0004 §7.4.13.2.1; TS-0001 §9.6.13",
            "a group is created with cnm = member count, mt 0, csy 1 and mtv true",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grp", 2)?;
                let r = create(ctx, &ae, json!({"mnm": 3, "mid": ids}), &aei);
                expect(&r, 2001, 201)?;
                for (name, want) in [
                    ("ty", json!(9)),
                    ("cnm", json!(2)),
                    ("mt", json!(0)),
                    ("csy", json!(1)),
                    ("mtv", json!(true)),
                ] {
                    ensure(attr(&r, name) == want, || {
                        format!("{name} is {}", attr(&r, name))
                    })?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/002",
            GRP,
            "TS-0004 §7.4.13.2.1, Annex K (mnm M)",
            "a group without mnm is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("grpnomnm")?;
                expect(&create(ctx, &ae, json!({"mid": []}), &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/003",
            GRP,
            "TS-0004 §7.4.13.2.1, Annex K (mid M)",
            "a group without mid is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("grpnomid")?;
                expect(&create(ctx, &ae, json!({"mnm": 2}), &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/004",
            GRP,
            "TS-0001 §9.6.13 (mid: duplicates removed)",
            "a member listed twice is kept once and counted once",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpdup", 1)?;
                let r = create(ctx, &ae, json!({"mnm": 2, "mid": [ids[0], ids[0]]}), &aei);
                expect(&r, 2001, 201)?;
                ensure(
                    attr(&r, "cnm") == 1 && attr(&r, "mid") == json!([ids[0]]),
                    || format!("cnm {} mid {}", attr(&r, "cnm"), attr(&r, "mid")),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/005",
            GRP,
            "TS-0004 §7.4.13.2.1; RSC 6010",
            "more members than mnm is refused with 6010 MAX_NUMBER_OF_MEMBER_EXCEEDED",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpmax", 3)?;
                expect(
                    &create(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei),
                    6010,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/006",
            GRP,
            "TS-0004 §7.4.13.2.1; spec digest status-codes (4004: group member not found)",
            "a member that does not exist is refused with 4004",
            |ctx| {
                let (aei, ae) = ctx.ae("grpnf")?;
                let mid = json!([format!("{}/nothing", member_id(&ae))]);
                expect(
                    &create(ctx, &ae, json!({"mnm": 2, "mid": mid}), &aei),
                    4004,
                    404,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/007",
            GRP,
            "TS-0004 §7.4.13.2.1 (csy 1 ABANDON_MEMBER)",
            "with csy 1, a member of another type than mt is dropped",
            |ctx| {
                let r = inconsistent(ctx, "grpcsy1", 1)?;
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "cnm") == 1 && attr(&r, "mt") == 3, || {
                    r.raw.clone()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/008",
            GRP,
            "TS-0004 §7.4.13.2.1 (csy 2 ABANDON_GROUP); RSC 4110",
            "with csy 2, a member of another type than mt refuses the group with 4110",
            |ctx| expect(&inconsistent(ctx, "grpcsy2", 2)?, 4110, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/009",
            GRP,
            "TS-0004 §7.4.13.2.1 (csy 3 SET_MIXED)",
            "with csy 3, a member of another type than mt makes the group mixed (mt 0)",
            |ctx| {
                let r = inconsistent(ctx, "grpcsy3", 3)?;
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "cnm") == 2 && attr(&r, "mt") == 0, || {
                    r.raw.clone()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/CRE/010",
            GRP,
            "TS-0004 Annex K (cnm RO → NP)",
            "cnm in CREATE content is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("grpcnm")?;
                let r = create(ctx, &ae, json!({"mnm": 2, "mid": [], "cnm": 0}), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/RET/001",
            GRP,
            "TS-0004 §7.4.13.2.2",
            "a group is retrieved as m2m:grp with its members",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpret", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let r = ctx.client.retrieve(&g, &aei);
                expect(&r, 2000, 200)?;
                ensure(attr(&r, "mid") == json!(ids), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/UPD/001",
            GRP,
            "TS-0004 §7.4.13.2.3",
            "an UPDATE of mid is validated again and cnm follows",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpupd", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let r = ctx
                    .client
                    .update(&g, &json!({"m2m:grp": {"mid": [ids[1]]}}), &aei);
                expect(&r, 2004, 200)?;
                ensure(attr(&r, "cnm") == 1, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/UPD/002",
            GRP,
            "TS-0004 §7.4.13.2.3; RSC 6010",
            "an UPDATE of mnm below cnm is refused with 6010",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpmnm", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let r = ctx.client.update(&g, &json!({"m2m:grp": {"mnm": 1}}), &aei);
                expect(&r, 6010, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/UPD/003",
            GRP,
            "TS-0004 Annex K (mt WO → NP on UPDATE)",
            "an UPDATE of mt is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("grpmt")?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": []}), &aei)?;
                let r = ctx.client.update(&g, &json!({"m2m:grp": {"mt": 3}}), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/DEL/001",
            GRP,
            "TS-0004 §7.4.13.2.4",
            "deleting a group leaves its members in place",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "grpdel", 1)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                expect(&ctx.client.delete(&g, &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&g, &aei), 4004, 404)?;
                expect(
                    &ctx.client.retrieve(&format!("/{}", ids[0]), &aei),
                    2000,
                    200,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/001",
            GRP,
            "TS-0004 §7.4.14.2.2; TS-0001 §10.2.7.6",
            "RETRIEVE of <group>/fopt/la answers 2000 with one m2m:rsp per member, in member order",
            |ctx| {
                let (aei, ae, mut ids) = members(ctx, "fopla", 3)?;
                ids.reverse();
                let g = grouped(ctx, &ae, json!({"mnm": 3, "mid": ids}), &aei)?;
                let all = rsps(&ctx.client.retrieve(&format!("{g}/fopt/la"), &aei))?;
                all_are(&all, 2000, 3)?;
                let cons: Vec<Value> = all
                    .iter()
                    .map(|r| r["pc"]["m2m:cin"]["con"].clone())
                    .collect();
                ensure(cons == vec!["v2", "v1", "v0"], || {
                    format!("contents {cons:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/002",
            GRP,
            "TS-0004 §7.4.14.2.2 (member results aggregated)",
            "a member without the addressed child (its la) answers its own 4004 inside the 2000 aggregate",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopnf", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                // (A deleted member would leave mid: GRP/DEL/002.)
                expect(
                    &ctx.client.delete(&format!("/{}/la", ids[0]), &aei),
                    2002,
                    200,
                )?;
                let all = rsps(&ctx.client.retrieve(&format!("{g}/fopt/la"), &aei))?;
                ensure(codes(&all) == vec![4004, 2000], || {
                    format!("codes {:?}", codes(&all))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/003",
            GRP,
            "TS-0004 §7.4.14.2.1",
            "CREATE of a contentInstance through fopt creates one in every member",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopcre", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let body = json!({"m2m:cin": {"con": "fanned"}});
                all_are(
                    &rsps(
                        &ctx.client
                            .create(&format!("{g}/fopt"), 4, &body, Some(&aei)),
                    )?,
                    2001,
                    2,
                )?;
                for id in &ids {
                    let r = ctx.client.retrieve(&format!("/{id}/la"), &aei);
                    ensure(
                        r.text("m2m:cin", "con").as_deref() == Some("fanned"),
                        || r.raw.clone(),
                    )?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/004",
            GRP,
            "TS-0004 §7.4.14.2.4 (a deleted member leaves mid)",
            "DELETE through fopt removes the deleted members from mid and cnm",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopdel", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                all_are(
                    &rsps(&ctx.client.delete(&format!("{g}/fopt"), &aei))?,
                    2002,
                    2,
                )?;
                let r = ctx.client.retrieve(&g, &aei);
                ensure(attr(&r, "cnm") == 0 && attr(&r, "mid") == json!([]), || {
                    r.raw.clone()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/DEL/002",
            GRP,
            "TS-0001 §9.6.13 (mid, cnm); TS-0004 §7.4.14.2.4",
            "deleting a member resource itself (not through fopt) removes it from mid and cnm",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "memdel", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids.clone()}), &aei)?;
                expect(&ctx.client.delete(&format!("{ae}/c0"), &aei), 2002, 200)?;
                let r = ctx.client.retrieve(&g, &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    attr(&r, "cnm") == 1 && attr(&r, "mid") == json!([ids[1]]),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/005",
            GRP,
            "TS-0004 §7.4.14.2.2 (no members); RSC 4109",
            "a request to fopt of a group without members answers 4109 NO_MEMBERS",
            |ctx| {
                let (aei, ae) = ctx.ae("fopempty")?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": []}), &aei)?;
                expect(&ctx.client.retrieve(&format!("{g}/fopt"), &aei), 4109, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/006",
            GRP,
            "TS-0004 §7.4.14.2.3",
            "UPDATE through fopt updates every member",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopupd", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let body = json!({"m2m:cnt": {"lbl": ["fanned"]}});
                all_are(
                    &rsps(&ctx.client.update(&format!("{g}/fopt"), &body, &aei))?,
                    2004,
                    2,
                )?;
                let r = ctx.client.retrieve(&format!("/{}", ids[1]), &aei);
                ensure(r.raw.contains("fanned"), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/007",
            GRP,
            "TS-0001 §10.2.7.6; TS-0004 §6.2.4 (unstructured address)",
            "fopt is reached through the group's unstructured resourceID too",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopri", 2)?;
                let r = create(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei);
                expect(&r, 2001, 201)?;
                let ri = r.text("m2m:grp", "ri").unwrap_or_default();
                all_are(
                    &rsps(&ctx.client.retrieve(&format!("/{ri}/fopt/la"), &aei))?,
                    2000,
                    2,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/008",
            GRP,
            "TS-0001 §9.6.13 (macp absent: the group's own access control); RSC 4103",
            "an originator without rights on the group (no macp) is refused 4103 at fopt",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopacl", 1)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let (other, _) = ctx.ae("fopother")?;
                expect(
                    &ctx.client.retrieve(&format!("{g}/fopt/la"), &other),
                    4103,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/009",
            GRP,
            "TS-0001 §9.6.13 (macp), spec digest access-control §3",
            "macp lets an originator use fopt, and each member's own access control still applies",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fopmacp", 2)?;
                let (other, _) = ctx.ae("fopmacpo")?;
                let acp = json!({"m2m:acp": {"rn": "macp",
                    "pv": {"acr": [{"acor": [aei.clone()], "acop": 63}, {"acor": [other.clone()], "acop": 2}]},
                    "pvs": {"acr": [{"acor": [aei.clone()], "acop": 63}]}}});
                let r = ctx.client.create(&ae, 1, &acp, Some(&aei));
                expect(&r, 2001, 201)?;
                let macp = r.text("m2m:acp", "ri").unwrap_or_default();
                let g = grouped(
                    ctx,
                    &ae,
                    json!({"mnm": 2, "mid": ids, "macp": [macp]}),
                    &aei,
                )?;
                // The members keep their default policy: only their creator may read.
                all_are(
                    &rsps(&ctx.client.retrieve(&format!("{g}/fopt/la"), &other))?,
                    4103,
                    2,
                )?;
                expect(&ctx.client.delete(&format!("{g}/fopt"), &other), 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GRP/FOP/010",
            GRP,
            "TS-0004 §7.4.14.2.1; RSC 4108",
            "CREATE through fopt of a type the members cannot hold answers 4108 per member",
            |ctx| {
                let (aei, ae, ids) = members(ctx, "fop4108", 2)?;
                let g = grouped(ctx, &ae, json!({"mnm": 2, "mid": ids}), &aei)?;
                let body = json!({"m2m:grp": {"mnm": 1, "mid": []}});
                all_are(
                    &rsps(
                        &ctx.client
                            .create(&format!("{g}/fopt"), 9, &body, Some(&aei)),
                    )?,
                    4108,
                    2,
                )
            }
        ),
    ]
}
