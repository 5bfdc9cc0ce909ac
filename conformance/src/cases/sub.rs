//! SUB: subscriptions and notifications (TS-0001 §9.6.8, TS-0004 §7.4.8, §7.5.1;
//! spec digest notifications.md). The suite's receiver must be reachable from the CSE
//! (`--notify-host`).

use std::time::Duration;

use onecse_models::types::ResponseStatusCode;
use onecse_testkit::{Answer, Notification, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const SUB: &[u16] = &[2, 3, 4, 23];

/// An AE with a container and a subscription on it towards this TP's receiver path.
/// Returns (AE-ID, container path, subscription reply, receiver path).
pub(super) fn watched(
    ctx: &mut Ctx,
    sub_attrs: Value,
) -> Result<(String, String, Reply, String), Verdict> {
    let (aei, ae) = ctx.ae("sub")?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let path = ctx.notify_path("/n");
    let mut attrs = json!({"rn": "s", "nu": [ctx.receiver.url_for(&path)]});
    crate::suite::merge(&mut attrs, &sub_attrs);
    let reply = ctx
        .client
        .create(&cnt, 23, &json!({ "m2m:sub": attrs }), Some(&aei));
    expect(&reply, 2001, 201).map_err(|v| match v {
        Verdict::Fail(m) => Verdict::Fail(format!("subscription creation: {m}")),
        o => o,
    })?;
    Ok((aei, cnt, reply, path))
}

fn rep<'a>(n: &'a Notification, root: &str) -> &'a Value {
    &n.sgn()["nev"]["rep"][root]
}

fn quiet_ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// The SUB test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/001",
            SUB,
            "TS-0004 §7.4.8.2.1, §7.5.1.2.3 (verification)",
            "creating a subscription sends a verification request (vrq true, sur) and answers 2001",
            |ctx| {
                let (_, _, reply, path) = watched(ctx, json!({}))?;
                let v = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("no verification request".into()))?;
                ensure(v.is_verification(), || {
                    format!("first request is not a verification: {}", v.body)
                })?;
                ensure(
                    v.sgn()["sur"].as_str().is_some_and(|s| {
                        s.ends_with(reply.text("m2m:sub", "ri").unwrap_or_default().as_str())
                            || s.ends_with("/s")
                    }),
                    || format!("sur {}", v.sgn()["sur"]),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/002",
            SUB,
            "TS-0004 §7.4.8.2.1; RSC 5204",
            "a verification the target refuses answers 5204 and creates nothing",
            |ctx| {
                let (aei, ae) = ctx.ae("subfail")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let refusing = ctx.notify_path("/refuse");
                ctx.receiver.answer_on(
                    &refusing,
                    Answer::rsc(ResponseStatusCode::SubscriptionCreatorHasNoPrivilege),
                );
                let nu = ctx.receiver.url_for(&refusing);
                let r = ctx.client.create(
                    &cnt,
                    23,
                    &json!({"m2m:sub": {"rn": "s", "nu": [nu]}}),
                    Some(&aei),
                );
                expect(&r, 5204, 500)?;
                expect(&ctx.client.retrieve(&format!("{cnt}/s"), &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/003",
            SUB,
            "TS-0004 §7.4.8.2.1; RSC 5203",
            "a subscription under a contentInstance answers 5203",
            |ctx| {
                let (aei, ae) = ctx.ae("sub5203")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let cin = ctx.instance(&cnt, "x", &aei)?;
                let ri = cin.text("m2m:cin", "ri").unwrap_or_default();
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                expect(
                    &ctx.client.create(
                        &format!("/{ri}"),
                        23,
                        &json!({"m2m:sub": {"nu": [nu]}}),
                        Some(&aei),
                    ),
                    5203,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/004",
            SUB,
            "TS-0004 §7.4.8 (nu M)",
            "a subscription without nu is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subnonu")?;
                expect(
                    &ctx.client.create(
                        &ae,
                        23,
                        &json!({"m2m:sub": {"enc": {"net": [1]}}}),
                        Some(&aei),
                    ),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/005",
            SUB,
            "TS-0001 table 9.6.8-4 (nct/net)",
            "nct 2 (modified attributes) with net 3 is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("subnct")?;
                let nu = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let body = json!({"m2m:sub": {"nu": [nu], "enc": {"net": [3]}, "nct": 2}});
                expect(&ctx.client.create(&ae, 23, &body, Some(&aei)), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/006",
            SUB,
            "TS-0001 §9.6.8 (nct default)",
            "without nct the subscription gets nct 1 (all attributes)",
            |ctx| {
                let (_, _, reply, _) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                let nct = reply
                    .resource("m2m:sub")
                    .and_then(|s| s.get("nct"))
                    .cloned()
                    .unwrap_or(Value::Null);
                ensure(nct == 1 || nct.is_null(), || format!("nct is {nct}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/RET/001",
            SUB,
            "TS-0004 §7.4.8.2.2",
            "a subscription is retrieved with its nu",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({}))?;
                let r = ctx.client.retrieve(&format!("{cnt}/s"), &aei);
                expect(&r, 2000, 200)?;
                let nu = r
                    .resource("m2m:sub")
                    .and_then(|s| s.get("nu"))
                    .cloned()
                    .unwrap_or(Value::Null);
                ensure(nu == json!([ctx.receiver.url_for(&path)]), || {
                    format!("nu {nu}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/001",
            SUB,
            "TS-0004 §7.5.1.2.2 (net 3)",
            "creating a child sends net 3 with the new resource as rep",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                ctx.instance(&cnt, "21.5", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["net"] == 3, || {
                    format!("net {}", n.sgn()["nev"]["net"])
                })?;
                ensure(rep(&n, "m2m:cin")["con"] == "21.5", || {
                    format!("rep {}", n.sgn()["nev"]["rep"])
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/002",
            SUB,
            "TS-0004 §7.5.1.2.2 (sur)",
            "a notification names its subscription in sur",
            |ctx| {
                let (aei, cnt, reply, path) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                let ri = reply.text("m2m:sub", "ri").unwrap_or_default();
                ensure(
                    n.sgn()["sur"]
                        .as_str()
                        .is_some_and(|s| s.ends_with(&ri) || s.ends_with("/c/s")),
                    || format!("sur {}", n.sgn()["sur"]),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/003",
            SUB,
            "TS-0009 §6.2 (NOTIFY request)",
            "a notification is a POST with X-M2M-Origin, X-M2M-RI and Content-Type application/json",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(
                    n.header("x-m2m-origin").is_some() && n.header("x-m2m-ri").is_some(),
                    || "X-M2M-Origin or X-M2M-RI missing".into(),
                )?;
                let ct = n.header("content-type").unwrap_or("");
                ensure(
                    ct.starts_with("application/json")
                        || ct.starts_with("application/vnd.onem2m-ntfy+json"),
                    || format!("Content-Type '{ct}'"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/004",
            SUB,
            "TS-0004 §7.5.1.2.2 (net 1)",
            "an UPDATE of the subscribed-to resource sends net 1",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({}))?;
                expect(
                    &ctx.client
                        .update(&cnt, &json!({"m2m:cnt": {"lbl": ["changed"]}}), &aei),
                    2004,
                    200,
                )?;
                let n = ctx.notification(&path)?;
                ensure(
                    n.sgn()["nev"]["net"] == 1 && rep(&n, "m2m:cnt")["lbl"] == json!(["changed"]),
                    || n.body.to_string(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/005",
            SUB,
            "TS-0001 table 9.6.8-4 (nct 2)",
            "nct 2 sends only the modified attributes",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"nct": 2}))?;
                ctx.client
                    .update(&cnt, &json!({"m2m:cnt": {"lbl": ["m"]}}), &aei);
                let n = ctx.notification(&path)?;
                let rep = rep(&n, "m2m:cnt").as_object().cloned().unwrap_or_default();
                ensure(rep.contains_key("lbl") && !rep.contains_key("rn"), || {
                    format!("rep {rep:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/006",
            SUB,
            "TS-0001 table 9.6.8-4 (nct 3)",
            "nct 3 sends the resource ID (m2m:uri)",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}, "nct": 3}))?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["rep"]["m2m:uri"].is_string(), || {
                    n.body.to_string()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/007",
            SUB,
            "TS-0004 §7.5.1.2.2 (net 4)",
            "deleting a child sends net 4",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [4]}}))?;
                let cin = ctx.instance(&cnt, "gone", &aei)?;
                let ri = cin.text("m2m:cin", "ri").unwrap_or_default();
                expect(&ctx.client.delete(&format!("/{ri}"), &aei), 2002, 200)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["net"] == 4, || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/008",
            SUB,
            "TS-0004 §7.5.1.2.2 (net 2)",
            "deleting the subscribed-to resource sends net 2",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [2]}}))?;
                expect(&ctx.client.delete(&cnt, &aei), 2002, 200)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["net"] == 2, || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/009",
            SUB,
            "TS-0001 §9.6.8 (net filter)",
            "a net 3 subscription is not notified of an UPDATE",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                ctx.client
                    .update(&cnt, &json!({"m2m:cnt": {"lbl": ["x"]}}), &aei);
                ctx.quiet(&path, quiet_ms(500))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/010",
            SUB,
            "TS-0001 table 9.6.8-2 (atr)",
            "with enc/atr, an UPDATE of other attributes is not notified",
            |ctx| {
                let (aei, cnt, _, path) =
                    watched(ctx, json!({"enc": {"net": [1], "atr": ["lbl"]}}))?;
                ctx.client
                    .update(&cnt, &json!({"m2m:cnt": {"mni": 7}}), &aei);
                ctx.quiet(&path, quiet_ms(400))?;
                ctx.client
                    .update(&cnt, &json!({"m2m:cnt": {"lbl": ["y"]}}), &aei);
                ctx.notification(&path).map(|_| ())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/011",
            SUB,
            "TS-0001 table 9.6.8-2 (chty)",
            "with enc/chty, only children of the listed types are notified",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3], "chty": [3]}}))?;
                ctx.instance(&cnt, "ignored", &aei)?;
                ctx.quiet(&path, quiet_ms(400))?;
                ctx.container(&cnt, "inner", json!({}), &aei)?;
                let n = ctx.notification(&path)?;
                ensure(rep(&n, "m2m:cnt")["rn"] == "inner", || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/012",
            SUB,
            "TS-0001 §9.6.8 (exc)",
            "after exc notifications the subscription is deleted",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}, "exc": 1}))?;
                ctx.instance(&cnt, "1", &aei)?;
                ctx.notification(&path)?;
                let mut gone = false;
                for _ in 0..30 {
                    if ctx.client.retrieve(&format!("{cnt}/s"), &aei).rsc == Some(4004) {
                        gone = true;
                        break;
                    }
                    std::thread::sleep(quiet_ms(100));
                }
                ensure(gone, || {
                    "subscription still exists after exc notifications".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/013",
            SUB,
            "TS-0004 §7.5.1.2.4 (deletion notification)",
            "deleting a subscription notifies su with sud true",
            |ctx| {
                let su_path = ctx.notify_path("/su");
                let su = ctx.receiver.url_for(&su_path);
                let (aei, cnt, _, _) = watched(ctx, json!({"su": su}))?;
                expect(&ctx.client.delete(&format!("{cnt}/s"), &aei), 2002, 200)?;
                let n = ctx.notification(&su_path)?;
                ensure(n.sgn()["sud"] == true, || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/014",
            SUB,
            "TS-0001 §9.6.8, spec digest notifications §7 (bn)",
            "batchNotify with num 2 sends two notifications in one m2m:agn",
            |ctx| {
                let (aei, cnt, _, path) = watched(
                    ctx,
                    json!({"enc": {"net": [3]}, "bn": {"num": 2, "dur": "PT30S"}}),
                )?;
                ctx.instance(&cnt, "1", &aei)?;
                ctx.instance(&cnt, "2", &aei)?;
                let n = ctx
                    .receiver
                    .next_notification_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("no batch".into()))?;
                let batch = n.body["m2m:agn"]["m2m:sgn"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                ensure(batch.len() == 2, || format!("batch {}", n.body))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/015",
            SUB,
            "TS-0001 §9.6.8 (ln)",
            "latestNotify with a batch sends only the latest notification",
            |ctx| {
                let (aei, cnt, _, path) = watched(
                    ctx,
                    json!({"enc": {"net": [3]}, "ln": true, "bn": {"num": 3, "dur": "PT30S"}}),
                )?;
                for c in ["1", "2", "3"] {
                    ctx.instance(&cnt, c, &aei)?;
                }
                let n = ctx
                    .receiver
                    .next_notification_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("nothing sent".into()))?;
                let list = n.body["m2m:agn"]["m2m:sgn"]
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![n.sgn().clone()]);
                ensure(
                    list.len() == 1 && list[0]["nev"]["rep"]["m2m:cin"]["con"] == "3",
                    || format!("got {}", n.body),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/UPD/001",
            SUB,
            "TS-0004 §7.4.8.2.3",
            "UPDATE of enc changes which events are notified",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [1]}}))?;
                expect(
                    &ctx.client.update(
                        &format!("{cnt}/s"),
                        &json!({"m2m:sub": {"enc": {"net": [3]}}}),
                        &aei,
                    ),
                    2004,
                    200,
                )?;
                ctx.instance(&cnt, "after", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["nev"]["net"] == 3, || n.body.to_string())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/UPD/002",
            SUB,
            "TS-0001 table 9.6.8-2 (nu M); TS-0004 §7.4.8.2.3",
            "an UPDATE deleting nu (\"nu\": null) is refused with 4000 and nu is kept",
            |ctx| {
                let (aei, cnt, created, _) = watched(ctx, json!({}))?;
                let sub = format!("{cnt}/s");
                let r = ctx
                    .client
                    .update(&sub, &json!({"m2m:sub": {"nu": null}}), &aei);
                expect(&r, 4000, 400)?;
                let kept = ctx.client.retrieve(&sub, &aei);
                let before = created
                    .resource("m2m:sub")
                    .and_then(|s| s.get("nu"))
                    .cloned();
                let after = kept.resource("m2m:sub").and_then(|s| s.get("nu")).cloned();
                ensure(before.is_some() && before == after, || {
                    format!("nu changed: {before:?} -> {after:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/CRE/007",
            SUB,
            "TS-0004 §7.4.8.2.1, §7.5.1.2.3; RSC 5204",
            "an nu naming an AE whose poa cannot be reached fails verification with 5204 and creates nothing",
            |ctx| {
                // Port 1 of the CSE's own loopback: nothing answers there.
                let (gone, _) = ctx.ae_with("subgone", json!({"poa": ["http://127.0.0.1:1"]}))?;
                let (aei, ae) = ctx.ae("sub")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                // The admin may notify any AE, so only reachability decides.
                let admin = ctx.admin();
                let attrs = json!({"rn": "s", "nu": [gone]});
                let r = ctx
                    .client
                    .create(&cnt, 23, &json!({"m2m:sub": attrs}), Some(&admin));
                if r.rsc == Some(2001) {
                    ctx.track_with(&format!("{cnt}/s"), &admin);
                }
                expect(&r, 5204, 500)?;
                expect(&ctx.client.retrieve(&format!("{cnt}/s"), &aei), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/NTF/016",
            SUB,
            "TS-0001 §9.6.8 (bn), TS-0004 §7.5.1.2.4 (deletion)",
            "deleting a subscription sends its unsent batch (dur not yet passed) before the deletion notification",
            |ctx| {
                let path = ctx.notify_path("/n");
                let url = ctx.receiver.url_for(&path);
                let attrs = json!({"su": url, "enc": {"net": [3]},
                    "bn": {"num": 10, "dur": "PT60S"}});
                let (aei, cnt, _, path) = watched(ctx, attrs)?;
                ctx.instance(&cnt, "1", &aei)?;
                ctx.instance(&cnt, "2", &aei)?;
                expect(&ctx.client.delete(&format!("{cnt}/s"), &aei), 2002, 200)?;
                let batch = ctx.notification(&path)?;
                let cons: Vec<&str> = batch.body["m2m:agn"]["m2m:sgn"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["nev"]["rep"]["m2m:cin"]["con"].as_str())
                    .collect();
                ensure(cons == ["1", "2"], || format!("first: {}", batch.body))?;
                let notice = ctx.notification(&path)?;
                ensure(notice.sgn()["sud"] == true, || {
                    format!("then: {}", notice.body)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/DEL/001",
            SUB,
            "TS-0004 §7.4.8.2.4",
            "after DELETE of the subscription nothing is notified",
            |ctx| {
                let (aei, cnt, _, path) = watched(ctx, json!({"enc": {"net": [3]}}))?;
                expect(&ctx.client.delete(&format!("{cnt}/s"), &aei), 2002, 200)?;
                ctx.instance(&cnt, "x", &aei)?;
                ctx.quiet(&path, quiet_ms(500))
            }
        ),
    ]
}
