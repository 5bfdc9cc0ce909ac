//! MGO (continued): what a client reads back from a mgmtObj's status and trigger
//! attributes (TS-0004 Annex D), the one-shot triggers stored as "value always true",
//! a node's non-empty `hael`, and the TS-0022 device-configuration objects:
//! myCertFileCred SUIDs, wifiClient credentials, dataCollection schedules, SIM,
//! mobileNetwork and credentials.

use serde_json::{Value, json};

use super::nod::node;
use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const NOD: &[u16] = &[14];
const MGO: &[u16] = &[13, 14];

/// Creates `body` under `node`, expects 2001 and returns the object's path and
/// its representation under `root`.
fn made(ctx: &mut Ctx, node: &str, body: Value, root: &str) -> Result<(String, Value), Verdict> {
    let rn = body
        .get(root)
        .and_then(|o| o.get("rn"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let admin = ctx.admin();
    let reply = ctx.client.create(node, 13, &body, Some(&admin));
    expect(&reply, 2001, 201)?;
    let resource = reply.resource(root).cloned().unwrap_or_default();
    Ok((format!("{node}/{rn}"), Value::Object(resource)))
}

/// Creating `body` under `node` is refused with 4000.
fn refused(ctx: &Ctx, node: &str, body: Value) -> Result<(), Verdict> {
    let admin = ctx.admin();
    expect(&ctx.client.create(node, 13, &body, Some(&admin)), 4000, 400)
}

/// An UPDATE of `path` as the admin.
fn update(ctx: &Ctx, path: &str, body: &Value) -> onecse_testkit::Reply {
    let admin = ctx.admin();
    ctx.client.update(path, body, &admin)
}

fn wifi(rn: &str, wcrds: Value) -> Value {
    json!({"dcfg:wific": {"rn": rn, "mgd": 1028, "ssid": "net", "wcrds": wcrds}})
}

fn data_collection() -> Value {
    json!({"dcfg:datc": {"rn": "dc", "mgd": 1021, "cntp": "cse-in/app/data"}})
}

fn both_true(resource: &Value, a: &str, b: &str) -> Result<(), Verdict> {
    ensure(
        resource.get(a) == Some(&json!(true)) && resource.get(b) == Some(&json!(true)),
        || format!("{a}/{b} should be stored as true, got {resource}"),
    )
}

/// The MGO test purposes beyond placement and basic CRUD.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/NOD/CRE/004",
            NOD,
            "TS-0004 §6.3.4.2.x (hostedAELinks is a non-empty list)",
            "a node with an empty hael is refused with 4000",
            |ctx| {
                let admin = ctx.admin();
                let r = ctx.client.create(
                    &ctx.base(),
                    14,
                    &json!({"m2m:nod": {"rn": ctx.name("hael"), "ni": "n", "hael": []}}),
                    Some(&admin),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/NOD/UPD/002",
            NOD,
            "TS-0004 §6.3.4.2.x (hostedAELinks is a non-empty list)",
            "an UPDATE setting hael to an empty list is refused with 4000",
            |ctx| {
                let (path, _) = node(ctx, "haelupd")?;
                expect(
                    &update(ctx, &path, &json!({"m2m:nod": {"hael": []}})),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/009",
            MGO,
            "TS-0004 Annex D.3 (updateStatus)",
            "a new firmware object reads back an updateStatus object",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let body = json!({"m2m:fwr": {"rn": "fw", "mgd": 1001, "vr": "1", "fwn": "f",
                    "url": "http://127.0.0.1/f", "ud": false}});
                let (_, fwr) = made(ctx, &n, body, "m2m:fwr")?;
                ensure(fwr.get("uds").is_some_and(Value::is_object), || {
                    format!("uds missing: {fwr}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/010",
            MGO,
            "TS-0004 Annex D.4 (install, uninstall, installStatus)",
            "a new software object reads back in, un and installStatus",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let body = json!({"m2m:swr": {"rn": "sw", "mgd": 1002, "vr": "1", "swn": "s",
                    "url": "http://127.0.0.1/s"}});
                let (_, swr) = made(ctx, &n, body, "m2m:swr")?;
                ensure(
                    swr.get("in") == Some(&json!(false))
                        && swr.get("un") == Some(&json!(false))
                        && swr.get("ins").is_some_and(Value::is_object),
                    || format!("in/un/ins missing: {swr}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/004",
            MGO,
            "TS-0004 Annex D.8 (enable, disable: value always true)",
            "deviceCapability ena/dis read back true after any UPDATE of them",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let body = json!({"m2m:dvc": {"rn": "cap", "mgd": 1008, "can": "c", "att": true,
                    "cas": {"acn": "", "sus": 0}, "cus": false}});
                let (path, dvc) = made(ctx, &n, body, "m2m:dvc")?;
                both_true(&dvc, "ena", "dis")?;
                let r = update(ctx, &path, &json!({"m2m:dvc": {"ena": false}}));
                expect(&r, 2004, 200)?;
                both_true(
                    &Value::Object(r.resource("m2m:dvc").cloned().unwrap_or_default()),
                    "ena",
                    "dis",
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/005",
            MGO,
            "TS-0004 Annex D.10 (reboot, factoryReset: value always true)",
            "reboot rbo/far read back true after a reboot trigger",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let (path, _) = made(
                    ctx,
                    &n,
                    json!({"m2m:rbo": {"rn": "rb", "mgd": 1009}}),
                    "m2m:rbo",
                )?;
                let r = update(ctx, &path, &json!({"m2m:rbo": {"rbo": true}}));
                expect(&r, 2004, 200)?;
                both_true(
                    &Value::Object(r.resource("m2m:rbo").cloned().unwrap_or_default()),
                    "rbo",
                    "far",
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/006",
            MGO,
            "TS-0004 Annex D.11 (logStart, logStop)",
            "eventLog lga and lgo both true in one UPDATE are refused with 4000",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let body =
                    json!({"m2m:evl": {"rn": "log", "mgd": 1010, "lgt": 1, "lgd": "", "lgst": 2}});
                let (path, _) = made(ctx, &n, body, "m2m:evl")?;
                expect(
                    &update(ctx, &path, &json!({"m2m:evl": {"lga": true, "lgo": true}})),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/011",
            MGO,
            "TS-0022 (myCertFileCred), TS-0003 m2m:suid",
            "a myCertFileCred with SUID 42 is created; one with SUID 99 is refused with 4000",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let cert = |suid: i64| {
                    json!({"m2m:nycfc": {"rn": "cert", "mgd": 1023, "suids": [suid],
                        "mcff": "application/pkcs7mime", "mcfc": "key"}})
                };
                made(ctx, &n, cert(42), "m2m:nycfc")?;
                refused(ctx, &n, cert(99))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/007",
            MGO,
            "TS-0022 (myCertFileCred: mcff, mcfc NP in UPDATE)",
            "a myCertFileCred's certificate content cannot be updated (4000)",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let body = json!({"m2m:nycfc": {"rn": "cert", "mgd": 1023, "suids": [40],
                    "mcff": "application/pkcs7mime", "mcfc": "key"}});
                let (path, _) = made(ctx, &n, body, "m2m:nycfc")?;
                expect(
                    &update(ctx, &path, &json!({"m2m:nycfc": {"mcfc": "other"}})),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/012",
            MGO,
            "TS-0022 (wifiClient, dcfg:wifiCredentials)",
            "a wifiClient with WPA-enterprise user name and password is created",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let (_, wific) = made(
                    ctx,
                    &n,
                    wifi("wifi", json!({"enct": 8, "unm": "u", "pwd": "p"})),
                    "dcfg:wific",
                )?;
                ensure(wific.get("ssid") == Some(&json!("net")), || {
                    format!("got {wific}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/013",
            MGO,
            "TS-0022 (dcfg:wifiCredentials)",
            "wifiClient credentials of another encryption type are refused with 4000",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                refused(
                    ctx,
                    &n,
                    wifi("w1", json!({"enct": 2, "unm": "u", "pwd": "p"})),
                )?;
                refused(ctx, &n, wifi("w2", json!({"enct": 4, "wepk": "k"})))?;
                refused(ctx, &n, wifi("w3", json!({"enct": 8, "wpap": "w"})))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/008",
            MGO,
            "TS-0022 (dataCollection), TS-0004 m2m:scheduleEntries",
            "a dataCollection rejects a malformed reporting schedule and accepts a 7-field one",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let (path, _) = made(ctx, &n, data_collection(), "dcfg:datc")?;
                for bad in [json!(10000), json!([10]), json!([{"sce": ["10 * * * *"]}])] {
                    expect(
                        &update(ctx, &path, &json!({"dcfg:datc": {"rpsc": bad}})),
                        4000,
                        400,
                    )?;
                }
                expect(
                    &update(
                        ctx,
                        &path,
                        &json!({"dcfg:datc": {"rpsc": [{"sce": ["10 * * * * * *"]}]}}),
                    ),
                    2004,
                    200,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/UPD/009",
            MGO,
            "TS-0022 (dataCollection: measurementSchedule or measurementInterval)",
            "meil while mesc is set is refused (4000); removing mesc with null allows it",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let (path, _) = made(ctx, &n, data_collection(), "dcfg:datc")?;
                let schedule = json!({"dcfg:datc": {"mesc": [{"sce": ["0 * * * * * *"]}]}});
                expect(&update(ctx, &path, &schedule), 2004, 200)?;
                expect(
                    &update(ctx, &path, &json!({"dcfg:datc": {"meil": 1000}})),
                    4000,
                    400,
                )?;
                let r = update(
                    ctx,
                    &path,
                    &json!({"dcfg:datc": {"mesc": null, "meil": 1000}}),
                );
                expect(&r, 2004, 200)?;
                let datc = r.resource("dcfg:datc").cloned().unwrap_or_default();
                ensure(
                    !datc.contains_key("mesc") && datc.get("meil") == Some(&json!(1000)),
                    || format!("got {datc:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/014",
            MGO,
            "TS-0022 (SIM: iccid)",
            "a SIM with a well-formed ICCID is created; a malformed ICCID is refused with 4000",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                made(
                    ctx,
                    &n,
                    json!({"dcfg:sim": {"rn": "sim", "mgd": 1030, "icid": "89490200001234567890", "sist": 1}}),
                    "dcfg:sim",
                )?;
                refused(
                    ctx,
                    &n,
                    json!({"dcfg:sim": {"mgd": 1030, "icid": "not-an-iccid"}}),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/015",
            MGO,
            "TS-0022 (mobileNetwork: dcfg:cellularNetworkBearer)",
            "a mobileNetwork with bearer 7 (NB-IoT) is created; bearer 9 is refused with 4000",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                made(
                    ctx,
                    &n,
                    json!({"dcfg:mnwk": {"rn": "mn", "mgd": 1031, "cnb": 7, "rss": -90}}),
                    "dcfg:mnwk",
                )?;
                refused(ctx, &n, json!({"dcfg:mnwk": {"mgd": 1031, "cnb": 9}}))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MGO/CRE/016",
            MGO,
            "TS-0022 (credentials)",
            "a credentials object is created under its dcfg:crds root key",
            |ctx| {
                let (n, _) = node(ctx, "mgo")?;
                let (_, crds) = made(
                    ctx,
                    &n,
                    json!({"dcfg:crds": {"rn": "cr", "mgd": 1029, "crid": "id", "crse": "s"}}),
                    "dcfg:crds",
                )?;
                ensure(crds.get("mgd") == Some(&json!(1029)), || {
                    format!("got {crds}")
                })
            }
        ),
    ]
}
