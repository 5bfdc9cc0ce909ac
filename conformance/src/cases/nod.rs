//! NOD/MGO: `<node>` and `<mgmtObj>` (TS-0001 §9.6.15, §9.6.18; TS-0004 §7.4.15,
//! §7.4.18, Annex D): placement, the specializations' root keys, `mgd`, mandatory and
//! enumerated object attributes, update rules, once-per-node objects, exclusive
//! triggers and the AE–node links.

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect, setup_failed};

const NOD: &[u16] = &[14];
const MGO: &[u16] = &[13, 14];

/// A node under the CSEBase created by the admin (removed after the test); returns
/// its path and resourceID.
pub(super) fn node(ctx: &mut Ctx, what: &str) -> Result<(String, String), Verdict> {
    let rn = ctx.name(what);
    let admin = ctx.admin();
    let reply = ctx.client.create(
        &ctx.base(),
        14,
        &json!({"m2m:nod": {"rn": rn, "ni": format!("urn:dev:{rn}")}}),
        Some(&admin),
    );
    expect(&reply, 2001, 201).map_err(|v| setup_failed("node creation", v))?;
    let path = format!("{}/{rn}", ctx.base());
    ctx.track_with(&path, &admin);
    let ri = reply.text("m2m:nod", "ri").unwrap_or_default();
    Ok((path, ri))
}

/// Creates a mgmtObj under a fresh node as the admin.
pub(super) fn mgmt_obj(ctx: &mut Ctx, body: Value) -> Result<(String, Reply), Verdict> {
    let (node, _) = node(ctx, "mgo")?;
    let admin = ctx.admin();
    let reply = ctx.client.create(&node, 13, &body, Some(&admin));
    Ok((node, reply))
}

fn firmware(rn: &str) -> Value {
    json!({"m2m:fwr": {"rn": rn, "mgd": 1001, "vr": "1.0", "fwn": "main",
        "url": "http://127.0.0.1/fw.bin", "ud": false}})
}

fn refused(ctx: &mut Ctx, body: Value) -> Result<(), Verdict> {
    let (_, reply) = mgmt_obj(ctx, body)?;
    expect(&reply, 4000, 400)
}

/// The NOD and MGO test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/NOD/CRE/001",
            NOD,
            "TS-0004 §7.4.18.2.1",
            "a node is created under the CSEBase with its nodeID and ty 14",
            |ctx| {
                let (path, _) = node(ctx, "nod")?;
                let admin = ctx.admin();
                let r = ctx.client.retrieve(&path, &admin);
                expect(&r, 2000, 200)?;
                let nod = r.resource("m2m:nod").cloned().unwrap_or_default();
                ensure(nod.get("ty") == Some(&json!(14)), || {
                    format!("ty is {:?}", nod.get("ty"))
                })?;
                ensure(nod.get("ni").is_some(), || "ni missing".into())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/CRE/002",
            NOD,
            "TS-0004 §7.4.18.2.1, §7.3.3.3",
            "a node without nodeID (ni) is refused with 4000",
            |ctx| {
                let admin = ctx.admin();
                let r = ctx.client.create(
                    &ctx.base(),
                    14,
                    &json!({"m2m:nod": {"rn": ctx.name("noni")}}),
                    Some(&admin),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/CRE/003",
            NOD,
            "TS-0001 §9.6.18 (parent CSEBase)",
            "a node under an AE is refused with 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("nodae")?;
                let r = ctx
                    .client
                    .create(&ae, 14, &json!({"m2m:nod": {"ni": "x"}}), Some(&aei));
                expect(&r, 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/UPD/001",
            NOD,
            "TS-0004 §7.4.18.2.3",
            "a node's nodeID can be updated; roamingStatus (RO) cannot",
            |ctx| {
                let (path, _) = node(ctx, "nodupd")?;
                let admin = ctx.admin();
                let r =
                    ctx.client
                        .update(&path, &json!({"m2m:nod": {"ni": "urn:dev:new"}}), &admin);
                expect(&r, 2004, 200)?;
                ensure(
                    r.text("m2m:nod", "ni").as_deref() == Some("urn:dev:new"),
                    || "ni not updated".into(),
                )?;
                let r = ctx
                    .client
                    .update(&path, &json!({"m2m:nod": {"rms": true}}), &admin);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/LNK/001",
            NOD,
            "TS-0001 §9.6.18 (hostedAELinks), device-management digest §1",
            "an AE whose nl names a node is listed in the node's hael",
            |ctx| {
                let (path, ri) = node(ctx, "nodhost")?;
                let (aei, _) = ctx.ae_with("nodlnk", json!({"nl": ri}))?;
                let admin = ctx.admin();
                let r = ctx.client.retrieve(&path, &admin);
                expect(&r, 2000, 200)?;
                let hael = r.resource("m2m:nod").and_then(|n| n.get("hael")).cloned();
                ensure(
                    hael.as_ref()
                        .and_then(Value::as_array)
                        .is_some_and(|l| l.contains(&json!(aei))),
                    || format!("hael is {hael:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/LNK/002",
            NOD,
            "TS-0001 §9.6.5 (nodeLink)",
            "an AE whose nl names no node is refused with 4000",
            |ctx| {
                let rn = ctx.name("nodbad");
                let body = json!({"m2m:ae": {"rn": rn, "api": "Nconformance", "rr": true,
                    "srv": [ctx.target().rvi.clone()], "nl": "no-such-node"}});
                let r = ctx
                    .client
                    .create(&ctx.base(), 2, &body, Some(&format!("C{rn}")));
                if r.rsc == Some(2001) {
                    ctx.track_with(&format!("{}/{rn}", ctx.base()), &format!("C{rn}"));
                }
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/001",
            MGO,
            "TS-0004 §7.4.15.2.1, Annex D.2",
            "a firmware mgmtObj (m2m:fwr, mgd 1001) is created under a node with ty 13",
            |ctx| {
                let (_, r) = mgmt_obj(ctx, firmware("fw"))?;
                expect(&r, 2001, 201)?;
                let fwr = r.resource("m2m:fwr").cloned().unwrap_or_default();
                ensure(
                    fwr.get("ty") == Some(&json!(13)) && fwr.get("mgd") == Some(&json!(1001)),
                    || format!("got {fwr:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/002",
            MGO,
            "TS-0004 Annex D.7, D.8",
            "battery (m2m:bat) and deviceInfo (m2m:dvi) mgmtObjs are created",
            |ctx| {
                let (node, _) = node(ctx, "mgo2")?;
                let admin = ctx.admin();
                let bat = json!({"m2m:bat": {"mgd": 1006, "btl": 50, "bts": 2}});
                expect(&ctx.client.create(&node, 13, &bat, Some(&admin)), 2001, 201)?;
                let dvi = json!({"m2m:dvi": {"mgd": 1007, "dlb": "SN1", "man": "M", "mod": "X", "dty": "sensor"}});
                expect(&ctx.client.create(&node, 13, &dvi, Some(&admin)), 2001, 201)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/003",
            MGO,
            "TS-0004 §7.4.15.2.1 (mandatory attributes)",
            "a firmware mgmtObj without its url is refused with 4000",
            |ctx| refused(
                ctx,
                json!({"m2m:fwr": {"mgd": 1001, "vr": "1", "fwn": "f", "ud": false}})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/004",
            MGO,
            "TS-0004 §6.3.4.2.22 (mgmtDefinition), device-management digest §1",
            "a mgd that does not match the root key is refused with 4000",
            |ctx| refused(
                ctx,
                json!({"m2m:fwr": {"mgd": 1006, "vr": "1", "fwn": "f", "url": "u", "ud": false}})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/005",
            MGO,
            "TS-0004 §6.3.4.2.x (m2m:batteryStatus)",
            "a batteryStatus outside 1–7 is refused with 4000",
            |ctx| refused(ctx, json!({"m2m:bat": {"mgd": 1006, "btl": 50, "bts": 9}}))
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/006",
            MGO,
            "TS-0001 §9.6.15 (parent node)",
            "a mgmtObj under an AE is refused with 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("mgoae")?;
                expect(
                    &ctx.client.create(&ae, 13, &firmware("fw"), Some(&aei)),
                    4108,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/007",
            MGO,
            "TS-0004 Annex D.3 (uds NP on CREATE)",
            "a firmware mgmtObj with updateStatus in CREATE is refused with 4000",
            |ctx| refused(
                ctx,
                json!({"m2m:fwr": {"mgd": 1001, "vr": "1", "fwn": "f", "url": "u", "ud": false, "uds": {"sus": 1}}})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/008",
            MGO,
            "TS-0001 table 9.6.18-1 (memory, reboot, eventLog 0..1 per node)",
            "a second reboot mgmtObj under one node is refused with 4105; firmware may repeat",
            |ctx| {
                let (node, r) = mgmt_obj(ctx, json!({"m2m:rbo": {"mgd": 1009}}))?;
                expect(&r, 2001, 201)?;
                let admin = ctx.admin();
                let again =
                    ctx.client
                        .create(&node, 13, &json!({"m2m:rbo": {"mgd": 1009}}), Some(&admin));
                expect(&again, 4105, 409)?;
                expect(
                    &ctx.client.create(&node, 13, &firmware("a"), Some(&admin)),
                    2001,
                    201,
                )?;
                expect(
                    &ctx.client.create(&node, 13, &firmware("b"), Some(&admin)),
                    2001,
                    201,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/001",
            MGO,
            "TS-0004 §7.4.15.2.3, Annex D.3",
            "the firmware update trigger ud is written by UPDATE and mgd cannot be changed",
            |ctx| {
                let (node, r) = mgmt_obj(ctx, firmware("fw"))?;
                expect(&r, 2001, 201)?;
                let admin = ctx.admin();
                let path = format!("{node}/fw");
                let r = ctx
                    .client
                    .update(&path, &json!({"m2m:fwr": {"ud": true}}), &admin);
                expect(&r, 2004, 200)?;
                ensure(
                    r.resource("m2m:fwr").and_then(|a| a.get("ud")) == Some(&json!(true)),
                    || "ud not true".into(),
                )?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:fwr": {"mgd": 1002}}), &admin),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/002",
            MGO,
            "TS-0004 Annex D.10 (reboot)",
            "reboot and factoryReset both true in one UPDATE are refused with 4000",
            |ctx| {
                let (node, r) = mgmt_obj(ctx, json!({"m2m:rbo": {"rn": "rb", "mgd": 1009}}))?;
                expect(&r, 2001, 201)?;
                let admin = ctx.admin();
                let r = ctx.client.update(
                    &format!("{node}/rb"),
                    &json!({"m2m:rbo": {"rbo": true, "far": true}}),
                    &admin,
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/003",
            MGO,
            "TS-0004 §7.4.15.2.3 (Content root)",
            "an UPDATE whose root key names another specialization is refused with 4000",
            |ctx| {
                let (node, r) = mgmt_obj(ctx, firmware("fw"))?;
                expect(&r, 2001, 201)?;
                let admin = ctx.admin();
                expect(
                    &ctx.client.update(
                        &format!("{node}/fw"),
                        &json!({"m2m:swr": {"vr": "2"}}),
                        &admin,
                    ),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/DEL/001",
            MGO,
            "TS-0004 §7.4.18.2.4",
            "deleting a node deletes its mgmtObjs",
            |ctx| {
                let (node, r) = mgmt_obj(ctx, firmware("fw"))?;
                expect(&r, 2001, 201)?;
                let admin = ctx.admin();
                expect(&ctx.client.delete(&node, &admin), 2002, 200)?;
                expect(
                    &ctx.client.retrieve(&format!("{node}/fw"), &admin),
                    4004,
                    404,
                )
            }
        ),
    ]
}
