//! REQ: request timing and non-blocking requests (TS-0001 §8.1.2, §8.2.2, §9.6.12;
//! TS-0004 §7.3.2, §7.4.12; spec digest polling-and-requests §5–§8).

use std::time::{Duration, Instant};

use onecse_testkit::{Method, Reply};
use serde_json::{Map, Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

/// AE, container and `<request>`.
const NB: &[u16] = &[2, 3, 17];
/// AE and container: the time parameters need nothing else.
const TIMED: &[u16] = &[2, 3];

/// The timing purposes that hold a request with a blocking-update subscription.
const TIMED_SUB: &[u16] = &[2, 3, 23];

/// Sends `method` to `path` from `originator` with query parameters, headers and an
/// optional CREATE body of type `ty`.
fn send(
    ctx: &Ctx,
    method: Method,
    path: &str,
    originator: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    create: Option<(u16, Value)>,
) -> Reply {
    let mut request = ctx
        .client
        .request(method, path)
        .originator(originator)
        .headers(headers);
    for (name, value) in query {
        request = request.query(name, value);
    }
    if let Some((ty, body)) = create {
        request = request.json(Some(ty), &body);
    }
    ctx.client.execute(request)
}

/// CREATE of a container `rn` under `parent` with query parameters and headers.
fn create_cnt(
    ctx: &Ctx,
    parent: &str,
    rn: &str,
    aei: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let body = json!({"m2m:cnt": {"rn": rn}});
    send(
        ctx,
        Method::POST,
        parent,
        aei,
        query,
        headers,
        Some((3, body)),
    )
}

/// The HTTP path of the `<request>` an acknowledgement references.
fn request_path(r: &Reply) -> Result<String, Verdict> {
    let uri = r.body["m2m:uri"]
        .as_str()
        .ok_or_else(|| Verdict::Fail(format!("no m2m:uri reference: {}", r.raw)))?;
    Ok(match uri.strip_prefix("//") {
        Some(absolute) => format!("/_/{absolute}"),
        None if uri.starts_with('/') => format!("/~{uri}"),
        None => format!("/{uri}"),
    })
}

/// Retrieves the `<request>` until it is no longer PENDING (rs 3).
fn finished(ctx: &Ctx, path: &str, originator: &str) -> Result<Map<String, Value>, Verdict> {
    let deadline = Instant::now() + ctx.target().timeout;
    loop {
        let r = ctx.client.retrieve(path, originator);
        expect(&r, 2000, 200)?;
        let req = r
            .resource("m2m:req")
            .cloned()
            .ok_or_else(|| Verdict::Fail(format!("not a m2m:req: {}", r.raw)))?;
        if req.get("rs") != Some(&json!(3)) {
            return Ok(req);
        }
        if Instant::now() > deadline {
            return Err(Verdict::Fail(format!("{path} still PENDING: {}", r.raw)));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An AE, a non-blocking (rt 1) CREATE of a container under it, and the finished
/// `<request>`: (AE-ID, AE path, acknowledgement, `<request>`).
fn synch_create(ctx: &mut Ctx) -> Result<(String, String, Reply, Map<String, Value>), Verdict> {
    let (aei, ae) = ctx.ae("req")?;
    let ack = create_cnt(ctx, &ae, "c", &aei, &[("rt", "1")], &[]);
    expect(&ack, 1001, 202)?;
    let path = request_path(&ack)?;
    let req = finished(ctx, &path, &aei)?;
    Ok((aei, ae, ack, req))
}

/// A refused request with this RSC, after which `parent/rn` must not exist.
fn refused_writing_nothing(
    ctx: &mut Ctx,
    rsc: u16,
    status: u16,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("req")?;
    let r = create_cnt(ctx, &ae, "c", &aei, query, headers);
    expect(&r, rsc, status)?;
    let after = ctx.client.retrieve(&format!("{ae}/c"), &aei);
    expect(&after, 4004, 404)
        .map_err(|_| Verdict::Fail(format!("refused request wrote: {}", after.raw)))
}

/// A noResponse acknowledgement: 1000 ACCEPTED (HTTP 202) or ACME's bare HTTP 204,
/// without content.
fn no_result(r: &Reply, what: &str) -> Result<(), Verdict> {
    let acknowledged = (r.status == 202 && r.rsc == Some(1000)) || r.status == 204;
    ensure(acknowledged && r.body.is_null(), || {
        format!(
            "{what} with rt=5: HTTP {} rsc {:?} {}",
            r.status, r.rsc, r.raw
        )
    })
}

/// Retrieves `path` until `done` holds for the reply, within the target's timeout.
fn until(
    ctx: &Ctx,
    path: &str,
    aei: &str,
    what: &str,
    done: impl Fn(&Reply) -> bool,
) -> Result<(), Verdict> {
    let deadline = Instant::now() + ctx.target().timeout;
    loop {
        let r = ctx.client.retrieve(path, aei);
        if done(&r) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Verdict::Fail(format!("{what}: {}", r.raw)));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// REQ/CRE/019: the result of an UPDATE held 600 ms by its blocking-update subscriber
/// (TS-0004 §7.3.2.9) cannot be ready by an `rset` 300 ms ahead.
fn result_later_than_rset(ctx: &mut Ctx) -> Result<(), Verdict> {
    let path = ctx.notify_path("/slow");
    let poa = ctx.receiver.url_for(&path);
    let (aei, ae) = ctx.ae_with("reqslow", json!({"poa": [poa]}))?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let attrs = json!({"rn": "s", "nu": [aei], "enc": {"net": [7]}});
    expect(
        &ctx.client
            .create(&cnt, 23, &json!({"m2m:sub": attrs}), Some(&aei)),
        2001,
        201,
    )?;
    ctx.receiver.delay_on(&path, Duration::from_millis(600));
    let update = ctx
        .client
        .request(Method::PUT, &cnt)
        .originator(&aei)
        .headers(&[("X-M2M-RST", "300")])
        .json(None, &json!({"m2m:cnt": {"lbl": ["late"]}}));
    expect(&ctx.client.execute(update), 4008, 504)?;
    let after = ctx.client.retrieve(&cnt, &aei);
    ensure(after.body["m2m:cnt"].get("lbl").is_none(), || {
        format!("the late UPDATE was applied: {}", after.raw)
    })
}

/// REQ/RET/020: each operation with rt=5, then its effect.
fn no_response_for_every_operation(ctx: &mut Ctx) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("req")?;
    let cnt = format!("{ae}/c");
    let rt5: &[(&str, &str)] = &[("rt", "5")];
    no_result(&create_cnt(ctx, &ae, "c", &aei, rt5, &[]), "CREATE")?;
    until(ctx, &cnt, &aei, "the CREATE never ran", |r| {
        r.rsc == Some(2000)
    })?;
    no_result(
        &send(ctx, Method::GET, &cnt, &aei, rt5, &[], None),
        "RETRIEVE",
    )?;
    let update = ctx
        .client
        .request(Method::PUT, &cnt)
        .originator(&aei)
        .query("rt", "5")
        .json(None, &json!({"m2m:cnt": {"lbl": ["quiet"]}}));
    no_result(&ctx.client.execute(update), "UPDATE")?;
    until(ctx, &cnt, &aei, "the UPDATE never ran", |r| {
        r.body["m2m:cnt"]["lbl"] == json!(["quiet"])
    })?;
    no_result(
        &send(ctx, Method::DELETE, &cnt, &aei, rt5, &[], None),
        "DELETE",
    )?;
    until(ctx, &cnt, &aei, "the DELETE never ran", |r| {
        r.rsc == Some(4004)
    })
}

/// The REQ test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = non_blocking();
    all.extend(timing());
    all
}

fn non_blocking() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/001",
            NB,
            "TS-0001 §8.2.2; TS-0004 §7.3.2.3 (nonBlockingRequestSynch)",
            "rt=1 is acknowledged with 1001 (HTTP 202) and a <request> reference",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let r = create_cnt(ctx, &ae, "c", &aei, &[("rt", "1")], &[]);
                expect(&r, 1001, 202)?;
                request_path(&r).map(|_| ())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/002",
            NB,
            "TS-0001 §9.6.12 (rs, ors)",
            "the polled <request> ends COMPLETED with the operation's response in ors",
            |ctx| {
                let (aei, ae, _, req) = synch_create(ctx)?;
                ensure(
                    req["rs"] == 1
                        && req["ors"]["rsc"] == 2001
                        && req["ors"]["pc"]["m2m:cnt"]["rn"] == "c",
                    || format!("{req:?}"),
                )?;
                expect(&ctx.client.retrieve(&format!("{ae}/c"), &aei), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/003",
            NB,
            "TS-0004 §7.4.12 (request attributes)",
            "the <request> holds ty 17, op, org, rid (the request's rqi) and ors.rqi",
            |ctx| {
                let (aei, _, ack, req) = synch_create(ctx)?;
                let rqi = ack.header("X-M2M-RI").unwrap_or_default();
                ensure(
                    req["ty"] == 17
                        && req["op"] == 1
                        && req["org"] == aei.as_str()
                        && req["rid"] == rqi
                        && req["ors"]["rqi"] == rqi,
                    || format!("{req:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/004",
            NB,
            "spec digest polling §8 (errors found during execution)",
            "an operation failing in the background is recorded in ors.rsc (4004)",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let missing = format!("{ae}/missing");
                let r = send(ctx, Method::GET, &missing, &aei, &[("rt", "1")], &[], None);
                expect(&r, 1001, 202)?;
                let req = finished(ctx, &request_path(&r)?, &aei)?;
                ensure(
                    req["ors"]["rsc"] == 4004 && (req["rs"] == 1 || req["rs"] == 2),
                    || format!("{req:?}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/NTF/005",
            NB,
            "TS-0001 §8.2.2; TS-0004 §7.3.2.4 (nonBlockingRequestAsynch)",
            "rt=2 is acknowledged with 1002 and the result is sent as m2m:rsp to X-M2M-RTU",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let path = ctx.notify_path("/rsp");
                let nu = ctx.receiver.url_for(&path);
                let r = create_cnt(ctx, &ae, "c", &aei, &[("rt", "2")], &[("X-M2M-RTU", &nu)]);
                expect(&r, 1002, 202)?;
                let rqi = r.header("X-M2M-RI").unwrap_or_default().to_owned();
                let got = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| Verdict::Fail("no result NOTIFY arrived".into()))?;
                let rsp = &got.body["m2m:rsp"];
                ensure(rsp["rsc"] == 2001 && rsp["rqi"] == rqi.as_str(), || {
                    got.body.to_string()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/NTF/006",
            NB,
            "TS-0004 §6.3.5.30 (nu present and empty)",
            "rt=2 with an empty X-M2M-RTU sends no result NOTIFY",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let path = ctx.notify_path("/none");
                let r = create_cnt(ctx, &ae, "c", &aei, &[("rt", "2")], &[("X-M2M-RTU", "")]);
                expect(&r, 1002, 202)?;
                let deadline = Instant::now() + ctx.target().timeout;
                while ctx.client.retrieve(&format!("{ae}/c"), &aei).rsc != Some(2000) {
                    ensure(Instant::now() < deadline, || "the request never ran".into())?;
                    std::thread::sleep(Duration::from_millis(100));
                }
                ctx.quiet(&path, Duration::from_millis(800))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/007",
            NB,
            "TS-0001 §9.6.12 (created only by the CSE)",
            "a CREATE of a <request> is refused with 4005",
            |ctx| {
                let (aei, _) = ctx.ae("req")?;
                let base = ctx.base();
                let r = ctx
                    .client
                    .create(&base, 17, &json!({"m2m:req": {"op": 2}}), Some(&aei));
                expect(&r, 4005, 405)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/008",
            NB,
            "TS-0004 §7.3.2.1 (rt 1/2 to a <request>)",
            "a non-blocking request addressed to a <request> is refused with 4000",
            |ctx| {
                let (aei, _, ack, _) = synch_create(ctx)?;
                let path = request_path(&ack)?;
                let r = send(ctx, Method::GET, &path, &aei, &[("rt", "1")], &[], None);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/009",
            NB,
            "TS-0001 §9.6.12 (request acpi: the originator only)",
            "another originator may not retrieve someone's <request> (4103)",
            |ctx| {
                let (_, _, ack, _) = synch_create(ctx)?;
                let (other, _) = ctx.ae("reqother")?;
                let r = ctx.client.retrieve(&request_path(&ack)?, &other);
                expect(&r, 4103, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/DEL/010",
            NB,
            "TS-0001 §10.2.5.x; spec digest polling §7 (DELETE = cancel)",
            "deleting a pending <request> cancels it (2002, the operation never runs) or is refused with 5220",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let ack = create_cnt(
                    ctx,
                    &ae,
                    "c",
                    &aei,
                    &[("rt", "1")],
                    &[("X-M2M-OET", "1500")],
                );
                expect(&ack, 1001, 202)?;
                let r = ctx.client.delete(&request_path(&ack)?, &aei);
                match r.rsc {
                    Some(5220) => expect(&r, 5220, 409),
                    _ => {
                        expect(&r, 2002, 200)?;
                        std::thread::sleep(Duration::from_millis(2500));
                        let after = ctx.client.retrieve(&format!("{ae}/c"), &aei);
                        expect(&after, 4004, 404)
                    }
                }
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/011",
            NB,
            "TS-0004 §6.3.5.30 (responseType range)",
            "an unknown rt value is refused with 4000",
            |ctx| refused_writing_nothing(ctx, 4000, 400, &[("rt", "9")], &[])
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/012",
            NB,
            "TS-0004 §6.3.5.30 (nu only with rtv 2)",
            "X-M2M-RTU with rt=1 is refused with 4000",
            |ctx| {
                let nu = ctx.receiver.url_for("/never");
                refused_writing_nothing(ctx, 4000, 400, &[("rt", "1")], &[("X-M2M-RTU", &nu)])
            }
        ),
    ]
}

fn timing() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/013",
            TIMED,
            "TS-0001 §8.1.2 (rqet passed)",
            "a request whose X-M2M-RET has passed is refused with 4008 and writes nothing",
            |ctx| refused_writing_nothing(ctx, 4008, 504, &[], &[("X-M2M-RET", "20200101T000000")])
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/014",
            TIMED,
            "TS-0001 §8.1.2 (rset passed)",
            "a request whose X-M2M-RST has passed is refused with 4008 and writes nothing",
            |ctx| refused_writing_nothing(ctx, 4008, 504, &[], &[("X-M2M-RST", "20200101T000000")])
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/015",
            TIMED,
            "TS-0004 §6.3.3 (m2m:absRelTimestamp)",
            "an X-M2M-RET that is no absRelTimestamp is refused with 4000",
            |ctx| refused_writing_nothing(ctx, 4000, 400, &[], &[("X-M2M-RET", "soon")])
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/016",
            TIMED,
            "TS-0001 §8.1.2 (rset later than rqet)",
            "an X-M2M-RST not later than X-M2M-RET is refused with 4000",
            |ctx| refused_writing_nothing(
                ctx,
                4000,
                400,
                &[],
                &[("X-M2M-RET", "60000"), ("X-M2M-RST", "30000")]
            )
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/017",
            TIMED,
            "TS-0001 §8.1.2 (relative rqet in ms)",
            "a relative X-M2M-RET in the future is accepted and X-M2M-RST is echoed",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let r = create_cnt(
                    ctx,
                    &ae,
                    "c",
                    &aei,
                    &[],
                    &[("X-M2M-RET", "30000"), ("X-M2M-RST", "60000")],
                );
                expect(&r, 2001, 201)?;
                ensure(r.header("X-M2M-RST") == Some("60000"), || {
                    format!("X-M2M-RST not echoed: {:?}", r.headers)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/019",
            TIMED_SUB,
            "TS-0001 §8.1.2 (result expiration)",
            "an UPDATE whose X-M2M-RST passes while a blocking-update subscriber takes its time gets 4008 and changes nothing",
            result_later_than_rset
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/RET/020",
            TIMED,
            "TS-0001 §8.1.2; TS-0004 §6.3.5.30 (rt 5 noResponse)",
            "rt=5 is accepted at once without a result for CREATE, RETRIEVE, UPDATE and DELETE, and each runs",
            no_response_for_every_operation
        ),
        tp!(
            "TP/oneM2M/CSE/REQ/CRE/018",
            TIMED,
            "TS-0001 §8.1.2 (operation execution time)",
            "a blocking request with X-M2M-OET 1.5 s ahead runs no earlier than then",
            |ctx| {
                let (aei, ae) = ctx.ae("req")?;
                let started = Instant::now();
                let r = create_cnt(ctx, &ae, "c", &aei, &[], &[("X-M2M-OET", "1500")]);
                let waited = started.elapsed();
                expect(&r, 2001, 201)?;
                ensure(waited >= Duration::from_millis(1400), || {
                    format!("answered after {waited:?}")
                })
            }
        ),
    ]
}
