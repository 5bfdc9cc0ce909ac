//! FCNT: flexContainer and flexContainerInstance (TS-0001 §9.6.35, §9.6.61; TS-0004
//! §7.4.37–7.4.38; TS-0023 module classes), with the binarySwitch (`cod:binSh`) and
//! brightness (`cod:brigs`) specializations.

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect, merge};

const FCNT: &[u16] = &[2, 28];
const FCIN: &[u16] = &[2, 28, 58];
const FCNT_SUB: &[u16] = &[2, 23, 28];
const FCNT_CNT: &[u16] = &[2, 3, 28];

pub(super) const SWITCH: &str = "cod:binSh";
const SWITCH_CND: &str = "org.onem2m.common.moduleclass.binarySwitch";

pub(super) fn attr(r: &Reply, root: &str, name: &str) -> Value {
    r.resource(root)
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Creates a flexContainer with root `root` under `parent`; returns the reply.
fn create(ctx: &Ctx, parent: &str, root: &str, attrs: Value, originator: &str) -> Reply {
    ctx.client
        .create(parent, 28, &json!({ root: attrs }), Some(originator))
}

/// An AE with a binarySwitch `sw` (with `extra` attributes): (AE-ID, switch path).
pub(super) fn switch(ctx: &mut Ctx, extra: Value) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("fcnt")?;
    let mut attrs = json!({"rn": "sw", "cnd": SWITCH_CND, "powSe": false});
    merge(&mut attrs, &extra);
    let r = create(ctx, &ae, SWITCH, attrs, &aei);
    expect(&r, 2001, 201)?;
    Ok((aei, format!("{ae}/sw")))
}

/// Sets the switch's powerState.
pub(super) fn set_power(ctx: &Ctx, sw: &str, on: bool, aei: &str) -> Result<Reply, Verdict> {
    let r = ctx
        .client
        .update(sw, &json!({ SWITCH: {"powSe": on} }), aei);
    expect(&r, 2004, 200)?;
    Ok(r)
}

/// A CREATE under a fresh AE that must be refused with 4000.
pub(super) fn refused(ctx: &mut Ctx, root: &str, attrs: Value) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("bad")?;
    expect(&create(ctx, &ae, root, attrs, &aei), 4000, 400)
}

/// An UPDATE of a binarySwitch that must be refused with 4000.
fn update_refused(ctx: &mut Ctx, body: Value) -> Result<(), Verdict> {
    let (aei, sw) = switch(ctx, json!({}))?;
    expect(&ctx.client.update(&sw, &body, &aei), 4000, 400)
}

/// The FCNT test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = creation();
    all.extend(update());
    all.extend(instances());
    all
}

fn creation() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/001",
            FCNT,
            "TS-0004 §7.4.37.2.1; TS-0001 §9.6.35 (st, cs)",
            "a generic flexContainer (m2m:fcnt) takes custom attributes and starts with st 0 and cs their size",
            |ctx| {
                let (aei, ae) = ctx.ae("fcnt")?;
                let attrs = json!({"rn": "g", "cnd": "org.example.meter", "v": "abc"});
                let r = create(ctx, &ae, "m2m:fcnt", attrs, &aei);
                expect(&r, 2001, 201)?;
                let got = (attr(&r, "m2m:fcnt", "ty"), attr(&r, "m2m:fcnt", "st"));
                ensure(got == (json!(28), json!(0)), || r.raw.clone())?;
                ensure(attr(&r, "m2m:fcnt", "cs") == 3, || r.raw.clone())?;
                ensure(attr(&r, "m2m:fcnt", "v") == "abc", || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/002",
            FCNT,
            "TS-0004 §8.2 (specialization root); TS-0023 §5.3 binarySwitch",
            "a binarySwitch is created and retrieved under its root cod:binSh",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let r = ctx.client.retrieve(&sw, &aei);
                expect(&r, 2000, 200)?;
                ensure(attr(&r, SWITCH, "powSe") == false, || r.raw.clone())?;
                ensure(attr(&r, SWITCH, "cnd") == SWITCH_CND, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/003",
            FCNT,
            "TS-0004 §7.4.37.2.1 (unknown specialization)",
            "a root that names no known specialization is refused with 4000",
            |ctx| refused(ctx, "cod:notAThing", json!({"cnd": "org.example.none"}))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/004",
            FCNT,
            "TS-0001 §9.6.35 (containerDefinition)",
            "a cnd that is not the root's definition is refused with 4000",
            |ctx| refused(
                ctx,
                SWITCH,
                json!({"cnd": "org.onem2m.common.moduleclass.temperature", "powSe": true})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/005",
            FCNT,
            "TS-0001 §9.6.35 (cnd mandatory)",
            "a flexContainer without cnd is refused with 4000",
            |ctx| refused(ctx, SWITCH, json!({"powSe": true}))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/006",
            FCNT,
            "TS-0004 §7.3.3.3 (unknown attribute); TS-0023 binarySwitch",
            "an attribute the specialization does not define is refused with 4000",
            |ctx| refused(
                ctx,
                SWITCH,
                json!({"cnd": SWITCH_CND, "powSe": true, "x": 1})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/007",
            FCNT,
            "TS-0004 §7.3.3.3 (value type); TS-0023 powerState xs:boolean",
            "a custom attribute of the wrong type is refused with 4000",
            |ctx| refused(ctx, SWITCH, json!({"cnd": SWITCH_CND, "powSe": "on"}))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/008",
            FCNT,
            "TS-0004 §7.3.3.3 (mandatory attribute); TS-0023 powerState cardinality 1",
            "a specialization without its mandatory custom attribute is refused with 4000",
            |ctx| refused(ctx, SWITCH, json!({"cnd": SWITCH_CND}))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/009",
            FCNT,
            "TS-0023 brightness (0..100)",
            "a brightness above 100 is refused with 4000",
            |ctx| refused(
                ctx,
                "cod:brigs",
                json!({"cnd": "org.onem2m.common.moduleclass.brightness", "brigs": 101})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/010",
            FCNT,
            "TS-0001 §9.6.35 (cs is RO)",
            "cs in a CREATE is refused with 4000",
            |ctx| refused(
                ctx,
                SWITCH,
                json!({"cnd": SWITCH_CND, "powSe": true, "cs": 1})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/011",
            FCNT_CNT,
            "TS-0001 §9.6.35 (child resources)",
            "a flexContainer holds flexContainers and containers",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let inner = json!({"rn": "inner", "cnd": "org.example.part"});
                expect(&create(ctx, &sw, "m2m:fcnt", inner, &aei), 2001, 201)?;
                ctx.container(&sw, "log", json!({}), &aei).map(|_| ())
            }
        ),
    ]
}

fn update() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/001",
            FCNT,
            "TS-0004 §7.4.37.2.3 (st)",
            "changing a custom attribute answers 2004 with the new value and st 1",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let r = set_power(ctx, &sw, true, &aei)?;
                ensure(attr(&r, SWITCH, "powSe") == true, || r.raw.clone())?;
                ensure(attr(&r, SWITCH, "st") == 1, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/002",
            FCNT,
            "TS-0004 §7.4.37.2.3 (st counts custom attributes)",
            "changing only labels leaves st as it was",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let r = ctx
                    .client
                    .update(&sw, &json!({ SWITCH: {"lbl": ["a"]} }), &aei);
                expect(&r, 2004, 200)?;
                ensure(attr(&r, SWITCH, "st") == 0, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/003",
            FCNT,
            "TS-0001 §9.6.35 (cnd is WO)",
            "cnd in an UPDATE is refused with 4000",
            |ctx| update_refused(ctx, json!({ SWITCH: {"cnd": SWITCH_CND} }))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/004",
            FCNT,
            "TS-0004 §8.2 (specialization root)",
            "an UPDATE under another root than the resource's is refused with 4000",
            |ctx| update_refused(ctx, json!({"m2m:fcnt": {"powSe": true}}))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/005",
            FCNT,
            "TS-0004 §7.3.3.4 (null for cardinality 1)",
            "deleting a mandatory custom attribute with null is refused with 4000",
            |ctx| update_refused(ctx, json!({ SWITCH: {"powSe": null} }))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/NTF/001",
            FCNT_SUB,
            "TS-0004 §7.5.1.2.2 (net 1, nct 2)",
            "a subscription with nct 2 is notified of the changed custom attribute only",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let path = ctx.notify_path("/n");
                let sub = json!({"m2m:sub": {"rn": "s", "nu": [ctx.receiver.url_for(&path)],
                    "enc": {"net": [1]}, "nct": 2}});
                expect(&ctx.client.create(&sw, 23, &sub, Some(&aei)), 2001, 201)?;
                set_power(ctx, &sw, true, &aei)?;
                let n = ctx.notification(&path)?;
                let rep = &n.sgn()["nev"]["rep"][SWITCH];
                ensure(rep["powSe"] == true && rep.get("cnd").is_none(), || {
                    format!("rep {}", n.sgn()["nev"]["rep"])
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/DIS/001",
            FCNT,
            "TS-0004 §7.3.3.14 (ty and attribute filter)",
            "discovery with ty=28 and powSe=true finds only switched-on flexContainers",
            |ctx| {
                let (aei, ae) = ctx.ae("fdis")?;
                for (rn, on) in [("on", true), ("off", false)] {
                    let attrs = json!({"rn": rn, "cnd": SWITCH_CND, "powSe": on});
                    expect(&create(ctx, &ae, SWITCH, attrs, &aei), 2001, 201)?;
                }
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=28"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 2, || r.raw.clone())?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&ty=28&powSe=true"), &aei);
                let found = r.uril();
                ensure(found.len() == 1 && found[0].ends_with("/on"), || {
                    r.raw.clone()
                })
            }
        ),
    ]
}

fn instances() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/001",
            FCIN,
            "TS-0001 §9.6.61; TS-0004 §7.4.38 (instance on CREATE)",
            "with fcied true, a created flexContainer keeps a flexContainerInstance (ty 58) of its custom attributes",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 3}))?;
                let r = ctx.client.retrieve(&format!("{sw}/la"), &aei);
                expect(&r, 2000, 200)?;
                let root = "cod:binShInst";
                ensure(attr(&r, root, "ty") == 58, || r.raw.clone())?;
                ensure(attr(&r, root, "powSe") == false, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/002",
            FCIN,
            "TS-0004 §7.4.38 (mni)",
            "with mni 1, updates keep only the newest instance: cni 1 and ol equal to la",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 1}))?;
                set_power(ctx, &sw, true, &aei)?;
                let r = set_power(ctx, &sw, false, &aei)?;
                ensure(attr(&r, SWITCH, "cni") == 1, || r.raw.clone())?;
                let la = ctx.client.retrieve(&format!("{sw}/la"), &aei);
                let ol = ctx.client.retrieve(&format!("{sw}/ol"), &aei);
                let ri = |r: &Reply| attr(r, "cod:binShInst", "ri");
                ensure(ri(&la) == ri(&ol) && !ri(&la).is_null(), || la.raw.clone())?;
                ensure(attr(&la, "cod:binShInst", "powSe") == false, || {
                    la.raw.clone()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/003",
            FCIN,
            "TS-0004 §7.4.38.2.3 (instances are read-only)",
            "an UPDATE of a flexContainerInstance is refused with 4005",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 3}))?;
                let r = ctx.client.update(
                    &format!("{sw}/la"),
                    &json!({"cod:binShInst": {"powSe": true}}),
                    &aei,
                );
                expect(&r, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/004",
            FCIN,
            "TS-0004 §7.4.38.2.1 (created by the CSE only)",
            "a CREATE of a flexContainerInstance is refused with 4005",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 3}))?;
                let body = json!({"cod:binShInst": {"powSe": true}});
                expect(&ctx.client.create(&sw, 58, &body, Some(&aei)), 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/DEL/001",
            FCNT,
            "TS-0004 §7.4.37.2.4",
            "deleting a flexContainer removes it and its children",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({}))?;
                let inner = json!({"rn": "inner", "cnd": "org.example.part"});
                expect(&create(ctx, &sw, "m2m:fcnt", inner, &aei), 2001, 201)?;
                expect(&ctx.client.delete(&sw, &aei), 2002, 200)?;
                let r = ctx.client.retrieve(&format!("{sw}/inner"), &aei);
                expect(&r, 4004, 404)
            }
        ),
    ]
}
