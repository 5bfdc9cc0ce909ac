//! CRT: conditional retrieval and result content (TS-0004 §7.3.3.17 and §7.5.2,
//! TS-0001 table 8.1.2-1; spec digest primitives §4–§6): a RETRIEVE with filter
//! conditions and rcn 4/5/6/8 includes only matching descendants; discovery with
//! rcn 6 and `arp`; CREATE with rcn 0/2/3; addresses in results are CSE-relative
//! (TS-0001 §7.2: no leading slash).

use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const CRT: &[u16] = &[2, 3, 4];

/// An AE with container `a` (label `crt:a`, one text/plain instance `i1`) and
/// container `b` (label `crt:b`, one instance `i2`); returns (AE-ID, AE path).
fn tree(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("crt")?;
    let a = ctx.container(&ae, "a", json!({"lbl": ["crt:a"]}), &aei)?;
    let b = ctx.container(&ae, "b", json!({"lbl": ["crt:b"]}), &aei)?;
    for (parent, rn, extra) in [
        (&a, "i1", json!({"cnf": "text/plain:0"})),
        (&b, "i2", json!({})),
    ] {
        let mut cin = json!({"rn": rn, "con": "x"});
        crate::suite::merge(&mut cin, &extra);
        let r = ctx
            .client
            .create(parent, 4, &json!({ "m2m:cin": cin }), Some(&aei));
        expect(&r, 2001, 201)?;
    }
    Ok((aei, ae))
}

/// The structured CSE-relative address of an HTTP path (`/cse-in/x` → `cse-in/x`).
fn address(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

/// The `val`s of an `m2m:rrl` (or of a `ch` list).
fn vals(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["val"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `rcn=6` references of `ae` with `query`.
fn references(ctx: &Ctx, ae: &str, aei: &str, query: &str) -> Result<Vec<String>, Verdict> {
    let r = ctx.client.retrieve(&format!("{ae}?{query}"), aei);
    expect(&r, 2000, 200)?;
    Ok(vals(&r.body["m2m:rrl"]["rrf"]))
}

/// The CRT test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = retrieve_tps();
    all.extend(create_tps());
    all
}

fn retrieve_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/CRT/RET/001",
            CRT,
            "TS-0004 §7.3.3.17 (conditional retrieval, ty)",
            "rcn=6 with ty lists only descendants of that type",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let found = references(ctx, &ae, &aei, "rcn=6&ty=4")?;
                let ae = address(&ae);
                ensure(
                    found == [format!("{ae}/a/i1"), format!("{ae}/b/i2")],
                    || format!("{found:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/002",
            CRT,
            "TS-0004 §6.3.5.8 (several values of one condition are ORed; fo)",
            "rcn=6 with two labels lists both; with fo=2 either condition suffices",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let both = references(ctx, &ae, &aei, "rcn=6&lbl=crt:a&lbl=crt:b")?;
                ensure(both.len() == 2, || format!("two labels: {both:?}"))?;
                let and = references(ctx, &ae, &aei, "rcn=6&lbl=crt:a&ty=4")?;
                ensure(and.is_empty(), || format!("fo=1: {and:?}"))?;
                let or = references(ctx, &ae, &aei, "rcn=6&lbl=crt:a&ty=4&fo=2")?;
                ensure(or.len() == 3, || format!("fo=2: {or:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/003",
            CRT,
            "TS-0004 §7.3.3.17 (rcn 4 with filter)",
            "rcn=4 with cty nests only the matching instance under the target's attributes",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?rcn=4&cty=text/plain"), &aei);
                expect(&r, 2000, 200)?;
                let top = &r.body["m2m:ae"];
                ensure(
                    top["aei"] == aei.as_str()
                        && top.get("m2m:cnt").is_none()
                        && top["m2m:cin"].as_array().map(Vec::len) == Some(1)
                        && top["m2m:cin"][0]["rn"] == "i1",
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/004",
            CRT,
            "TS-0004 §7.3.3.17 (rcn 5 and 8 with filter)",
            "rcn=5 lists references to matches only; rcn=8 the matching children only",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let five = ctx.client.retrieve(&format!("{ae}?rcn=5&lbl=crt:b"), &aei);
                expect(&five, 2000, 200)?;
                let ch = vals(&five.body["m2m:ae"]["ch"]);
                ensure(ch == [format!("{}/b", address(&ae))], || five.raw.clone())?;
                let eight = ctx.client.retrieve(&format!("{ae}?rcn=8&rn=a"), &aei);
                expect(&eight, 2000, 200)?;
                let top = &eight.body["m2m:ae"];
                ensure(
                    top.get("aei").is_none()
                        && top["m2m:cnt"].as_array().map(Vec::len) == Some(1)
                        && top["m2m:cnt"][0]["rn"] == "a",
                    || eight.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/005",
            CRT,
            "TS-0004 §7.3.3.17 (rcn 1 with filter)",
            "rcn=1 with conditions returns the target itself",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?ty=4&lbl=none&fu=2"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.body["m2m:ae"]["aei"] == aei.as_str(), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/006",
            CRT,
            "TS-0001 table 8.1.2-1 (rcn per operation)",
            "a RETRIEVE with rcn 2, 3 or 9 is refused with 4000",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                for rcn in [2, 3, 9] {
                    let r = ctx.client.retrieve(&format!("{ae}?rcn={rcn}&ty=3"), &aei);
                    expect(&r, 4000, 400).map_err(|v| match v {
                        Verdict::Fail(m) => Verdict::Fail(format!("rcn={rcn}: {m}")),
                        other => other,
                    })?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/007",
            CRT,
            "TS-0001 table 8.1.2-1 (discovery with rcn 6)",
            "fu=1 with rcn=6 answers m2m:rrl references of the matches",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3&rcn=6"), &aei);
                expect(&r, 2000, 200)?;
                let rrf = &r.body["m2m:rrl"]["rrf"];
                let ae = address(&ae);
                ensure(
                    vals(rrf) == [format!("{ae}/a"), format!("{ae}/b")]
                        && rrf[0]["nm"] == "a"
                        && rrf[0]["typ"] == 3,
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/008",
            CRT,
            "TS-0004 §6.3.5.8 (arp, applyRelativePath)",
            "arp=la is appended to each discovered address, and the result is retrievable",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3&arp=la"), &aei);
                expect(&r, 2000, 200)?;
                let found = r.uril();
                let a = address(&ae);
                ensure(found == [format!("{a}/a/la"), format!("{a}/b/la")], || {
                    r.raw.clone()
                })?;
                let latest = ctx.client.retrieve(&format!("/{}", found[1]), &aei);
                expect(&latest, 2000, 200)?;
                ensure(latest.body["m2m:cin"]["rn"] == "i2", || latest.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/RET/009",
            CRT,
            "TS-0001 §7.2 (structured CSE-relative address)",
            "addresses in results have no leading slash and work as targets in CSE- and SP-relative form",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3"), &aei);
                expect(&r, 2000, 200)?;
                let found = r.uril();
                ensure(
                    !found.is_empty() && found.iter().all(|u| !u.starts_with('/')),
                    || format!("discovery: {found:?}"),
                )?;
                let refs = references(ctx, &ae, &aei, "rcn=6")?;
                ensure(refs.iter().all(|u| !u.starts_with('/')), || {
                    format!("rcn=6: {refs:?}")
                })?;
                let csi = ctx.target().cse_id.clone();
                for target in [format!("/{}", found[0]), format!("/~{csi}/{}", found[0])] {
                    let got = ctx.client.retrieve(&target, &aei);
                    expect(&got, 2000, 200)?;
                    ensure(got.body["m2m:cnt"]["rn"] == "a", || got.raw.clone())?;
                }
                Ok(())
            }
        ),
    ]
}

fn create_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/CRT/CRE/001",
            CRT,
            "TS-0004 §7.5.2 (rcn 0 on CREATE)",
            "CREATE with rcn=0 answers 2001 without content",
            |ctx| {
                let (aei, ae) = ctx.ae("crt0")?;
                let r = ctx.client.create(
                    &format!("{ae}?rcn=0"),
                    3,
                    &json!({"m2m:cnt": {"rn": "n"}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                ensure(r.raw.is_empty(), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/CRE/002",
            CRT,
            "TS-0004 §7.5.2 (rcn 2 on CREATE)",
            "CREATE with rcn=2 answers the structured CSE-relative address (no leading slash)",
            |ctx| {
                let (aei, ae) = ctx.ae("crt2")?;
                let r = ctx.client.create(
                    &format!("{ae}?rcn=2"),
                    3,
                    &json!({"m2m:cnt": {"rn": "n"}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                let want = format!("{}/n", address(&ae));
                ensure(r.body == json!({ "m2m:uri": want }), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRT/CRE/003",
            CRT,
            "TS-0004 §7.5.2 (rcn 3 on CREATE)",
            "CREATE with rcn=3 answers the address and the attributes",
            |ctx| {
                let (aei, ae) = ctx.ae("crt3")?;
                let r = ctx.client.create(
                    &format!("{ae}?rcn=3"),
                    3,
                    &json!({"m2m:cnt": {"rn": "n"}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                let rce = &r.body["m2m:rce"];
                let want = format!("{}/n", address(&ae));
                ensure(
                    rce["uri"] == want.as_str() && rce["m2m:cnt"]["rn"] == "n",
                    || r.raw.clone(),
                )
            }
        ),
    ]
}
