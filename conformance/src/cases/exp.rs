//! EXP: expirationTime and the Upper Tester switches test systems use for it
//! (TS-0001 §9.6.1.3, TS-0004 §7.3.3.x; spec digest resources §1, §3; TS-0019 upper
//! tester, ACME conventions). The Upper Tester purposes are skipped when the target
//! does not serve `/__ut__`.

use onecse_testkit::{Method, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const EXP: &[u16] = &[2, 3, 4];

/// Far beyond any CSE's maximum lifetime.
const FAR: &str = "99991231T235959";

/// Sends an Upper Tester command; skips the purpose when the interface is absent.
fn ut(ctx: &Ctx, command: &str) -> Result<Reply, Verdict> {
    let status = ctx.client.execute(
        ctx.client
            .request(Method::POST, "/__ut__")
            .originator(&ctx.admin())
            .header("X-M2M-UTCMD", "Status"),
    );
    if status.rsc != Some(2000) {
        return Err(Verdict::Skip(
            "the target serves no Upper Tester (/__ut__)".into(),
        ));
    }
    Ok(ctx.client.execute(
        ctx.client
            .request(Method::POST, "/__ut__")
            .originator(&ctx.admin())
            .header("X-M2M-UTCMD", command),
    ))
}

/// The `et` of the resource under `root` in a reply.
fn et(reply: &Reply, root: &str) -> String {
    reply.body[root]["et"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Now plus `secs`, in the oneM2M basic format (UTC).
fn from_now(secs: i64) -> String {
    onecse_models::time::Timestamp::now()
        .plus_seconds(secs)
        .to_string()
}

/// The EXP test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = lifetime_tps();
    all.extend(upper_tester_tps());
    all
}

fn lifetime_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/EXP/CRE/001",
            EXP,
            "TS-0004 §7.3.3.x (et in the past)",
            "a CREATE with an expirationTime in the past is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("exp1")?;
                let r = ctx.client.create(
                    &ae,
                    3,
                    &json!({"m2m:cnt": {"rn": "old", "et": "20000101T000000"}}),
                    Some(&aei),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/CRE/002",
            EXP,
            "TS-0001 §9.6.1.3 (maximum expiration)",
            "an expirationTime beyond the CSE's maximum is lowered, not refused",
            |ctx| {
                let (aei, ae) = ctx.ae("exp2")?;
                let r = ctx.client.create(
                    &ae,
                    3,
                    &json!({"m2m:cnt": {"rn": "far", "et": FAR}}),
                    Some(&aei),
                );
                expect(&r, 2001, 201)?;
                let got = et(&r, "m2m:cnt");
                ensure(!got.is_empty() && got.as_str() < FAR, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/CRE/003",
            EXP,
            "TS-0001 §9.6.1.3 (child and parent et)",
            "a child asking to outlive its parent gets the parent's expirationTime",
            |ctx| {
                let (aei, ae) = ctx.ae("exp3")?;
                let parent = ctx.client.create(
                    &ae,
                    3,
                    &json!({"m2m:cnt": {"rn": "p", "et": from_now(600)}}),
                    Some(&aei),
                );
                expect(&parent, 2001, 201)?;
                let child = ctx.client.create(
                    &format!("{ae}/p"),
                    3,
                    &json!({"m2m:cnt": {"rn": "c", "et": from_now(1200)}}),
                    Some(&aei),
                );
                expect(&child, 2001, 201)?;
                ensure(et(&child, "m2m:cnt") == et(&parent, "m2m:cnt"), || {
                    format!("parent {} child {}", parent.raw, child.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/UPD/001",
            EXP,
            "TS-0004 §7.3.3.x (et deleted with null)",
            "UPDATE with \"et\": null gives the resource a default expirationTime again",
            |ctx| {
                let (aei, ae) = ctx.ae("exp4")?;
                let short = from_now(120);
                ctx.container(&ae, "c", json!({"et": short}), &aei)?;
                let r = ctx.client.update(
                    &format!("{ae}/c"),
                    &json!({"m2m:cnt": {"et": Value::Null}}),
                    &aei,
                );
                expect(&r, 2004, 200)?;
                let got = et(&r, "m2m:cnt");
                ensure(!got.is_empty() && got > short, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/UPD/002",
            EXP,
            "spec digest resources §1 (et below a child's)",
            "lowering a parent's expirationTime below its child's is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("exp5")?;
                let parent = ctx.container(&ae, "p", json!({}), &aei)?;
                ctx.container(&parent, "c", json!({"et": from_now(1200)}), &aei)?;
                let r = ctx
                    .client
                    .update(&parent, &json!({"m2m:cnt": {"et": from_now(60)}}), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/CRE/004",
            EXP,
            "TS-0001 §9.6.1.3 (mia larger than any lifetime)",
            "a container with a huge mia accepts instances, which live no longer than it",
            |ctx| {
                let (aei, ae) = ctx.ae("exp6")?;
                let c = ctx.client.create(
                    &ae,
                    3,
                    &json!({"m2m:cnt": {"rn": "c", "mia": 9_007_199_254_740_991_i64}}),
                    Some(&aei),
                );
                expect(&c, 2001, 201)?;
                let cin = ctx.instance(&format!("{ae}/c"), "v", &aei)?;
                let la = ctx.client.retrieve(&format!("{ae}/c/la"), &aei);
                expect(&la, 2000, 200)?;
                ensure(et(&cin, "m2m:cin") <= et(&c, "m2m:cnt"), || cin.raw.clone())
            }
        ),
    ]
}

fn upper_tester_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/EXP/UTC/001",
            EXP,
            "TS-0019 upper tester (enableShortResourceExpiration)",
            "a decimal argument is accepted, the answer is 'interval,maximum', and new resources keep a long lifetime",
            |ctx| {
                let r = ut(ctx, "enableShortResourceExpiration 3.0")?;
                expect(&r, 2000, 200)?;
                let answer = r.header("X-M2M-UTRSP").unwrap_or_default().to_owned();
                let numbers: Vec<&str> = answer.split(',').collect();
                let well_formed =
                    numbers.len() == 2 && numbers.iter().all(|n| n.trim().parse::<f64>().is_ok());
                let (aei, _) = ctx.ae("exput")?;
                let ae = ctx
                    .client
                    .retrieve(&format!("{}/{}", ctx.base(), ctx.name("exput")), &aei);
                let disabled = ut(ctx, "disableShortResourceExpiration")?;
                ensure(well_formed, || format!("X-M2M-UTRSP: {answer}"))?;
                expect(&ae, 2000, 200)?;
                ensure(et(&ae, "m2m:ae") > from_now(60), || {
                    format!("the AE would expire within a minute: {}", ae.raw)
                })?;
                expect(&disabled, 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/EXP/UTC/002",
            EXP,
            "TS-0019 upper tester (enableShortRequestExpiration)",
            "a decimal argument is accepted and the previous value is answered",
            |ctx| {
                let first = ut(ctx, "enableShortRequestExpiration 3.0")?;
                let second = ut(ctx, "enableShortRequestExpiration 4")?;
                let disabled = ut(ctx, "disableShortRequestExpiration")?;
                expect(&first, 2000, 200)?;
                expect(&second, 2000, 200)?;
                let previous = second.header("X-M2M-UTRSP").unwrap_or_default();
                ensure(previous.parse::<f64>().ok() == Some(3.0), || {
                    format!("X-M2M-UTRSP: {previous}")
                })?;
                expect(&disabled, 2000, 200)
            }
        ),
    ]
}
