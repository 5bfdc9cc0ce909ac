//! CRS: crossResourceSubscription (ty 48, R4; TS-0001 §9.6.58, TS-0004 §7.4.58,
//! spec digest notifications-advanced §13): creation checks and the 5221 failure,
//! the member subscriptions on regular targets, subscription targets, periodic and
//! sliding windows, `eem`, `exc`, statistics, and deletion both ways. The windows
//! are two seconds long, so each window TP takes a few seconds. The suite's receiver
//! must be reachable from the CSE (`--notify-host`).

use std::time::Duration;

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect, merge};

const CRS: &[u16] = &[2, 3, 4, 23, 48];

/// Longer than two windows of two seconds: a window that should stay quiet.
const TWO_WINDOWS: Duration = Duration::from_millis(4500);

/// The set-up of a CRS test purpose: an AE with containers `a` and `b`.
struct Scene {
    aei: String,
    ae: String,
    a: String,
    b: String,
    /// Unstructured IDs of `a` and `b`, as rrat names them.
    a_ri: String,
    b_ri: String,
}

fn ri_of(reply: &Reply, root: &str) -> Result<String, Verdict> {
    reply
        .resource(root)
        .and_then(|r| r.get("ri"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Verdict::Fail(format!("no {root}/ri in {}", reply.raw)))
}

fn scene(ctx: &mut Ctx) -> Result<Scene, Verdict> {
    let (aei, ae) = ctx.ae("crs")?;
    let a = ctx.container(&ae, "a", json!({}), &aei)?;
    let b = ctx.container(&ae, "b", json!({}), &aei)?;
    let a_ri = ri_of(&ctx.client.retrieve(&a, &aei), "m2m:cnt")?;
    let b_ri = ri_of(&ctx.client.retrieve(&b, &aei), "m2m:cnt")?;
    Ok(Scene {
        aei,
        ae,
        a,
        b,
        a_ri,
        b_ri,
    })
}

fn create_crs(ctx: &Ctx, s: &Scene, attrs: Value) -> Reply {
    ctx.client
        .create(&s.ae, 48, &json!({ "m2m:crs": attrs }), Some(&s.aei))
}

/// The attributes of a crossResourceSubscription `x` over `a` and `b` (net 3),
/// periodic windows of two seconds, notifying this TP's receiver path `/n`.
fn over_both(ctx: &Ctx, s: &Scene, extra: Value) -> (Value, String) {
    let path = ctx.notify_path("/n");
    let mut attrs = json!({
        "rn": "x",
        "nu": [ctx.receiver.url_for(&path)],
        "rrat": [s.a_ri, s.b_ri],
        "encs": {"encn": [{"net": [3]}]},
        "twt": 1,
        "tws": "PT2S",
    });
    merge(&mut attrs, &extra);
    (attrs, path)
}

/// Creates `x` over `a` and `b`; returns (its path, its reply, receiver path).
fn watching(ctx: &Ctx, s: &Scene, extra: Value) -> Result<(String, Reply, String), Verdict> {
    let (attrs, path) = over_both(ctx, s, extra);
    let reply = create_crs(ctx, s, attrs);
    expect(&reply, 2001, 201).map_err(|v| match v {
        Verdict::Fail(m) => Verdict::Fail(format!("crossResourceSubscription creation: {m}")),
        o => o,
    })?;
    Ok((format!("{}/x", s.ae), reply, path))
}

/// A creation that must be refused with 4000.
fn refused(ctx: &mut Ctx, change: fn(&mut Value)) -> Result<(), Verdict> {
    let s = scene(ctx)?;
    let (mut attrs, _) = over_both(ctx, &s, json!({}));
    change(&mut attrs);
    expect(&create_crs(ctx, &s, attrs), 4000, 400)
}

fn remove(attrs: &mut Value, name: &str) {
    if let Some(o) = attrs.as_object_mut() {
        o.remove(name);
    }
}

/// The subscriptions under `container` (discovery by ty 23).
fn subscriptions(ctx: &Ctx, container: &str, aei: &str) -> Vec<String> {
    let reply = ctx.client.retrieve(&format!("{container}?fu=1&ty=23"), aei);
    reply.body["m2m:uril"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn sur(n: &onecse_testkit::Notification) -> String {
    n.sgn()["sur"].as_str().unwrap_or_default().to_owned()
}

/// The CRS test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut tps = create_tps();
    tps.extend(window_tps());
    tps.extend(lifecycle_tps());
    tps
}

fn create_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/001",
            CRS,
            "TS-0004 §7.4.58.2.1",
            "a crossResourceSubscription over two containers is created with one member subscription per rrat (rrats)",
            |ctx| {
                let s = scene(ctx)?;
                let (_, reply, _) = watching(ctx, &s, json!({}))?;
                let crs = reply.resource("m2m:crs").cloned().unwrap_or_default();
                ensure(crs.get("ty") == Some(&json!(48)), || format!("{crs:?}"))?;
                let rrats = crs
                    .get("rrats")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                ensure(rrats == 2, || format!("rrats {:?}", crs.get("rrats")))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/002",
            CRS,
            "TS-0004 §7.4.58.2.1",
            "neither rrat nor srat: 4000",
            |ctx| refused(ctx, |a| remove(a, "rrat"))
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/003",
            CRS,
            "TS-0004 §7.4.58.2.1",
            "rrat without encs: 4000",
            |ctx| refused(ctx, |a| remove(a, "encs"))
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/004",
            CRS,
            "TS-0004 §7.4.58.2.1",
            "encs with neither one entry nor one per rrat entry: 4000",
            |ctx| refused(ctx, |a| {
                let rrat = a["rrat"].clone();
                a["rrat"] = json!([rrat[0], rrat[1], rrat[0]]);
                a["encs"] = json!({"encn": [{"net": [3]}, {"net": [3]}]});
            })
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/005",
            CRS,
            "TS-0004 §7.4.58 (twt mandatory)",
            "timeWindowType missing: 4000",
            |ctx| refused(ctx, |a| remove(a, "twt"))
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/006",
            CRS,
            "TS-0004 §6.3.4.2 (m2m:timeWindowType 1..2)",
            "timeWindowType outside 1..2: 4000",
            |ctx| refused(ctx, |a| a["twt"] = json!(3))
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/007",
            CRS,
            "TS-0004 §7.4.58 (tws xs:duration)",
            "timeWindowSize that is not a duration: 4000",
            |ctx| refused(ctx, |a| a["tws"] = json!("soon"))
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/008",
            CRS,
            "TS-0004 §7.4.58.2.1 (CROSS_RESOURCE_OPERATION_FAILURE)",
            "an rrat entry naming no resource: 5221 and nothing is left behind",
            |ctx| {
                let s = scene(ctx)?;
                let (mut attrs, _) = over_both(ctx, &s, json!({}));
                attrs["rrat"] = json!([s.a_ri, format!("{}-missing", s.b_ri)]);
                expect(&create_crs(ctx, &s, attrs), 5221, 500)?;
                expect(
                    &ctx.client.retrieve(&format!("{}/x", s.ae), &s.aei),
                    4004,
                    404,
                )?;
                let left = subscriptions(ctx, &s.a, &s.aei);
                ensure(left.is_empty(), || {
                    format!("subscriptions left on a: {left:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/009",
            CRS,
            "TS-0004 §7.4.58.2.1 (CROSS_RESOURCE_OPERATION_FAILURE)",
            "an srat entry that is not a subscription: 5221",
            |ctx| {
                let s = scene(ctx)?;
                let (mut attrs, _) = over_both(ctx, &s, json!({}));
                remove(&mut attrs, "rrat");
                remove(&mut attrs, "encs");
                attrs["srat"] = json!([s.a_ri]);
                expect(&create_crs(ctx, &s, attrs), 5221, 500)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/010",
            CRS,
            "TS-0004 §7.4.58.2.1",
            "the member subscription on an rrat target names the crossResourceSubscription in nu and acrs",
            |ctx| {
                let s = scene(ctx)?;
                let (_, reply, _) = watching(ctx, &s, json!({}))?;
                let ri = ri_of(&reply, "m2m:crs")?;
                let members = subscriptions(ctx, &s.a, &s.aei);
                let [member] = members.as_slice() else {
                    return Err(Verdict::Fail(format!("subscriptions on a: {members:?}")));
                };
                let sub = ctx.client.retrieve(&format!("/{member}"), &s.aei);
                let sub = sub.resource("m2m:sub").cloned().unwrap_or_default();
                let names = |name: &str| {
                    sub.get(name).and_then(Value::as_array).is_some_and(|l| {
                        l.iter().filter_map(Value::as_str).any(|e| e.ends_with(&ri))
                    })
                };
                ensure(names("nu") && names("acrs"), || format!("{sub:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/011",
            CRS,
            "TS-0004 §7.5.1.2.3 (verification, as for a subscription)",
            "the notification target gets a verification request naming the crossResourceSubscription",
            |ctx| {
                let s = scene(ctx)?;
                let (_, reply, path) = watching(ctx, &s, json!({}))?;
                let ri = ri_of(&reply, "m2m:crs")?;
                let n = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("no verification request".into()))?;
                ensure(n.sgn()["vrq"] == true && sur(&n).ends_with(&ri), || {
                    n.body.to_string()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/CRE/012",
            CRS,
            "TS-0004 §7.4.58 (parents CSEBase, AE, remoteCSE)",
            "a crossResourceSubscription under a container: 4108",
            |ctx| {
                let s = scene(ctx)?;
                let (attrs, _) = over_both(ctx, &s, json!({}));
                let reply = ctx
                    .client
                    .create(&s.a, 48, &json!({ "m2m:crs": attrs }), Some(&s.aei));
                expect(&reply, 4108, 403)
            }
        ),
    ]
}

fn window_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/001",
            CRS,
            "TS-0001 §9.6.58 (periodic window)",
            "only one of two targets changes: no notification",
            |ctx| {
                let s = scene(ctx)?;
                let (_, _, path) = watching(ctx, &s, json!({}))?;
                ctx.instance(&s.a, "1", &s.aei)?;
                ctx.quiet(&path, TWO_WINDOWS)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/002",
            CRS,
            "TS-0001 §9.6.58 (periodic window)",
            "both targets change within a window: one notification with sur = the crossResourceSubscription",
            |ctx| {
                let s = scene(ctx)?;
                let (_, reply, path) = watching(ctx, &s, json!({}))?;
                let ri = ri_of(&reply, "m2m:crs")?;
                ctx.instance(&s.a, "1", &s.aei)?;
                ctx.instance(&s.b, "2", &s.aei)?;
                let n = ctx.notification(&path)?;
                ensure(sur(&n).ends_with(&ri), || n.body.to_string())?;
                ctx.quiet(&path, Duration::from_millis(2500))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/003",
            CRS,
            "TS-0001 §9.6.58 (sliding window)",
            "sliding window: both targets change within tws of the first event: notification",
            |ctx| {
                let s = scene(ctx)?;
                let (_, _, path) = watching(ctx, &s, json!({"twt": 2}))?;
                ctx.instance(&s.b, "1", &s.aei)?;
                ctx.instance(&s.a, "2", &s.aei)?;
                ctx.notification(&path).map(|_| ())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/004",
            CRS,
            "TS-0001 §9.6.58 (sliding window)",
            "sliding window: one target alone opens a window that closes quietly",
            |ctx| {
                let s = scene(ctx)?;
                let (_, _, path) = watching(ctx, &s, json!({"twt": 2}))?;
                ctx.instance(&s.b, "1", &s.aei)?;
                ctx.quiet(&path, TWO_WINDOWS)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/005",
            CRS,
            "TS-0004 R4 eventEvaluationMode (eem 5 all events missing; ACME)",
            "eem 5: a periodic window in which nothing changed notifies",
            |ctx| {
                let s = scene(ctx)?;
                let (_, _, path) = watching(ctx, &s, json!({"eem": 5}))?;
                ctx.notification(&path).map(|_| ())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/WIN/006",
            CRS,
            "TS-0004 §7.4.58.2.3 (twt/tws updated)",
            "UPDATE of twt/tws is accepted; rrat cannot be updated (4000)",
            |ctx| {
                let s = scene(ctx)?;
                let (x, _, _) = watching(ctx, &s, json!({}))?;
                let reply =
                    ctx.client
                        .update(&x, &json!({"m2m:crs": {"twt": 2, "tws": "PT3S"}}), &s.aei);
                expect(&reply, 2004, 200)?;
                let twt = reply
                    .resource("m2m:crs")
                    .and_then(|c| c.get("twt"))
                    .cloned();
                ensure(twt == Some(json!(2)), || reply.raw.clone())?;
                let reply = ctx
                    .client
                    .update(&x, &json!({"m2m:crs": {"rrat": [s.a_ri]}}), &s.aei);
                expect(&reply, 4000, 400)
            }
        ),
    ]
}

fn lifecycle_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/CRS/EXC/001",
            CRS,
            "TS-0001 §9.6.58 (expirationCounter), §10.2.10.8 (deletion notification)",
            "exc 1: after the first notification the crossResourceSubscription is deleted and su is told",
            |ctx| {
                let s = scene(ctx)?;
                let gone = ctx.notify_path("/gone");
                let su = ctx.receiver.url_for(&gone);
                let (x, _, path) = watching(ctx, &s, json!({"exc": 1, "su": su}))?;
                ctx.instance(&s.a, "1", &s.aei)?;
                ctx.instance(&s.b, "2", &s.aei)?;
                ctx.notification(&path)?;
                let n = ctx.notification(&gone)?;
                ensure(n.sgn()["sud"] == true, || n.body.to_string())?;
                expect(&ctx.client.retrieve(&x, &s.aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/NSI/001",
            CRS,
            "spec digest notifications-advanced §4 (nse/nsi on crossResourceSubscription, R4)",
            "nse true: nsi counts the window notification (noec, rqs, rsr 1)",
            |ctx| {
                let s = scene(ctx)?;
                let (x, _, path) = watching(ctx, &s, json!({"nse": true}))?;
                ctx.instance(&s.a, "1", &s.aei)?;
                ctx.instance(&s.b, "2", &s.aei)?;
                ctx.notification(&path)?;
                let target = ctx.receiver.url_for(&path);
                let expected = json!([{"tg": target, "rqs": 1, "rsr": 1, "noec": 1}]);
                let deadline = std::time::Instant::now() + ctx.target().timeout;
                loop {
                    let reply = ctx.client.retrieve(&x, &s.aei);
                    let nsi = reply
                        .resource("m2m:crs")
                        .and_then(|c| c.get("nsi"))
                        .cloned();
                    if nsi.as_ref() == Some(&expected) {
                        return Ok(());
                    }
                    if std::time::Instant::now() >= deadline {
                        return Err(Verdict::Fail(format!("nsi {nsi:?}, expected {expected}")));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/SRA/001",
            CRS,
            "TS-0004 §7.4.58.2.1 (subscriptionResourcesAsTarget)",
            "an srat subscription gets the crossResourceSubscription in nu and its events fill the window",
            |ctx| {
                let s = scene(ctx)?;
                let own = ctx.notify_path("/own");
                let sub = json!({"m2m:sub": {"rn": "s", "nu": [ctx.receiver.url_for(&own)], "enc": {"net": [3]}}});
                let reply = ctx.client.create(&s.a, 23, &sub, Some(&s.aei));
                expect(&reply, 2001, 201)?;
                let sub_ri = ri_of(&reply, "m2m:sub")?;
                let (mut attrs, path) = over_both(ctx, &s, json!({}));
                remove(&mut attrs, "rrat");
                remove(&mut attrs, "encs");
                attrs["srat"] = json!([sub_ri]);
                expect(&create_crs(ctx, &s, attrs), 2001, 201)?;
                let joined = ctx.client.retrieve(&format!("{}/s", s.a), &s.aei);
                let nu = joined
                    .resource("m2m:sub")
                    .and_then(|r| r.get("nu"))
                    .cloned();
                ensure(
                    nu.as_ref().and_then(Value::as_array).map(Vec::len) == Some(2),
                    || joined.raw.clone(),
                )?;
                ctx.instance(&s.a, "1", &s.aei)?;
                ctx.notification(&own)?;
                ctx.notification(&path).map(|_| ())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/DEL/001",
            CRS,
            "TS-0004 §7.4.58.2.4",
            "DELETE removes the member subscriptions and sends the deletion notification",
            |ctx| {
                let s = scene(ctx)?;
                let gone = ctx.notify_path("/gone");
                let su = ctx.receiver.url_for(&gone);
                let (x, _, _) = watching(ctx, &s, json!({"su": su}))?;
                expect(&ctx.client.delete(&x, &s.aei), 2002, 200)?;
                let n = ctx.notification(&gone)?;
                ensure(n.sgn()["sud"] == true, || n.body.to_string())?;
                let left = subscriptions(ctx, &s.a, &s.aei);
                ensure(left.is_empty(), || {
                    format!("subscriptions left on a: {left:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/CRS/DEL/002",
            CRS,
            "TS-0004 §7.4.58 (deletion of a target subscription)",
            "deleting a regular target deletes the crossResourceSubscription",
            |ctx| {
                let s = scene(ctx)?;
                let (x, _, _) = watching(ctx, &s, json!({}))?;
                expect(&ctx.client.delete(&s.b, &s.aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&x, &s.aei), 4004, 404)?;
                let left = subscriptions(ctx, &s.a, &s.aei);
                ensure(left.is_empty(), || {
                    format!("subscriptions left on a: {left:?}")
                })
            }
        ),
    ]
}
