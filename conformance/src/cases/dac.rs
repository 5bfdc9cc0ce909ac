//! DAC: `<dynamicAuthorizationConsultation>` (TS-0001 §9.6.40, TS-0004 §7.4.40) as a
//! stored resource: created, checked and updated. Whether the CSE consults a Dynamic
//! Authorization Server is not tested (the suite has none).

use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const DAC: &[u16] = &[2, 34];

/// Creates a consultation `dac` with `attrs` under a fresh AE: (AE-ID, path, reply).
fn create(ctx: &mut Ctx, attrs: Value) -> Result<(String, String, onecse_testkit::Reply), Verdict> {
    let (aei, ae) = ctx.ae("dac")?;
    let mut body = json!({"rn": "dac"});
    crate::suite::merge(&mut body, &attrs);
    let reply = ctx
        .client
        .create(&ae, 34, &json!({ "m2m:dac": body }), Some(&aei));
    Ok((aei, format!("{ae}/dac"), reply))
}

/// The DAC test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DAC/CRE/001",
            DAC,
            "TS-0004 §7.4.40.2.1",
            "a dynamicAuthorizationConsultation under an AE is created with ty 34 and its dae",
            |ctx| {
                let (_, _, r) = create(ctx, json!({"dae": true}))?;
                expect(&r, 2001, 201)?;
                let dac = r.resource("m2m:dac").cloned().unwrap_or_default();
                ensure(dac.get("ty") == Some(&json!(34)), || {
                    format!("ty: {}", r.raw)
                })?;
                ensure(dac.get("dae") == Some(&json!(true)), || {
                    format!("dae: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DAC/CRE/002",
            DAC,
            "TS-0004 §7.4.40 (dae M on CREATE)",
            "a dynamicAuthorizationConsultation without dae is refused with 4000",
            |ctx| {
                let (_, _, r) = create(ctx, json!({}))?;
                expect(&r, 4000, 400)?;
                ensure(r.dbg().contains("dae"), || format!("m2m:dbg: {}", r.dbg()))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DAC/UPD/001",
            DAC,
            "TS-0004 §7.4.40.2.3",
            "an UPDATE of dae is stored and returned",
            |ctx| {
                let (aei, dac, r) = create(ctx, json!({"dae": true}))?;
                expect(&r, 2001, 201)?;
                let u = ctx
                    .client
                    .update(&dac, &json!({"m2m:dac": {"dae": false}}), &aei);
                expect(&u, 2004, 200)?;
                ensure(
                    u.resource("m2m:dac").and_then(|d| d.get("dae")) == Some(&json!(false)),
                    || format!("dae: {}", u.raw),
                )
            }
        ),
    ]
}
