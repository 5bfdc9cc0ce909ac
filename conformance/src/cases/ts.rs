//! TS: timeSeries and timeSeriesInstance, missing-data detection and its net 8
//! notifications (TS-0001 §9.6.36–9.6.37, TS-0004 §7.4.35–7.4.36, §7.5.1.2.9; spec
//! digest resources §10, notifications-advanced §8).

use std::time::{Duration, Instant};

use onecse_models::time::Timestamp;
use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const TS: &[u16] = &[2, 29];
const TSI: &[u16] = &[2, 29, 30];
const TS_SUB: &[u16] = &[2, 3, 23, 29, 30];

pub(super) fn attr(r: &Reply, root: &str, name: &str) -> Value {
    r.resource(root)
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Creates a timeSeries `ts` with `attrs` under a fresh AE; the reply and its parts.
fn create_series(ctx: &mut Ctx, attrs: Value) -> Result<(String, String, Reply), Verdict> {
    let (aei, ae) = ctx.ae("ts")?;
    let mut body = json!({"rn": "ts"});
    crate::suite::merge(&mut body, &attrs);
    let reply = ctx
        .client
        .create(&ae, 29, &json!({ "m2m:ts": body }), Some(&aei));
    Ok((aei, format!("{ae}/ts"), reply))
}

/// An AE with a timeSeries (with `attrs`): (AE-ID, timeSeries path).
pub(super) fn series(ctx: &mut Ctx, attrs: Value) -> Result<(String, String), Verdict> {
    let (aei, ts, reply) = create_series(ctx, attrs)?;
    expect(&reply, 2001, 201).map_err(|v| crate::suite::setup_failed("timeSeries creation", v))?;
    Ok((aei, ts))
}

fn point(ctx: &Ctx, ts: &str, attrs: Value, originator: &str) -> Reply {
    ctx.client
        .create(ts, 30, &json!({ "m2m:tsi": attrs }), Some(originator))
}

/// A timeSeriesInstance that must be created (set-up).
pub(super) fn point_ok(ctx: &Ctx, ts: &str, dgt: &str, con: &str, originator: &str) -> Check {
    let reply = point(ctx, ts, json!({"dgt": dgt, "con": con}), originator);
    expect(&reply, 2001, 201)
        .map_err(|v| crate::suite::setup_failed("timeSeriesInstance creation", v))
}

pub(super) type Check = Result<(), Verdict>;

/// Missing-data detection with a 300 ms period and a 200 ms timer.
pub(super) fn detecting(mdn: i64) -> Value {
    json!({"pei": 300, "mdt": 200, "mdd": true, "mdn": mdn})
}

/// Polls the timeSeries until its `mdc` reaches `at_least`, within the target timeout.
pub(super) fn missing(ctx: &Ctx, ts: &str, aei: &str, at_least: i64) -> Result<Reply, Verdict> {
    let started = Instant::now();
    loop {
        let r = ctx.client.retrieve(ts, aei);
        if attr(&r, "m2m:ts", "mdc").as_i64().unwrap_or(0) >= at_least {
            return Ok(r);
        }
        if started.elapsed() > ctx.target().timeout {
            return Err(Verdict::Fail(format!(
                "mdc did not reach {at_least} within {:?}: {}",
                ctx.target().timeout,
                r.raw
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn refused_series(ctx: &mut Ctx, attrs: Value) -> Check {
    let (_, _, reply) = create_series(ctx, attrs)?;
    expect(&reply, 4000, 400)
}

fn refused_point(ctx: &mut Ctx, attrs: Value) -> Check {
    let (aei, ts) = series(ctx, json!({}))?;
    expect(&point(ctx, &ts, attrs, &aei), 4000, 400)
}

pub(super) fn subscribe(ctx: &Ctx, parent: &str, attrs: Value, aei: &str) -> (Reply, String) {
    let path = ctx.notify_path("/n");
    let mut body = json!({"rn": "s", "nu": [ctx.receiver.url_for(&path)]});
    crate::suite::merge(&mut body, &attrs);
    let reply = ctx
        .client
        .create(parent, 23, &json!({ "m2m:sub": body }), Some(aei));
    (reply, path)
}

pub(super) fn md() -> Value {
    json!({"net": [8], "md": {"num": 1, "dur": "PT10S"}})
}

/// The TS test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = series_tps();
    all.extend(instance_tps());
    all.extend(detection_tps());
    all
}

fn series_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/TS/CRE/001",
            TS,
            "TS-0004 §7.4.35.2.1",
            "a timeSeries under an AE starts with cni 0, cbs 0, mdc 0 and ty 29",
            |ctx| {
                let (_, _, r) = create_series(ctx, json!({}))?;
                expect(&r, 2001, 201)?;
                for a in ["cni", "cbs", "mdc"] {
                    ensure(attr(&r, "m2m:ts", a) == 0, || {
                        format!("{a} is {}", attr(&r, "m2m:ts", a))
                    })?;
                }
                ensure(attr(&r, "m2m:ts", "ty") == 29, || "ty is not 29".into())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/CRE/002",
            TS,
            "TS-0001 §9.6.36 (periodicIntervalDelta default)",
            "without peid the CSE stores half of pei",
            |ctx| {
                let (_, _, r) = create_series(ctx, json!({"pei": 1000}))?;
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "m2m:ts", "peid") == 500, || {
                    format!("peid is {}", attr(&r, "m2m:ts", "peid"))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/CRE/003",
            TS,
            "TS-0004 §7.4.35.2.1 (peid ≤ pei/2)",
            "a peid above half of pei is refused with 4000",
            |ctx| refused_series(ctx, json!({"pei": 1000, "peid": 600}))
        ),
        tp!(
            "TP/oneM2M/CSE/TS/CRE/004",
            TS,
            "TS-0004 §7.4.35.2.1 (mdt > peid)",
            "an mdt not above peid is refused with 4000",
            |ctx| refused_series(ctx, json!({"pei": 1000, "peid": 400, "mdt": 300}))
        ),
        tp!(
            "TP/oneM2M/CSE/TS/CRE/005",
            TS,
            "TS-0004 §7.3.3.3 (RO attributes)",
            "a CREATE giving the read-only mdlt or cni is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("tsro")?;
                for attrs in [json!({"mdlt": []}), json!({"cni": 0})] {
                    let r = ctx
                        .client
                        .create(&ae, 29, &json!({ "m2m:ts": attrs }), Some(&aei));
                    expect(&r, 4000, 400)?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/UPD/001",
            TS,
            "TS-0004 §7.4.35.2.3 (mdd true)",
            "while mdd is true an UPDATE of pei, peid, mdt or mdn is refused with 4000",
            |ctx| {
                let (aei, ts) = series(ctx, json!({"pei": 1000, "mdt": 600, "mdd": true}))?;
                for change in [
                    json!({"pei": 2000}),
                    json!({"peid": 100}),
                    json!({"mdt": 700}),
                    json!({"mdn": 5}),
                ] {
                    let r = ctx.client.update(&ts, &json!({ "m2m:ts": change }), &aei);
                    expect(&r, 4000, 400)?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/UPD/002",
            TSI,
            "TS-0004 §7.4.35.2.3 (mni)",
            "lowering mni removes the oldest instances",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                for i in 0..3 {
                    point_ok(ctx, &ts, &format!("20250101T10000{i}"), "v", &aei)?;
                }
                let r = ctx.client.update(&ts, &json!({"m2m:ts": {"mni": 1}}), &aei);
                expect(&r, 2004, 200)?;
                ensure(attr(&r, "m2m:ts", "cni") == 1, || {
                    format!("cni is {}", attr(&r, "m2m:ts", "cni"))
                })?;
                let ol = ctx.client.retrieve(&format!("{ts}/ol"), &aei);
                ensure(attr(&ol, "m2m:tsi", "dgt") == "20250101T100002", || {
                    format!("the instance left is not the newest: {}", ol.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/DEL/001",
            TSI,
            "TS-0004 §7.4.35.2.4",
            "deleting a timeSeries deletes its instances",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                point_ok(ctx, &ts, "20250101T100000", "v", &aei)?;
                expect(&ctx.client.delete(&ts, &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&format!("{ts}/la"), &aei), 4004, 404)
            }
        ),
    ]
}

fn instance_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/TS/TSI/001",
            TSI,
            "TS-0004 §7.4.36.2.1",
            "a timeSeriesInstance gets cs and raises its timeSeries' cni and cbs",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                let r = point(
                    ctx,
                    &ts,
                    json!({"dgt": "20250101T100000", "con": "21.5", "snr": 7}),
                    &aei,
                );
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "m2m:tsi", "cs") == 4, || {
                    format!("cs is {}", attr(&r, "m2m:tsi", "cs"))
                })?;
                let parent = ctx.client.retrieve(&ts, &aei);
                ensure(
                    attr(&parent, "m2m:ts", "cni") == 1 && attr(&parent, "m2m:ts", "cbs") == 4,
                    || format!("counters wrong: {}", parent.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/002",
            TSI,
            "TS-0001 §9.6.37 (dgt mandatory)",
            "a timeSeriesInstance without dgt is refused with 4000",
            |ctx| refused_point(ctx, json!({"con": "1"}))
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/003",
            TSI,
            "TS-0001 §9.6.37 (con mandatory)",
            "a timeSeriesInstance without con is refused with 4000",
            |ctx| refused_point(ctx, json!({"dgt": "20250101T100000"}))
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/004",
            TSI,
            "TS-0004 §7.4.36.2.1 (dgt unique)",
            "a second instance with the same dgt is refused with 4105",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                point_ok(ctx, &ts, "20250101T100000", "a", &aei)?;
                let r = point(
                    ctx,
                    &ts,
                    json!({"dgt": "20250101T100000", "con": "b"}),
                    &aei,
                );
                expect(&r, 4105, 409)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/005",
            TSI,
            "TS-0004 §7.4.36.2.3",
            "an UPDATE of a timeSeriesInstance is refused with 4005",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                let r = point(
                    ctx,
                    &ts,
                    json!({"rn": "p", "dgt": "20250101T100000", "con": "a"}),
                    &aei,
                );
                expect(&r, 2001, 201)?;
                let u = ctx.client.update(
                    &format!("{ts}/p"),
                    &json!({"m2m:tsi": {"lbl": ["x"]}}),
                    &aei,
                );
                expect(&u, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/006",
            TSI,
            "TS-0004 §7.4.36.2.1 (mni)",
            "beyond mni the oldest instance is removed",
            |ctx| {
                let (aei, ts) = series(ctx, json!({"mni": 2}))?;
                for i in 0..3 {
                    point_ok(ctx, &ts, &format!("20250101T10000{i}"), "v", &aei)?;
                }
                let parent = ctx.client.retrieve(&ts, &aei);
                ensure(attr(&parent, "m2m:ts", "cni") == 2, || {
                    format!("cni is {}", attr(&parent, "m2m:ts", "cni"))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/007",
            TSI,
            "TS-0004 §6.8 (latest, oldest)",
            "la and ol of a timeSeries name its newest and oldest instances",
            |ctx| {
                let (aei, ts) = series(ctx, json!({}))?;
                point_ok(ctx, &ts, "20250101T100000", "first", &aei)?;
                point_ok(ctx, &ts, "20250101T100001", "second", &aei)?;
                let la = ctx.client.retrieve(&format!("{ts}/la"), &aei);
                let ol = ctx.client.retrieve(&format!("{ts}/ol"), &aei);
                ensure(
                    attr(&la, "m2m:tsi", "con") == "second"
                        && attr(&ol, "m2m:tsi", "con") == "first",
                    || format!("la {} / ol {}", la.raw, ol.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/TSI/008",
            &[2, 3, 30],
            "TS-0004 §7.3.3.2 (parent type)",
            "a timeSeriesInstance under a container is refused with 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("tsic")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let r = point(
                    ctx,
                    &cnt,
                    json!({"dgt": "20250101T100000", "con": "1"}),
                    &aei,
                );
                expect(&r, 4108, 403)
            }
        ),
    ]
}

fn detection_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/TS/MDD/001",
            TSI,
            "TS-0001 §9.6.36 (missingDataDetect)",
            "an instance not arriving within mdt after its expected time is listed in mdlt and counted in mdc",
            |ctx| {
                let (aei, ts) = series(ctx, detecting(10))?;
                point_ok(ctx, &ts, &Timestamp::now().to_string(), "1", &aei)?;
                let r = missing(ctx, &ts, &aei, 1)?;
                let listed = attr(&r, "m2m:ts", "mdlt").as_array().map_or(0, Vec::len);
                ensure(listed >= 1, || format!("mdlt is empty: {}", r.raw))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/MDD/002",
            TSI,
            "TS-0001 §9.6.36 (missingDataMaxNr)",
            "mdlt keeps at most mdn entries, newest first, and mdc stops at mdn",
            |ctx| {
                let (aei, ts) = series(ctx, detecting(2))?;
                point_ok(ctx, &ts, &Timestamp::now().to_string(), "1", &aei)?;
                missing(ctx, &ts, &aei, 2)?;
                std::thread::sleep(Duration::from_millis(700));
                let r = ctx.client.retrieve(&ts, &aei);
                let list: Vec<String> = attr(&r, "m2m:ts", "mdlt")
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                ensure(list.len() == 2 && attr(&r, "m2m:ts", "mdc") == 2, || {
                    format!("not capped at 2: {}", r.raw)
                })?;
                ensure(list.first() > list.get(1), || {
                    format!("not newest first: {list:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/SUB/001",
            TS_SUB,
            "TS-0004 §7.4.8.2.1 (missingData only for timeSeries)",
            "a net 8 subscription on a container is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("tssub")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let (r, _) = subscribe(ctx, &cnt, json!({ "enc": md() }), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/SUB/002",
            TS_SUB,
            "TS-0004 §7.4.8.2.1 (enc/md with net 8)",
            "a net 8 subscription without enc/md is refused with 4000",
            |ctx| {
                let (aei, ts) = series(ctx, detecting(10))?;
                let (r, _) = subscribe(ctx, &ts, json!({"enc": {"net": [8]}}), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/SUB/003",
            TS_SUB,
            "TS-0004 §7.5.1.2.9, table 6.3.5.62-1 (m2m:tsn)",
            "a missing data point is notified with net 8 and an m2m:tsn listing it",
            |ctx| {
                let (aei, ts) = series(ctx, detecting(10))?;
                let (r, path) = subscribe(ctx, &ts, json!({ "enc": md() }), &aei);
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "m2m:sub", "nct") == 5, || {
                    format!("nct is {}", attr(&r, "m2m:sub", "nct"))
                })?;
                point_ok(ctx, &ts, &Timestamp::now().to_string(), "1", &aei)?;
                let n = ctx.notification(&path)?;
                let nev = &n.sgn()["nev"];
                ensure(nev["net"] == 8, || format!("net is not 8: {}", n.body))?;
                let tsn = &nev["rep"]["m2m:tsn"];
                ensure(
                    tsn["mdlt"].as_array().is_some_and(|l| !l.is_empty())
                        && tsn["mdc"].as_i64().is_some_and(|c| c >= 1),
                    || format!("no m2m:tsn with mdlt and mdc: {}", n.body),
                )
            }
        ),
    ]
}
