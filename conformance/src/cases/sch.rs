//! SCH: `<schedule>` (TS-0001 §9.6.9, TS-0004 §7.4.9): schedule entries checked on
//! CREATE and UPDATE, parents and one schedule per parent, and a subscription's
//! `notificationSchedule` (TS-0001 §9.6.8, TS-0004 §7.5.1.2.2): outside its windows a
//! notification is dropped, or held until the next window by `pn`. The notification
//! purposes need the suite's receiver reachable from the CSE (`--notify-host`).

use std::time::{Duration, Instant};

use onecse_models::time::Timestamp;
use onecse_testkit::{Notification, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const SCH_NOD: &[u16] = &[14, 18];
const SCH_AE: &[u16] = &[2, 18];
const SCH_SUB: &[u16] = &[2, 3, 18, 23];

type Check = Result<(), Verdict>;

fn entries(sce: &[&str]) -> Value {
    json!({ "sce": sce })
}

/// A node under the CSEBase (created by the admin, removed afterwards); its path.
fn node(ctx: &mut Ctx) -> Result<String, Verdict> {
    let rn = ctx.name("schnod");
    let admin = ctx.admin();
    let reply = ctx.client.create(
        &ctx.base(),
        14,
        &json!({"m2m:nod": {"rn": rn, "ni": rn}}),
        Some(&admin),
    );
    expect(&reply, 2001, 201).map_err(|v| crate::suite::setup_failed("node creation", v))?;
    let path = format!("{}/{rn}", ctx.base());
    ctx.track_with(&path, &admin);
    Ok(path)
}

fn create(ctx: &Ctx, parent: &str, attrs: Value, originator: &str) -> Reply {
    ctx.client
        .create(parent, 18, &json!({ "m2m:sch": attrs }), Some(originator))
}

fn dbg_names(reply: &Reply, needle: &str) -> Check {
    ensure(reply.dbg().contains(needle), || {
        format!("the m2m:dbg does not name '{needle}': {}", reply.dbg())
    })
}

/// An AE with a container and a subscription (with `extra`) on it towards this TP's
/// receiver path: (AE-ID, container, subscription, receiver path).
fn watched(ctx: &mut Ctx, extra: Value) -> Result<(String, String, String, String), Verdict> {
    let (aei, cnt, _, path) = super::sub::watched(ctx, extra)?;
    let _ = ctx
        .receiver
        .next_on(&path, ctx.target().timeout)
        .ok_or_else(|| Verdict::Fail("no verification request".into()))?;
    let sub = format!("{cnt}/s");
    Ok((aei, cnt, sub, path))
}

fn touch(ctx: &Ctx, cnt: &str, label: &str, aei: &str) -> Check {
    let reply = ctx
        .client
        .update(cnt, &json!({"m2m:cnt": {"lbl": [label]}}), aei);
    expect(&reply, 2004, 200)
}

fn label(n: &Notification) -> String {
    n.sgn()["nev"]["rep"]["m2m:cnt"]["lbl"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An entry open for the two whole seconds starting about `lead` seconds from the
/// target's current time (its CSEBase `ctm`, else this machine's), and the local
/// instant that is.
fn window_ahead(ctx: &Ctx, lead: u64) -> (String, Instant) {
    let asked = Instant::now();
    let cb = ctx.client.retrieve(&ctx.base(), &ctx.admin());
    let now = cb
        .text("m2m:cb", "ctm")
        .and_then(|t| Timestamp::parse(&t).ok())
        .unwrap_or_else(Timestamp::now)
        .to_string();
    // YYYYMMDDTHHMMSS,ffffff
    let second: u64 = now.get(13..15).and_then(|s| s.parse().ok()).unwrap_or(0);
    let micros: u64 = now.get(16..22).and_then(|s| s.parse().ok()).unwrap_or(0);
    let first = (second + lead) % 60;
    let wait = Duration::from_secs(lead).saturating_sub(Duration::from_micros(micros));
    (
        format!("{first},{} * * * * * *", (first + 1) % 60),
        asked + wait,
    )
}

/// The SCH test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = resource_tps();
    all.extend(notification_tps());
    all
}

fn resource_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/001",
            SCH_NOD,
            "TS-0004 §7.4.9.2.1",
            "a schedule with valid entries under a node is created with ty 18 and its se",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let se = entries(&["* 0-5 2,6,10 * * * *", "0 0 12 * * 1-5 *"]);
                let r = create(ctx, &nod, json!({"rn": "sch", "se": se}), &admin);
                expect(&r, 2001, 201)?;
                let sch = r.resource("m2m:sch").cloned().unwrap_or_default();
                ensure(sch.get("ty") == Some(&json!(18)), || {
                    format!("ty: {}", r.raw)
                })?;
                ensure(sch.get("se") == Some(&se), || format!("se: {}", r.raw))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/002",
            SCH_NOD,
            "TS-0004 §6.3.5 (scheduleEntry: 7 fields)",
            "an entry without 7 fields is refused with 4000 naming it",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let se = entries(&["* * * * * * *", "* * * * *"]);
                let r = create(ctx, &nod, json!({"se": se}), &admin);
                expect(&r, 4000, 400)?;
                dbg_names(&r, "* * * * *")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/003",
            SCH_NOD,
            "TS-0004 §6.3.5 (scheduleEntry field ranges)",
            "an entry with an hour of 24 is refused with 4000 naming it",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let r = create(
                    ctx,
                    &nod,
                    json!({"se": entries(&["0 0 24 * * * *"])}),
                    &admin,
                );
                expect(&r, 4000, 400)?;
                dbg_names(&r, "0 0 24 * * * *")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/004",
            SCH_NOD,
            "TS-0004 §7.4.9 (se M on CREATE)",
            "a schedule without se is refused with 4000",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let r = create(ctx, &nod, json!({"rn": "sch"}), &admin);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/005",
            SCH_AE,
            "TS-0004 §7.4.9 (parents), §7.3.3.2 (4108)",
            "a schedule under an AE is refused with 4108",
            |ctx| {
                let (aei, ae) = ctx.ae("sch")?;
                let r = create(ctx, &ae, json!({"se": entries(&["* * * * * * *"])}), &aei);
                expect(&r, 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/006",
            SCH_NOD,
            "TS-0001 §9.6.15 (<schedule> 0..1 under a node)",
            "a second schedule under the same node is refused with 4105",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let se = entries(&["* * * * * * *"]);
                expect(
                    &create(ctx, &nod, json!({"rn": "a", "se": se}), &admin),
                    2001,
                    201,
                )?;
                expect(
                    &create(ctx, &nod, json!({"rn": "b", "se": se}), &admin),
                    4105,
                    409,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/007",
            SCH_SUB,
            "TS-0001 §9.6.8 (notificationSchedule)",
            "a schedule created under a subscription without a name is its notificationSchedule",
            |ctx| {
                let (aei, _, sub, _) = watched(ctx, json!({}))?;
                let r = create(ctx, &sub, json!({"se": entries(&["* * * * * * *"])}), &aei);
                expect(&r, 2001, 201)?;
                ensure(
                    r.text("m2m:sch", "rn").as_deref() == Some("notificationSchedule"),
                    || format!("rn: {}", r.raw),
                )?;
                expect(
                    &ctx.client
                        .retrieve(&format!("{sub}/notificationSchedule"), &aei),
                    2000,
                    200,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/CRE/008",
            SCH_SUB,
            "TS-0001 §9.6.8 (notificationSchedule)",
            "a schedule under a subscription with another name is refused with 4000",
            |ctx| {
                let (aei, _, sub, _) = watched(ctx, json!({}))?;
                let attrs = json!({"rn": "other", "se": entries(&["* * * * * * *"])});
                let r = create(ctx, &sub, attrs, &aei);
                expect(&r, 4000, 400)?;
                dbg_names(&r, "notificationSchedule")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/UPD/001",
            SCH_NOD,
            "TS-0004 §7.4.9.2.3",
            "an UPDATE with valid entries replaces se",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let first = json!({"rn": "sch", "se": entries(&["* * * * * * *"])});
                expect(&create(ctx, &nod, first, &admin), 2001, 201)?;
                let se = entries(&["0 30 8 * * 1 *"]);
                let r = ctx.client.update(
                    &format!("{nod}/sch"),
                    &json!({"m2m:sch": {"se": se}}),
                    &admin,
                );
                expect(&r, 2004, 200)?;
                ensure(
                    r.resource("m2m:sch").and_then(|s| s.get("se")) == Some(&se),
                    || format!("se: {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/UPD/002",
            SCH_NOD,
            "TS-0004 §7.4.9.2.3, §6.3.5",
            "an UPDATE with a bad entry is refused with 4000 and se stays as it was",
            |ctx| {
                let nod = node(ctx)?;
                let admin = ctx.admin();
                let se = entries(&["* * * * * * *"]);
                expect(
                    &create(ctx, &nod, json!({"rn": "sch", "se": se}), &admin),
                    2001,
                    201,
                )?;
                let sch = format!("{nod}/sch");
                let bad = json!({"m2m:sch": {"se": entries(&["* 61 * * * * *"])}});
                let r = ctx.client.update(&sch, &bad, &admin);
                expect(&r, 4000, 400)?;
                dbg_names(&r, "* 61 * * * * *")?;
                let now = ctx.client.retrieve(&sch, &admin);
                ensure(
                    now.resource("m2m:sch").and_then(|s| s.get("se")) == Some(&se),
                    || format!("se changed: {}", now.raw),
                )
            }
        ),
    ]
}

fn notification_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SCH/NOT/001",
            SCH_SUB,
            "TS-0001 §9.6.8, TS-0004 §7.5.1.2.2 (schedule check)",
            "inside the notificationSchedule a notification is sent at once",
            |ctx| {
                let (aei, cnt, sub, path) = watched(ctx, json!({}))?;
                let r = create(ctx, &sub, json!({"se": entries(&["* * * * * * *"])}), &aei);
                expect(&r, 2001, 201)?;
                touch(ctx, &cnt, "open", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(label(&n) == "open", || format!("notification: {}", n.body))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/NOT/002",
            SCH_SUB,
            "TS-0001 §9.6.8 (pendingNotification absent)",
            "outside the notificationSchedule without pn the notification is dropped",
            |ctx| {
                let (aei, cnt, sub, path) = watched(ctx, json!({}))?;
                let closed = json!({"se": entries(&["* * * * * * 2099"])});
                expect(&create(ctx, &sub, closed, &aei), 2001, 201)?;
                touch(ctx, &cnt, "closed", &aei)?;
                ctx.quiet(&path, Duration::from_millis(1500))?;
                // Opening the schedule sends what comes next, not what was dropped.
                let open = json!({"m2m:sch": {"se": entries(&["* * * * * * *"])}});
                let nsch = format!("{sub}/notificationSchedule");
                expect(&ctx.client.update(&nsch, &open, &aei), 2004, 200)?;
                touch(ctx, &cnt, "open", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(label(&n) == "open", || format!("notification: {}", n.body))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/NOT/003",
            SCH_SUB,
            "TS-0001 §9.6.8 (pendingNotification 2, sendAllPending)",
            "with pn 2 notifications raised outside the schedule are all sent when it opens",
            |ctx| {
                let (aei, cnt, sub, path) = watched(ctx, json!({"pn": 2}))?;
                let (entry, opens) = window_ahead(ctx, 4);
                expect(
                    &create(ctx, &sub, json!({"se": entries(&[&entry])}), &aei),
                    2001,
                    201,
                )?;
                touch(ctx, &cnt, "one", &aei)?;
                touch(ctx, &cnt, "two", &aei)?;
                let first = ctx.notification(&path)?;
                ensure(first.arrived + Duration::from_millis(300) >= opens, || {
                    "the held notification was sent before the window opened".into()
                })?;
                let second = ctx.notification(&path)?;
                ensure(label(&first) == "one" && label(&second) == "two", || {
                    format!("order: {} then {}", label(&first), label(&second))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SCH/NOT/004",
            SCH_SUB,
            "TS-0001 §9.6.8 (pendingNotification 1, sendLatest), TS-0004 §6.3.3 (ec latest)",
            "with pn 1 only the latest held notification is sent when the schedule opens, with ec 4",
            |ctx| {
                let (aei, cnt, sub, path) = watched(ctx, json!({"pn": 1}))?;
                let (entry, opens) = window_ahead(ctx, 4);
                expect(
                    &create(ctx, &sub, json!({"se": entries(&[&entry])}), &aei),
                    2001,
                    201,
                )?;
                for l in ["one", "two", "three"] {
                    touch(ctx, &cnt, l, &aei)?;
                }
                let n = ctx.notification(&path)?;
                ensure(n.arrived + Duration::from_millis(300) >= opens, || {
                    "the held notification was sent before the window opened".into()
                })?;
                ensure(label(&n) == "three", || format!("sent: {}", n.body))?;
                ensure(n.header("X-M2M-EC") == Some("4"), || {
                    format!("X-M2M-EC: {:?}", n.header("X-M2M-EC"))
                })?;
                ctx.quiet(&path, Duration::from_millis(1000))
            }
        ),
    ]
}
