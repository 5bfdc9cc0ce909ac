//! FCNT (continued): the flexContainerInstance history switched by `fcied`
//! (fcinEnabled, TS-0004 R4 §7.4.37): limits only with it and never 0, `mbs` at least
//! the custom attributes' size, `fcied` false keeping only the latest instance,
//! removing `fcied` removing the history; and `loc` (m2m:geoCoordinates).

use serde_json::json;

use super::fcnt::{SWITCH, attr, refused, set_power, switch};
use super::tp;
use crate::suite::{TestPurpose, ensure, expect};

const FCNT: &[u16] = &[2, 28];
const FCIN: &[u16] = &[2, 28, 58];
const SWITCH_CND: &str = "org.onem2m.common.moduleclass.binarySwitch";

fn lamp(extra: serde_json::Value) -> serde_json::Value {
    let mut attrs = json!({"cnd": SWITCH_CND, "powSe": false});
    crate::suite::merge(&mut attrs, &extra);
    attrs
}

/// The FCNT test purposes on fcied and loc.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/005",
            FCNT,
            "TS-0004 §7.4.37.2.1 (mni/mbs/mia need fcinEnabled)",
            "a flexContainer with mni but without fcied is refused with 4000",
            |ctx| refused(ctx, SWITCH, lamp(json!({"mni": 3})))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/006",
            FCNT,
            "TS-0004 §7.4.37.2.1 (mni, mbs, mia not 0)",
            "a flexContainer with fcied and mni 0 is refused with 4000",
            |ctx| refused(ctx, SWITCH, lamp(json!({"fcied": true, "mni": 0})))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/007",
            FCNT,
            "TS-0004 §7.4.37.2.1 (mbs ≥ cs)",
            "a flexContainer whose mbs is below its custom attributes' size is refused with 4000",
            |ctx| refused(ctx, SWITCH, lamp(json!({"fcied": true, "mbs": 2})))
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/008",
            FCIN,
            "TS-0004 §7.4.37.2.3 (fcinEnabled false)",
            "setting fcied to false keeps only the latest flexContainerInstance",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 10}))?;
                set_power(ctx, &sw, true, &aei)?;
                let r = ctx
                    .client
                    .update(&sw, &json!({ SWITCH: {"fcied": false} }), &aei);
                expect(&r, 2004, 200)?;
                ensure(attr(&r, SWITCH, "cni") == 1, || r.raw.clone())?;
                let r = set_power(ctx, &sw, false, &aei)?;
                ensure(attr(&r, SWITCH, "cni") == 1, || {
                    format!("no instance while disabled: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/INS/009",
            FCIN,
            "TS-0004 §7.4.37.2.3 (fcinEnabled removed)",
            "removing fcied with null removes the instances, mni and cni; la answers 4004",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true, "mni": 10}))?;
                let r = ctx
                    .client
                    .update(&sw, &json!({ SWITCH: {"fcied": null} }), &aei);
                expect(&r, 2004, 200)?;
                ensure(
                    attr(&r, SWITCH, "mni").is_null() && attr(&r, SWITCH, "cni").is_null(),
                    || r.raw.clone(),
                )?;
                expect(&ctx.client.retrieve(&format!("{sw}/la"), &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/UPD/006",
            FCNT,
            "TS-0004 §7.4.37.2.3 (mbs ≥ cs)",
            "an UPDATE lowering mbs below the custom attributes' size is refused with 4000",
            |ctx| {
                let (aei, sw) = switch(ctx, json!({"fcied": true}))?;
                let r = ctx.client.update(&sw, &json!({ SWITCH: {"mbs": 1} }), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/012",
            FCNT,
            "TS-0001 §9.6.35 (location), TS-0004 m2m:geoCoordinates",
            "a flexContainer keeps its loc (m2m:geoCoordinates)",
            |ctx| {
                let loc = json!({"typ": 1, "crd": "[6.96, 50.94]"});
                let (aei, sw) = switch(ctx, json!({"loc": loc}))?;
                let r = ctx.client.retrieve(&sw, &aei);
                ensure(attr(&r, SWITCH, "loc") == loc, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/FCNT/CRE/013",
            FCNT,
            "TS-0004 m2m:geoCoordinates (geometryType 1–6)",
            "a flexContainer loc with geometry type 9 is refused with 4000",
            |ctx| refused(
                ctx,
                SWITCH,
                lamp(json!({"loc": {"typ": 9, "crd": "[1, 2]"}}))
            )
        ),
    ]
}
