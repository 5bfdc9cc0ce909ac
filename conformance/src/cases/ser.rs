//! SER: serializations in the HTTP binding (TS-0004 §6.7, §8.5, §7.3.2.1, §7.5.1.1;
//! TS-0009 §6.4; spec digest serialization.md): CBOR bodies in and out, Accept
//! negotiation, `csz` and CBOR notifications. Request bodies are written with
//! `ciborium`, an implementation independent of any CSE's.

use onecse_testkit::{Method, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const CNT: &[u16] = &[2, 3];
const SUB: &[u16] = &[2, 3, 4, 23];

/// The digest's example `{"m2m:cnt":{"rn":"cnt1","mni":10}}` (TS-0004 §8.5 mapping).
const DIGEST_CNT: [u8; 23] = [
    0xa1, 0x67, 0x6d, 0x32, 0x6d, 0x3a, 0x63, 0x6e, 0x74, 0xa2, 0x62, 0x72, 0x6e, 0x64, 0x63, 0x6e,
    0x74, 0x31, 0x63, 0x6d, 0x6e, 0x69, 0x0a,
];

fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail for a JSON value.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

/// Decodes a CBOR reply body with ciborium.
fn decoded(reply: &Reply) -> Result<Value, Verdict> {
    ciborium::from_reader(reply.bytes.as_slice())
        .map_err(|e| Verdict::Fail(format!("the body is not CBOR: {e}")))
}

/// A request by `originator` with `Content-Type`, `Accept` and a binary body as given.
fn send(
    ctx: &Ctx,
    method: Method,
    path: &str,
    originator: &str,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: Option<Vec<u8>>,
) -> Reply {
    let request = ctx
        .client
        .request(method, path)
        .originator(originator)
        .serialized(content_type, accept, body);
    ctx.client.execute(request)
}

/// A container CREATE under `parent` with a CBOR body, accepting `accept`.
fn create_cbor(
    ctx: &Ctx,
    parent: &str,
    originator: &str,
    body: Vec<u8>,
    accept: Option<&str>,
) -> Reply {
    let ct = Some("application/cbor;ty=3");
    send(
        ctx,
        Method::POST,
        parent,
        originator,
        ct,
        accept,
        Some(body),
    )
}

/// A RETRIEVE by the admin accepting only `accept`.
fn retrieve_accepting(ctx: &Ctx, path: &str, accept: &str) -> Reply {
    send(
        ctx,
        Method::GET,
        path,
        &ctx.admin(),
        None,
        Some(accept),
        None,
    )
}

fn content_type_is(reply: &Reply, wanted: &str) -> Result<(), Verdict> {
    let got = reply.header("Content-Type").unwrap_or_default();
    ensure(got.split(';').next() == Some(wanted), || {
        format!("Content-Type is '{got}', not {wanted}")
    })
}

/// A CBOR CREATE of a container under a fresh AE; returns (AE-ID, AE path, reply).
fn cbor_container(ctx: &mut Ctx, what: &str) -> Result<(String, String, Reply), Verdict> {
    let (aei, ae) = ctx.ae(what)?;
    let reply = create_cbor(
        ctx,
        &ae,
        &aei,
        DIGEST_CNT.to_vec(),
        Some("application/cbor"),
    );
    expect(&reply, 2001, 201)?;
    Ok((aei, ae, reply))
}

/// A CREATE of a container with a CBOR body the CSE must refuse with 4000.
fn refused_cbor(ctx: &mut Ctx, body: &[u8]) -> Result<(), Verdict> {
    let (aei, ae) = ctx.ae("serbad")?;
    let reply = create_cbor(ctx, &ae, &aei, body.to_vec(), None);
    expect(&reply, 4000, 400)
}

/// An AE registration with this `csz`, which must be refused with 4000.
fn refused_csz(ctx: &Ctx, what: &str, csz: Value) -> Result<(), Verdict> {
    let rn = ctx.name(what);
    let body = json!({"m2m:ae": {"rn": rn, "api": "Nser", "rr": false, "srv": ["3"], "csz": csz}});
    let reply = ctx
        .client
        .create(&ctx.base(), 2, &body, Some(&format!("C{rn}")));
    if reply.rsc == Some(2001) {
        let _ = ctx
            .client
            .delete(&format!("{}/{rn}", ctx.base()), &format!("C{rn}"));
    }
    expect(&reply, 4000, 400)
}

/// The SER test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = cbor_tps();
    all.extend(negotiation_tps());
    all.extend(csz_tps());
    all
}

fn cbor_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SER/CRE/001",
            CNT,
            "TS-0004 §8.5; TS-0009 §6.4.3",
            "a CREATE with a CBOR body (application/cbor;ty=3) answers 2001 with the resource in CBOR",
            |ctx| {
                let (_, _, reply) = cbor_container(ctx, "sercre")?;
                content_type_is(&reply, "application/cbor")?;
                let cnt = decoded(&reply)?;
                ensure(
                    cnt["m2m:cnt"]["rn"] == "cnt1" && cnt["m2m:cnt"]["mni"] == 10,
                    || format!("unexpected content {cnt}"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/RET/001",
            &[],
            "TS-0004 §7.3.3.13; TS-0009 §6.4.2",
            "a RETRIEVE with Accept: application/cbor answers the CSEBase in CBOR",
            |ctx| {
                let base = ctx.base();
                let reply = retrieve_accepting(ctx, &base, "application/cbor");
                expect(&reply, 2000, 200)?;
                content_type_is(&reply, "application/cbor")?;
                let cb = decoded(&reply)?;
                ensure(cb["m2m:cb"]["ty"] == 5, || format!("not an m2m:cb: {cb}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/RET/002",
            CNT,
            "TS-0004 §8.5 (same data model as JSON §8.4)",
            "a resource created in CBOR reads back in JSON with the same values",
            |ctx| {
                let (aei, ae, _) = cbor_container(ctx, "serret")?;
                let reply = ctx.client.retrieve(&format!("{ae}/cnt1"), &aei);
                expect(&reply, 2000, 200)?;
                content_type_is(&reply, "application/json")?;
                ensure(reply.body["m2m:cnt"]["mni"] == 10, || {
                    format!("mni is {}", reply.body["m2m:cnt"]["mni"])
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/UPD/001",
            CNT,
            "TS-0004 §7.4.3 (UPDATE), §8.5",
            "an UPDATE with a CBOR body changes the attribute and answers 2004 in CBOR",
            |ctx| {
                let (aei, ae, _) = cbor_container(ctx, "serupd")?;
                let body = cbor(&json!({"m2m:cnt": {"mni": 3}}));
                let path = format!("{ae}/cnt1");
                let reply = send(
                    ctx,
                    Method::PUT,
                    &path,
                    &aei,
                    Some("application/vnd.onem2m-res+cbor"),
                    Some("application/cbor"),
                    Some(body),
                );
                expect(&reply, 2004, 200)?;
                let cnt = decoded(&reply)?;
                ensure(cnt["m2m:cnt"]["mni"] == 3, || {
                    format!("mni not updated: {cnt}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/CRE/002",
            CNT,
            "TS-0004 §7.3.2.1 (content not decodable → BAD_REQUEST)",
            "a truncated CBOR body is refused with 4000",
            |ctx| refused_cbor(ctx, DIGEST_CNT.get(..9).unwrap_or_default())
        ),
        tp!(
            "TP/oneM2M/CSE/SER/CRE/003",
            CNT,
            "TS-0004 §8.5 (no byte strings in the mapping)",
            "a CBOR body carrying a byte string is refused with 4000",
            |ctx| refused_cbor(
                ctx,
                &[
                    0xa1, 0x67, 0x6d, 0x32, 0x6d, 0x3a, 0x63, 0x6e, 0x74, 0xa1, 0x62, 0x72, 0x6e,
                    0x41, 0x00
                ]
            )
        ),
    ]
}

fn negotiation_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SER/NEG/001",
            &[],
            "TS-0004 §7.3.2.1; TS-0009 table 6.3.2-1 (NOT_ACCEPTABLE)",
            "an Accept header naming only serializations the CSE does not produce answers 5207 / HTTP 406",
            |ctx| {
                let base = ctx.base();
                let reply = retrieve_accepting(ctx, &base, "text/html");
                expect(&reply, 5207, 406)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/NEG/002",
            CNT,
            "TS-0004 §7.3.3.12 (serialization of the request)",
            "without Accept, the response uses the request body's serialization (CBOR)",
            |ctx| {
                let (aei, ae) = ctx.ae("serneg")?;
                let body = cbor(&json!({"m2m:cnt": {"rn": "c"}}));
                let reply = create_cbor(ctx, &ae, &aei, body, None);
                expect(&reply, 2001, 201)?;
                content_type_is(&reply, "application/cbor")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/NEG/003",
            &[],
            "TS-0009 §6.4.3; TS-0004 §6.6 (error content)",
            "an error answered to a request accepting only CBOR carries m2m:dbg in CBOR",
            |ctx| {
                let path = format!("{}/{}", ctx.base(), ctx.name("nothere"));
                let reply = retrieve_accepting(ctx, &path, "application/cbor");
                expect(&reply, 4004, 404)?;
                content_type_is(&reply, "application/cbor")?;
                let dbg = decoded(&reply)?;
                ensure(dbg["m2m:dbg"].is_string(), || format!("no m2m:dbg: {dbg}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/NEG/004",
            &[],
            "TS-0009 §6.4.3; spec digest serialization §8 (XML not supported)",
            "a CREATE with an XML body is refused with 4015 / HTTP 415 by a CSE without XML",
            |ctx| {
                let base = ctx.base();
                let reply = send(
                    ctx,
                    Method::POST,
                    &base,
                    &ctx.admin(),
                    Some("application/vnd.onem2m-res+xml;ty=3"),
                    None,
                    Some(b"<m2m:cnt xmlns:m2m=\"http://www.onem2m.org/xml/protocols\"/>".to_vec()),
                );
                expect(&reply, 4015, 415)
            }
        ),
    ]
}

fn csz_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SER/CSZ/001",
            &[],
            "TS-0001 §9.6.3 (CSEBase csz)",
            "the CSEBase csz lists CBOR (the CSE reads and writes it)",
            |ctx| {
                let reply = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                expect(&reply, 2000, 200)?;
                let csz = &reply.body["m2m:cb"]["csz"];
                let lists_cbor = csz
                    .as_array()
                    .is_some_and(|l| l.iter().any(|e| e == "cbor" || e == "application/cbor"));
                ensure(lists_cbor, || format!("csz is {csz}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/CSZ/002",
            &[2],
            "TS-0004 table 6.3.3-1 (m2m:serializations)",
            "an AE whose csz names no serialization (\"wrong\") is refused with 4000",
            |ctx| refused_csz(ctx, "cszwrong", json!(["wrong"]))
        ),
        tp!(
            "TP/oneM2M/CSE/SER/CSZ/003",
            &[2],
            "TS-0004 table 6.3.3-1 (at least one member)",
            "an AE with an empty csz list is refused with 4000",
            |ctx| refused_csz(ctx, "cszempty", json!([]))
        ),
        tp!(
            "TP/oneM2M/CSE/SER/NTF/001",
            SUB,
            "TS-0004 §7.4.8 (notificationURI ct parameter)",
            "a notification URL ending in ?ct=cbor receives the verification in CBOR, without the ct parameter",
            |ctx| {
                let (aei, ae) = ctx.ae("serntf")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let path = ctx.notify_path("/cbor");
                let nu = format!("{}?ct=cbor", ctx.receiver.url_for(&path));
                let reply = ctx.client.create(
                    &cnt,
                    23,
                    &json!({"m2m:sub": {"rn": "s", "nu": [nu]}}),
                    Some(&aei),
                );
                expect(&reply, 2001, 201)?;
                let v = ctx
                    .receiver
                    .next_on(&path, ctx.target().timeout)
                    .ok_or_else(|| {
                        Verdict::Fail("no verification request on the path without ct".into())
                    })?;
                let ct = v.header("Content-Type").unwrap_or_default();
                ensure(
                    ct.starts_with("application/cbor") || ct.contains("+cbor"),
                    || format!("Content-Type is '{ct}'"),
                )?;
                ensure(v.is_verification(), || {
                    format!("not a verification: {}", v.body)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SER/NTF/002",
            SUB,
            "TS-0004 §7.5.1.1 (Notify to an AE uses one of its csz)",
            "a notification to an AE whose csz prefers CBOR is sent in CBOR",
            |ctx| {
                let path = ctx.notify_path("/ae");
                let poa = ctx.receiver.url_for(&path);
                let (aei, ae) = ctx.ae_with(
                    "sercsz",
                    json!({"poa": [poa], "csz": ["application/cbor", "application/json"]}),
                )?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let reply = ctx.client.create(
                    &cnt,
                    23,
                    &json!({"m2m:sub": {"rn": "s", "nu": [aei.clone()], "enc": {"net": [3]}}}),
                    Some(&aei),
                );
                expect(&reply, 2001, 201)?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                let ct = n.header("Content-Type").unwrap_or_default();
                ensure(
                    ct.starts_with("application/cbor") || ct.contains("+cbor"),
                    || format!("Content-Type is '{ct}'"),
                )?;
                ensure(n.sgn()["nev"]["rep"]["m2m:cin"]["con"] == "x", || {
                    format!("unexpected notification {}", n.body)
                })
            }
        ),
    ]
}
