//! DMR: container, contentInstance, latest/oldest, limits, expiration and result
//! content (TS-0001 §9.6.6–9.6.7, TS-0004 §7.4.6–7.4.7, §6.8, §7.5.2).

use std::time::Duration;

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const CNT: &[u16] = &[2, 3];
const CIN: &[u16] = &[2, 3, 4];

fn attr(r: &Reply, root: &str, name: &str) -> Value {
    r.resource(root)
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// An AE with a container `c` (with `extra` attributes): (AE-ID, container path).
fn setup(ctx: &mut Ctx, extra: Value) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("dmr")?;
    let cnt = ctx.container(&ae, "c", extra, &aei)?;
    Ok((aei, cnt))
}

fn cnt_refused(ctx: &mut Ctx, attrs: Value) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("bad")?;
    expect(
        &ctx.client
            .create(&ae, 3, &json!({ "m2m:cnt": attrs }), Some(&aei)),
        4000,
        400,
    )
}

fn cin_refused(ctx: &mut Ctx, attrs: Value) -> Result<(), Verdict> {
    let (aei, cnt) = setup(ctx, json!({}))?;
    expect(
        &ctx.client
            .create(&cnt, 4, &json!({ "m2m:cin": attrs }), Some(&aei)),
        4000,
        400,
    )
}

fn con_of(r: &Reply) -> String {
    r.text("m2m:cin", "con").unwrap_or_default()
}

/// The DMR test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/001",
            CNT,
            "TS-0004 §7.4.6.2.1",
            "a container under an AE starts with cni 0, cbs 0, st 0",
            |ctx| {
                let (aei, ae) = ctx.ae("cnt")?;
                let r = ctx
                    .client
                    .create(&ae, 3, &json!({"m2m:cnt": {"rn": "c"}}), Some(&aei));
                expect(&r, 2001, 201)?;
                for a in ["cni", "cbs", "st"] {
                    ensure(attr(&r, "m2m:cnt", a) == 0, || {
                        format!("{a} is {}", attr(&r, "m2m:cnt", a))
                    })?;
                }
                ensure(attr(&r, "m2m:cnt", "ty") == 3, || "ty is not 3".into())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/002",
            CNT,
            "TS-0004 §7.4.6 (parent container)",
            "a container can be created under a container",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                expect(
                    &ctx.client
                        .create(&cnt, 3, &json!({"m2m:cnt": {"rn": "inner"}}), Some(&aei)),
                    2001,
                    201,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/003",
            CNT,
            "TS-0004 §8.2 (numbers)",
            "mni given as a string is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"mni": "10"}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/004",
            CNT,
            "TS-0001 §9.6.6 (mni ≥ 0)",
            "a negative mni is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"mni": -1}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/005",
            CNT,
            "TS-0001 §9.6.6 (mbs ≥ 0)",
            "a negative mbs is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"mbs": -1}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/006",
            CNT,
            "TS-0001 §9.6.6 (mia ≥ 0)",
            "a negative mia is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"mia": -5}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/007",
            CNT,
            "TS-0004 Annex K (cni NP)",
            "cni in the content is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"cni": 0}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/008",
            CNT,
            "TS-0004 Annex K (st NP)",
            "st in the content is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"st": 0}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/009",
            CNT,
            "TS-0004 §7.3.3.3 (cr)",
            "\"cr\": null makes the CSE record the originator as creator",
            |ctx| {
                let (aei, ae) = ctx.ae("cr")?;
                let r = ctx
                    .client
                    .create(&ae, 3, &json!({"m2m:cnt": {"cr": null}}), Some(&aei));
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "m2m:cnt", "cr") == aei.as_str(), || {
                    format!("cr is {}", attr(&r, "m2m:cnt", "cr"))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/010",
            CNT,
            "TS-0004 §7.3.3.3 (cr only null)",
            "a cr value other than null is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"cr": "Csomeone"}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/011",
            CNT,
            "TS-0004 §7.3.3.3 (unknown attribute)",
            "an attribute of another type (con) is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"con": "x"}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/012",
            CIN,
            "TS-0004 §7.4.7 (parent); RSC 4108",
            "a container under a contentInstance answers 4108",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let cin = ctx.instance(&cnt, "x", &aei)?;
                let ri = cin.text("m2m:cin", "ri").unwrap_or_default();
                expect(
                    &ctx.client
                        .create(&format!("/{ri}"), 3, &json!({"m2m:cnt": {}}), Some(&aei)),
                    4108,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/001",
            CNT,
            "TS-0004 §7.4.6.2.2",
            "a container is retrieved with its attributes",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"mni": 5, "lbl": ["k:v"]}))?;
                let r = ctx.client.retrieve(&cnt, &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    attr(&r, "m2m:cnt", "mni") == 5 && attr(&r, "m2m:cnt", "lbl") == json!(["k:v"]),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/UPD/001",
            CNT,
            "TS-0004 §7.4.6.2.3 (st)",
            "UPDATE of a container increments st and changes lt",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let before = ctx.client.retrieve(&cnt, &aei);
                std::thread::sleep(Duration::from_millis(20));
                let r = ctx
                    .client
                    .update(&cnt, &json!({"m2m:cnt": {"mni": 3}}), &aei);
                expect(&r, 2004, 200)?;
                ensure(
                    attr(&r, "m2m:cnt", "st").as_i64() > attr(&before, "m2m:cnt", "st").as_i64(),
                    || "st did not increase".into(),
                )?;
                ensure(
                    r.text("m2m:cnt", "lt") > before.text("m2m:cnt", "lt"),
                    || "lt did not change".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/UPD/002",
            CNT,
            "TS-0004 Annex K (cni NP in UPDATE)",
            "UPDATE of cni is refused with 4000",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                expect(
                    &ctx.client
                        .update(&cnt, &json!({"m2m:cnt": {"cni": 0}}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/UPD/003",
            CIN,
            "TS-0004 §7.4.6.2.3 (mni lowered)",
            "lowering mni below cni removes the oldest instances",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                for c in ["a", "b", "c"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let r = ctx
                    .client
                    .update(&cnt, &json!({"m2m:cnt": {"mni": 1}}), &aei);
                expect(&r, 2004, 200)?;
                let ol = ctx.client.retrieve(&format!("{cnt}/ol"), &aei);
                ensure(con_of(&ol) == "c", || {
                    format!("oldest remaining is '{}'", con_of(&ol))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DEL/001",
            CIN,
            "TS-0004 §7.4.6.2.4",
            "DELETE of a container removes its subtree",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let inner = ctx.container(&cnt, "inner", json!({}), &aei)?;
                ctx.instance(&inner, "x", &aei)?;
                expect(&ctx.client.delete(&cnt, &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&inner, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/013",
            CIN,
            "TS-0004 §7.4.7.2.1",
            "a contentInstance gets cs and st, and its container's cni, cbs, st follow",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let r = ctx.instance(&cnt, "21.5", &aei)?;
                ensure(attr(&r, "m2m:cin", "cs") == 4, || {
                    format!("cs is {}", attr(&r, "m2m:cin", "cs"))
                })?;
                ensure(attr(&r, "m2m:cin", "ty") == 4, || "ty is not 4".into())?;
                let c = ctx.client.retrieve(&cnt, &aei);
                ensure(
                    attr(&c, "m2m:cnt", "cni") == 1 && attr(&c, "m2m:cnt", "cbs") == 4,
                    || c.raw.clone(),
                )?;
                ensure(
                    attr(&c, "m2m:cnt", "st") == attr(&r, "m2m:cin", "st"),
                    || "instance st differs from the container's".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/014",
            CIN,
            "TS-0004 §7.4.7 (con M)",
            "a contentInstance without con is refused with 4000",
            |ctx| cin_refused(ctx, json!({"cnf": "text/plain:0"}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/015",
            CIN,
            "TS-0004 Annex K (cs NP)",
            "cs in the content is refused with 4000",
            |ctx| cin_refused(ctx, json!({"con": "x", "cs": 1}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/016",
            CIN,
            "TS-0004 §7.3.3.3 (unknown attribute)",
            "a container attribute (mni) in a contentInstance is refused with 4000",
            |ctx| cin_refused(ctx, json!({"con": "x", "mni": 1}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/017",
            CIN,
            "TS-0004 §7.4.7.2.1 step 2 (mni)",
            "over mni the oldest instances are removed",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"mni": 2}))?;
                for c in ["1", "2", "3"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let c = ctx.client.retrieve(&cnt, &aei);
                ensure(attr(&c, "m2m:cnt", "cni") == 2, || {
                    format!("cni {}", attr(&c, "m2m:cnt", "cni"))
                })?;
                ensure(
                    con_of(&ctx.client.retrieve(&format!("{cnt}/ol"), &aei)) == "2",
                    || "oldest is not the second instance".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/018",
            CIN,
            "TS-0004 §7.4.7.2.1 step 2 (mbs)",
            "over mbs the oldest instances are removed until it fits",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"mbs": 10}))?;
                for c in ["aaaa", "bbbb", "cccc"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let c = ctx.client.retrieve(&cnt, &aei);
                ensure(
                    attr(&c, "m2m:cnt", "cbs").as_i64().is_some_and(|b| b <= 10),
                    || format!("cbs {}", attr(&c, "m2m:cnt", "cbs")),
                )?;
                ensure(
                    con_of(&ctx.client.retrieve(&format!("{cnt}/la"), &aei)) == "cccc",
                    || "newest was removed".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/019",
            CIN,
            "TS-0004 §7.4.7.2.1 step 1; RSC 5207",
            "an instance larger than mbs answers 5207",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"mbs": 3}))?;
                expect(
                    &ctx.client.create(
                        &cnt,
                        4,
                        &json!({"m2m:cin": {"con": "too long"}}),
                        Some(&aei),
                    ),
                    5207,
                    406,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/020",
            CIN,
            "TS-0004 §7.4.7 (parent); RSC 4108",
            "a contentInstance under an AE answers 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("cinae")?;
                expect(
                    &ctx.client
                        .create(&ae, 4, &json!({"m2m:cin": {"con": "x"}}), Some(&aei)),
                    4108,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/021",
            CIN,
            "TS-0004 §7.4.7 (parent); RSC 4108",
            "a contentInstance under the CSEBase answers 4108",
            |ctx| {
                expect(
                    &ctx.client.create(
                        &ctx.base(),
                        4,
                        &json!({"m2m:cin": {"con": "x"}}),
                        Some(&ctx.admin()),
                    ),
                    4108,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/UPD/004",
            CIN,
            "TS-0004 §7.4.7.2.3; RSC 4005",
            "UPDATE of a contentInstance answers 4005",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let r = ctx.instance(&cnt, "x", &aei)?;
                let ri = r.text("m2m:cin", "ri").unwrap_or_default();
                expect(
                    &ctx.client.update(
                        &format!("/{ri}"),
                        &json!({"m2m:cin": {"lbl": ["y"]}}),
                        &aei,
                    ),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DEL/002",
            CIN,
            "TS-0004 §7.4.7.2.4",
            "DELETE of a contentInstance updates the container's cni and cbs",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let r = ctx.instance(&cnt, "abc", &aei)?;
                ctx.instance(&cnt, "de", &aei)?;
                let ri = r.text("m2m:cin", "ri").unwrap_or_default();
                expect(&ctx.client.delete(&format!("/{ri}"), &aei), 2002, 200)?;
                let c = ctx.client.retrieve(&cnt, &aei);
                ensure(
                    attr(&c, "m2m:cnt", "cni") == 1 && attr(&c, "m2m:cnt", "cbs") == 2,
                    || c.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/002",
            CIN,
            "TS-0004 §6.8 (latest)",
            "RETRIEVE of la returns the newest instance",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                for c in ["old", "new"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let r = ctx.client.retrieve(&format!("{cnt}/la"), &aei);
                expect(&r, 2000, 200)?;
                ensure(con_of(&r) == "new", || format!("got '{}'", con_of(&r)))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/003",
            CIN,
            "TS-0004 §6.8 (oldest)",
            "RETRIEVE of ol returns the oldest instance",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                for c in ["old", "new"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let r = ctx.client.retrieve(&format!("{cnt}/ol"), &aei);
                expect(&r, 2000, 200)?;
                ensure(con_of(&r) == "old", || format!("got '{}'", con_of(&r)))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/004",
            CNT,
            "TS-0004 §6.8; RSC 4004",
            "la of an empty container answers 4004",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                expect(&ctx.client.retrieve(&format!("{cnt}/la"), &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/005",
            CIN,
            "TS-0001 table 7.2-1 (hybrid address)",
            "la is reachable below the container's resource ID",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "v", &aei)?;
                let ri = ctx
                    .client
                    .retrieve(&cnt, &aei)
                    .text("m2m:cnt", "ri")
                    .unwrap_or_default();
                let r = ctx.client.retrieve(&format!("/{ri}/la"), &aei);
                expect(&r, 2000, 200)?;
                ensure(con_of(&r) == "v", || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DEL/003",
            CIN,
            "TS-0004 §6.8 (latest DELETE)",
            "DELETE of la removes the newest instance",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                for c in ["keep", "drop"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                expect(&ctx.client.delete(&format!("{cnt}/la"), &aei), 2002, 200)?;
                ensure(
                    con_of(&ctx.client.retrieve(&format!("{cnt}/la"), &aei)) == "keep",
                    || "newest not removed".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/022",
            CIN,
            "TS-0004 §6.8; RSC 4005",
            "CREATE on la answers 4005",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "v", &aei)?;
                expect(
                    &ctx.client.create(
                        &format!("{cnt}/la"),
                        4,
                        &json!({"m2m:cin": {"con": "x"}}),
                        Some(&aei),
                    ),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/UPD/005",
            CIN,
            "TS-0004 §6.8; RSC 4005",
            "UPDATE on ol answers 4005",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "v", &aei)?;
                expect(
                    &ctx.client.update(
                        &format!("{cnt}/ol"),
                        &json!({"m2m:cin": {"lbl": ["x"]}}),
                        &aei,
                    ),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/006",
            CIN,
            "TS-0001 §9.6.6 (disr); RSC 4005",
            "with disr true, RETRIEVE of la answers 4005",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"disr": true}))?;
                ctx.instance(&cnt, "secret", &aei)?;
                expect(&ctx.client.retrieve(&format!("{cnt}/la"), &aei), 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/007",
            CIN,
            "TS-0004 §7.5.2 (rcn 4)",
            "rcn=4 returns the container with its child instances",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "child", &aei)?;
                let r = ctx.client.retrieve(&format!("{cnt}?rcn=4"), &aei);
                expect(&r, 2000, 200)?;
                let cins = attr(&r, "m2m:cnt", "m2m:cin");
                ensure(
                    attr(&r, "m2m:cnt", "rn") == "c"
                        && cins.as_array().is_some_and(|a| a.len() == 1),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/008",
            CIN,
            "TS-0004 §7.5.2 (rcn 5)",
            "rcn=5 returns the attributes and child references (ch)",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "child", &aei)?;
                let r = ctx.client.retrieve(&format!("{cnt}?rcn=5"), &aei);
                expect(&r, 2000, 200)?;
                let ch = attr(&r, "m2m:cnt", "ch");
                ensure(
                    ch.as_array()
                        .is_some_and(|a| a.len() == 1 && a[0]["typ"] == 4),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/009",
            CIN,
            "TS-0004 §7.5.2 (rcn 6)",
            "rcn=6 returns m2m:rrl child references",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "child", &aei)?;
                let r = ctx.client.retrieve(&format!("{cnt}?rcn=6"), &aei);
                expect(&r, 2000, 200)?;
                let rrf = &r.body["m2m:rrl"]["rrf"];
                ensure(
                    rrf.as_array().is_some_and(|a| {
                        a.len() == 1 && a[0]["nm"].is_string() && a[0]["val"].is_string()
                    }),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/010",
            CIN,
            "TS-0004 §7.5.2 (rcn 8)",
            "rcn=8 returns only the child resources",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                ctx.instance(&cnt, "child", &aei)?;
                let r = ctx.client.retrieve(&format!("{cnt}?rcn=8"), &aei);
                expect(&r, 2000, 200)?;
                let inner = r.resource("m2m:cnt").cloned().unwrap_or_default();
                ensure(
                    inner.contains_key("m2m:cin") && !inner.contains_key("ri"),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/011",
            CIN,
            "TS-0004 §6.3.5.8 (lvl)",
            "lvl=1 limits child references to direct children",
            |ctx| {
                let (aei, ae) = ctx.ae("lvl")?;
                let c = ctx.container(&ae, "c", json!({}), &aei)?;
                ctx.instance(&c, "deep", &aei)?;
                let r = ctx.client.retrieve(&format!("{ae}?rcn=6&lvl=1"), &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    r.body["m2m:rrl"]["rrf"]
                        .as_array()
                        .is_some_and(|a| a.len() == 1),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/RET/012",
            CIN,
            "TS-0004 §6.3.5.8 (lim)",
            "lim=1 returns one child reference",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                for c in ["1", "2"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let r = ctx.client.retrieve(&format!("{cnt}?rcn=6&lim=1"), &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    r.body["m2m:rrl"]["rrf"]
                        .as_array()
                        .is_some_and(|a| a.len() == 1),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/023",
            CNT,
            "TS-0001 §9.6.1.3 (et)",
            "a container with an expirationTime in the past is refused with 4000",
            |ctx| cnt_refused(ctx, json!({"et": "20000101T000000"}))
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/024",
            CNT,
            "TS-0001 §9.6.1.3 (child et ≤ parent et)",
            "a child's expirationTime is not later than its parent's",
            |ctx| {
                let (aei, ae) = ctx.ae("etcap")?;
                let parent_et = onecse_models::time::Timestamp::now()
                    .plus_seconds(3600)
                    .to_string();
                let p = ctx.container(&ae, "p", json!({"et": parent_et}), &aei)?;
                let r = ctx.client.create(
                    &p,
                    3,
                    &json!({"m2m:cnt": {"rn": "child", "et": "20991231T000000"}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                let et = r.text("m2m:cnt", "et").unwrap_or_default();
                ensure(et.as_str() <= parent_et.as_str(), || {
                    format!("child et {et} is after the parent's {parent_et}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/DEL/004",
            CNT,
            "TS-0001 §9.6.1.3 (expiration)",
            "a resource is gone once its expirationTime has passed",
            |ctx| {
                let (aei, ae) = ctx.ae("expire")?;
                let soon = onecse_models::time::Timestamp::now()
                    .plus_seconds(1)
                    .to_string();
                let c = ctx.container(&ae, "short", json!({"et": soon}), &aei)?;
                std::thread::sleep(Duration::from_millis(1500));
                expect(&ctx.client.retrieve(&c, &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/025",
            CIN,
            "TS-0004 §7.4.7.2.1 step 4 (mia)",
            "with mia set, an instance's et is at most ct + mia",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({"mia": 60}))?;
                let r = ctx.instance(&cnt, "x", &aei)?;
                let ct = onecse_models::time::Timestamp::parse(
                    &r.text("m2m:cin", "ct").unwrap_or_default(),
                );
                let et = onecse_models::time::Timestamp::parse(
                    &r.text("m2m:cin", "et").unwrap_or_default(),
                );
                match (ct, et) {
                    (Ok(ct), Ok(et)) => ensure(et <= ct.plus_seconds(60), || {
                        format!("et {et} is after ct + 60 s")
                    }),
                    _ => Err(Verdict::Fail("ct or et is not a timestamp".into())),
                }
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/026",
            CIN,
            "TS-0004 §6.3.5.x (contentInfo: media type and encoding)",
            "a cnf without its encoding part (text/plain) is refused with 4000",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let r = ctx.client.create(
                    &cnt,
                    4,
                    &json!({"m2m:cin": {"con": "x", "cnf": "text/plain"}}),
                    Some(&aei),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DMR/CRE/027",
            CIN,
            "TS-0001 R4 contentInstance (dataGenerationTime)",
            "a contentInstance keeps the dgt it was created with",
            |ctx| {
                let (aei, cnt) = setup(ctx, json!({}))?;
                let r = ctx.client.create(
                    &cnt,
                    4,
                    &json!({"m2m:cin": {"con": "x", "dgt": "20250101T100000"}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                let la = ctx.client.retrieve(&format!("{cnt}/la"), &aei);
                ensure(
                    la.text("m2m:cin", "dgt").as_deref() == Some("20250101T100000"),
                    || la.raw.clone(),
                )
            }
        ),
    ]
}
