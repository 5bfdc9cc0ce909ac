//! TS (continued): where a timeSeriesInstance's `dgt` falls against the expected
//! time (TS-0001 §9.6.36: within `peid` it is the expected instance; later, the
//! expected times it jumped over are missing; earlier, the expected one is still
//! awaited) and the rules for changing missing-data settings (TS-0004 §7.4.35.2.3).

use std::time::Duration;

use onecse_models::time::Timestamp;
use serde_json::{Value, json};

use super::tp;
use super::ts::{Check, attr, detecting, md, missing, point_ok, series, subscribe};
use crate::suite::{Ctx, TestPurpose, ensure, expect};

const TS: &[u16] = &[2, 29];
const TSI: &[u16] = &[2, 29, 30];
const TS_SUB: &[u16] = &[2, 23, 29, 30];

/// Detection with a 10 s period: its timer never runs within a test purpose.
fn slow() -> Value {
    json!({"pei": 10000, "mdt": 8000, "mdd": true, "mdn": 10})
}

/// An UPDATE of the timeSeries.
fn update(ctx: &Ctx, ts: &str, attrs: Value, aei: &str) -> onecse_testkit::Reply {
    ctx.client.update(ts, &json!({ "m2m:ts": attrs }), aei)
}

/// The timeSeries' `mdlt` read as instants.
fn listed(r: &onecse_testkit::Reply) -> Vec<Timestamp> {
    attr(r, "m2m:ts", "mdlt")
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().and_then(|s| Timestamp::parse(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// Two instances, the second 25 s after the expected time (t0 + 10 s): t0 + 10 s
/// and t0 + 20 s were jumped over.
fn jump(ctx: &Ctx, ts: &str, aei: &str) -> Result<Timestamp, crate::suite::Verdict> {
    let t0 = Timestamp::now();
    point_ok(ctx, ts, &t0.to_string(), "a", aei)?;
    point_ok(ctx, ts, &t0.plus_millis(35_000).to_string(), "b", aei)?;
    Ok(t0)
}

/// The TS test purposes on dgt windows and setting changes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/TS/MDD/003",
            TSI,
            "TS-0001 §9.6.36 (periodicIntervalDelta)",
            "an instance within peid of the expected time counts as the expected one",
            |ctx| {
                let (aei, ts) = series(ctx, slow())?;
                let t0 = Timestamp::now();
                point_ok(ctx, &ts, &t0.to_string(), "a", &aei)?;
                point_ok(ctx, &ts, &t0.plus_millis(14_000).to_string(), "b", &aei)?;
                let r = ctx.client.retrieve(&ts, &aei);
                ensure(attr(&r, "m2m:ts", "mdc") == 0, || {
                    format!("counted as missing: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/MDD/004",
            TSI,
            "TS-0001 §9.6.36 (periodicInterval, periodicIntervalDelta)",
            "an instance more than peid after the expected time lists the expected times it jumped over",
            |ctx| {
                let (aei, ts) = series(ctx, slow())?;
                let t0 = jump(ctx, &ts, &aei)?;
                let r = ctx.client.retrieve(&ts, &aei);
                let want = vec![t0.plus_millis(20_000), t0.plus_millis(10_000)];
                ensure(attr(&r, "m2m:ts", "mdc") == 2 && listed(&r) == want, || {
                    format!("expected mdc 2 and mdlt {want:?}: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/MDD/005",
            TSI,
            "TS-0001 §9.6.36 (periodicIntervalDelta)",
            "an instance more than peid before the expected time does not stand for it",
            |ctx| {
                let (aei, ts) = series(ctx, json!({"pei": 400, "mdt": 300, "mdd": true}))?;
                let t0 = Timestamp::now();
                point_ok(ctx, &ts, &t0.to_string(), "a", &aei)?;
                // Expected at t0 + 400 ms ± 200 ms.
                point_ok(ctx, &ts, &t0.plus_millis(150).to_string(), "b", &aei)?;
                let r = missing(ctx, &ts, &aei, 1)?;
                let oldest = listed(&r).last().copied();
                ensure(oldest == Some(t0.plus_millis(400)), || {
                    format!("t0+400 ms should be the first missing: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/SUB/004",
            TS_SUB,
            "TS-0004 §7.5.1.2.9 (missing data points), table 6.3.5.62-1",
            "expected times jumped over by an instance are notified with net 8 at once",
            |ctx| {
                let (aei, ts) = series(ctx, slow())?;
                let (r, path) = subscribe(ctx, &ts, json!({ "enc": md() }), &aei);
                expect(&r, 2001, 201)?;
                jump(ctx, &ts, &aei)?;
                let n = ctx.notification(&path)?;
                let tsn = &n.sgn()["nev"]["rep"]["m2m:tsn"];
                ensure(tsn["mdlt"].as_array().map(Vec::len) == Some(2), || {
                    format!("expected two points in m2m:tsn: {}", n.body)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/UPD/003",
            TS,
            "TS-0004 §7.4.35.2.3 (missingDataDetect)",
            "an UPDATE switching mdd and changing pei together is refused with 4000",
            |ctx| {
                let (aei, ts) = series(ctx, slow())?;
                expect(
                    &update(ctx, &ts, json!({"mdd": false, "pei": 20000}), &aei),
                    4000,
                    400,
                )?;
                expect(&update(ctx, &ts, json!({"mdd": false}), &aei), 2004, 200)?;
                expect(
                    &update(ctx, &ts, json!({"mdd": true, "pei": 20000}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TS/UPD/004",
            TSI,
            "TS-0001 §9.6.36 (settings changed while detection is paused)",
            "removing mdn while detection is off is accepted and clears mdlt and mdc",
            |ctx| check_paused_change(ctx)
        ),
        tp!(
            "TP/oneM2M/CSE/TS/UPD/005",
            TS,
            "TS-0004 §7.4.35.2.3 (mdd true)",
            "removing mdn with null while detection is on is refused with 4000",
            |ctx| {
                let (aei, ts) = series(ctx, slow())?;
                expect(&update(ctx, &ts, json!({"mdn": null}), &aei), 4000, 400)
            }
        ),
    ]
}

fn check_paused_change(ctx: &mut Ctx) -> Check {
    let (aei, ts) = series(ctx, detecting(5))?;
    point_ok(ctx, &ts, &Timestamp::now().to_string(), "a", &aei)?;
    missing(ctx, &ts, &aei, 1)?;
    let paused = update(ctx, &ts, json!({"mdd": false}), &aei);
    expect(&paused, 2004, 200)?;
    std::thread::sleep(Duration::from_millis(50));
    let r = update(ctx, &ts, json!({"mdn": null}), &aei);
    expect(&r, 2004, 200)?;
    let ts_attrs = r.resource("m2m:ts").cloned().unwrap_or_default();
    ensure(
        !ts_attrs.contains_key("mdn")
            && ts_attrs.get("mdc") == Some(&json!(0))
            && ts_attrs
                .get("mdlt")
                .is_none_or(|l| l.as_array().is_some_and(Vec::is_empty)),
        || format!("mdn removed, mdlt/mdc cleared expected: {}", r.raw),
    )
}
