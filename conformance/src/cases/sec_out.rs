//! SEC/OUT: what a client sees of the requests a CSE sends on its own (notification
//! verification, relayed NOTIFYs) when they name addresses no one can own: the
//! documentation ranges (RFC 5737 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24;
//! RFC 3849 2001:db8::/32). TS-0004 §7.5.1.2.3 (a subscription exists only once each
//! target accepted the verification) and §7.3.3.9.1 (a relayed NOTIFY answers with the
//! AE's response, 5103 when none is reachable).
//!
//! Every CSE must refuse these: nothing can answer at such an address. Whether the
//! CSE refused from the address alone (onecse's outgoing-request policy) or after a
//! connection attempt that could not succeed is not visible to a client, so these
//! test purposes check only the refusal and that nothing was created.

use onecse_testkit::{Method, Reply};
use serde_json::json;

use super::tp;
use crate::suite::{Check, Ctx, TestPurpose, ensure, expect};

const SUB: &[u16] = &[2, 3, 23];

/// Every test purpose of the group.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SEC/OUT/001",
            SUB,
            "TS-0004 §7.5.1.2.3; RFC 5737 (IPv4 documentation range)",
            "a subscription whose notification target is an IPv4 documentation address is refused and not created",
            |ctx| unreachable_target(ctx, "out4", "http://192.0.2.1:9/notify")
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/OUT/002",
            SUB,
            "TS-0004 §7.5.1.2.3; RFC 3849 (IPv6 documentation range)",
            "a subscription whose notification target is an IPv6 documentation address is refused and not created",
            |ctx| unreachable_target(ctx, "out6", "http://[2001:db8::1]:9/notify")
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/OUT/003",
            &[2],
            "TS-0004 §7.3.3.9.1; polling-and-requests.md §4 (relay to poa)",
            "a NOTIFY to an AE whose only poa is a documentation address is answered with an error, never a 2xxx",
            |ctx| {
                let (_, ae) =
                    ctx.ae_with("outrelay", json!({"poa": ["http://198.51.100.1:9/notify"]}))?;
                let body = json!({"m2m:sgn": {"nev": {"rep": {"n": 1}, "net": 1}, "sur": "/x/y"}});
                let admin = ctx.admin();
                let request = ctx
                    .client
                    .request(Method::POST, &ae)
                    .originator(&admin)
                    .json(None, &body);
                refused(&ctx.client.execute(request))
            }
        ),
    ]
}

/// A subscription to a fresh container with `nu` as its only target: refused, and
/// the subscription does not exist afterwards.
fn unreachable_target(ctx: &mut Ctx, what: &str, nu: &str) -> Check {
    let (aei, ae) = ctx.ae(what)?;
    let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [nu]}});
    refused(&ctx.client.create(&cnt, 23, &sub, Some(&aei)))?;
    expect(&ctx.client.retrieve(&format!("{cnt}/s"), &aei), 4004, 404)
}

/// An error answer (an RSC of 4000 or more, an HTTP status of 400 or more), with the
/// reply shown when it is not.
fn refused(reply: &Reply) -> Check {
    let rsc = reply.rsc.unwrap_or(0);
    ensure(
        reply.reached() && rsc >= 4000 && reply.status >= 400,
        || {
            format!(
                "expected a refusal, got RSC {} / HTTP {} ({})",
                reply.rsc.map_or("none".into(), |r| r.to_string()),
                reply.status,
                reply.raw.chars().take(160).collect::<String>()
            )
        },
    )
}
