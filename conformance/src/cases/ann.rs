//! ANN: announcement across two CSEs (TS-0001 §9.6.26, §10.2.13; TS-0004
//! §7.3.3.10–11, §7.4.26; spec digest inter-cse §4). The CSE under test announces
//! to the peer CSE (`--peer`, registered with it or its registrar), as ACME's remote
//! tests do; the copies are read on the peer. A CSE may announce in the background,
//! so a copy's address in `at` is awaited (up to the request time limit). Without a
//! peer every ANN test purpose is skipped.

use std::time::{Duration, Instant};

use onecse_testkit::Reply;
use onecse_testkit::blocking::Client;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect, setup_failed};

const ANN: &[u16] = &[2, 3];

/// The peer's client and CSE-ID, or a skip.
fn peer<'a>(ctx: &Ctx<'a>) -> Result<(&'a Client, String), Verdict> {
    let peer = ctx.peer()?;
    Ok((&peer.client, peer.cse_id.clone()))
}

/// Reads `path` with `client` until `done` holds or the time limit passes.
fn until(client: &Client, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = Instant::now() + client.target().timeout;
    let admin = client.target().admin.clone();
    loop {
        let reply = client.retrieve(path, &admin);
        if done(&reply) || Instant::now() >= deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The address of the copy on the peer once `at` of the original at `path` names it.
fn copy_address(ctx: &Ctx, path: &str, root: &str, peer_id: &str) -> Result<String, Verdict> {
    let prefix = format!("{peer_id}/");
    let entry = |r: &Reply| -> Option<String> {
        r.resource(root)?
            .get("at")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .find(|a| a.starts_with(&prefix))
            .map(str::to_owned)
    };
    let reply = until(ctx.client, path, |r| entry(r).is_some());
    entry(&reply).ok_or_else(|| {
        Verdict::Fail(format!(
            "at of {path} never named a copy on {peer_id}: {}",
            reply.raw.chars().take(200).collect::<String>()
        ))
    })
}

/// The peer's HTTP path of an SP-relative address.
fn on_peer(address: &str) -> String {
    format!("/~{address}")
}

/// An AE announced to the peer and a policy (its `ri`) letting the peer's
/// administrator, the AE and the administrator here do anything: the AE's ID, its
/// path and the policy.
fn announced_ae(ctx: &mut Ctx, peer_id: &str) -> Result<(String, String, String), Verdict> {
    let admin = ctx.admin();
    let rn = ctx.name("annAcp");
    let (aei, ae) = ctx.ae_with("annAe", json!({"at": [peer_id]}))?;
    let policy = json!({"m2m:acp": {"rn": rn,
        "pv": {"acr": [{"acor": [format!("{peer_id}/{admin}"), aei.clone(), admin.clone()], "acop": 63}]},
        "pvs": {"acr": [{"acor": [admin.clone()], "acop": 63}]}}});
    let acp = ctx.client.create(&ctx.base(), 1, &policy, Some(&admin));
    expect(&acp, 2001, 201).map_err(|v| setup_failed("accessControlPolicy creation", v))?;
    ctx.track_with(&format!("{}/{rn}", ctx.base()), &admin);
    let acp_ri = acp.text("m2m:acp", "ri").unwrap_or_default();
    Ok((aei, ae, acp_ri))
}

/// An AE announced to the peer, with a container announced below it (`aa: [mni]`,
/// `mni` 5, under `acpi` letting the peer's administrator read it); returns the
/// container's path and its copy's address.
fn announced_container(ctx: &mut Ctx, peer_id: &str) -> Result<(String, String, String), Verdict> {
    let (aei, ae, acp_ri) = announced_ae(ctx, peer_id)?;
    let cnt = ctx.container(
        &ae,
        "annCnt",
        json!({"at": [peer_id], "aa": ["mni"], "mni": 5, "lbl": ["ann:1"], "acpi": [acp_ri]}),
        &aei,
    )?;
    let copy = copy_address(ctx, &cnt, "m2m:cnt", peer_id)?;
    Ok((aei, cnt, copy))
}

/// The ANN test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/ANN/CRE/001",
            ANN,
            "TS-0001 §10.2.13.2, TS-0004 §7.4.26",
            "an AE with at naming the peer gets an AEAnnc there (ty 10002, lnk to the original)",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (_, ae) = ctx.ae_with("annAe", json!({"at": [peer_id.clone()]}))?;
                let ri = ctx
                    .client
                    .retrieve(&ae, &ctx.admin())
                    .text("m2m:ae", "ri")
                    .unwrap_or_default();
                let copy = copy_address(ctx, &ae, "m2m:ae", &peer_id)?;
                let read = peer.retrieve(&on_peer(&copy), &ctx.admin());
                expect(&read, 2000, 200)?;
                let lnk = read.text("m2m:aeA", "lnk").unwrap_or_default();
                ensure(
                    read.resource("m2m:aeA").and_then(|a| a.get("ty")) == Some(&json!(10002)),
                    || format!("the copy is not an AEAnnc: {}", read.raw),
                )?;
                ensure(!ri.is_empty() && lnk.ends_with(&ri), || {
                    format!("lnk '{lnk}' does not name the original '{ri}'")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/CRE/002",
            ANN,
            "TS-0001 §9.6.26.1, §10.2.13.2",
            "a container below an announced AE is announced below the AE's copy, with the OA attributes aa names",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (_, _, copy) = announced_container(ctx, &peer_id)?;
                let read = peer.retrieve(&on_peer(&copy), &ctx.admin());
                expect(&read, 2000, 200)?;
                let cnt = read.resource("m2m:cntA").cloned().unwrap_or_default();
                ensure(cnt.get("ty") == Some(&json!(10003)), || {
                    format!("not a containerAnnc: {}", read.raw)
                })?;
                ensure(cnt.get("mni") == Some(&json!(5)), || {
                    format!("mni (in aa) missing: {}", read.raw)
                })?;
                ensure(cnt.get("lbl") == Some(&json!(["ann:1"])), || {
                    format!("lbl (MA) missing: {}", read.raw)
                })?;
                let parent = peer.retrieve(
                    &format!(
                        "/~{peer_id}/{}",
                        cnt.get("pi").and_then(Value::as_str).unwrap_or("?")
                    ),
                    &ctx.admin(),
                );
                ensure(parent.resource("m2m:aeA").is_some(), || {
                    format!("the copy's parent is not the AE's copy: {}", parent.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/CRE/003",
            ANN,
            "TS-0001 §10.2.13.7",
            "aa entries that are no NCName, or no attribute of the type, are refused with 4000",
            |ctx| {
                let (_, peer_id) = peer(ctx)?;
                let (aei, ae) = ctx.ae("annBad")?;
                for aa in ["lb+l", "lb l", "1lbl", "api"] {
                    let body = json!({"m2m:cnt": {"at": [peer_id.clone()], "aa": [aa]}});
                    let reply = ctx.client.create(&ae, 3, &body, Some(&aei));
                    expect(&reply, 4000, 400).map_err(|v| match v {
                        Verdict::Fail(why) => Verdict::Fail(format!("aa [{aa}]: {why}")),
                        other => other,
                    })?;
                }
                Ok(())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/CRE/004",
            ANN,
            "TS-0001 §9.6.26.1",
            "at naming a CSE that is not registered is refused with 4000",
            |ctx| {
                peer(ctx)?;
                let (aei, ae) = ctx.ae("annUnknown")?;
                let body = json!({"m2m:cnt": {"at": [format!("/id-unknown{}", ctx.tag)]}});
                expect(&ctx.client.create(&ae, 3, &body, Some(&aei)), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/UPD/001",
            ANN,
            "TS-0004 §7.3.3.11",
            "an UPDATE of an announced attribute reaches the copy; aa: null removes it there",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (aei, cnt, copy) = announced_container(ctx, &peer_id)?;
                let update = json!({"m2m:cnt": {"lbl": ["ann:2"], "mni": 7}});
                expect(&ctx.client.update(&cnt, &update, &aei), 2004, 200)?;
                let read = until(peer, &on_peer(&copy), |r| {
                    r.resource("m2m:cntA").and_then(|c| c.get("mni")) == Some(&json!(7))
                });
                ensure(
                    read.resource("m2m:cntA").and_then(|c| c.get("lbl")) == Some(&json!(["ann:2"])),
                    || format!("the copy did not follow the update: {}", read.raw),
                )?;
                expect(
                    &ctx.client
                        .update(&cnt, &json!({"m2m:cnt": {"aa": null}}), &aei),
                    2004,
                    200,
                )?;
                let read = until(peer, &on_peer(&copy), |r| {
                    r.resource("m2m:cntA")
                        .is_some_and(|c| !c.contains_key("mni"))
                });
                ensure(
                    read.resource("m2m:cntA")
                        .is_some_and(|c| !c.contains_key("mni")),
                    || format!("mni stayed on the copy after aa: null: {}", read.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/UPD/002",
            ANN,
            "TS-0004 §7.3.3.11",
            "at: null de-announces: the copy is deleted",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (aei, cnt, copy) = announced_container(ctx, &peer_id)?;
                expect(
                    &ctx.client
                        .update(&cnt, &json!({"m2m:cnt": {"at": null}}), &aei),
                    2004,
                    200,
                )?;
                expect(
                    &until(peer, &on_peer(&copy), |r| r.rsc == Some(4004)),
                    4004,
                    404,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/DEL/001",
            ANN,
            "TS-0004 §7.3.3.11",
            "deleting the original deletes its copy",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (aei, cnt, copy) = announced_container(ctx, &peer_id)?;
                expect(&ctx.client.delete(&cnt, &aei), 2002, 200)?;
                expect(
                    &until(peer, &on_peer(&copy), |r| r.rsc == Some(4004)),
                    4004,
                    404,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/RET/001",
            ANN,
            "TS-0004 §7.4.26.2.2",
            "RETRIEVE of the copy with rcn=7 answers the original; rcn=7 on a resource that is not announced is 4000",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (_, _, copy) = announced_container(ctx, &peer_id)?;
                let admin = ctx.admin();
                let original = peer.retrieve(&format!("{}?rcn=7", on_peer(&copy)), &admin);
                expect(&original, 2000, 200)?;
                ensure(
                    original.resource("m2m:cnt").and_then(|c| c.get("ty")) == Some(&json!(3)),
                    || {
                        format!(
                            "rcn=7 did not answer the original container: {}",
                            original.raw
                        )
                    },
                )?;
                let base = peer.target().cse_base_path.clone();
                expect(&peer.retrieve(&format!("{base}?rcn=7"), &admin), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ANN/CRE/005",
            ANN,
            "TS-0001 §9.6.35, §10.2.13.2; TS-0004 §7.4.26",
            "a flexContainer is announced as a flexContainerAnnc (ty 10028) carrying its cnd and the custom attributes aa names, and no others",
            |ctx| {
                let (peer, peer_id) = peer(ctx)?;
                let (aei, ae, acp_ri) = announced_ae(ctx, &peer_id)?;
                let rn = ctx.name("annFcnt");
                let body = json!({"m2m:fcnt": {"rn": rn, "cnd": "org.example.annc",
                    "level": 3, "hidden": "x", "at": [peer_id.clone()], "aa": ["level"],
                    "acpi": [acp_ri]}});
                let made = ctx.client.create(&ae, 28, &body, Some(&aei));
                expect(&made, 2001, 201)?;
                let path = format!("{ae}/{rn}");
                let copy = copy_address(ctx, &path, "m2m:fcnt", &peer_id)?;
                let read = peer.retrieve(&on_peer(&copy), &ctx.admin());
                expect(&read, 2000, 200)?;
                let fcnt = read.resource("m2m:fcntA").cloned().unwrap_or_default();
                ensure(fcnt.get("ty") == Some(&json!(10028)), || {
                    format!("not a flexContainerAnnc: {}", read.raw)
                })?;
                ensure(fcnt.get("cnd") == Some(&json!("org.example.annc")), || {
                    format!("cnd (MA) missing: {}", read.raw)
                })?;
                ensure(fcnt.get("level") == Some(&json!(3)), || {
                    format!("level (in aa) missing: {}", read.raw)
                })?;
                ensure(fcnt.get("hidden").is_none(), || {
                    format!("hidden (not in aa) was announced: {}", read.raw)
                })
            }
        ),
    ]
}
