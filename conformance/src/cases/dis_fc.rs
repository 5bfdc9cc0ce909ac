//! DIS (filter criteria): each matching condition of TS-0004 §6.3.5.8 in discovery,
//! the R4 conditions on a resource's parent and children (`pty`, `palb`, `chty`,
//! `clbl`), paging and identifier forms, and the 4000 answers to malformed criteria.

use onecse_models::time::Timestamp;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const DIS: &[u16] = &[2, 3, 4];

type Check = Result<(), Verdict>;

/// A tree below a fresh AE (labelled `fc:ae`): container `a` (labelled `fc:a`,
/// updated twice, expiring in an hour) holding instances `short` (1 byte, text/plain,
/// labelled `fc:s`) and `long` (10 bytes, application/json), and container `b`
/// (no label, never updated, expiring in three hours, no children). Returns
/// (AE-ID, AE path).
fn tree(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae_with("disfc", json!({"lbl": ["fc:ae"]}))?;
    let a = ctx.container(
        &ae,
        "a",
        json!({"lbl": ["fc:a"], "et": from_now(3600)}),
        &aei,
    )?;
    ctx.container(&ae, "b", json!({"et": from_now(3 * 3600)}), &aei)?;
    for (rn, con, cnf, lbl) in [
        ("short", "x", "text/plain:0", json!(["fc:s"])),
        ("long", "0123456789", "application/json:0", json!([])),
    ] {
        let r = ctx.client.create(
            &a,
            4,
            &json!({"m2m:cin": {"rn": rn, "con": con, "cnf": cnf, "lbl": lbl}}),
            Some(&aei),
        );
        expect(&r, 2001, 201)?;
    }
    for mbs in [1000, 2000] {
        let r = ctx
            .client
            .update(&a, &json!({"m2m:cnt": {"mbs": mbs}}), &aei);
        expect(&r, 2004, 200)?;
    }
    Ok((aei, ae))
}

fn from_now(secs: i64) -> String {
    Timestamp::now().plus_seconds(secs).to_string()
}

/// The names (last path segment) a discovery below `ae` with `query` finds, sorted.
fn found(ctx: &Ctx, ae: &str, aei: &str, query: &str) -> Result<Vec<String>, Verdict> {
    let r = ctx.client.retrieve(&format!("{ae}?fu=1&{query}"), aei);
    expect(&r, 2000, 200)?;
    let mut names: Vec<String> = r
        .uril()
        .iter()
        .map(|u| u.rsplit('/').next().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// A discovery below a fresh tree with `query` finds exactly `want` (any order).
fn finds(ctx: &mut Ctx, query: &str, want: &[&str]) -> Check {
    let (aei, ae) = tree(ctx)?;
    let names = found(ctx, &ae, &aei, query)?;
    let mut want: Vec<&str> = want.to_vec();
    want.sort_unstable();
    ensure(names == want, || {
        format!("{query}: found {names:?}, expected {want:?}")
    })
}

/// A discovery with `query` is refused with `rsc` and a debug message naming `names`.
fn refused(ctx: &mut Ctx, query: &str, rsc: u16, status: u16, names: &str) -> Check {
    let (aei, ae) = ctx.ae("disfcbad")?;
    let r = ctx.client.retrieve(&format!("{ae}?fu=1&{query}"), &aei);
    expect(&r, rsc, status)?;
    ensure(r.dbg().contains(names), || {
        format!("the dbg should name {names}: {}", r.raw)
    })
}

/// The DIS filter-criteria test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = condition_tps();
    all.extend(relative_tps());
    all.extend(paging_tps());
    all.extend(malformed_tps());
    all
}

fn condition_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DIS/RET/013",
            DIS,
            "TS-0004 §6.3.5.8 (cra)",
            "a createdAfter in the past matches every resource of the subtree",
            |ctx| finds(ctx, "cra=20000101T000000", &["a", "b", "short", "long"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/014",
            DIS,
            "TS-0004 §6.3.5.8 (ms, us)",
            "modifiedSince in the future matches nothing; unmodifiedSince in the future matches everything",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let later = from_now(24 * 3600);
                let none = found(ctx, &ae, &aei, &format!("ms={later}"))?;
                ensure(none.is_empty(), || format!("ms in the future: {none:?}"))?;
                let all = found(ctx, &ae, &aei, &format!("us={later}"))?;
                ensure(all.len() == 4, || format!("us in the future: {all:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/015",
            DIS,
            "TS-0004 §6.3.5.8 (stb)",
            "stateTagBigger selects the container updated twice, not the one never updated",
            |ctx| finds(ctx, "ty=3&stb=1", &["a"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/016",
            DIS,
            "TS-0004 §6.3.5.8 (sts)",
            "stateTagSmaller selects the container never updated",
            |ctx| finds(ctx, "ty=3&sts=1", &["b"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/017",
            DIS,
            "TS-0004 §6.3.5.8 (exb, exa)",
            "expireBefore and expireAfter split the containers by their expirationTime",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let split = from_now(2 * 3600);
                let before = found(ctx, &ae, &aei, &format!("ty=3&exb={split}"))?;
                ensure(before == ["a"], || format!("exb: {before:?}"))?;
                let after = found(ctx, &ae, &aei, &format!("ty=3&exa={split}"))?;
                ensure(after == ["b"], || format!("exa: {after:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/018",
            DIS,
            "TS-0004 §6.3.5.8 (sza, szb)",
            "sizeAbove finds the 10-byte instance, sizeBelow the 1-byte one",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let above = found(ctx, &ae, &aei, "sza=5")?;
                ensure(above == ["long"], || format!("sza=5: {above:?}"))?;
                let below = found(ctx, &ae, &aei, "szb=5")?;
                ensure(below == ["short"], || format!("szb=5: {below:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/019",
            DIS,
            "TS-0004 §6.3.5.8 (cty)",
            "contentType matches the media type of an instance's contentInfo",
            |ctx| finds(ctx, "cty=application/json", &["long"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/020",
            DIS,
            "TS-0004 §6.3.5.8 (attribute)",
            "an attribute condition (rn) selects the resource of that name",
            |ctx| finds(ctx, "rn=long", &["long"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/021",
            DIS,
            "TS-0004 §6.3.5.8 (fo=2, OR)",
            "fo=2 finds resources meeting either condition",
            |ctx| finds(ctx, "ty=3&lbl=fc:s&fo=2", &["a", "b", "short"])
        ),
    ]
}

fn relative_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DIS/RET/022",
            DIS,
            "TS-0004 §6.3.5.8 (pty, R4)",
            "parentResourceType 2 finds the AE's children only",
            |ctx| finds(ctx, "pty=2", &["a", "b"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/023",
            DIS,
            "TS-0004 §6.3.5.8 (palb, R4)",
            "parentLabels finds the children of the labelled container",
            |ctx| finds(ctx, "palb=fc:a", &["short", "long"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/024",
            DIS,
            "TS-0004 §6.3.5.8 (chty, R4)",
            "childResourceType 4 finds the container holding instances, not the empty one",
            |ctx| finds(ctx, "chty=4", &["a"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/025",
            DIS,
            "TS-0004 §6.3.5.8 (clbl, R4)",
            "childLabels finds the container whose instance carries the label",
            |ctx| finds(ctx, "clbl=fc:s", &["a"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/026",
            DIS,
            "TS-0004 §6.3.5.8 (pty with ty, AND)",
            "pty and ty combine with AND: instances whose parent is a container",
            |ctx| finds(ctx, "ty=4&pty=3", &["short", "long"])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/027",
            DIS,
            "TS-0004 §7.3.3.17 (conditional retrieval with chty)",
            "rcn=6 with chty lists only the descendants that have such a child",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?rcn=6&chty=4"), &aei);
                expect(&r, 2000, 200)?;
                let rrf = r.body["m2m:rrl"]["rrf"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let names: Vec<&str> = rrf.iter().filter_map(|f| f["nm"].as_str()).collect();
                ensure(names == ["a"], || r.raw.clone())
            }
        ),
    ]
}

fn paging_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DIS/RET/028",
            DIS,
            "TS-0004 §6.3.5.8 (ofst with lim)",
            "ofst and lim page the result: two pages of two cover the four matches once",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let first = found(ctx, &ae, &aei, "lim=2")?;
                let second = found(ctx, &ae, &aei, "lim=2&ofst=3")?;
                let mut both: Vec<String> = first.iter().chain(&second).cloned().collect();
                both.sort();
                both.dedup();
                ensure(
                    first.len() == 2 && second.len() == 2 && both.len() == 4,
                    || format!("pages {first:?} and {second:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/029",
            DIS,
            "TS-0004 §6.3.5.8 (ofst past the end)",
            "an ofst past the last match returns an empty list",
            |ctx| finds(ctx, "ofst=50", &[])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/030",
            DIS,
            "TS-0004 §6.3.5.8 (lim=0)",
            "lim=0 returns an empty list",
            |ctx| finds(ctx, "lim=0", &[])
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/031",
            DIS,
            "TS-0004 §6.3.5.8, table 6.3.5.28-1 (drt=2, unstructured)",
            "drt=2 lists resourceIDs, each of which addresses the found resource",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3&drt=2"), &aei);
                expect(&r, 2000, 200)?;
                let ids = r.uril();
                ensure(ids.len() == 2, || r.raw.clone())?;
                for id in &ids {
                    let got = ctx
                        .client
                        .retrieve(&format!("/{}", id.trim_start_matches('/')), &aei);
                    expect(&got, 2000, 200)?;
                    let ri = got
                        .resource("m2m:cnt")
                        .and_then(|a| a.get("ri"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    ensure(id.ends_with(&ri) && !ri.is_empty(), || {
                        format!("{id} retrieved {}", got.raw)
                    })?;
                }
                Ok(())
            }
        ),
    ]
}

fn malformed_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DIS/RET/032",
            DIS,
            "TS-0004 §6.3.5.8 (fu)",
            "a filterUsage outside 1..3 is refused with 4000 naming fu",
            |ctx| refused(ctx, "fu=9", 4000, 400, "fu")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/033",
            DIS,
            "TS-0004 §6.3.5.8 (crb is a timestamp)",
            "a createdBefore that is no timestamp is refused with 4000 naming crb",
            |ctx| refused(ctx, "crb=yesterday", 4000, 400, "crb")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/034",
            DIS,
            "TS-0004 §6.3.5.8 (sza is a non-negative integer)",
            "a negative sizeAbove is refused with 4000 naming sza",
            |ctx| refused(ctx, "sza=-1", 4000, 400, "sza")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/035",
            DIS,
            "TS-0009 §6.2.2.2 (each parameter once)",
            "lim given twice is refused with 4000 naming lim",
            |ctx| refused(ctx, "lim=1&lim=2", 4000, 400, "lim")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/036",
            DIS,
            "TS-0009 §6.2.2.2 (unknown query parameter)",
            "a query parameter that is no parameter, criterion or attribute is refused with 4000",
            |ctx| refused(ctx, "colour=red", 4000, 400, "colour")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/037",
            DIS,
            "TS-0004 §6.3.5.8 (chty is a list of resource types)",
            "a childResourceType that is no number is refused with 4000 naming chty",
            |ctx| refused(ctx, "chty=container", 4000, 400, "chty")
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/038",
            DIS,
            "TS-0004 §6.3.5.8 (fo with parent/child conditions); onecse limit",
            "chty under fo=2 is answered 5001 naming the combination (onecse evaluates relatives with AND only)",
            |ctx| refused(ctx, "chty=4&lbl=x&fo=2", 5001, 501, "fo=2")
        ),
    ]
}
