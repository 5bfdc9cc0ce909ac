//! SUBF: subscription features beyond the basics (TS-0001 §9.6.8, TS-0004 §6.3.5.57,
//! §7.3.2.9, §7.4.8, §7.5.1; spec digests notifications.md and
//! notifications-advanced.md): operationMonitor, notification statistics, blocking
//! update, batch duration, the creator in notifications, chty validity and structured
//! resource IDs as notification targets. The suite's receiver must be reachable from
//! the CSE (`--notify-host`).

use std::time::{Duration, Instant};

use onecse_testkit::{Answer, Notification, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const SUB: &[u16] = &[2, 3, 4, 23];

/// [`super::sub::watched`] without the subscription's reply: (AE-ID, container
/// path, receiver path).
fn watched(ctx: &mut Ctx, extra: Value) -> Result<(String, String, String), Verdict> {
    let (aei, cnt, _, path) = super::sub::watched(ctx, extra)?;
    Ok((aei, cnt, path))
}

/// An AE whose point of access is this TP's receiver path `/ae` and a container
/// `c` under it. Returns (AE-ID, AE path, container path, receiver path).
fn reachable_ae(ctx: &mut Ctx) -> Result<(String, String, String, String), Verdict> {
    let path = ctx.notify_path("/ae");
    let poa = ctx.receiver.url_for(&path);
    let (aei, ae) = ctx.ae_with("subfae", json!({"poa": [poa]}))?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    Ok((aei, ae, cnt, path))
}

/// Creates a subscription under `parent` with `attrs` as `originator`.
fn subscribe(ctx: &Ctx, parent: &str, attrs: Value, originator: &str) -> Reply {
    ctx.client
        .create(parent, 23, &json!({ "m2m:sub": attrs }), Some(originator))
}

fn quiet_ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn shows(n: &Notification) -> String {
    n.body.to_string()
}

/// A blocking-update subscription (net 7) on a container whose subscriber is an AE
/// reached at the receiver. Returns (AE-ID, container path, receiver path).
fn blocking(ctx: &mut Ctx) -> Result<(String, String, String), Verdict> {
    let (aei, _, cnt, path) = reachable_ae(ctx)?;
    let reply = subscribe(
        ctx,
        &cnt,
        json!({"rn": "s", "nu": [aei], "enc": {"net": [7]}}),
        &aei,
    );
    expect(&reply, 2001, 201)?;
    Ok((aei, cnt, path))
}

/// Reads `nsi` until it equals `expected` or the target's timeout passes.
fn wait_for_statistics(ctx: &Ctx, sub: &str, aei: &str, expected: &Value) -> Result<(), Verdict> {
    let deadline = Instant::now() + ctx.target().timeout;
    loop {
        let reply = ctx.client.retrieve(sub, aei);
        let nsi = reply
            .resource("m2m:sub")
            .and_then(|s| s.get("nsi"))
            .cloned()
            .unwrap_or(Value::Null);
        if &nsi == expected {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Verdict::Fail(format!("nsi is {nsi}, expected {expected}")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The SUBF test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut tps = monitor_tps();
    tps.extend(statistics_tps());
    tps.extend(blocking_tps());
    tps.extend(other_tps());
    tps
}

fn monitor_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/001",
            SUB,
            "TS-0004 §6.3.5.57, §7.5.1.2.2 (operationMonitor)",
            "a RETRIEVE watched by enc/om (ops bit 2) notifies nev.om {op 2, or}",
            |ctx| {
                let (aei, cnt, path) = watched(ctx, json!({"enc": {"om": [{"ops": 2}]}}))?;
                expect(&ctx.client.retrieve(&cnt, &aei), 2000, 200)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["om"] == json!({"op": 2, "or": aei}), || {
                    shows(&n)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/006",
            SUB,
            "TS-0004 §6.3.5.57, §7.5.1.2.2 (several operationMonitors)",
            "two monitors on one resource (RETRIEVE by anyone, UPDATE by its AE) each report only their own accesses",
            |ctx| {
                let (stranger, _) = ctx.ae("stranger")?;
                let (aei, cnt, reads) = watched(ctx, json!({"enc": {"om": [{"ops": 2}]}}))?;
                let writes = ctx.notify_path("/writes");
                let nu = ctx.receiver.url_for(&writes);
                let attrs = json!({"rn": "s2", "nu": [nu], "enc": {"om": [{"ops": 4, "or": aei}]}});
                expect(&subscribe(ctx, &cnt, attrs, &aei), 2001, 201)?;
                let update = json!({"m2m:cnt": {"lbl": ["x"]}});
                expect(&ctx.client.update(&cnt, &update, &aei), 2004, 200)?;
                let n = ctx.notification(&writes)?;
                ensure(n.sgn()["nev"]["om"] == json!({"op": 3, "or": aei}), || {
                    shows(&n)
                })?;
                ctx.quiet(&reads, quiet_ms(400))?;
                expect(&ctx.client.retrieve(&cnt, &aei), 2000, 200)?;
                let n = ctx.notification(&reads)?;
                ensure(n.sgn()["nev"]["om"] == json!({"op": 2, "or": aei}), || {
                    shows(&n)
                })?;
                // Another originator's UPDATE (refused) is no access the second watches.
                expect(&ctx.client.update(&cnt, &update, &stranger), 4103, 403)?;
                ctx.quiet(&writes, quiet_ms(400))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/002",
            SUB,
            "TS-0001 §9.6.8 (operationMonitor: successful or not)",
            "a refused request from a watched originator still notifies",
            |ctx| {
                // Registered: an unregistered AE-ID would be refused (4106) before
                // its access is decided.
                let (stranger, _) = ctx.ae("stranger")?;
                let (_, cnt, path) = watched(ctx, json!({"enc": {"om": [{"or": stranger}]}}))?;
                expect(&ctx.client.retrieve(&cnt, &stranger), 4103, 403)?;
                let n = ctx.notification(&path)?;
                ensure(
                    n.sgn()["nev"]["om"] == json!({"op": 2, "or": stranger}),
                    || shows(&n),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/003",
            SUB,
            "TS-0004 §6.3.5.57 (ops bit mask)",
            "an operation outside ops (UPDATE with ops 2) does not notify",
            |ctx| {
                let (aei, cnt, path) = watched(ctx, json!({"enc": {"om": [{"ops": 2}]}}))?;
                expect(
                    &ctx.client
                        .update(&cnt, &json!({"m2m:cnt": {"lbl": ["x"]}}), &aei),
                    2004,
                    200,
                )?;
                ctx.quiet(&path, quiet_ms(500))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/004",
            SUB,
            "TS-0004 §7.4.8.2.1 (net and om)",
            "net and om in one enc are refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subfom")?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let attrs = json!({"nu": [nu], "enc": {"net": [1], "om": [{"ops": 2}]}});
                expect(&subscribe(ctx, &ae, attrs, &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/OMN/005",
            SUB,
            "TS-0004 §6.3.5.57 (om entry members)",
            "an om entry with neither ops nor or is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subfome")?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let attrs = json!({"nu": [nu], "enc": {"om": [{}]}});
                expect(&subscribe(ctx, &ae, attrs, &aei), 4000, 400)
            }
        ),
    ]
}

fn statistics_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUBF/NSE/001",
            SUB,
            "TS-0001 R4 §9.6.8 (notificationStatsInfo)",
            "with nse true, one event gives nsi {tg, rqs 1, rsr 1, noec 1} for the target",
            |ctx| {
                let (aei, cnt, path) = watched(ctx, json!({"enc": {"net": [3]}, "nse": true}))?;
                ctx.instance(&cnt, "x", &aei)?;
                ctx.notification(&path)?;
                let tg = ctx.receiver.url_for(&path);
                let expected = json!([{"tg": tg, "rqs": 1, "rsr": 1, "noec": 1}]);
                wait_for_statistics(ctx, &format!("{cnt}/s"), &aei, &expected)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/NSE/002",
            SUB,
            "TS-0001 R4 §9.6.8 (nsi NP)",
            "nsi in a CREATE is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subfnsi")?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let attrs = json!({"nu": [nu], "nse": true, "nsi": []});
                expect(&subscribe(ctx, &ae, attrs, &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/NSE/003",
            SUB,
            "TS-0004 R4 (nse reset rules)",
            "setting nse true again restarts the statistics (nsi removed)",
            |ctx| {
                let (aei, cnt, path) = watched(ctx, json!({"enc": {"net": [3]}, "nse": true}))?;
                ctx.instance(&cnt, "x", &aei)?;
                ctx.notification(&path)?;
                let sub = format!("{cnt}/s");
                let tg = ctx.receiver.url_for(&path);
                let expected = json!([{"tg": tg, "rqs": 1, "rsr": 1, "noec": 1}]);
                wait_for_statistics(ctx, &sub, &aei, &expected)?;
                let reply = ctx
                    .client
                    .update(&sub, &json!({"m2m:sub": {"nse": true}}), &aei);
                expect(&reply, 2004, 200)?;
                wait_for_statistics(ctx, &sub, &aei, &Value::Null)
            }
        ),
    ]
}

fn blocking_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/001",
            SUB,
            "TS-0004 §7.3.2.9, §7.5.1.2.2 (blocking update)",
            "an UPDATE under a net 7 subscription sends net 7 with the modified attributes and applies after 2000",
            |ctx| {
                let (aei, cnt, path) = blocking(ctx)?;
                let reply = ctx
                    .client
                    .update(&cnt, &json!({"m2m:cnt": {"lbl": ["ok"]}}), &aei);
                expect(&reply, 2004, 200)?;
                let n = ctx.notification(&path)?;
                ensure(
                    n.sgn()["nev"]["net"] == 7
                        && n.sgn()["nev"]["rep"] == json!({"m2m:cnt": {"lbl": ["ok"]}}),
                    || shows(&n),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/002",
            SUB,
            "TS-0004 §7.3.2.9; RSC 4127",
            "an UPDATE the blocking subscriber refuses answers 4127 and changes nothing",
            |ctx| {
                let (aei, cnt, path) = blocking(ctx)?;
                ctx.receiver.answer_on(
                    &path,
                    Answer::rsc(onecse_models::types::ResponseStatusCode::OperationNotAllowed),
                );
                let reply = ctx
                    .client
                    .update(&cnt, &json!({"m2m:cnt": {"lbl": ["no"]}}), &aei);
                expect(&reply, 4127, 403)?;
                let now = ctx.client.retrieve(&cnt, &aei);
                let lbl = now
                    .resource("m2m:cnt")
                    .and_then(|c| c.get("lbl"))
                    .cloned()
                    .unwrap_or(Value::Null);
                ensure(lbl.is_null(), || format!("lbl became {lbl}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/003",
            SUB,
            "TS-0004 §7.4.8.2.1; RSC 4124",
            "a second blocking-update subscription on one resource answers 4124",
            |ctx| {
                let (aei, cnt, _) = blocking(ctx)?;
                let attrs = json!({"nu": [aei], "enc": {"net": [7]}});
                expect(&subscribe(ctx, &cnt, attrs, &aei), 4124, 409)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/004",
            SUB,
            "TS-0004 §7.4.8.2.1 (net 7 nu)",
            "a blocking-update subscription with a URL nu is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subfblku")?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let attrs = json!({"nu": [nu], "enc": {"net": [7]}});
                expect(&subscribe(ctx, &ae, attrs, &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/005",
            SUB,
            "TS-0004 §7.4.8.2.3 (net 7 by UPDATE)",
            "an UPDATE turning a subscription into a blocking-update one is refused with 4000",
            |ctx| {
                let (aei, cnt, _) = watched(ctx, json!({}))?;
                let body = json!({"m2m:sub": {"enc": {"net": [7]}, "nct": 2}});
                expect(
                    &ctx.client.update(&format!("{cnt}/s"), &body, &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/BLK/006",
            SUB,
            "TS-0004 §7.4.8.2.3 (net 7 kept)",
            "an UPDATE changing the event type of a blocking-update subscription is refused with 4000",
            |ctx| {
                let (aei, cnt, _) = blocking(ctx)?;
                let body = json!({"m2m:sub": {"enc": {"net": [1]}}});
                expect(
                    &ctx.client.update(&format!("{cnt}/s"), &body, &aei),
                    4000,
                    400,
                )
            }
        ),
    ]
}

fn other_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUBF/BAT/001",
            SUB,
            "TS-0004 §7.5.1.2.4 (batchNotify duration)",
            "a batch below num is sent as m2m:agn once dur has passed",
            |ctx| {
                let (aei, cnt, path) = watched(
                    ctx,
                    json!({"enc": {"net": [3]}, "bn": {"num": 10, "dur": "PT1S"}}),
                )?;
                ctx.instance(&cnt, "a", &aei)?;
                ctx.instance(&cnt, "b", &aei)?;
                let n = ctx.notification(&path)?;
                let cons: Vec<&str> = n
                    .sgns()
                    .iter()
                    .filter_map(|s| s["nev"]["rep"]["m2m:cin"]["con"].as_str())
                    .collect();
                ensure(
                    n.body.get("m2m:agn").is_some() && cons == ["a", "b"],
                    || shows(&n),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/CRN/001",
            SUB,
            "TS-0001 §10.2.10.7 (cr in notifications)",
            "a subscription without cr (its own target) notifies without cr",
            |ctx| {
                let (aei, _, cnt, path) = reachable_ae(ctx)?;
                let attrs = json!({"nu": [aei], "enc": {"net": [3]}});
                let reply = subscribe(ctx, &cnt, attrs, &aei);
                expect(&reply, 2001, 201)?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn().get("cr").is_none(), || shows(&n))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/CRN/002",
            SUB,
            "TS-0004 §7.4.8.2.1, TS-0001 §10.2.10.7 (cr null)",
            "a subscription created with \"cr\": null notifies with cr = its creator",
            |ctx| {
                let (aei, _, cnt, path) = reachable_ae(ctx)?;
                let attrs = json!({"nu": [aei], "enc": {"net": [3]}, "cr": null});
                let reply = subscribe(ctx, &cnt, attrs, &aei);
                expect(&reply, 2001, 201)?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["cr"] == json!(aei), || shows(&n))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/CRN/003",
            SUB,
            "TS-0004 §7.4.8.2.1 Recv-6.5, TS-0001 §10.2.10.7 (URL nu)",
            "a subscription with a URL nu and no \"cr\": null has no creator and notifies without cr",
            |ctx| {
                let (aei, cnt, path) = watched(ctx, json!({"rn": "s", "enc": {"net": [3]}}))?;
                let sub = ctx.client.retrieve(&format!("{cnt}/s"), &aei);
                expect(&sub, 2000, 200)?;
                let cr = sub.resource("m2m:sub").and_then(|s| s.get("cr")).cloned();
                ensure(cr.is_none(), || format!("cr {cr:?}"))?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn().get("cr").is_none(), || shows(&n))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/CHT/001",
            SUB,
            "TS-0004 §7.4.8.2.1 (chty)",
            "chty naming a type that cannot be a child of a container (AE) is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subfchty")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let attrs = json!({"nu": [nu], "enc": {"net": [3], "chty": [2]}});
                expect(&subscribe(ctx, &cnt, attrs, &aei), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUBF/NUS/001",
            SUB,
            "TS-0001 §9.6.8, TS-0004 §7.5.1.2.3 (structured nu)",
            "a structured CSE-relative AE ID in nu is verified and notified through the AE's poa",
            |ctx| {
                let (aei, ae, cnt, path) = reachable_ae(ctx)?;
                let structured = ae.trim_start_matches('/').to_owned();
                let attrs = json!({"nu": [structured], "enc": {"net": [3]}});
                let reply = subscribe(ctx, &cnt, attrs, &aei);
                expect(&reply, 2001, 201)?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["rep"]["m2m:cin"]["con"] == "x", || shows(&n))
            }
        ),
    ]
}
