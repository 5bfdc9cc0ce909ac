//! SEC/R4: access control details of Release 4 (TS-0001 §9.6.1.3 custodian,
//! TS-0003 §7.1; spec digest access-control §5–§7): the custodian `cstn` holds the
//! default privileges of a resource without `acpi` instead of its creator, an ACP is
//! read only by RETRIEVE in its selfPrivileges, `acod` with `ty` applies under
//! that type only, and a group in `acor` grants its members.

use onecse_testkit::Reply;
use serde_json::json;

use super::sec::{
    CREATE, RETRIEVE, Two, create_acp, created_ri, denied, permitted, privileges, rule, two,
};
use super::tp;
use crate::suite::{Check, Ctx, TestPurpose, Verdict, expect};

const ACP: &[u16] = &[1, 2];
const CNT: &[u16] = &[1, 2, 3];
const CIN: &[u16] = &[1, 2, 3, 4];
const GRP: &[u16] = &[1, 2, 3, 9];

/// The owner's container `kept` whose custodian is the other AE; returns the two AEs
/// and its path.
fn in_custody(ctx: &mut Ctx) -> Result<(Two, String), Verdict> {
    let t = two(ctx)?;
    let cnt = ctx.container(&t.owner_ae, "kept", json!({"cstn": t.other}), &t.owner)?;
    Ok((t, cnt))
}

/// An UPDATE of the custodian of `cnt` to `cstn`, by `originator`.
fn hand_on(ctx: &Ctx, cnt: &str, cstn: &str, originator: &str) -> Reply {
    ctx.client
        .update(cnt, &json!({"m2m:cnt": {"cstn": cstn}}), originator)
}

/// Every SEC/R4 test purpose.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SEC/R4/001",
            CNT,
            "TS-0001 §9.6.1.3 (custodian, R4)",
            "without acpi, the custodian has access to a resource and its creator has not",
            |ctx| {
                let (t, cnt) = in_custody(ctx)?;
                permitted(
                    &ctx.client.retrieve(&cnt, &t.other),
                    2000,
                    200,
                    "the custodian reads",
                )?;
                denied(&ctx.client.retrieve(&cnt, &t.owner))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/R4/002",
            CNT,
            "TS-0001 §9.6.1.3 (custodian, R4)",
            "only the custodian may hand custody on, and then loses its access",
            |ctx| {
                let (t, cnt) = in_custody(ctx)?;
                denied(&hand_on(ctx, &cnt, &t.owner, &t.owner))?;
                expect(&hand_on(ctx, &cnt, &t.owner, &t.other), 2004, 200)?;
                denied(&ctx.client.retrieve(&cnt, &t.other))?;
                permitted(
                    &ctx.client.retrieve(&cnt, &t.owner),
                    2000,
                    200,
                    "the new custodian reads",
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/R4/003",
            CNT,
            "TS-0001 §9.6.1.3 (custodian, R4), TS-0004 §6.6 (4000)",
            "an empty custodian is refused with 4000 and nothing is created",
            |ctx| {
                let t = two(ctx)?;
                let attrs = json!({"m2m:cnt": {"rn": "nobody", "cstn": ""}});
                let reply = ctx.client.create(&t.owner_ae, 3, &attrs, Some(&t.owner));
                expect(&reply, 4000, 400)?;
                let path = format!("{}/nobody", t.owner_ae);
                expect(&ctx.client.retrieve(&path, &t.owner), 4004, 404)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/R4/004",
            ACP,
            "TS-0001 §9.6.2, TS-0003 §7.1.5 (selfPrivileges)",
            "an ACP is read by RETRIEVE in its pvs, whatever its pv grants",
            |ctx| {
                let t = two(ctx)?;
                let owner = rule(&[&t.owner], 63);
                let mut attrs = privileges(
                    vec![rule(&[&t.other], 63)],
                    vec![owner.clone(), rule(&[&t.other], 4)],
                );
                attrs["rn"] = json!("p");
                created_ri(&create_acp(ctx, &t, &attrs), "m2m:acp", "ACP creation")?;
                let path = format!("{}/p", t.owner_ae);
                denied(&ctx.client.retrieve(&path, &t.other))?;
                let pvs = privileges(vec![], vec![owner, rule(&[&t.other], RETRIEVE)]);
                let pvs = json!({"m2m:acp": {"pvs": pvs["pvs"]}});
                expect(&ctx.client.update(&path, &pvs, &t.other), 2004, 200)?;
                permitted(
                    &ctx.client.retrieve(&path, &t.other),
                    2000,
                    200,
                    "RETRIEVE in pvs",
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/R4/005",
            CIN,
            "TS-0003 §7.1.5 (accessControlObjectDetails ty, chty)",
            "acod with ty permits creating its chty under a target of that type only",
            |ctx| object_details(ctx)
        ),
        tp!(
            "TP/oneM2M/CSE/SEC/R4/006",
            GRP,
            "TS-0003 §7.1.3 (accessControlOriginators: group), TS-0001 §9.6.13",
            "a group's resourceID in acor grants its members, and only them",
            |ctx| group_grants(ctx)
        ),
    ]
}

/// A container the other AE may RETRIEVE only as a member of a group (made by the
/// administrator, who may name any AE); a third AE is not a member.
fn group_grants(ctx: &mut Ctx) -> Check {
    let t = two(ctx)?;
    let (third, _) = ctx.ae("third")?;
    let attrs = json!({"m2m:grp": {"rn": "readers", "mt": 2, "mnm": 10, "mid": [t.other]}});
    let reply = ctx
        .client
        .create(&t.owner_ae, 9, &attrs, Some(&ctx.admin()));
    let grp = created_ri(&reply, "m2m:grp", "group creation")?;
    let attrs = privileges(
        vec![rule(&[&t.owner], 63), rule(&[&grp], RETRIEVE)],
        vec![rule(&[&t.owner], 63)],
    );
    let acp = created_ri(&create_acp(ctx, &t, &attrs), "m2m:acp", "ACP creation")?;
    let cnt = ctx.container(&t.owner_ae, "data", json!({"acpi": [acp]}), &t.owner)?;
    permitted(
        &ctx.client.retrieve(&cnt, &t.other),
        2000,
        200,
        "a member reads",
    )?;
    denied(&ctx.client.delete(&cnt, &t.other))?;
    denied(&ctx.client.retrieve(&cnt, &third))
}

/// A rule letting the other AE create containers under containers only, named by the
/// owner's AE and its container `box`.
fn object_details(ctx: &mut Ctx) -> Check {
    let t = two(ctx)?;
    let attrs = privileges(
        vec![
            rule(&[&t.owner], 63),
            json!({"acor": [t.other], "acop": CREATE, "acod": [{"ty": 3, "chty": [3]}]}),
        ],
        vec![rule(&[&t.owner], 63)],
    );
    let acp = created_ri(&create_acp(ctx, &t, &attrs), "m2m:acp", "ACP creation")?;
    let cnt = ctx.container(&t.owner_ae, "box", json!({"acpi": [acp]}), &t.owner)?;
    let reply = ctx
        .client
        .update(&t.owner_ae, &json!({"m2m:ae": {"acpi": [acp]}}), &t.owner);
    expect(&reply, 2004, 200)?;
    let child = json!({"m2m:cnt": {"rn": "c"}});
    permitted(
        &ctx.client.create(&cnt, 3, &child, Some(&t.other)),
        2001,
        201,
        "a container under a container",
    )?;
    let cin = json!({"m2m:cin": {"con": "x"}});
    denied(&ctx.client.create(&cnt, 4, &cin, Some(&t.other)))?;
    denied(&ctx.client.create(&t.owner_ae, 3, &child, Some(&t.other)))
}
