//! GEN: the HTTP binding (TS-0009), primitives and error handling (TS-0004 §7.2, §6.6).

use onecse_testkit::{Method, Reply, Request};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, ensure, expect};

fn headers(
    origin: Option<&str>,
    rvi: Option<&str>,
    ri: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut h = vec![("Accept", "application/json".to_owned())];
    if let Some(o) = origin {
        h.push(("X-M2M-Origin", o.to_owned()));
    }
    if let Some(v) = rvi {
        h.push(("X-M2M-RVI", v.to_owned()));
    }
    if let Some(r) = ri {
        h.push(("X-M2M-RI", r.to_owned()));
    }
    h
}

/// A CREATE on the CSEBase by the admin with this Content-Type and raw body, for
/// media types and bodies the CSE must refuse.
fn post_raw(ctx: &Ctx, content_type: &str, body: &str) -> Reply {
    let request = ctx
        .client
        .request(Method::POST, &ctx.base())
        .originator(&ctx.admin())
        .content_type(content_type)
        .body(body);
    ctx.client.execute(request)
}

/// An AE CREATE on the CSEBase carrying a query parameter CREATE must refuse.
fn create_ae_with_query(ctx: &Ctx, what: &str, name: &str, value: &str) -> Reply {
    let body = json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"]}});
    let request = ctx
        .client
        .request(Method::POST, &ctx.base())
        .query(name, value)
        .originator(&format!("C{}", ctx.name(what)))
        .json(Some(2), &body);
    ctx.client.execute(request)
}

/// The GEN test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/GEN/RET/001",
            &[],
            "TS-0001 §9.6.3; TS-0004 §7.4.3",
            "RETRIEVE of the CSEBase returns m2m:cb with ri, rn, ty 5, csi, srt, srv, ct",
            |ctx| {
                let r = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                expect(&r, 2000, 200)?;
                let cb = r
                    .resource("m2m:cb")
                    .ok_or_else(|| crate::suite::Verdict::Fail("no m2m:cb".into()))?;
                for a in ["ri", "rn", "ty", "csi", "srt", "ct"] {
                    ensure(cb.contains_key(a), || format!("m2m:cb has no '{a}'"))?;
                }
                ensure(cb["ty"] == 5, || "ty is not 5".into())?;
                ensure(cb["csi"] == ctx.target().cse_id.as_str(), || {
                    format!("csi {} is not {}", cb["csi"], ctx.target().cse_id)
                })?;
                ensure(cb["rn"] == ctx.target().cse_name(), || {
                    "rn differs from the CSEBase name".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/002",
            &[],
            "TS-0009 §6.4.1",
            "every response carries X-M2M-RSC and echoes X-M2M-RI",
            |ctx| {
                let r = ctx
                    .client
                    .execute(Request::new(Method::GET, ctx.base()).headers(&headers(
                        Some(&ctx.admin()),
                        Some(&ctx.target().rvi),
                        Some("echo-me-1"),
                    )));
                ensure(r.rsc == Some(2000), || "no X-M2M-RSC 2000".into())?;
                ensure(r.header("x-m2m-ri") == Some("echo-me-1"), || {
                    "X-M2M-RI not echoed".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/003",
            &[],
            "TS-0004 §7.2.2; TS-0009 §6.4.18",
            "the response carries X-M2M-RVI",
            |ctx| {
                let r = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                ensure(r.header("x-m2m-rvi").is_some(), || {
                    "no X-M2M-RVI in the response".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/004",
            &[],
            "TS-0004 §7.2.2.2; spec digest status-codes §6",
            "a request without X-M2M-RI is refused with 4000",
            |ctx| {
                let r =
                    ctx.client
                        .execute(Request::new(Method::GET, ctx.base()).headers(&headers(
                            Some(&ctx.admin()),
                            Some(&ctx.target().rvi),
                            None,
                        )));
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/005",
            &[],
            "TS-0004 §7.2.2 (RVI)",
            "an unsupported release version is refused with 4001",
            |ctx| {
                let r =
                    ctx.client
                        .execute(Request::new(Method::GET, ctx.base()).headers(&headers(
                            Some(&ctx.admin()),
                            Some("9"),
                            Some("rvi"),
                        )));
                expect(&r, 4001, 501)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/006",
            &[],
            "TS-0004 §7.2.1.1 (From mandatory)",
            "a RETRIEVE without X-M2M-Origin is refused with 4000 (4107 by a CSE that authenticates)",
            |ctx| {
                let r = ctx
                    .client
                    .execute(ctx.client.request(Method::GET, &ctx.base()));
                // Nothing to authenticate: a CSE that asks for credentials may refuse
                // for their absence first.
                if ctx.client.target().credentials.any() && r.rsc == Some(4107) {
                    return expect(&r, 4107, 403);
                }
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/007",
            &[],
            "TS-0004 §7.3.2 (target)",
            "an unknown target answers 4004",
            |ctx| {
                let path = format!("{}/{}", ctx.base(), ctx.name("missing"));
                expect(&ctx.client.retrieve(&path, &ctx.admin()), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/008",
            &[],
            "spec digest primitives, interoperability notes (trailing slash)",
            "a target ending in '/' is not served as the resource",
            |ctx| {
                let r = ctx
                    .client
                    .retrieve(&format!("{}/", ctx.base()), &ctx.admin());
                ensure(matches!(r.rsc, Some(4004 | 4000)), || {
                    format!("expected 4004 or 4000, got {:?}", r.rsc)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/009",
            &[],
            "spec digest primitives, interoperability notes (unknown query parameters)",
            "an unknown query parameter is refused with 4000",
            |ctx| {
                expect(
                    &ctx.client
                        .retrieve(&format!("{}?bogusParam=1", ctx.base()), &ctx.admin()),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/010",
            &[],
            "TS-0004 §6.3.4.2 (resultContent)",
            "an undefined rcn value is refused with 4000",
            |ctx| {
                expect(
                    &ctx.client
                        .retrieve(&format!("{}?rcn=99", ctx.base()), &ctx.admin()),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/011",
            &[],
            "TS-0004 §6.3.5.8 (filterUsage)",
            "an undefined fu value is refused with 4000",
            |ctx| {
                expect(
                    &ctx.client
                        .retrieve(&format!("{}?fu=4223", ctx.base()), &ctx.admin()),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/012",
            &[],
            "TS-0001 table 8.1.2-1",
            "rcn=0 is not permitted for RETRIEVE (4000)",
            |ctx| {
                expect(
                    &ctx.client
                        .retrieve(&format!("{}?rcn=0", ctx.base()), &ctx.admin()),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/013",
            &[],
            "TS-0009 §6.2.2.1 (SP-relative)",
            "the CSEBase is found by its SP-relative structured address /~/<csi>/<rn>",
            |ctx| {
                let path = format!("/~{}/{}", ctx.target().cse_id, ctx.target().cse_name());
                expect(&ctx.client.retrieve(&path, &ctx.admin()), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/014",
            &[],
            "TS-0001 §7.2 ('-' shortcut)",
            "'-' as first segment stands for the CSEBase name",
            |ctx| {
                let r = ctx.client.retrieve("/-", &ctx.admin());
                expect(&r, 2000, 200)?;
                ensure(r.resource("m2m:cb").is_some(), || "no m2m:cb".into())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/015",
            &[],
            "TS-0001 §7.2 (unstructured)",
            "the CSEBase is found by its resource ID",
            |ctx| {
                let cb = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                let ri = cb.text("m2m:cb", "ri").unwrap_or_default();
                let r = ctx.client.retrieve(&format!("/{ri}"), &ctx.admin());
                expect(&r, 2000, 200)?;
                ensure(
                    r.text("m2m:cb", "ri").as_deref() == Some(ri.as_str()),
                    || "another resource was returned".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/016",
            &[],
            "TS-0009 §6.2.2.1 (absolute)",
            "the CSEBase is found by its absolute address /_/<sp-id>/<csi>/<rn>",
            |ctx| {
                let Some(sp) = ctx.target().sp_id.clone() else {
                    return Err(crate::suite::Verdict::Skip("no --sp-id given".into()));
                };
                let path = format!("/_/{sp}{}/{}", ctx.target().cse_id, ctx.target().cse_name());
                expect(&ctx.client.retrieve(&path, &ctx.admin()), 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/017",
            &[],
            "TS-0004 §7.3.2.8 (transit)",
            "an SP-relative address with an unknown CSE-ID answers 4004",
            |ctx| {
                let path = format!("/~/{}/nothing", ctx.name("id-unknown"));
                expect(&ctx.client.retrieve(&path, &ctx.admin()), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/018",
            &[],
            "TS-0009 §6.4.2 (Accept)",
            "an Accept that allows no supported serialization answers 5207",
            |ctx| {
                let mut h = headers(Some(&ctx.admin()), Some(&ctx.target().rvi), Some("acc"));
                h.retain(|(n, _)| *n != "Accept");
                h.push(("Accept", "image/png".to_owned()));
                expect(
                    &ctx.client
                        .execute(Request::new(Method::GET, ctx.base()).headers(&h)),
                    5207,
                    406,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/019",
            &[],
            "TS-0009 §6.2.2.2 (Content-Type)",
            "a JSON response has Content-Type application/json",
            |ctx| {
                let r = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                let ct = r.header("content-type").unwrap_or("");
                ensure(
                    ct.starts_with("application/json")
                        || ct.starts_with("application/vnd.onem2m-res+json"),
                    || format!("Content-Type is '{ct}'"),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/020",
            &[],
            "TS-0004 §7.3.3.x (partial retrieve)",
            "atrl returns only the named attributes",
            |ctx| {
                let r = ctx
                    .client
                    .retrieve(&format!("{}?atrl=csi", ctx.base()), &ctx.admin());
                expect(&r, 2000, 200)?;
                let cb = r.resource("m2m:cb").cloned().unwrap_or_default();
                ensure(cb.len() == 1 && cb.contains_key("csi"), || {
                    format!("got {}", r.raw)
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/021",
            &[],
            "TS-0004 §7.3.3.x (partial retrieve)",
            "atrl naming an unknown attribute is refused with 4000",
            |ctx| {
                expect(
                    &ctx.client
                        .retrieve(&format!("{}?atrl=notAnAttribute", ctx.base()), &ctx.admin()),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/UPD/001",
            &[],
            "TS-0004 §7.4.3 (CSEBase, R3)",
            "UPDATE of the CSEBase answers 4005",
            |ctx| {
                expect(
                    &ctx.client.update(
                        &ctx.base(),
                        &json!({"m2m:cb": {"lbl": ["x"]}}),
                        &ctx.admin(),
                    ),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/DEL/001",
            &[],
            "TS-0004 §7.4.3 (CSEBase)",
            "DELETE of the CSEBase answers 4005",
            |ctx| { expect(&ctx.client.delete(&ctx.base(), &ctx.admin()), 4005, 405) }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/001",
            &[],
            "TS-0004 §8.2 (serialization)",
            "a body that is not JSON is refused with 4000",
            |ctx| {
                let r = post_raw(ctx, "application/json;ty=2", "{not json");
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/002",
            &[],
            "TS-0004 §8.4 (root element)",
            "content whose root key is not the type's is refused with 4000",
            |ctx| {
                let r = ctx.client.create(
                    &ctx.base(),
                    2,
                    &json!({"m2m:cnt": {"api": "Nx", "rr": true, "srv": ["3"]}}),
                    Some(&format!("C{}", ctx.name("root"))),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/003",
            &[],
            "TS-0009 §6.4.5 (Content-Type)",
            "an unsupported Content-Type is refused with 4015",
            |ctx| {
                let r = post_raw(ctx, "text/plain;ty=2", "hello");
                expect(&r, 4015, 415)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/004",
            &[],
            "spec digest primitives, interoperability notes (ty)",
            "a non-numeric ty is refused with 4000",
            |ctx| {
                let r = post_raw(ctx, "application/json;ty=abc", "{}");
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/005",
            &[],
            "TS-0004 §6.3.4.2.1 (resourceType)",
            "an undefined resource type is refused with 4000",
            |ctx| {
                let r = post_raw(ctx, "application/json;ty=999", "{}");
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/006",
            &[],
            "TS-0004 §7.4.3 (CSEBase)",
            "CREATE of a CSEBase answers 4005",
            |ctx| {
                expect(
                    &ctx.client
                        .create(&ctx.base(), 5, &json!({"m2m:cb": {}}), Some(&ctx.admin())),
                    4005,
                    405,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/007",
            &[],
            "TS-0001 table 8.1.2-1",
            "rcn=4 is not permitted for CREATE (4000)",
            |ctx| {
                let r = create_ae_with_query(ctx, "rcn", "rcn", "4");
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/CRE/008",
            &[],
            "TS-0004 §7.2.1.1 (fc not in CREATE)",
            "filter criteria in a CREATE are refused with 4000",
            |ctx| {
                let r = create_ae_with_query(ctx, "fc", "lbl", "x");
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/DEL/002",
            &[2],
            "TS-0004 §7.5.2 (rcn default for DELETE)",
            "a DELETE with the default rcn returns no content",
            |ctx| {
                let (aei, path) = ctx.ae("del")?;
                let r = ctx.client.delete(&path, &aei);
                expect(&r, 2002, 200)?;
                ensure(r.raw.is_empty(), || format!("content returned: {}", r.raw))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/022",
            &[],
            "TS-0004 §6.3.3 (m2m:timestamp)",
            "ct and lt are basic-format timestamps",
            |ctx| {
                let r = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                let ct = r.text("m2m:cb", "ct").unwrap_or_default();
                ensure(onecse_models::time::Timestamp::parse(&ct).is_ok(), || {
                    format!("ct '{ct}' is not YYYYMMDDThhmmss[,f]")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/GEN/RET/023",
            &[],
            "TS-0001 §9.6.3 (srv)",
            "the CSEBase lists supported release versions in srv, including the one used",
            |ctx| {
                let r = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                let srv = r
                    .resource("m2m:cb")
                    .and_then(|c| c.get("srv"))
                    .cloned()
                    .unwrap_or(Value::Null);
                ensure(
                    srv.as_array()
                        .is_some_and(|a| a.iter().any(|v| v == ctx.target().rvi.as_str())),
                    || format!("srv {srv} lacks {}", ctx.target().rvi),
                )
            }
        ),
    ]
}
