//! DIS: discovery (TS-0004 §7.3.3.14, §6.3.5.8; spec digest primitives §5).

use serde_json::json;

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const DIS: &[u16] = &[2, 3, 4];

/// An AE with two labelled containers and three labelled instances; returns (AE-ID, AE path).
fn tree(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("dis")?;
    let a = ctx.container(&ae, "a", json!({"lbl": ["dis:one"]}), &aei)?;
    ctx.container(&ae, "b", json!({"lbl": ["dis:two"]}), &aei)?;
    for (con, lbl) in [("1", "dis:one"), ("2", "dis:one"), ("3", "dis:three")] {
        let r = ctx.client.create(
            &a,
            4,
            &json!({"m2m:cin": {"con": con, "lbl": [lbl]}}),
            Some(&aei),
        );
        expect(&r, 2001, 201)?;
    }
    Ok((aei, ae))
}

/// The DIS test purposes.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/DIS/RET/001",
            DIS,
            "TS-0004 §7.3.3.14 (discovery result)",
            "fu=1 returns m2m:uril with the matching descendants",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3"), &aei);
                expect(&r, 2000, 200)?;
                let found = r.uril();
                ensure(
                    found.len() == 2
                        && found.iter().all(|u| u.ends_with("/a") || u.ends_with("/b")),
                    || r.raw.clone(),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/002",
            DIS,
            "TS-0004 §6.3.5.8 (lbl)",
            "a label filter returns only resources carrying the label",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&lbl=dis:one"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 3, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/003",
            DIS,
            "TS-0004 §6.3.5.8 (fo AND)",
            "type and label filters combine with AND by default",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&ty=4&lbl=dis:one"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 2, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/004",
            DIS,
            "TS-0004 §6.3.5.8 (lim)",
            "lim caps the number of results",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&lim=2"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 2, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/005",
            DIS,
            "spec digest primitives §5 (no match)",
            "a discovery without matches returns an empty m2m:uril with 2000",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&lbl=dis:none"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.body == json!({"m2m:uril": []}), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/006",
            DIS,
            "TS-0004 §6.3.5.8 (lvl)",
            "lvl=1 limits discovery to direct children",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&lvl=1"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 2, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/007",
            DIS,
            "TS-0004 §6.3.5.8 (ty list)",
            "several ty values are ORed",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty=3+4"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().len() == 5, || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/008",
            DIS,
            "TS-0004 §6.3.5.8 (crb/cra)",
            "a createdBefore in the past matches nothing",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&crb=20000101T000000"), &aei);
                expect(&r, 2000, 200)?;
                ensure(r.uril().is_empty(), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/009",
            DIS,
            "TS-0004 §6.3.5.8 (ty value)",
            "a non-numeric ty filter is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("disbad")?;
                expect(
                    &ctx.client
                        .retrieve(&format!("{ae}?fu=1&ty=container"), &aei),
                    4000,
                    400,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/010",
            DIS,
            "TS-0004 §6.3.5.8 (attribute); onecse bound on a condition's length",
            "an attribute filter pattern of 2000 characters is refused with 4000 naming it",
            |ctx| {
                let (aei, ae) = ctx.ae("dislong")?;
                let pattern = format!("*{}b", "a".repeat(1998));
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&rn={pattern}"), &aei);
                expect(&r, 4000, 400)?;
                ensure(r.dbg().contains("'rn'"), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/011",
            DIS,
            "TS-0004 §6.3.5.8 (several values of a tag); onecse bound on the number of conditions",
            "a discovery with 100 ty values is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("dismany")?;
                let types = vec!["3"; 100].join("+");
                let r = ctx.client.retrieve(&format!("{ae}?fu=1&ty={types}"), &aei);
                expect(&r, 4000, 400)?;
                ensure(!r.dbg().is_empty(), || r.raw.clone())
            }
        ),
        tp!(
            "TP/oneM2M/CSE/DIS/RET/012",
            DIS,
            "TS-0004 §6.3.5.8 (filterOperation 3, XOR, R4)",
            "fo=3 finds the resources meeting one of two conditions, not both and not neither",
            |ctx| {
                let (aei, ae) = tree(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&ty=3&lbl=dis:one&fo=3"), &aei);
                expect(&r, 2000, 200)?;
                // b (a container without the label) and the two instances labelled
                // dis:one; not a (a container with it), not the third instance.
                let found = r.uril();
                let containers: Vec<&String> = found
                    .iter()
                    .filter(|u| u.ends_with("/a") || u.ends_with("/b"))
                    .collect();
                ensure(
                    found.len() == 3 && containers.len() == 1 && containers[0].ends_with("/b"),
                    || r.raw.clone(),
                )
            }
        ),
    ]
}
