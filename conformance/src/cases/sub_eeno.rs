//! SUB/EEN: enableEventNotificationOriginator (`eeno`, R5; spec digest
//! notifications-advanced §5): a subscription without `cr` whose `eeno` is true names
//! the originator of the request that caused the event in the notification's `cr`.

use serde_json::json;

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const SUB: &[u16] = &[2, 3, 4, 23];

/// The `cr` of the notification a child CREATE by `by` raises at a subscription with
/// `sub_attrs` (and net 3).
fn cr_after_create(
    ctx: &mut Ctx,
    sub_attrs: serde_json::Value,
    by_admin: bool,
) -> Result<(serde_json::Value, String), Verdict> {
    let mut attrs = json!({"enc": {"net": [3]}});
    crate::suite::merge(&mut attrs, &sub_attrs);
    let (aei, cnt, _, path) = super::sub::watched(ctx, attrs)?;
    let by = if by_admin { ctx.admin() } else { aei.clone() };
    ctx.instance(&cnt, "x", &by)?;
    let n = ctx.notification(&path)?;
    Ok((n.sgn()["cr"].clone(), by))
}

/// The SUB/EEN test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/001",
            SUB,
            "spec digest notifications-advanced §5 (eeno, R5)",
            "a subscription is created with eeno and answers it",
            |ctx| {
                let (_, _, reply, _) = super::sub::watched(ctx, json!({"eeno": true}))?;
                ensure(
                    reply
                        .resource("m2m:sub")
                        .and_then(|s| s.get("eeno"))
                        .is_some_and(|v| v == true),
                    || reply.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/002",
            SUB,
            "spec digest notifications-advanced §5 (eeno is a boolean)",
            "an eeno that is not a boolean is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("eeno")?;
                let cnt = ctx.container(&ae, "c", json!({}), &aei)?;
                let url = ctx.receiver.url_for(&ctx.notify_path("/n"));
                let body = json!({"m2m:sub": {"nu": [url], "eeno": "yes"}});
                expect(&ctx.client.create(&cnt, 23, &body, Some(&aei)), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/003",
            SUB,
            "spec digest notifications-advanced §5, §6 (eeno, cr)",
            "with eeno and no cr, the notification's cr is the originator of the triggering request",
            |ctx| {
                let (cr, by) = cr_after_create(ctx, json!({"eeno": true}), true)?;
                ensure(cr == by.as_str(), || format!("cr {cr}, expected {by}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/004",
            SUB,
            "spec digest notifications-advanced §6 (cr)",
            "without eeno (and no cr), the notification carries no cr",
            |ctx| {
                let (cr, _) = cr_after_create(ctx, json!({}), true)?;
                ensure(cr.is_null(), || format!("cr {cr}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/005",
            SUB,
            "spec digest notifications-advanced §5, §6 (cr before eeno)",
            "with eeno and cr, the notification's cr is the subscription's creator",
            |ctx| {
                let (cr, by) = cr_after_create(ctx, json!({"eeno": true, "cr": null}), true)?;
                ensure(cr.is_string() && cr != by.as_str(), || {
                    format!("cr {cr} (the triggering originator is {by})")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SUB/EEN/006",
            SUB,
            "spec digest notifications-advanced §5 (eeno updatable)",
            "eeno set by UPDATE takes effect for the next notification",
            |ctx| {
                let (aei, cnt, _, path) = super::sub::watched(ctx, json!({"enc": {"net": [3]}}))?;
                let sub = format!("{cnt}/s");
                let r = ctx
                    .client
                    .update(&sub, &json!({"m2m:sub": {"eeno": true}}), &aei);
                expect(&r, 2004, 200)?;
                ctx.instance(&cnt, "x", &aei)?;
                let n = ctx.notification(&path)?;
                ensure(n.sgn()["cr"] == aei.as_str(), || n.sgn().to_string())
            }
        ),
    ]
}
