//! TSB: `<timeSyncBeacon>` (R4; TS-0001 §9.6.58, TS-0004 §7.4.58): attribute checks
//! and periodic beacons carrying the CSE's time to the suite's receiver. The beacon
//! purposes need the receiver reachable from the CSE (`--notify-host`) and wait for
//! two beacons one second apart.

use std::time::Duration;

use onecse_models::time::Timestamp;
use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const TSB: &[u16] = &[2, 60];

type Check = Result<(), Verdict>;

/// Creates a timeSyncBeacon `tsb` under a fresh AE: (AE-ID, beacon path, reply).
fn create(ctx: &mut Ctx, attrs: Value) -> Result<(String, String, Reply), Verdict> {
    let (aei, ae) = ctx.ae("tsb")?;
    let mut body = json!({"rn": "tsb"});
    crate::suite::merge(&mut body, &attrs);
    let reply = ctx
        .client
        .create(&ae, 60, &json!({ "m2m:tsb": body }), Some(&aei));
    Ok((aei, format!("{ae}/tsb"), reply))
}

fn somewhere() -> Value {
    json!(["http://127.0.0.1:9/beacon"])
}

fn refused(ctx: &mut Ctx, attrs: Value, rsc: u16, status: u16, needle: &str) -> Check {
    let (_, _, r) = create(ctx, attrs)?;
    expect(&r, rsc, status)?;
    ensure(r.dbg().contains(needle), || {
        format!("the m2m:dbg does not name '{needle}': {}", r.dbg())
    })
}

/// Waits for the next beacon on `path` and checks its time against this machine's.
fn beacon(ctx: &Ctx, path: &str) -> Result<onecse_testkit::Notification, Verdict> {
    let n = ctx
        .receiver
        .next_on(path, ctx.target().timeout)
        .ok_or_else(|| Verdict::Fail(format!("no beacon on {path}")))?;
    let ctm = n.body["m2m:tsbn"]["ctm"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let at = Timestamp::parse(&ctm)
        .map_err(|_| Verdict::Fail(format!("the beacon has no ctm timestamp: {}", n.body)))?;
    let skew = (Timestamp::now().as_datetime() - at.as_datetime()).num_seconds();
    ensure(skew.abs() < 60, || format!("ctm {ctm} is {skew} s away"))?;
    Ok(n)
}

/// The TSB test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/001",
            TSB,
            "TS-0004 §7.4.58.2.1",
            "a periodic timeSyncBeacon is created with ty 60 and its bcni",
            |ctx| {
                let (_, _, r) = create(
                    ctx,
                    json!({"bcnc": 1, "bcni": "PT30S", "bcnu": somewhere()}),
                )?;
                expect(&r, 2001, 201)?;
                let tsb = r.resource("m2m:tsb").cloned().unwrap_or_default();
                ensure(tsb.get("ty") == Some(&json!(60)), || {
                    format!("ty: {}", r.raw)
                })?;
                ensure(tsb.get("bcni") == Some(&json!("PT30S")), || {
                    format!("bcni: {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/002",
            TSB,
            "TS-0004 §7.4.58 (bcnc M on CREATE)",
            "a timeSyncBeacon without bcnc is refused with 4000",
            |ctx| refused(ctx, json!({"bcnu": somewhere()}), 4000, 400, "bcnc")
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/003",
            TSB,
            "TS-0004 §7.4.58 (bcnu M, 1..n)",
            "a timeSyncBeacon with an empty bcnu is refused with 4000",
            |ctx| refused(ctx, json!({"bcnc": 1, "bcnu": []}), 4000, 400, "bcnu")
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/004",
            TSB,
            "TS-0001 §9.6.58 (beaconInterval an xs:duration)",
            "a bcni that is not an ISO 8601 duration is refused with 4000",
            |ctx| refused(
                ctx,
                json!({"bcnc": 1, "bcni": "1000", "bcnu": somewhere()}),
                4000,
                400,
                "bcni"
            )
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/005",
            TSB,
            "TS-0001 §9.6.58 (beaconThreshold only for loss of synchronization)",
            "bcnt on a periodic beacon is refused with 4000",
            |ctx| refused(
                ctx,
                json!({"bcnc": 1, "bcnt": "PT5S", "bcnu": somewhere()}),
                4000,
                400,
                "bcnt"
            )
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/CRE/006",
            TSB,
            "TS-0001 §9.6.58 (beaconInterval only for periodic beacons)",
            "bcni on a loss-of-synchronization beacon is refused with 4000",
            |ctx| {
                let (_, _, r) = create(
                    ctx,
                    json!({"bcnc": 2, "bcni": "PT5S", "bcnr": "Cx", "bcnu": somewhere()}),
                )?;
                ensure(matches!(r.rsc, Some(4000 | 5001)), || {
                    format!(
                        "expected 4000 (or 5001 from a CSE without loss-of-sync beacons): {}",
                        r.raw
                    )
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/UPD/001",
            TSB,
            "TS-0004 §7.4.58.2.3",
            "an UPDATE of bcni to something that is not a duration is refused with 4000, and bcni stays",
            |ctx| {
                let (aei, tsb, r) = create(
                    ctx,
                    json!({"bcnc": 1, "bcni": "PT30S", "bcnu": somewhere()}),
                )?;
                expect(&r, 2001, 201)?;
                let bad = json!({"m2m:tsb": {"bcni": "soon"}});
                expect(&ctx.client.update(&tsb, &bad, &aei), 4000, 400)?;
                let now = ctx.client.retrieve(&tsb, &aei);
                ensure(
                    now.text("m2m:tsb", "bcni").as_deref() == Some("PT30S"),
                    || format!("bcni changed: {}", now.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/BCN/001",
            TSB,
            "TS-0001 §9.6.58, TS-0004 §7.4.58.2.5 (periodic beacon)",
            "a periodic beacon with bcni PT1S sends the CSE's current time to bcnu about every second",
            |ctx| {
                let path = ctx.notify_path("/beacon");
                let url = ctx.receiver.url_for(&path);
                let (_, _, r) = create(ctx, json!({"bcnc": 1, "bcni": "PT1S", "bcnu": [url]}))?;
                expect(&r, 2001, 201)?;
                let first = beacon(ctx, &path)?;
                let second = beacon(ctx, &path)?;
                let gap = second.arrived.duration_since(first.arrived);
                ensure(
                    gap >= Duration::from_millis(500) && gap <= Duration::from_millis(2500),
                    || format!("beacons {gap:?} apart with bcni PT1S"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/TSB/BCN/002",
            TSB,
            "TS-0004 §7.4.58.2.4 (delete stops the beacon)",
            "after the timeSyncBeacon is deleted no more beacons arrive",
            |ctx| {
                let path = ctx.notify_path("/beacon");
                let url = ctx.receiver.url_for(&path);
                let (aei, tsb, r) = create(ctx, json!({"bcnc": 1, "bcni": "PT1S", "bcnu": [url]}))?;
                expect(&r, 2001, 201)?;
                beacon(ctx, &path)?;
                expect(&ctx.client.delete(&tsb, &aei), 2002, 200)?;
                // A beacon already on its way may still land.
                let _ = ctx.receiver.next_on(&path, Duration::from_millis(300));
                ensure(
                    ctx.receiver
                        .next_on(&path, Duration::from_millis(2000))
                        .is_none(),
                    || "a beacon arrived after the delete".into(),
                )
            }
        ),
    ]
}
