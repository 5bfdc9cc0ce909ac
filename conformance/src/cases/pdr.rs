//! NTP (policyDeletionRules, NTP/*/1xx): `<policyDeletionRules>` (ty 27; TS-0001 §9.6.33–34, spec digest
//! notifications-advanced §12) under a `<notificationTargetPolicy>`: `dr` time-of-day
//! rules (`tod`, schedule entries), `drr` within a set, the policy's `rrs` across its
//! two sets, and a removal request (DELETE `<sub>/ntsr`) rejected while the chosen
//! policy's rules do not hold.

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::ntp::{policy, subscribed, targets};
use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const PDR: &[u16] = &[2, 3, 23, 25, 26, 27];

/// A schedule entry every second matches, and one no second of this century does.
const ALWAYS: &str = "* * * * * * *";
const NEVER: &str = "* * * * * * 2001";

/// An accepting policy (with `rrs` when given) named by a policy reference for the
/// AE target of a fresh subscription, with `sets` created as its policyDeletionRules.
/// Returns (AE-ID, subscription path, policy path).
fn ruled(
    ctx: &mut Ctx,
    rrs: Option<i64>,
    sets: &[Value],
) -> Result<(String, String, String), Verdict> {
    let (aei, sub, _, _) = subscribed(ctx)?;
    let mut attrs = json!({"rn": ctx.name("pdrp"), "acn": 1, "plbl": "ruled"});
    if let Some(rrs) = rrs {
        attrs["rrs"] = json!(rrs);
    }
    let reply = policy(ctx, attrs)?;
    expect(&reply, 2001, 201)?;
    let ntp = reply
        .resource("m2m:ntp")
        .cloned()
        .map(Value::Object)
        .unwrap_or_default();
    let path = format!("{}/{}", ctx.base(), ntp["rn"].as_str().unwrap_or_default());
    let body = json!({"m2m:ntpr": {"ntu": [aei], "npi": ntp["ri"]}});
    expect(&ctx.client.create(&sub, 25, &body, Some(&aei)), 2001, 201)?;
    for (i, set) in sets.iter().enumerate() {
        let mut set = set.clone();
        set["rn"] = json!(format!("r{i}"));
        expect(&rules(ctx, &path, set), 2001, 201)?;
    }
    Ok((aei, sub, path))
}

/// Creates a policyDeletionRules under `policy` as the admin.
fn rules(ctx: &Ctx, policy: &str, attrs: Value) -> Reply {
    let admin = ctx.admin();
    ctx.client
        .create(policy, 27, &json!({ "m2m:pdr": attrs }), Some(&admin))
}

/// A bad policyDeletionRules under a fresh policy is refused with `rsc`/`status`.
fn refused(ctx: &mut Ctx, attrs: Value, rsc: u16, status: u16) -> Result<(), Verdict> {
    let (_, _, path) = ruled(ctx, None, &[])?;
    expect(&rules(ctx, &path, attrs), rsc, status)
}

/// The removal asked by the AE target: `rsc`/`status`, and whether it left `nu`.
fn removal(ctx: &Ctx, aei: &str, sub: &str, rsc: u16, status: u16) -> Result<(), Verdict> {
    expect(&ctx.client.delete(&format!("{sub}/ntsr"), aei), rsc, status)?;
    let nu = targets(ctx, sub, aei);
    let kept = nu.contains(&json!(aei));
    ensure(kept == (rsc != 2002), || format!("nu {nu:?}"))
}

/// The PDR test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/101",
            PDR,
            "TS-0001 §9.6.34 (policyDeletionRules under a notificationTargetPolicy)",
            "CREATE pdr with dr.tod: 2001, RETRIEVE gives ty 27 and dr as given",
            |ctx| {
                let (_, _, path) = ruled(ctx, None, &[json!({"dr": {"tod": [ALWAYS]}})])?;
                let admin = ctx.admin();
                let reply = ctx.client.retrieve(&format!("{path}/r0"), &admin);
                expect(&reply, 2000, 200)?;
                let pdr = reply
                    .resource("m2m:pdr")
                    .cloned()
                    .map(Value::Object)
                    .unwrap_or_default();
                ensure(
                    pdr["ty"] == 27 && pdr["dr"] == json!({"tod": [ALWAYS]}),
                    || pdr.to_string(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/102",
            PDR,
            "TS-0001 §9.6.34 (deletionRules multiplicity 1)",
            "CREATE pdr without dr: 4000",
            |ctx| refused(ctx, json!({"drr": 2}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/103",
            PDR,
            "TS-0004 §6.3.5 (scheduleEntry: 7 fields)",
            "CREATE pdr whose tod entry has 3 fields: 4000",
            |ctx| refused(ctx, json!({"dr": {"tod": ["* * *"]}}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/104",
            PDR,
            "TS-0004 §6.3.5 (scheduleEntry value ranges)",
            "CREATE pdr whose tod entry has second 61: 4000",
            |ctx| refused(ctx, json!({"dr": {"tod": ["61 * * * * * *"]}}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/105",
            PDR,
            "TS-0001 §9.6.34 (deletionRules holds rules)",
            "CREATE pdr with an empty tod: 4000",
            |ctx| refused(ctx, json!({"dr": {"tod": []}}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/106",
            PDR,
            "TS-0001 §9.6.34 (deletionRules members tod, lr)",
            "CREATE pdr whose dr has an unknown member: 4000",
            |ctx| refused(ctx, json!({"dr": {"when": [ALWAYS]}}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/107",
            PDR,
            "TS-0001 §9.6.34 (deletionRuleRelation 1 AND, 2 OR)",
            "CREATE pdr with drr 3: 4000",
            |ctx| refused(ctx, json!({"dr": {"tod": [ALWAYS]}, "drr": 3}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/108",
            PDR,
            "TS-0001 §9.6.34 (lr needs the target's location; onecse: 5001)",
            "CREATE pdr with a location-region rule: 5001",
            |ctx| refused(ctx, json!({"dr": {"lr": [{"lotp": 1}]}}), 5001, 501)
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/109",
            PDR,
            "TS-0001 §9.6.34 (parent notificationTargetPolicy)",
            "CREATE pdr under a subscription: 4108",
            |ctx| {
                let (aei, sub, _, _) = subscribed(ctx)?;
                let body = json!({"m2m:pdr": {"dr": {"tod": [ALWAYS]}}});
                expect(&ctx.client.create(&sub, 27, &body, Some(&aei)), 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/CRE/110",
            PDR,
            "TS-0001 §9.6.33 (policyDeletionRules 0..2)",
            "a third pdr under one policy: 4005",
            |ctx| {
                let set = json!({"dr": {"tod": [ALWAYS]}});
                let (_, _, path) = ruled(ctx, None, &[set.clone(), set.clone()])?;
                expect(&rules(ctx, &path, set), 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/UPD/101",
            PDR,
            "TS-0004 §6.3.5 (scheduleEntry checked on UPDATE)",
            "UPDATE pdr dr with a malformed tod entry: 4000",
            |ctx| {
                let (_, _, path) = ruled(ctx, None, &[json!({"dr": {"tod": [ALWAYS]}})])?;
                let admin = ctx.admin();
                let body = json!({"m2m:pdr": {"dr": {"tod": ["* * * * * 9 *"]}}});
                expect(
                    &ctx.client.update(&format!("{path}/r0"), &body, &admin),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/UPD/102",
            PDR,
            "TS-0001 §9.6.34 (deletionRuleRelation RW)",
            "UPDATE pdr drr to 1: 2004 and RETRIEVE gives drr 1",
            |ctx| {
                let (_, _, path) = ruled(ctx, None, &[json!({"dr": {"tod": [ALWAYS]}})])?;
                let admin = ctx.admin();
                let r0 = format!("{path}/r0");
                let body = json!({"m2m:pdr": {"drr": 1}});
                expect(&ctx.client.update(&r0, &body, &admin), 2004, 200)?;
                let reply = ctx.client.retrieve(&r0, &admin);
                let drr = reply
                    .resource("m2m:pdr")
                    .and_then(|p| p.get("drr"))
                    .cloned();
                ensure(drr == Some(json!(1)), || format!("drr {drr:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/101",
            PDR,
            "TS-0001 §10.2.10.9 (rules met: the action applies)",
            "rules that hold (OR of a never and an always entry): the target is removed",
            |ctx| {
                let set = json!({"dr": {"tod": [NEVER, ALWAYS]}});
                let (aei, sub, _) = ruled(ctx, None, &[set])?;
                removal(ctx, &aei, &sub, 2002, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/102",
            PDR,
            "TS-0001 §10.2.10.9 (rules not met: rejected)",
            "rules that do not hold: 4005 and the target stays",
            |ctx| {
                let (aei, sub, _) = ruled(ctx, None, &[json!({"dr": {"tod": [NEVER]}})])?;
                removal(ctx, &aei, &sub, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/103",
            PDR,
            "TS-0001 §9.6.34 (drr 1 AND)",
            "drr 1 with one rule that never holds: 4005",
            |ctx| {
                let set = json!({"dr": {"tod": [ALWAYS, NEVER]}, "drr": 1});
                let (aei, sub, _) = ruled(ctx, None, &[set])?;
                removal(ctx, &aei, &sub, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/104",
            PDR,
            "TS-0001 §9.6.33 (rrs 2 OR)",
            "two rule sets, one holding, policy rrs 2: the target is removed",
            |ctx| {
                let sets = [
                    json!({"dr": {"tod": [NEVER]}}),
                    json!({"dr": {"tod": [ALWAYS]}}),
                ];
                let (aei, sub, _) = ruled(ctx, Some(2), &sets)?;
                removal(ctx, &aei, &sub, 2002, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/105",
            PDR,
            "TS-0001 §9.6.33 (rrs 1 AND)",
            "two rule sets, one holding, policy rrs 1: 4005",
            |ctx| {
                let sets = [
                    json!({"dr": {"tod": [NEVER]}}),
                    json!({"dr": {"tod": [ALWAYS]}}),
                ];
                let (aei, sub, _) = ruled(ctx, Some(1), &sets)?;
                removal(ctx, &aei, &sub, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NTP/DEL/106",
            PDR,
            "TS-0001 §9.6.34 (rules deleted with the policy's child)",
            "after DELETE of the only rule set that does not hold, the target is removed",
            |ctx| {
                let (aei, sub, path) = ruled(ctx, None, &[json!({"dr": {"tod": [NEVER]}})])?;
                let admin = ctx.admin();
                expect(&ctx.client.delete(&format!("{path}/r0"), &admin), 2002, 200)?;
                removal(ctx, &aei, &sub, 2002, 200)
            }
        ),
    ]
}
