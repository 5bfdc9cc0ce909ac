//! CSR and FWD: a pair of CSEs (the target and `--peer`, one registered with the
//! other). Registration leaves a `<remoteCSE>` on each side (TS-0001 §9.6.4,
//! §10.2.2.7); a request for a resource of the other CSE, addressed SP-relatively
//! (`/~/<csi>/…`), is forwarded there and answered by it, under its access control
//! (TS-0004 §7.3.2.6, §7.3.2.8; spec digest inter-cse §1–§3).

use std::thread::sleep;
use std::time::{Duration, Instant};

use onecse_testkit::Reply;
use onecse_testkit::blocking::Client;
use serde_json::{Value, json};

use super::{peer_tp, tp};
use crate::suite::{Check, Ctx, Peer, TestPurpose, Verdict, ensure, expect, setup_failed};

/// How long a freshly started pair may take to register.
const REGISTRATION_WAIT: Duration = Duration::from_secs(15);

/// The `<remoteCSE>` for `csi` that the CSE `client` speaks to holds, found by
/// discovery (`ty=16`) under its CSEBase, whatever it named it.
fn remote_cse(client: &Client, csi: &str) -> Option<Value> {
    let target = client.target();
    let (base, admin) = (target.cse_base_path.clone(), target.admin.clone());
    let found = client.retrieve(&format!("{base}?fu=1&ty=16"), &admin);
    let uris = found.body["m2m:uril"].as_array()?.clone();
    uris.iter().filter_map(Value::as_str).find_map(|uri| {
        let csr = client.retrieve(&format!("/{}", uri.trim_start_matches('/')), &admin);
        let csr = csr.resource("m2m:csr")?.clone();
        (csr.get("csi").and_then(Value::as_str) == Some(csi)).then_some(Value::Object(csr))
    })
}

/// A `<remoteCSE>` as TS-0001 table 9.6.4-2 wants it for the CSE `csi`.
fn well_formed(csr: &Value, csi: &str, side: &str) -> Check {
    ensure(csr["ty"] == 16, || {
        format!("{side}: ty {} is not 16", csr["ty"])
    })?;
    let cb = csr["cb"].as_str().unwrap_or_default();
    ensure(cb.starts_with(&format!("{csi}/")), || {
        format!("{side}: cb '{cb}' is not the SP-relative address of {csi}'s CSEBase")
    })?;
    ensure(
        csr["rr"].is_boolean() && csr["srv"].as_array().is_some_and(|s| !s.is_empty()),
        || format!("{side}: rr or srv missing in {csr}"),
    )
}

fn csr_ret_001(ctx: &mut Ctx) -> Check {
    let peer = ctx.peer()?;
    let own = ctx.target().cse_id.clone();
    let started = Instant::now();
    loop {
        let here = remote_cse(ctx.client, &peer.cse_id);
        let there = remote_cse(&peer.client, &own);
        if let (Some(here), Some(there)) = (&here, &there) {
            well_formed(here, &peer.cse_id, "on the target")?;
            return well_formed(there, &own, "on the peer");
        }
        if started.elapsed() > REGISTRATION_WAIT {
            return Err(Verdict::Fail(format!(
                "after {}s the target {} a remoteCSE for {} and the peer {} one for {own}",
                REGISTRATION_WAIT.as_secs(),
                if here.is_some() { "holds" } else { "holds no" },
                peer.cse_id,
                if there.is_some() { "holds" } else { "holds no" },
            )));
        }
        sleep(Duration::from_millis(200));
    }
}

fn csr_cre_001(ctx: &mut Ctx) -> Check {
    let (aei, _) = ctx.ae("csrByAe")?;
    let body = json!({"m2m:csr": {"cb": "/id-fake/cse-fake", "rr": true, "srv": ["3"], "cst": 2}});
    let reply = ctx.client.create(&ctx.base(), 16, &body, Some(&aei));
    expect(&reply, 4005, 405)
}

/// Makes on the peer (directly, as its administrator) a container `rn` that the
/// `originators` may do anything with, under a policy of its own: its HTTP path there
/// and its `acpi`.
fn peer_container(
    ctx: &mut Ctx,
    rn: &str,
    originators: &[String],
) -> Result<(String, Value), Verdict> {
    let peer = ctx.peer()?;
    let (base, admin) = peer_base(peer);
    let acp = peer.client.create(
        &base,
        1,
        &json!({"m2m:acp": {"rn": ctx.name("fwdAcp"),
            "pv": {"acr": [{"acor": originators, "acop": 63}]},
            "pvs": {"acr": [{"acor": [admin], "acop": 63}]}}}),
        Some(&admin),
    );
    expect(&acp, 2001, 201).map_err(|v| setup_failed("ACP on the peer", v))?;
    let acp_path = format!("{base}/{}", ctx.name("fwdAcp"));
    ctx.track_on_peer(&acp_path, &admin);
    let name = ctx.name(rn);
    let acpi = json!([acp.body["m2m:acp"]["ri"]]);
    let cnt = peer.client.create(
        &base,
        3,
        &json!({"m2m:cnt": {"rn": name, "acpi": acpi}}),
        Some(&admin),
    );
    expect(&cnt, 2001, 201).map_err(|v| setup_failed("container on the peer", v))?;
    let path = format!("{base}/{name}");
    ctx.track_on_peer(&path, &admin);
    Ok((path, acpi))
}

/// The peer's CSEBase path and administrator.
fn peer_base(peer: &Peer) -> (String, String) {
    let target = peer.client.target();
    (target.cse_base_path.clone(), target.admin.clone())
}

/// What the FWD test purposes work with.
struct Setup {
    /// An AE of the target.
    aei: String,
    /// A container on the peer the AE may use: its HTTP path there.
    on_peer: String,
    /// The same container addressed through the target (`/~/<peer csi>/<path>`).
    through: String,
    /// The container's policies, for children made on the peer.
    acpi: Value,
}

fn forwarding_setup(ctx: &mut Ctx, what: &str) -> Result<Setup, Verdict> {
    let (aei, _) = ctx.ae(what)?;
    let remote_originator = format!("{}/{aei}", ctx.target().cse_id);
    let (on_peer, acpi) = peer_container(ctx, what, &[remote_originator])?;
    let through = format!("/~{}{on_peer}", ctx.peer()?.cse_id);
    Ok(Setup {
        aei,
        on_peer,
        through,
        acpi,
    })
}

/// The resource at `path` on the peer, read directly by its administrator.
fn on_peer(ctx: &Ctx, path: &str) -> Result<Reply, Verdict> {
    let peer = ctx.peer()?;
    let (_, admin) = peer_base(peer);
    Ok(peer.client.retrieve(path, &admin))
}

fn fwd_cre_001(ctx: &mut Ctx) -> Check {
    let setup = forwarding_setup(ctx, "fwdCre")?;
    let body = json!({"m2m:cnt": {"rn": "visitor"}});
    let created = ctx
        .client
        .create(&setup.through, 3, &body, Some(&setup.aei));
    expect(&created, 2001, 201)?;
    let there = on_peer(ctx, &format!("{}/visitor", setup.on_peer))?;
    expect(&there, 2000, 200).map_err(|v| match v {
        Verdict::Fail(why) => Verdict::Fail(format!("not on the peer: {why}")),
        other => other,
    })
}

/// A child container `visitor` made directly on the peer under the set-up's
/// container, under its policies: its `ri`.
fn peer_child(ctx: &Ctx, setup: &Setup) -> Result<Value, Verdict> {
    let peer = ctx.peer()?;
    let (_, admin) = peer_base(peer);
    let made = peer.client.create(
        &setup.on_peer,
        3,
        &json!({"m2m:cnt": {"rn": "visitor", "acpi": setup.acpi}}),
        Some(&admin),
    );
    expect(&made, 2001, 201).map_err(|v| setup_failed("container on the peer", v))?;
    Ok(made.body["m2m:cnt"]["ri"].clone())
}

fn fwd_ret_001(ctx: &mut Ctx) -> Check {
    let setup = forwarding_setup(ctx, "fwdRet")?;
    let ri = peer_child(ctx, &setup)?;
    let read = ctx
        .client
        .retrieve(&format!("{}/visitor", setup.through), &setup.aei);
    expect(&read, 2000, 200)?;
    ensure(read.body["m2m:cnt"]["ri"] == ri, || {
        format!("answered {} instead of the peer's {ri}", read.raw)
    })
}

fn fwd_upd_001(ctx: &mut Ctx) -> Check {
    let setup = forwarding_setup(ctx, "fwdUpd")?;
    peer_child(ctx, &setup)?;
    let body = json!({"m2m:cnt": {"lbl": ["forwarded:yes"]}});
    let updated = ctx
        .client
        .update(&format!("{}/visitor", setup.through), &body, &setup.aei);
    expect(&updated, 2004, 200)?;
    let there = on_peer(ctx, &format!("{}/visitor", setup.on_peer))?;
    ensure(
        there.body["m2m:cnt"]["lbl"] == json!(["forwarded:yes"]),
        || format!("the peer holds {}", there.raw),
    )
}

fn fwd_del_001(ctx: &mut Ctx) -> Check {
    let setup = forwarding_setup(ctx, "fwdDel")?;
    peer_child(ctx, &setup)?;
    let deleted = ctx
        .client
        .delete(&format!("{}/visitor", setup.through), &setup.aei);
    expect(&deleted, 2002, 200)?;
    let there = on_peer(ctx, &format!("{}/visitor", setup.on_peer))?;
    expect(&there, 4004, 404)
}

fn fwd_ret_002(ctx: &mut Ctx) -> Check {
    let setup = forwarding_setup(ctx, "fwdAcc")?;
    let (stranger, _) = ctx.ae("fwdStranger")?;
    expect(&ctx.client.retrieve(&setup.through, &stranger), 4103, 403)
}

fn fwd_ret_003(ctx: &mut Ctx) -> Check {
    ctx.peer()?;
    let (aei, _) = ctx.ae("fwdNowhere")?;
    let nowhere = format!("/~/id-nowhere{}/cse-nowhere", ctx.tag);
    expect(&ctx.client.retrieve(&nowhere, &aei), 4004, 404)
}

fn fwd_ret_004(ctx: &mut Ctx) -> Check {
    let peer = ctx.peer()?;
    let (peer_cse_base, _) = peer_base(peer);
    // An AE registered at the peer, and a container on the target it may read.
    let rn = ctx.name("fwdBack");
    let aei = format!("C{rn}");
    let ae = peer.client.create(
        &peer_cse_base,
        2,
        &json!({"m2m:ae": {"rn": rn, "api": "Nconformance", "rr": true, "srv": [peer.client.target().rvi.clone()]}}),
        Some(&aei),
    );
    expect(&ae, 2001, 201).map_err(|v| setup_failed("AE registration at the peer", v))?;
    ctx.track_on_peer(&format!("{peer_cse_base}/{rn}"), &aei);
    let admin = ctx.admin();
    let acp_name = ctx.name("backAcp");
    let acp = ctx.client.create(
        &ctx.base(),
        1,
        &json!({"m2m:acp": {"rn": acp_name,
            "pv": {"acr": [{"acor": [format!("{}/{aei}", peer.cse_id)], "acop": 63}]},
            "pvs": {"acr": [{"acor": [admin], "acop": 63}]}}}),
        Some(&admin),
    );
    expect(&acp, 2001, 201).map_err(|v| setup_failed("ACP on the target", v))?;
    ctx.track_with(&format!("{}/{acp_name}", ctx.base()), &admin);
    let cnt_name = ctx.name("back");
    let cnt = ctx.container(
        &ctx.base(),
        &cnt_name,
        json!({"acpi": [acp.body["m2m:acp"]["ri"]]}),
        &admin,
    )?;
    ctx.track_with(&cnt, &admin);
    let through = format!("/~{}{cnt}", ctx.target().cse_id);
    let read = peer.client.retrieve(&through, &aei);
    expect(&read, 2000, 200)?;
    ensure(read.body["m2m:cnt"]["rn"] == json!(cnt_name), || {
        format!("answered {}", read.raw)
    })
}

pub fn tps() -> Vec<TestPurpose> {
    vec![
        peer_tp!(
            "TP/oneM2M/CSE/CSR/RET/001",
            "TS-0001 §9.6.4, §10.2.2.7",
            "a registration leaves a <remoteCSE> on each side (ty 16, csi, cb /csi/…, rr, srv)",
            csr_ret_001
        ),
        tp!(
            "TP/oneM2M/CSE/CSR/CRE/001",
            &[16],
            "TS-0004 §7.4.4.2.1",
            "an AE may not create a <remoteCSE> (4005)",
            csr_cre_001
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/CRE/001",
            "TS-0004 §7.3.2.6, §7.3.2.8",
            "CREATE addressed /~/<peer csi>/… is forwarded and the resource made on the peer",
            fwd_cre_001
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/RET/001",
            "TS-0004 §7.3.2.6, §7.3.2.8",
            "RETRIEVE of a peer resource through the target answers the peer's resource",
            fwd_ret_001
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/UPD/001",
            "TS-0004 §7.3.2.6, §7.3.2.8",
            "UPDATE of a peer resource through the target changes it on the peer",
            fwd_upd_001
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/DEL/001",
            "TS-0004 §7.3.2.6, §7.3.2.8",
            "DELETE of a peer resource through the target removes it from the peer",
            fwd_del_001
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/RET/002",
            "TS-0001 §8.2.0; TS-0004 §7.3.2.6",
            "the peer decides access to its resources: an originator it did not grant gets 4103",
            fwd_ret_002
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/RET/003",
            "TS-0004 §7.3.2.8",
            "a CSE-ID neither CSE knows is answered 4004",
            fwd_ret_003
        ),
        peer_tp!(
            "TP/oneM2M/CSE/FWD/RET/004",
            "TS-0004 §7.3.2.6, §7.3.2.8",
            "the other way: an AE of the peer reads a target resource through the peer",
            fwd_ret_004
        ),
    ]
}
