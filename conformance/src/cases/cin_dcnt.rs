//! DMR/DCN: contentInstance deletionCnt (`dcnt`, R4, TS-0001 §9.6.7): an instance is
//! deleted by the retrieval that reads it the `dcnt`-th time; only RETRIEVEs that
//! answer the instance itself count (its address, `la`, `ol`).

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const CIN: &[u16] = &[2, 3, 4];
const CIN_SUB: &[u16] = &[2, 3, 4, 23];

/// An AE, a container and one contentInstance with `dcnt` in it.
/// Returns (AE-ID, container path, instance path).
fn counted(ctx: &mut Ctx, dcnt: i64) -> Result<(String, String, String), Verdict> {
    let (aei, ae) = ctx.ae("dcnt")?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let cin = create_counted(ctx, &cnt, "i", dcnt, &aei)?;
    Ok((aei, cnt, cin))
}

/// Creates instance `rn` with `dcnt` under `cnt`; returns its path.
fn create_counted(ctx: &Ctx, cnt: &str, rn: &str, dcnt: i64, aei: &str) -> Result<String, Verdict> {
    let body = json!({"m2m:cin": {"rn": rn, "con": rn, "dcnt": dcnt}});
    expect(&ctx.client.create(cnt, 4, &body, Some(aei)), 2001, 201)?;
    Ok(format!("{cnt}/{rn}"))
}

/// The `dcnt` a reply shows.
fn dcnt(r: &Reply) -> Value {
    r.resource("m2m:cin")
        .and_then(|a| a.get("dcnt"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A contentInstance with `dcnt` is refused with 4000.
fn refused(ctx: &mut Ctx, value: Value) -> Check {
    let (aei, ae) = ctx.ae("dcnt")?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let body = json!({"m2m:cin": {"con": "x", "dcnt": value}});
    expect(&ctx.client.create(&cnt, 4, &body, Some(&aei)), 4000, 400)
}

type Check = crate::suite::Check;

/// A counter of the container (`cni`, `cbs`).
fn counter(ctx: &Ctx, cnt: &str, aei: &str, name: &str) -> Option<i64> {
    ctx.client
        .retrieve(cnt, aei)
        .resource("m2m:cnt")
        .and_then(|a| a.get(name))
        .and_then(Value::as_i64)
}

/// The DMR/DCN test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/001",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt, R4)",
            "a contentInstance is created with its dcnt and answers it",
            |ctx| {
                let (aei, ae) = ctx.ae("dcnt")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let r = ctx.client.create(
                    &cnt,
                    4,
                    &json!({"m2m:cin": {"con": "x", "dcnt": 3}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                ensure(dcnt(&r) == 3, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/002",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt: a positive integer)",
            "dcnt 0 is refused with 4000",
            |ctx| refused(ctx, json!(0))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/003",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt: a positive integer)",
            "a negative dcnt is refused with 4000",
            |ctx| refused(ctx, json!(-2))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/004",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt: a positive integer)",
            "a dcnt that is not a number is refused with 4000",
            |ctx| refused(ctx, json!("two"))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/005",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt)",
            "with dcnt 1 the first RETRIEVE answers the instance and the second 4004",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 1)?;
                let first = ctx.client.retrieve(&cin, &aei);
                expect(&first, 2000, 200)?;
                ensure(first.text("m2m:cin", "con").as_deref() == Some("i"), || {
                    first.raw.clone()
                })?;
                expect(&ctx.client.retrieve(&cin, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/006",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt)",
            "with dcnt 3 each RETRIEVE answers the count before it and the fourth is 4004",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 3)?;
                for left in [3, 2, 1] {
                    let r = ctx.client.retrieve(&cin, &aei);
                    expect(&r, 2000, 200)?;
                    ensure(dcnt(&r) == left, || {
                        format!("expected dcnt {left}: {}", r.raw)
                    })?;
                }
                expect(&ctx.client.retrieve(&cin, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/007",
            CIN,
            "TS-0001 §9.6.7, §9.6.6 (cni after a deletion)",
            "the container's cni goes down when an instance is deleted by its count",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 1)?;
                ctx.instance(&cnt, "plain", &aei)?;
                ensure(counter(ctx, &cnt, &aei, "cni") == Some(2), || {
                    "cni is not 2".into()
                })?;
                expect(&ctx.client.retrieve(&cin, &aei), 2000, 200)?;
                let now = counter(ctx, &cnt, &aei, "cni");
                ensure(now == Some(1), || format!("cni {now:?} after the deletion"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/008",
            CIN,
            "TS-0001 §9.6.7, §9.6.6 (cbs after a deletion)",
            "the container's cbs goes down by the instance's cs",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 1)?;
                let before = counter(ctx, &cnt, &aei, "cbs");
                expect(&ctx.client.retrieve(&cin, &aei), 2000, 200)?;
                let after = counter(ctx, &cnt, &aei, "cbs");
                ensure(before == Some(1) && after == Some(0), || {
                    format!("cbs {before:?} then {after:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/009",
            CIN,
            "TS-0001 §9.6.7, TS-0004 §7.4.7 (la)",
            "a RETRIEVE of la counts: la with dcnt 1 deletes the latest instance",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 1)?;
                let la = ctx.client.retrieve(&format!("{cnt}/la"), &aei);
                expect(&la, 2000, 200)?;
                ensure(dcnt(&la) == 1, || la.raw.clone())?;
                expect(&ctx.client.retrieve(&cin, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/010",
            CIN,
            "TS-0001 §9.6.7, TS-0004 §7.4.7 (ol)",
            "a RETRIEVE of ol counts down the oldest instance",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 2)?;
                ctx.instance(&cnt, "newer", &aei)?;
                expect(&ctx.client.retrieve(&format!("{cnt}/ol"), &aei), 2000, 200)?;
                let r = ctx.client.retrieve(&cin, &aei);
                expect(&r, 2000, 200)?;
                ensure(dcnt(&r) == 1, || r.raw.clone())?;
                expect(&ctx.client.retrieve(&cin, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/011",
            CIN,
            "TS-0001 §9.6.7, TS-0004 §7.4.7 (la after a deletion)",
            "after la consumed the latest instance, la answers the one before",
            |ctx| {
                let (aei, ae) = ctx.ae("dcnt")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                ctx.instance(&cnt, "older", &aei)?;
                create_counted(ctx, &cnt, "newest", 1, &aei)?;
                let la = format!("{cnt}/la");
                let first = ctx.client.retrieve(&la, &aei);
                ensure(
                    first.text("m2m:cin", "con").as_deref() == Some("newest"),
                    || first.raw.clone(),
                )?;
                let second = ctx.client.retrieve(&la, &aei);
                ensure(
                    second.text("m2m:cin", "con").as_deref() == Some("older"),
                    || second.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/012",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt), TS-0004 §7.3.3.x (discovery)",
            "discovery does not count: the instance keeps its dcnt",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 1)?;
                let found = ctx.client.retrieve(&format!("{cnt}?fu=1&ty=4"), &aei);
                expect(&found, 2000, 200)?;
                ensure(found.raw.contains("/i"), || found.raw.clone())?;
                let r = ctx.client.retrieve(&cin, &aei);
                expect(&r, 2000, 200)?;
                ensure(dcnt(&r) == 1, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/013",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt), TS-0004 §6.8 (rcn 4)",
            "a container retrieved with its children (rcn 4) does not count its instances",
            |ctx| {
                let (aei, cnt, cin) = counted(ctx, 1)?;
                let tree = ctx.client.retrieve(&format!("{cnt}?rcn=4"), &aei);
                expect(&tree, 2000, 200)?;
                ensure(tree.raw.contains("\"dcnt\""), || tree.raw.clone())?;
                expect(&ctx.client.retrieve(&cin, &aei), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/014",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt)",
            "an instance without dcnt is retrieved any number of times and shows no dcnt",
            |ctx| {
                let (aei, ae) = ctx.ae("dcnt")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                ctx.instance(&cnt, "plain", &aei)?;
                for _ in 0..4 {
                    let r = ctx.client.retrieve(&format!("{cnt}/la"), &aei);
                    expect(&r, 2000, 200)?;
                    ensure(dcnt(&r).is_null(), || r.raw.clone())?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/015",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt), TS-0001 §9.6.2 (access control)",
            "a RETRIEVE refused by access control (4103) does not count",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 1)?;
                let (other, _) = ctx.ae("stranger")?;
                expect(&ctx.client.retrieve(&cin, &other), 4103, 403)?;
                let r = ctx.client.retrieve(&cin, &aei);
                expect(&r, 2000, 200)?;
                ensure(dcnt(&r) == 1, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/016",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt), TS-0004 §7.3.3.x (attributeList)",
            "a refused partial RETRIEVE (unknown attribute, 4000) does not count",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 1)?;
                expect(
                    &ctx.client.retrieve(&format!("{cin}?atrl=mni"), &aei),
                    4000,
                    400,
                )?;
                expect(&ctx.client.retrieve(&cin, &aei), 2000, 200)?;
                expect(&ctx.client.retrieve(&cin, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/017",
            CIN,
            "TS-0001 §9.6.7 (deletionCnt: each retrieval counts once)",
            "two RETRIEVEs racing for the last count: exactly one answers the instance",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 1)?;
                let client = ctx.client;
                let codes: Vec<u16> = std::thread::scope(|scope| {
                    let racers: Vec<_> = (0..2)
                        .map(|_| scope.spawn(|| client.retrieve(&cin, &aei).status))
                        .collect();
                    racers
                        .into_iter()
                        .map(|racer| racer.join().unwrap_or(0))
                        .collect()
                });
                let ok = codes.iter().filter(|&&c| c == 200).count();
                let gone = codes.iter().filter(|&&c| c == 404).count();
                ensure(ok == 1 && gone == 1, || format!("statuses {codes:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/018",
            CIN,
            "TS-0004 §7.4.7 (contentInstance UPDATE)",
            "dcnt cannot be changed: an UPDATE of the instance is refused with 4005",
            |ctx| {
                let (aei, _, cin) = counted(ctx, 2)?;
                expect(
                    &ctx.client
                        .update(&cin, &json!({"m2m:cin": {"dcnt": 5}}), &aei),
                    4005,
                    405,
                )?;
                let r = ctx.client.retrieve(&cin, &aei);
                ensure(dcnt(&r) == 2, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DCN/019",
            CIN_SUB,
            "TS-0001 §9.6.7, TS-0004 §7.5.1.2.2 (net 4)",
            "an instance deleted by its count is notified as a deleted child (net 4)",
            |ctx| {
                let (aei, cnt, _, path) = super::sub::watched(ctx, json!({"enc": {"net": [4]}}))?;
                let cin = create_counted(ctx, &cnt, "gone", 1, &aei)?;
                expect(&ctx.client.retrieve(&cin, &aei), 2000, 200)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["net"] == 4, || n.sgn().to_string())?;
                ensure(n.sgn()["nev"]["rep"]["m2m:cin"]["rn"] == "gone", || {
                    n.sgn().to_string()
                })
            }
        ),
    ]
}
