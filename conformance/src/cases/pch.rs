//! PCH: `<pollingChannel>` and its `pcu`, and NOTIFY relayed to an AE (TS-0001
//! §9.6.21, §10.2.5.12-19, §10.2.5.21-23; TS-0004 §7.3.3.9, §7.4.21-22; spec digest
//! polling-and-requests §1-§4). The relay TPs need the suite's receiver reachable
//! from the CSE (`--notify-host`).

use onecse_testkit::{Method, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const PCH: &[u16] = &[2, 15];
const PCH_SUB: &[u16] = &[2, 3, 4, 15, 23];

/// A polling AE (rr false) with a pollingChannel `pch`: (AE-ID, AE path, pch path).
fn poller(ctx: &mut Ctx) -> Result<(String, String, String), Verdict> {
    let (aei, ae) = ctx.ae_with("poll", json!({"rr": false}))?;
    let r = create_channel(ctx, &ae, &aei);
    expect(&r, 2001, 201).map_err(|v| crate::suite::setup_failed("pollingChannel creation", v))?;
    let pch = format!("{ae}/pch");
    Ok((aei, ae, pch))
}

fn create_channel(ctx: &Ctx, parent: &str, originator: &str) -> Reply {
    ctx.client.create(
        parent,
        15,
        &json!({"m2m:pch": {"rn": "pch"}}),
        Some(originator),
    )
}

/// A RETRIEVE of `pcu` (a long poll) waiting at most `ret_ms`.
fn poll(ctx: &Ctx, pch: &str, originator: &str, ret_ms: u64) -> Reply {
    let request = ctx
        .client
        .request(Method::GET, &format!("{pch}/pcu"))
        .originator(originator)
        .header("X-M2M-RET", ret_ms.to_string());
    ctx.client.execute(request)
}

/// A NOTIFY (POST without `ty`) with `body`.
fn notify(ctx: &Ctx, path: &str, originator: &str, body: &Value) -> Reply {
    let request = ctx
        .client
        .request(Method::POST, path)
        .originator(originator)
        .json(None, body);
    ctx.client.execute(request)
}

/// The poller subscribes to its own container (its own AE-ID as `nu`: no
/// verification) and creates `cons` there, one instance each; returns nothing but
/// what failed.
fn notifications_for(ctx: &Ctx, aei: &str, ae: &str, cons: &[&str]) -> Result<(), Verdict> {
    let cnt = ctx.container(ae, "c", json!({}), aei)?;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [aei], "enc": {"net": [3]}}});
    expect(&ctx.client.create(&cnt, 23, &sub, Some(aei)), 2001, 201)?;
    for con in cons {
        ctx.instance(&cnt, con, aei)?;
    }
    Ok(())
}

fn polled_con(r: &Reply) -> String {
    r.body["m2m:rqp"]["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The PCH test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = channel_tps();
    all.extend(pcu_tps());
    all.extend(relay_tps());
    all
}

fn channel_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/PCH/CRE/001",
            PCH,
            "TS-0004 §7.4.21.2.1",
            "an AE creates a pollingChannel under itself: 2001, ty 15, no acpi",
            |ctx| {
                let (_, _, pch) = poller(ctx)?;
                let r = ctx.client.retrieve(&pch, &ctx.admin());
                expect(&r, 2000, 200)?;
                let res = r.resource("m2m:pch").cloned().unwrap_or_default();
                ensure(res.get("ty") == Some(&json!(15)), || {
                    format!("ty is {:?}", res.get("ty"))
                })?;
                ensure(res.get("acpi").is_none(), || {
                    "a pollingChannel has no acpi".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/CRE/002",
            PCH,
            "TS-0001 §9.6.21; polling-and-requests.md §1 (owner only)",
            "another AE may not create a pollingChannel under an AE (4103)",
            |ctx| {
                let (_, ae) = ctx.ae_with("pchvictim", json!({"rr": false}))?;
                let (other, _) = ctx.ae("pchintruder")?;
                expect(&create_channel(ctx, &ae, &other), 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/CRE/003",
            PCH,
            "TS-0004 §7.4.21.2.1 (parent AE or remoteCSE); RSC 4108",
            "a pollingChannel under the CSEBase or a container is refused with 4108",
            |ctx| {
                let admin = ctx.admin();
                expect(&create_channel(ctx, &ctx.base(), &admin), 4108, 403)?;
                let (aei, ae) = ctx.ae("pchcnt")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                expect(&create_channel(ctx, &cnt, &aei), 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/CRE/004",
            PCH,
            "TS-0004 §7.4.21 (multiplicity 0..1)",
            "a second pollingChannel under the same AE is refused (onecse 4105, ACME 4000)",
            |ctx| {
                let (aei, ae, _) = poller(ctx)?;
                let r = ctx
                    .client
                    .create(&ae, 15, &json!({"m2m:pch": {"rn": "pch2"}}), Some(&aei));
                ensure(matches!(r.rsc, Some(4105 | 4000)), || {
                    format!("expected 4105 or 4000, got {:?}: {}", r.rsc, r.raw)
                })?;
                expect(&ctx.client.retrieve(&format!("{ae}/pch2"), &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/RUD/001",
            PCH,
            "TS-0001 §9.6.21; polling-and-requests.md §1 (owner only)",
            "only the AE reads, updates and deletes its pollingChannel; another AE gets 4103",
            |ctx| {
                let (aei, _, pch) = poller(ctx)?;
                let (other, _) = ctx.ae("pchother")?;
                let change = json!({"m2m:pch": {"lbl": ["x"]}});
                expect(&ctx.client.retrieve(&pch, &other), 4103, 403)?;
                expect(&ctx.client.update(&pch, &change, &other), 4103, 403)?;
                expect(&ctx.client.delete(&pch, &other), 4103, 403)?;
                expect(&ctx.client.retrieve(&pch, &aei), 2000, 200)?;
                let r = ctx.client.update(&pch, &change, &aei);
                expect(&r, 2004, 200)?;
                expect(&ctx.client.delete(&pch, &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&pch, &aei), 4004, 404)
            }
        ),
    ]
}

fn pcu_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/001",
            PCH,
            "TS-0004 §7.4.22.2.2; polling-and-requests.md §2 (long poll)",
            "a long poll with nothing queued ends with 4008 (HTTP 504) when its X-M2M-RET passes",
            |ctx| {
                let (aei, _, pch) = poller(ctx)?;
                expect(&poll(ctx, &pch, &aei, 500), 4008, 504)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/002",
            PCH,
            "TS-0004 §7.4.22.2.2; RSC 4103",
            "another AE may not poll or answer through the pollingChannelURI (4103)",
            |ctx| {
                let (_, _, pch) = poller(ctx)?;
                let (other, _) = ctx.ae("pcuother")?;
                expect(&poll(ctx, &pch, &other, 300), 4103, 403)?;
                let rsp = json!({"m2m:rsp": {"rsc": 2000, "rqi": "x"}});
                expect(&notify(ctx, &format!("{pch}/pcu"), &other, &rsp), 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/003",
            PCH,
            "TS-0004 §7.4.22.2.1/.3/.4; RSC 4005",
            "CREATE, UPDATE and DELETE of the pollingChannelURI are refused with 4005",
            |ctx| {
                let (aei, _, pch) = poller(ctx)?;
                let pcu = format!("{pch}/pcu");
                let cin = json!({"m2m:cin": {"con": "x"}});
                expect(&ctx.client.create(&pcu, 4, &cin, Some(&aei)), 4005, 405)?;
                expect(
                    &ctx.client.update(&pcu, &json!({"m2m:pch": {}}), &aei),
                    4005,
                    405,
                )?;
                expect(&ctx.client.delete(&pcu, &aei), 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/004",
            PCH,
            "polling-and-requests.md §2 (NOTIFY carries m2m:rsp; ACME 4000)",
            "a NOTIFY to the pollingChannelURI without m2m:rsp is refused with 4000",
            |ctx| {
                let (aei, _, pch) = poller(ctx)?;
                let body = json!({"m2m:sgn": {"vrq": true}});
                expect(&notify(ctx, &format!("{pch}/pcu"), &aei, &body), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/005",
            PCH_SUB,
            "TS-0001 §10.2.5.12-14; polling-and-requests.md §3 (rr false + pollingChannel)",
            "a notification for an AE with rr false is handed out by its long poll as m2m:rqp (op 5, m2m:sgn)",
            |ctx| {
                let (aei, ae, pch) = poller(ctx)?;
                notifications_for(ctx, &aei, &ae, &["polled"])?;
                let r = poll(ctx, &pch, &aei, 5000);
                expect(&r, 2000, 200)?;
                let rqp = &r.body["m2m:rqp"];
                ensure(rqp["op"] == json!(5), || format!("op is {}", rqp["op"]))?;
                ensure(rqp["rqi"].is_string(), || "rqi missing".into())?;
                ensure(polled_con(&r) == "polled", || format!("rqp: {rqp}"))?;
                let rsp = json!({"m2m:rsp": {"rsc": 2000, "rqi": rqp["rqi"]}});
                expect(&notify(ctx, &format!("{pch}/pcu"), &aei, &rsp), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/006",
            PCH_SUB,
            "TS-0001 §10.2.5.13; polling-and-requests.md §2-§3",
            "queued requests are handed out in order, each once; then the poll times out (4008)",
            |ctx| {
                let (aei, ae, pch) = poller(ctx)?;
                notifications_for(ctx, &aei, &ae, &["a", "b", "c"])?;
                let mut got = Vec::new();
                for _ in 0..3 {
                    let r = poll(ctx, &pch, &aei, 5000);
                    expect(&r, 2000, 200)?;
                    got.push(polled_con(&r));
                }
                ensure(got == ["a", "b", "c"], || format!("handed out {got:?}"))?;
                expect(&poll(ctx, &pch, &aei, 500), 4008, 504)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/PCU/007",
            PCH,
            "polling-and-requests.md §1 (pcu never listed nor discovered)",
            "discovery under the AE finds the pollingChannel but never its pcu",
            |ctx| {
                let (aei, ae, _) = poller(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1"), &aei);
                expect(&r, 2000, 200)?;
                let texts = r.uril();
                ensure(texts.iter().any(|u| u.ends_with("/pch")), || {
                    format!("pch not discovered: {texts:?}")
                })?;
                ensure(!texts.iter().any(|u| u.ends_with("pcu")), || {
                    format!("pcu discovered: {texts:?}")
                })
            }
        ),
    ]
}

fn relay_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/PCH/NTF/001",
            &[2],
            "TS-0004 §7.3.3.9.1; polling-and-requests.md §4 (relay to poa)",
            "a NOTIFY to an AE is forwarded to its poa with the same content and originator, and its answer comes back",
            |ctx| {
                let path = ctx.notify_path("/relay");
                let poa = ctx.receiver.url_for(&path);
                let (_, ae) = ctx.ae_with("relay", json!({"poa": [poa]}))?;
                let body = json!({"m2m:sgn": {"nev": {"rep": {"n": 1}, "net": 1}, "sur": "/x/y"}});
                let admin = ctx.admin();
                let r = notify(ctx, &ae, &admin, &body);
                expect(&r, 2000, 200)?;
                let got = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("nothing arrived at the AE's poa".into()))?;
                ensure(got.body == body, || format!("forwarded {}", got.body))?;
                ensure(got.header("x-m2m-origin") == Some(admin.as_str()), || {
                    format!("originator {:?}", got.header("x-m2m-origin"))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/NTF/004",
            &[2],
            "TS-0004 §7.2.2, §7.3.2; versions.md §2 (release of the receiver)",
            "a NOTIFY relayed to an AE with srv [2a] carries X-M2M-RVI 2a (whatever the originator spoke) and no query arguments",
            |ctx| {
                let path = ctx.notify_path("/relay");
                let poa = ctx.receiver.url_for(&path);
                let (_, ae) = ctx.ae_with("relayrvi", json!({"poa": [poa], "srv": ["2a"]}))?;
                let body = json!({"m2m:sgn": {"nev": {"net": 1}, "sur": "/x/y"}});
                let admin = ctx.admin();
                expect(&notify(ctx, &ae, &admin, &body), 2000, 200)?;
                let got = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("nothing arrived at the AE's poa".into()))?;
                ensure(got.header("x-m2m-rvi") == Some("2a"), || {
                    format!("X-M2M-RVI {:?}", got.header("x-m2m-rvi"))
                })?;
                ensure(got.path == path, || format!("relayed to {}", got.path))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/NTF/002",
            &[2],
            "TS-0004 §7.3.3.9.1 step 2; RSC 4103",
            "a NOTIFY to an AE from an originator without the NOTIFY privilege is refused (4103)",
            |ctx| {
                let path = ctx.notify_path("/relay");
                let poa = ctx.receiver.url_for(&path);
                let (_, ae) = ctx.ae_with("relayed", json!({"poa": [poa]}))?;
                let (other, _) = ctx.ae("relayer")?;
                let body = json!({"m2m:sgn": {"vrq": true, "sur": "/x/y"}});
                expect(&notify(ctx, &ae, &other, &body), 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/PCH/NTF/003",
            PCH,
            "TS-0001 §10.2.5.21-23; polling-and-requests.md §3-§4",
            "a NOTIFY to an AE with rr false and no pollingChannel is refused with 5103",
            |ctx| {
                let (_, ae) = ctx.ae_with("unreachable", json!({"rr": false}))?;
                let admin = ctx.admin();
                let body = json!({"m2m:sgn": {"vrq": true, "sur": "/x/y"}});
                expect(&notify(ctx, &ae, &admin, &body), 5103, 404)
            }
        ),
    ]
}
