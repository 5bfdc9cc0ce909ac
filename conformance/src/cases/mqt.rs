//! MQT: the MQTT binding (TS-0010), run only when the suite speaks MQTT
//! (`--transport mqtt`): every other group then runs over MQTT too, and these check
//! what only MQTT has: the serialization named by the topic, malformed payloads
//! answered on the response topic, and notifications published to an `mqtt://`
//! target.

use serde_json::json;

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const CNT: &[u16] = &[2, 3];
const SUB: &[u16] = &[2, 3, 4, 23];

/// The test purposes of the group.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/MQT/CRE/001",
            CNT,
            "TS-0010 §6.5.3, §6.5.4 (serialization named by the topic)",
            "a CREATE published on the /cbor request topic is answered in CBOR",
            |ctx| {
                let (aei, ae) = ctx.ae("mqtcbor")?;
                let body = onecse_models::cbor::encode(&json!({"m2m:cnt": {"rn": "c"}}));
                let request = ctx
                    .client
                    .request(onecse_testkit::Method::POST, &ae)
                    .originator(&aei)
                    .serialized(Some("application/cbor;ty=3"), None, Some(body));
                let reply = ctx.client.execute(request);
                expect(&reply, 2001, 201)?;
                let ct = reply.header("Content-Type").unwrap_or_default();
                ensure(ct == "application/cbor", || {
                    format!("the answer is {ct}, not CBOR")
                })?;
                ensure(reply.body["m2m:cnt"]["rn"] == "c", || {
                    format!("the CBOR answer reads {}", reply.body)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MQT/CRE/002",
            CNT,
            "TS-0010 §6.4.3; TS-0004 §6.6.3 (BAD_REQUEST)",
            "a payload that is not a JSON primitive is answered 4000 with m2m:dbg on the response topic",
            |ctx| {
                let (aei, ae) = ctx.ae("mqtbad")?;
                let request = ctx
                    .client
                    .request(onecse_testkit::Method::POST, &ae)
                    .originator(&aei)
                    .content_type("application/json;ty=3")
                    .body("{not json");
                let reply = ctx.client.execute(request);
                expect(&reply, 4000, 400)?;
                ensure(reply.body["m2m:dbg"].is_string(), || {
                    format!("no m2m:dbg: {}", reply.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/MQT/NOT/001",
            SUB,
            "TS-0010 §6.6 (mqtt URL in nu: the whole topic)",
            "a subscription whose nu is an mqtt:// URL gets its verification and notifications published on that topic",
            mqtt_nu
        ),
    ]
}

fn mqtt_nu(ctx: &mut Ctx) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("mqtnu")?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let topic = format!("conformance/{}", ctx.tag);
    let Some(listening) = ctx.client.mqtt_listen(&topic) else {
        return Err(Verdict::Skip("the suite does not speak MQTT".into()));
    };
    let mut inbox = listening.map_err(Verdict::Fail)?;
    let broker = ctx
        .client
        .mqtt_broker()
        .ok_or_else(|| Verdict::Skip("the suite does not speak MQTT".into()))?;
    let nu = format!("{broker}/{topic}");
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [nu], "enc": {"net": [3]}}});
    expect(&ctx.client.create(&cnt, 23, &sub, Some(&aei)), 2001, 201)?;
    let wait = ctx.target().timeout;
    let next = |ctx: &Ctx, inbox: &mut _, what: &str| {
        ctx.client
            .mqtt_next(inbox, wait)
            .map(|(_, message)| message)
            .ok_or_else(|| Verdict::Fail(format!("no {what} on {topic} within {wait:?}")))
    };
    let verification = next(ctx, &mut inbox, "verification request")?;
    ensure(verification["pc"]["m2m:sgn"]["vrq"] == true, || {
        format!("not a verification request: {verification}")
    })?;
    ctx.instance(&cnt, "mqtt", &aei)?;
    let notification = next(ctx, &mut inbox, "notification")?;
    ensure(
        notification["op"] == 5
            && notification["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"] == "mqtt",
        || format!("not the notification of the new instance: {notification}"),
    )?;
    Ok(())
}
