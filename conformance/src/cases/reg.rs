//! REG: AE registration, retrieval, update and deregistration (TS-0001 §10.2.2.2,
//! TS-0004 §7.4.5, spec digest addressing-and-registration §5).

use onecse_testkit::{Method, Reply};
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Check, Ctx, TestPurpose, Verdict, ensure, expect};

const AE: &[u16] = &[2];

fn ae_body(ctx: &Ctx, extra: Value) -> Value {
    let mut attrs = json!({"api": "Nconformance", "rr": true, "srv": [ctx.target().rvi.clone()]});
    crate::suite::merge(&mut attrs, &extra);
    json!({ "m2m:ae": attrs })
}

/// Registers AE `what` (AE-ID `C<name>`) with `?rcn=<rcn>`; fails unless created, and
/// tracks it for clean-up.
fn register_with_rcn(ctx: &mut Ctx, what: &str, rcn: &str) -> Result<Reply, Verdict> {
    let rn = ctx.name(what);
    let aei = format!("C{rn}");
    let request = ctx
        .client
        .request(Method::POST, &ctx.base())
        .query("rcn", rcn)
        .originator(&aei)
        .json(Some(2), &ae_body(ctx, json!({ "rn": rn })));
    let r = ctx.client.execute(request);
    expect(&r, 2001, 201)?;
    ctx.track_with(&format!("{}/{rn}", ctx.base()), &aei);
    Ok(r)
}

/// Registers with `originator`, tracking what was created for clean-up.
fn register(ctx: &mut Ctx, originator: Option<&str>, extra: Value) -> Reply {
    let reply = ctx
        .client
        .create(&ctx.base(), 2, &ae_body(ctx, extra), originator);
    if reply.rsc == Some(2001) {
        let aei = reply.text("m2m:ae", "aei").unwrap_or_default();
        let ri = reply.text("m2m:ae", "ri").unwrap_or_default();
        ctx.track_with(&format!("/{ri}"), &aei);
    }
    reply
}

fn fail(msg: impl Into<String>) -> Verdict {
    Verdict::Fail(msg.into())
}

fn refused(ctx: &mut Ctx, extra: Value, rsc: u16, status: u16) -> Check {
    let originator = format!("C{}", ctx.name("bad"));
    expect(&register(ctx, Some(&originator), extra), rsc, status)
}

/// The REG test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/REG/CRE/001",
            AE,
            "TS-0001 §10.2.2.2 case (given C-stem); TS-0004 §7.4.5.2.1",
            "registration with a free C AE-ID stem uses it as aei and ri",
            |ctx| {
                let aei = format!("C{}", ctx.name("given"));
                let r = register(ctx, Some(&aei), json!({}));
                expect(&r, 2001, 201)?;
                ensure(
                    r.text("m2m:ae", "aei").as_deref() == Some(aei.as_str()),
                    || format!("aei is {:?}", r.text("m2m:ae", "aei")),
                )?;
                let cb = ctx.client.retrieve(&ctx.base(), &ctx.admin());
                ensure(r.text("m2m:ae", "pi") == cb.text("m2m:cb", "ri"), || {
                    "pi is not the CSEBase's ri".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/002",
            AE,
            "TS-0009 §6.4.7 (Content-Location)",
            "a successful registration answers 2001 with Content-Location",
            |ctx| {
                let aei = format!("C{}", ctx.name("loc"));
                let r = register(ctx, Some(&aei), json!({}));
                expect(&r, 2001, 201)?;
                ensure(r.header("content-location").is_some(), || {
                    "no Content-Location".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/003",
            AE,
            "TS-0001 §10.2.2.2 (From 'C')",
            "From 'C' gets a CSE-assigned C-prefixed AE-ID",
            |ctx| {
                let r = register(ctx, Some("C"), json!({}));
                expect(&r, 2001, 201)?;
                let aei = r.text("m2m:ae", "aei").unwrap_or_default();
                ensure(aei.starts_with('C') && aei.len() > 1, || {
                    format!("aei '{aei}'")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/004",
            AE,
            "TS-0004 §7.2.2.1 (From optional for AE CREATE)",
            "a registration without X-M2M-Origin gets an assigned AE-ID",
            |ctx| {
                let r = register(ctx, None, json!({}));
                expect(&r, 2001, 201)?;
                ensure(
                    r.text("m2m:ae", "aei").is_some_and(|a| !a.is_empty()),
                    || "no aei".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/005",
            AE,
            "TS-0001 §10.2.2.2 (From 'S')",
            "From 'S' gets an S-prefixed AE-ID",
            |ctx| {
                let r = register(ctx, Some("S"), json!({}));
                expect(&r, 2001, 201)?;
                let aei = r.text("m2m:ae", "aei").unwrap_or_default();
                ensure(aei.trim_start_matches('/').starts_with('S'), || {
                    format!("aei '{aei}'")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/006",
            AE,
            "TS-0004 §7.4.5.2.1; RSC 4117",
            "registering an AE-ID that is already registered answers 4117",
            |ctx| {
                let aei = format!("C{}", ctx.name("twice"));
                expect(&register(ctx, Some(&aei), json!({})), 2001, 201)?;
                expect(
                    &register(ctx, Some(&aei), json!({"rn": ctx.name("second")})),
                    4117,
                    403,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/007",
            AE,
            "TS-0004 §7.4.5 (api M)",
            "a registration without api is refused with 4000",
            |ctx| {
                let aei = format!("C{}", ctx.name("noapi"));
                let r = ctx.client.create(
                    &ctx.base(),
                    2,
                    &json!({"m2m:ae": {"rr": true, "srv": ["3"]}}),
                    Some(&aei),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/008",
            AE,
            "TS-0004 §7.4.5 (rr M)",
            "a registration without rr is refused with 4000",
            |ctx| {
                let aei = format!("C{}", ctx.name("norr"));
                let r = ctx.client.create(
                    &ctx.base(),
                    2,
                    &json!({"m2m:ae": {"api": "Nx", "srv": ["3"]}}),
                    Some(&aei),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/009",
            AE,
            "TS-0004 §7.4.5 (srv M since R2)",
            "a registration without srv is refused with 4000",
            |ctx| {
                let aei = format!("C{}", ctx.name("nosrv"));
                let r = ctx.client.create(
                    &ctx.base(),
                    2,
                    &json!({"m2m:ae": {"api": "Nx", "rr": true}}),
                    Some(&aei),
                );
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/010",
            AE,
            "TS-0001 §7.2 (App-ID)",
            "an api not starting with R or N is refused with 4000",
            |ctx| refused(ctx, json!({"api": "Xapp"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/011",
            AE,
            "TS-0004 §8.2 (boolean)",
            "rr given as a string is refused with 4000",
            |ctx| refused(ctx, json!({"rr": "true"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/012",
            AE,
            "TS-0004 Annex K (ri NP)",
            "ri in the content is refused with 4000",
            |ctx| refused(ctx, json!({"ri": "x"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/013",
            AE,
            "TS-0004 Annex K (aei NP)",
            "aei in the content is refused with 4000",
            |ctx| refused(ctx, json!({"aei": "Cx"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/014",
            AE,
            "TS-0004 §7.3.3.3 (unknown attribute)",
            "an unknown attribute is refused with 4000",
            |ctx| refused(ctx, json!({"notAnAttribute": 1}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/015",
            AE,
            "TS-0004 Annex K (ct NP)",
            "ct in the content is refused with 4000",
            |ctx| refused(ctx, json!({"ct": "20200101T000000"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/016",
            AE,
            "TS-0001 §9.6.1.3 (et)",
            "an expirationTime in the past is refused with 4000",
            |ctx| refused(ctx, json!({"et": "20000101T000000"}), 4000, 400)
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/017",
            AE,
            "TS-0004 §7.3.3.3; RSC 4105",
            "a resource name used by a sibling answers 4105",
            |ctx| {
                let rn = ctx.name("same");
                expect(
                    &register(
                        ctx,
                        Some(&format!("C{}", ctx.name("first"))),
                        json!({"rn": rn}),
                    ),
                    2001,
                    201,
                )?;
                expect(
                    &register(
                        ctx,
                        Some(&format!("C{}", ctx.name("other"))),
                        json!({"rn": rn}),
                    ),
                    4105,
                    409,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/018",
            AE,
            "TS-0004 §7.4.5 (parent); RSC 4108",
            "an AE under an AE answers 4108",
            |ctx| {
                let (_, path) = ctx.ae("parent")?;
                // As the admin: another AE-ID would be refused by the parent AE's
                // default access policy (4103) before its type is checked.
                let r = ctx
                    .client
                    .create(&path, 2, &ae_body(ctx, json!({})), Some(&ctx.admin()));
                expect(&r, 4108, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/019",
            AE,
            "spec digest addressing §5; interoperability notes (CSE-ID as originator)",
            "the CSE's own CSE-ID cannot register an AE (4107)",
            |ctx| {
                let own = ctx.target().cse_id.clone();
                expect(&register(ctx, Some(&own), json!({})), 4107, 403)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/020",
            AE,
            "TS-0001 §9.6.1.2 (rn assigned)",
            "without rn the CSE assigns a resource name",
            |ctx| {
                let r = register(ctx, Some(&format!("C{}", ctx.name("norn"))), json!({}));
                expect(&r, 2001, 201)?;
                ensure(
                    r.text("m2m:ae", "rn").is_some_and(|n| !n.is_empty()),
                    || "no rn".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/021",
            AE,
            "TS-0004 §7.5.2 (rcn 2)",
            "rcn=2 returns m2m:uri with the structured address",
            |ctx| {
                let r = register_with_rcn(ctx, "rcn2", "2")?;
                ensure(
                    r.body["m2m:uri"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(&ctx.name("rcn2"))),
                    || format!("body {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/022",
            AE,
            "TS-0004 §7.5.2 (rcn 3)",
            "rcn=3 returns m2m:rce with the resource and its uri",
            |ctx| {
                let r = register_with_rcn(ctx, "rcn3", "3")?;
                let rce = &r.body["m2m:rce"];
                ensure(
                    rce["uri"].is_string() && (rce["m2m:ae"].is_object() || rce["ae"].is_object()),
                    || format!("body {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/CRE/023",
            AE,
            "TS-0004 §7.5.2 (rcn 0)",
            "rcn=0 returns no content",
            |ctx| {
                let r = register_with_rcn(ctx, "rcn0", "0")?;
                ensure(r.raw.is_empty(), || format!("content returned: {}", r.raw))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/RET/001",
            AE,
            "TS-0004 §7.4.5.2.2",
            "an AE is retrieved by its structured address",
            |ctx| {
                let (aei, path) = ctx.ae("ret")?;
                let r = ctx.client.retrieve(&path, &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    r.text("m2m:ae", "aei").as_deref() == Some(aei.as_str()),
                    || "wrong AE".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/RET/002",
            AE,
            "TS-0001 §7.2 (unstructured)",
            "an AE is retrieved by its resource ID",
            |ctx| {
                let (aei, path) = ctx.ae("retri")?;
                let ri = ctx
                    .client
                    .retrieve(&path, &aei)
                    .text("m2m:ae", "ri")
                    .unwrap_or_default();
                let r = ctx.client.retrieve(&format!("/{ri}"), &aei);
                expect(&r, 2000, 200)?;
                ensure(
                    r.text("m2m:ae", "ri").as_deref() == Some(ri.as_str()),
                    || "wrong resource".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/RET/003",
            AE,
            "TS-0009 §6.2.2.1 (SP-relative)",
            "an AE is retrieved by its SP-relative structured address",
            |ctx| {
                let (aei, path) = ctx.ae("retsp")?;
                let r = ctx
                    .client
                    .retrieve(&format!("/~{}{path}", ctx.target().cse_id), &aei);
                expect(&r, 2000, 200)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/001",
            AE,
            "TS-0004 §7.4.5.2.3",
            "UPDATE of lbl answers 2004, stores it and advances lt",
            |ctx| {
                let (aei, path) = ctx.ae("upd")?;
                let before = ctx.client.retrieve(&path, &aei);
                std::thread::sleep(std::time::Duration::from_millis(20));
                let r =
                    ctx.client
                        .update(&path, &json!({"m2m:ae": {"lbl": ["conformance"]}}), &aei);
                expect(&r, 2004, 200)?;
                let after = ctx.client.retrieve(&path, &aei);
                ensure(
                    after.resource("m2m:ae").and_then(|a| a.get("lbl"))
                        == Some(&json!(["conformance"])),
                    || "lbl not stored".into(),
                )?;
                ensure(
                    after.text("m2m:ae", "lt") > before.text("m2m:ae", "lt"),
                    || "lt did not advance".into(),
                )?;
                ensure(
                    after.text("m2m:ae", "ct") == before.text("m2m:ae", "ct"),
                    || "ct changed".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/002",
            AE,
            "TS-0004 Annex K (api NP in UPDATE)",
            "UPDATE of api is refused with 4000",
            |ctx| {
                let (aei, path) = ctx.ae("updapi")?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:ae": {"api": "Nother"}}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/003",
            AE,
            "TS-0004 Annex K (rn NP in UPDATE)",
            "UPDATE of rn is refused with 4000",
            |ctx| {
                let (aei, path) = ctx.ae("updrn")?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:ae": {"rn": "other"}}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/004",
            AE,
            "spec digest README §1 (null)",
            "null for a mandatory attribute (rr) is refused with 4000",
            |ctx| {
                let (aei, path) = ctx.ae("updnull")?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:ae": {"rr": null}}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/005",
            AE,
            "spec digest README §1 (null deletes)",
            "null for an optional attribute deletes it",
            |ctx| {
                let (aei, path) = ctx.ae_with("updlbl", json!({"lbl": ["a"]}))?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:ae": {"lbl": null}}), &aei),
                    2004,
                    200,
                )?;
                let r = ctx.client.retrieve(&path, &aei);
                ensure(
                    r.resource("m2m:ae").is_some_and(|a| !a.contains_key("lbl")),
                    || "lbl still present".into(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/UPD/006",
            AE,
            "TS-0004 §8.4 (root element)",
            "UPDATE content with another type's root is refused with 4000",
            |ctx| {
                let (aei, path) = ctx.ae("updroot")?;
                expect(
                    &ctx.client
                        .update(&path, &json!({"m2m:cnt": {"lbl": []}}), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/DEL/001",
            AE,
            "TS-0004 §7.4.5.2.4",
            "deregistration answers 2002 and the AE is gone",
            |ctx| {
                let (aei, path) = ctx.ae("bye")?;
                expect(&ctx.client.delete(&path, &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&path, &ctx.admin()), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/DEL/002",
            AE,
            "TS-0004 §7.3.2",
            "DELETE of a non-existing AE answers 4004",
            |ctx| {
                let path = format!("{}/{}", ctx.base(), ctx.name("ghost"));
                expect(&ctx.client.delete(&path, &ctx.admin()), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/REG/DEL/003",
            AE,
            "TS-0001 §10.2.2.2 (AE-ID released)",
            "after deregistration the AE-ID can register again",
            |ctx| {
                let (aei, path) = ctx.ae("again")?;
                expect(&ctx.client.delete(&path, &aei), 2002, 200)?;
                let r = register(ctx, Some(&aei), json!({}));
                expect(&r, 2001, 201).map_err(|v| match v {
                    Verdict::Fail(m) => fail(format!("re-registration: {m}")),
                    o => o,
                })
            }
        ),
    ]
}
