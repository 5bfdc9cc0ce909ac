//! LOC: `<locationPolicy>` with its device-based location container, the `loc`
//! attribute and geo-queries (`gmty`/`geom`/`gsf`) in discovery and conditional
//! retrieval (TS-0001 §9.6.10, §10.2.9; TS-0001/TS-0004 R4 location and geoQuery).

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const LCP: &[u16] = &[2, 3, 10];
const LOC: &[u16] = &[2, 3];

const SQUARE: &str = "[[0,0],[10,0],[10,10],[0,10],[0,0]]";

type Check = Result<(), Verdict>;

fn attr(r: &Reply, root: &str, name: &str) -> Value {
    r.resource(root)
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Creates a locationPolicy with `attrs` under a fresh AE: (AE-ID, AE path, reply).
fn policy(ctx: &mut Ctx, attrs: Value) -> Result<(String, String, Reply), Verdict> {
    let (aei, ae) = ctx.ae("loc")?;
    let reply = ctx
        .client
        .create(&ae, 10, &json!({ "m2m:lcp": attrs }), Some(&aei));
    Ok((aei, ae, reply))
}

/// A container with `loc` under `ae` (set-up).
fn located(ctx: &Ctx, ae: &str, aei: &str, rn: &str, loc: Value) -> Result<String, Verdict> {
    ctx.container(ae, rn, json!({ "loc": loc }), aei)
}

fn point(lon: i32, lat: i32) -> Value {
    json!({"typ": 1, "crd": format!("[{lon},{lat}]")})
}

/// An AE with containers inside (5,5), outside (20,20) and along a road crossing
/// the square's edge: (AE-ID, AE path).
fn field(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("loc")?;
    located(ctx, &ae, &aei, "inside", point(5, 5))?;
    located(ctx, &ae, &aei, "outside", point(20, 20))?;
    let road = json!({"typ": 2, "crd": "[[5,5],[15,5]]"});
    located(ctx, &ae, &aei, "road", road)?;
    Ok((aei, ae))
}

/// The query string of a geo-query, percent-encoded.
fn geo(gmty: u8, geom: &str, gsf: u8) -> String {
    let geom = geom
        .replace('[', "%5B")
        .replace(']', "%5D")
        .replace(',', "%2C");
    format!("gmty={gmty}&geom={geom}&gsf={gsf}")
}

/// Discovery below `ae` with `query`: the names found, in order.
fn discover(ctx: &Ctx, ae: &str, aei: &str, query: &str) -> Result<Vec<String>, Verdict> {
    let r = ctx.client.retrieve(&format!("{ae}?fu=1&{query}"), aei);
    expect(&r, 2000, 200)?;
    Ok(r.uril()
        .iter()
        .map(|u| u.rsplit('/').next().unwrap_or_default().to_owned())
        .collect())
}

fn names_are(found: &[String], want: &[&str]) -> Check {
    ensure(found == want, || {
        format!("found {found:?}, expected {want:?}")
    })
}

/// A geo-query that must be refused with 4000.
fn refused(ctx: &mut Ctx, query: &str) -> Check {
    let (aei, ae) = ctx.ae("loc")?;
    let r = ctx.client.retrieve(&format!("{ae}?fu=1&{query}"), &aei);
    expect(&r, 4000, 400)
}

/// A container CREATE with this `loc` that must be refused with 4000.
fn bad_location(ctx: &mut Ctx, what: &str, loc: Value) -> Check {
    let (aei, ae) = ctx.ae(what)?;
    let body = json!({"m2m:cnt": {"rn": "c", "loc": loc}});
    let r = ctx.client.create(&ae, 3, &body, Some(&aei));
    expect(&r, 4000, 400)
}

/// Every LOC test purpose.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = policy_tps();
    all.extend(attribute_tps());
    all.extend(query_tps());
    all
}

fn policy_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/LOC/CRE/001",
            LCP,
            "TS-0001 §10.2.9.2",
            "a device-based locationPolicy gets a location container (loi) whose li names it",
            |ctx| {
                let (aei, ae, r) = policy(ctx, json!({"rn": "gps", "los": 2}))?;
                expect(&r, 2001, 201)?;
                let loi = attr(&r, "m2m:lcp", "loi");
                let ri = attr(&r, "m2m:lcp", "ri");
                // Named after its resourceID, beside the policy.
                let path = loi.as_str().map(|l| format!("{ae}/{l}"));
                let Some(path) = path else {
                    return Err(Verdict::Fail(format!("no loi: {}", r.raw)));
                };
                let c = ctx.client.retrieve(&path, &aei);
                expect(&c, 2000, 200)?;
                ensure(attr(&c, "m2m:cnt", "li") == ri, || {
                    format!("li of {path} is not {ri}: {}", c.raw)
                })?;
                let fix = ctx.instance(&path, "[13.4,52.5]", &aei)?;
                expect(&fix, 2001, 201)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/CRE/002",
            LCP,
            "TS-0001 §9.6.10 (locationContainerName)",
            "lon names the location container, created beside the policy",
            |ctx| {
                let (aei, ae, r) = policy(ctx, json!({"los": 2, "lon": "track"}))?;
                expect(&r, 2001, 201)?;
                let c = ctx.client.retrieve(&format!("{ae}/track"), &aei);
                expect(&c, 2000, 200)?;
                ensure(
                    attr(&c, "m2m:cnt", "ri") == attr(&r, "m2m:lcp", "loi"),
                    || format!("loi does not name {ae}/track: {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/CRE/003",
            LCP,
            "TS-0004 §7.3.2.1 (unsupported feature), locationSource 1",
            "a network-based locationSource without a location server is answered 5001",
            |ctx| {
                let (_, _, r) = policy(ctx, json!({"los": 1}))?;
                expect(&r, 5001, 501)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/CRE/004",
            LCP,
            "TS-0004 §7.4.9.2.1 (locationSource mandatory)",
            "a locationPolicy without los is refused with 4000",
            |ctx| {
                let (_, _, r) = policy(ctx, json!({"lit": 1}))?;
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/CRE/005",
            LCP,
            "TS-0001 §9.6.10 (locationTargetID: network based only)",
            "lot on a device-based locationPolicy is refused with 4000",
            |ctx| {
                let (_, _, r) = policy(ctx, json!({"los": 2, "lot": "imsi-1"}))?;
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DEL/001",
            LCP,
            "TS-0001 §10.2.9.4",
            "deleting a locationPolicy deletes its location container",
            |ctx| {
                let (aei, ae, r) = policy(ctx, json!({"rn": "gps", "los": 2, "lon": "pos"}))?;
                expect(&r, 2001, 201)?;
                expect(&ctx.client.delete(&format!("{ae}/gps"), &aei), 2002, 200)?;
                expect(&ctx.client.retrieve(&format!("{ae}/pos"), &aei), 4004, 404)
            }
        ),
    ]
}

fn attribute_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/LOC/ATR/001",
            LOC,
            "TS-0004 R4 m2m:geoCoordinates",
            "a container's loc (Point) is stored and returned as given",
            |ctx| {
                let (aei, ae) = ctx.ae("loc")?;
                let loc = json!({"typ": 1, "crd": "[13.4,52.5]"});
                let body = json!({"m2m:cnt": {"rn": "here", "loc": loc}});
                let r = ctx.client.create(&ae, 3, &body, Some(&aei));
                expect(&r, 2001, 201)?;
                ensure(attr(&r, "m2m:cnt", "loc") == loc, || {
                    format!("loc came back as {}", attr(&r, "m2m:cnt", "loc"))
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/ATR/002",
            LOC,
            "TS-0004 R4 m2m:geoCoordinates (Polygon: closed ring)",
            "a Polygon loc whose ring does not end at its first position is refused with 4000",
            |ctx| bad_location(
                ctx,
                "loc",
                json!({"typ": 3, "crd": "[[1,2],[3,4],[5,6],[7,8]]"})
            )
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/ATR/003",
            LOC,
            "TS-0004 R4 m2m:geoCoordinates (typ and crd only)",
            "a loc with an unknown member or a Point with two positions is refused with 4000",
            |ctx| {
                bad_location(ctx, "loc", json!({"typ": 1, "crd": "[1,2]", "wrong": 1}))?;
                bad_location(ctx, "loc2", json!({"typ": 1, "crd": "[[1,2],[3,4]]"}))
            }
        ),
    ]
}

fn query_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/001",
            LOC,
            "TS-0004 R4 filterCriteria geoQuery, gsf 1 (within)",
            "discovery with a Polygon and gsf=1 finds the located resources inside it only",
            |ctx| {
                let (aei, ae) = field(ctx)?;
                names_are(&discover(ctx, &ae, &aei, &geo(3, SQUARE, 1))?, &["inside"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/002",
            LOC,
            "TS-0004 R4 filterCriteria geoQuery, gsf 3 (intersects)",
            "discovery with gsf=3 also finds a line that crosses the area's edge",
            |ctx| {
                let (aei, ae) = field(ctx)?;
                let found = discover(ctx, &ae, &aei, &geo(3, SQUARE, 3))?;
                names_are(&found, &["inside", "road"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/003",
            LOC,
            "TS-0004 R4 filterCriteria geoQuery, gsf 2 (contains)",
            "discovery with a Point and gsf=2 finds the locations that contain the point",
            |ctx| {
                let (aei, ae) = field(ctx)?;
                let area = json!({"typ": 3, "crd": SQUARE});
                located(ctx, &ae, &aei, "area", area)?;
                let found = discover(ctx, &ae, &aei, &geo(1, "[2,3]", 2))?;
                names_are(&found, &["area"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/004",
            LOC,
            "TS-0004 R4 filterCriteria geoQuery (gmty, geom, gsf together)",
            "a geo-query with gmty alone is refused with 4000",
            |ctx| refused(ctx, "gmty=1")
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/005",
            LOC,
            "TS-0004 R4 filterCriteria geoQuery (geometry fitting geometryType)",
            "a geom that is no Point for gmty=1 is refused with 4000",
            |ctx| refused(ctx, "gmty=1&gsf=1&geom=1.0")
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/DIS/006",
            LOC,
            "TS-0004 R4 m2m:geoSpatialFunctionType 1..3",
            "gsf=4 is refused with 4000",
            |ctx| refused(ctx, &geo(1, "[1,2]", 4))
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/RET/001",
            LOC,
            "TS-0004 §7.3.3.17 (conditional retrieval) with geoQuery",
            "rcn=6 with a geo-query lists only the children located inside the area",
            |ctx| {
                let (aei, ae) = field(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?rcn=6&{}", geo(3, SQUARE, 1)), &aei);
                expect(&r, 2000, 200)?;
                let names: Vec<String> = r.body["m2m:rrl"]["rrf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["nm"].as_str().map(str::to_owned))
                    .collect();
                names_are(&names, &["inside"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/LOC/UPD/001",
            LOC,
            "TS-0004 R4 location (RW), geoQuery",
            "after an UPDATE moves a resource's loc into the area, discovery finds it",
            |ctx| {
                let (aei, ae) = field(ctx)?;
                let body = json!({"m2m:cnt": {"loc": point(9, 1)}});
                expect(
                    &ctx.client.update(&format!("{ae}/outside"), &body, &aei),
                    2004,
                    200,
                )?;
                let found = discover(ctx, &ae, &aei, &geo(3, SQUARE, 1))?;
                names_are(&found, &["inside", "outside"])
            }
        ),
    ]
}
