//! BND: details of the HTTP binding that deployed clients and test tools rely on
//! (TS-0009 §6.2.2, §6.4.3; TS-0001 §9.3.1; spec digest primitives.md, interoperability
//! notes): targets that name no resource, Content-Type parameters written with spaces.

use onecse_testkit::Method;
use serde_json::json;

use super::tp;
use crate::suite::{Ctx, TestPurpose, expect};

/// A RETRIEVE of `path` by the admin, which must be refused with 4000.
fn refused_target(ctx: &Ctx, path: &str) -> crate::suite::Check {
    expect(&ctx.client.retrieve(path, &ctx.admin()), 4000, 400)
}

/// The origin-relative path of the CSE (the CSEBase path without its name), for
/// SP-relative and absolute paths.
fn root(ctx: &Ctx) -> String {
    let base = ctx.base();
    base.rsplit_once('/')
        .map_or(String::new(), |(r, _)| r.to_owned())
}

/// The BND test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/BND/RET/001",
            &[],
            "TS-0001 §9.3.1 (resource address); spec digest addressing §HTTP path (trailing slash)",
            "a target ending in '/' is refused with 4000",
            |ctx| refused_target(ctx, &format!("{}/", ctx.base()))
        ),
        tp!(
            "TP/oneM2M/CSE/BND/RET/002",
            &[],
            "TS-0009 §6.2.2.1; TS-0001 §9.3.1 (CSE-ID / resource)",
            "an SP-relative target naming only the CSE-ID (/~/<csi>) is refused with 4000",
            |ctx| {
                let path = format!("{}/~{}", root(ctx), ctx.target().cse_id);
                refused_target(ctx, &path)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/BND/CRE/001",
            &[2, 3],
            "TS-0009 §6.4.3 (media type parameters, RFC 9110 §5.6.6 OWS)",
            "Content-Type parameters written with spaces (application/json ; ty=3 ; charset=utf-8) are accepted",
            |ctx| {
                let (aei, ae) = ctx.ae("bndct")?;
                let body = json!({"m2m:cnt": {"rn": "c"}}).to_string();
                let request = ctx
                    .client
                    .request(Method::POST, &ae)
                    .originator(&aei)
                    .content_type("application/json ; ty=3 ; charset=utf-8")
                    .body(body);
                expect(&ctx.client.execute(request), 2001, 201)
            }
        ),
    ]
}
