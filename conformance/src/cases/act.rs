//! ACT: `<action>` and `<dependency>` (R4; TS-0001 §9.6.61-62, TS-0004 §7.4.61-62;
//! short names `actr`/`depr` as ACME): attribute checks, the action primitive sent as
//! the action's creator when its criteria hold (once, periodic, continuous), access
//! control on that request, and dependencies gating it. The execution purposes need
//! a CSE that evaluates actions within a few hundred milliseconds.

use std::time::{Duration, Instant};

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const ACT: &[u16] = &[2, 3, 4, 65];
const DEP: &[u16] = &[2, 3, 4, 65, 66];

type Check = Result<(), Verdict>;

/// An AE with containers `in` and `out`: (AE-ID, AE path).
fn setup(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("act")?;
    ctx.container(&ae, "in", json!({}), &aei)?;
    ctx.container(&ae, "out", json!({}), &aei)?;
    Ok((aei, ae))
}

/// A CSE-relative address of an HTTP path (`/cse-in/x` → `cse-in/x`).
fn relative(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

/// An apv creating a contentInstance in `<ae>/out` as `from`.
fn write_out(ae: &str, from: &str) -> Value {
    json!({"op": 1, "fr": from, "to": relative(&format!("{ae}/out")), "rqi": "act", "rvi": "4",
           "ty": 4, "pc": {"m2m:cin": {"con": "fired"}}})
}

/// Creates action `a` under `ae` watching `<ae>/in` (cni > 0), with `extra`.
fn action(ctx: &Ctx, ae: &str, aei: &str, extra: Value) -> Reply {
    let mut attrs = json!({"rn": "a", "sri": relative(&format!("{ae}/in")),
        "evc": {"sbjt": "cni", "optr": 3, "thld": 0}, "evm": 1, "apv": write_out(ae, aei)});
    crate::suite::merge(&mut attrs, &extra);
    ctx.client
        .create(ae, 65, &json!({ "m2m:actr": attrs }), Some(aei))
}

fn refused_naming(reply: &Reply, needle: &str) -> Check {
    expect(reply, 4000, 400)?;
    ensure(reply.dbg().contains(needle), || {
        format!("the m2m:dbg does not name '{needle}': {}", reply.dbg())
    })
}

fn attr(ctx: &Ctx, path: &str, root: &str, name: &str) -> Value {
    ctx.client
        .retrieve(path, &ctx.admin())
        .resource(root)
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Polls `path`'s `name` until `pred` holds, within the target timeout.
fn wait_for(
    ctx: &Ctx,
    path: &str,
    root: &str,
    name: &str,
    pred: impl Fn(&Value) -> bool,
) -> Result<Value, Verdict> {
    let started = Instant::now();
    loop {
        let value = attr(ctx, path, root, name);
        if pred(&value) {
            return Ok(value);
        }
        if started.elapsed() > ctx.target().timeout {
            return Err(Verdict::Fail(format!(
                "{path} {name} is {value} after {:?}",
                ctx.target().timeout
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn cni(ctx: &Ctx, ae: &str) -> i64 {
    attr(ctx, &format!("{ae}/out"), "m2m:cnt", "cni")
        .as_i64()
        .unwrap_or(-1)
}

/// The ACT test purposes.
pub fn tps() -> Vec<TestPurpose> {
    let mut all = create_tps();
    all.extend(execution_tps());
    all.extend(dependency_tps());
    all
}

fn create_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/001",
            ACT,
            "TS-0004 §7.4.61.2.1",
            "an action with evc, evm and apv is created with ty 65",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let r = action(ctx, &ae, &aei, json!({"evm": 0}));
                expect(&r, 2001, 201)?;
                ensure(
                    r.resource("m2m:actr").and_then(|a| a.get("ty")) == Some(&json!(65)),
                    || format!("ty: {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/002",
            ACT,
            "TS-0004 §7.4.61.2.1 (apv From is the originator)",
            "an action whose apv.fr is not its creator is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let r = action(ctx, &ae, &aei, json!({"apv": write_out(&ae, "Cnotme")}));
                refused_naming(&r, "apv.fr")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/003",
            ACT,
            "TS-0004 §6.3.5 (m2m:evalCriteria, optr)",
            "an evc whose optr is not an evalCriteriaOperator is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let evc = json!({"evc": {"sbjt": "cni", "optr": 9, "thld": 0}});
                refused_naming(&action(ctx, &ae, &aei, evc), "optr")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/004",
            ACT,
            "TS-0004 §7.4.61 (evm M on CREATE)",
            "an action without evm is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let attrs = json!({"evc": {"sbjt": "cni", "optr": 3, "thld": 0},
                    "apv": write_out(&ae, &aei)});
                let r = ctx
                    .client
                    .create(&ae, 65, &json!({"m2m:actr": attrs}), Some(&aei));
                refused_naming(&r, "evm")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/005",
            ACT,
            "TS-0001 §9.6.61 (evalControlParam only for periodic and continuous)",
            "ecp with evm 1 (once) is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                refused_naming(&action(ctx, &ae, &aei, json!({"ecp": 100})), "ecp")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/006",
            ACT,
            "TS-0004 §7.4.61.2.1 (subjectResourceID)",
            "an sri naming no resource is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let sri = json!({"sri": relative(&format!("{ae}/nothing"))});
                refused_naming(&action(ctx, &ae, &aei, sri), "sri")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/CRE/007",
            ACT,
            "TS-0004 §7.4.61 (apv a valid request primitive)",
            "an apv CREATE without ty is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let mut apv = write_out(&ae, &aei);
                if let Some(a) = apv.as_object_mut() {
                    a.remove("ty");
                }
                refused_naming(&action(ctx, &ae, &aei, json!({"apv": apv})), "ty")
            }
        ),
    ]
}

fn execution_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/ACT/EXE/001",
            ACT,
            "TS-0001 §9.6.61 (evalMode once)",
            "with evm 1 the primitive runs once when the criteria hold, air holds its response and evm turns 0",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                expect(&action(ctx, &ae, &aei, json!({})), 2001, 201)?;
                ctx.instance(&format!("{ae}/in"), "x", &aei)?;
                wait_for(ctx, &format!("{ae}/out"), "m2m:cnt", "cni", |v| v == 1)?;
                let a = format!("{ae}/a");
                let air = wait_for(ctx, &a, "m2m:actr", "air", |v| v["rsc"] == 2001)?;
                ensure(air["pc"]["m2m:cin"]["con"] == "fired", || {
                    format!("air: {air}")
                })?;
                wait_for(ctx, &a, "m2m:actr", "evm", |v| v == 0)?;
                ctx.instance(&format!("{ae}/in"), "y", &aei)?;
                std::thread::sleep(Duration::from_millis(800));
                ensure(cni(ctx, &ae) == 1, || {
                    "a second execution after once".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/EXE/002",
            ACT,
            "TS-0001 §9.6.61 (the action's request is the originator's), TS-0003 §7.1",
            "an action whose primitive its creator may not send is refused by access control (air rsc 4103)",
            |ctx| {
                let (_, ae) = setup(ctx)?;
                let (other, other_ae) = ctx.ae("actother")?;
                let attrs = json!({"rn": "a", "evc": {"sbjt": "ty", "optr": 1, "thld": 2},
                    "evm": 1, "apv": write_out(&ae, &other)});
                let r = ctx
                    .client
                    .create(&other_ae, 65, &json!({"m2m:actr": attrs}), Some(&other));
                expect(&r, 2001, 201)?;
                let a = format!("{other_ae}/a");
                let air = wait_for(ctx, &a, "m2m:actr", "air", |v| {
                    !v.is_null() && v["rsc"] != 1000
                })?;
                ensure(air["rsc"] == 4103, || format!("air: {air}"))?;
                ensure(cni(ctx, &ae) == 0, || {
                    "the refused request created something".into()
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/EXE/003",
            ACT,
            "TS-0001 §9.6.61 (evalMode periodic, evalControlParam the period)",
            "with evm 2 and ecp 300 the primitive runs again every period while the criteria hold",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                ctx.instance(&format!("{ae}/in"), "x", &aei)?;
                expect(
                    &action(ctx, &ae, &aei, json!({"evm": 2, "ecp": 300})),
                    2001,
                    201,
                )?;
                wait_for(ctx, &format!("{ae}/out"), "m2m:cnt", "cni", |v| {
                    v.as_i64().unwrap_or(0) >= 3
                })?;
                let off = json!({"m2m:actr": {"evm": 0, "ecp": null}});
                expect(
                    &ctx.client.update(&format!("{ae}/a"), &off, &aei),
                    2004,
                    200,
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/EXE/004",
            ACT,
            "TS-0001 §9.6.61 (evalMode continuous, evalControlParam the most runs)",
            "with evm 3 and ecp 2 the primitive runs on each change of the subject, at most twice",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                expect(
                    &action(ctx, &ae, &aei, json!({"evm": 3, "ecp": 2})),
                    2001,
                    201,
                )?;
                for (con, expected) in [("x", 1), ("y", 2), ("z", 2)] {
                    ctx.instance(&format!("{ae}/in"), con, &aei)?;
                    wait_for(ctx, &format!("{ae}/out"), "m2m:cnt", "cni", |v| {
                        v.as_i64() == Some(expected)
                    })?;
                    std::thread::sleep(Duration::from_millis(600));
                }
                ensure(cni(ctx, &ae) == 2, || format!("{} runs", cni(ctx, &ae)))?;
                wait_for(ctx, &format!("{ae}/a"), "m2m:actr", "evm", |v| v == 0).map(|_| ())
            }
        ),
    ]
}

/// A dependency under `<ae>/a` on `<ae>/gate` (mni = 5): its reply.
fn dependency(ctx: &Ctx, ae: &str, aei: &str, rri: &str) -> Reply {
    let attrs = json!({"rn": "d", "sfc": false, "rri": rri,
        "evc": {"sbjt": "mni", "optr": 1, "thld": 5}});
    ctx.client.create(
        &format!("{ae}/a"),
        66,
        &json!({"m2m:depr": attrs}),
        Some(aei),
    )
}

fn dependency_tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/ACT/DEP/001",
            DEP,
            "TS-0004 §7.4.62.2.1",
            "a dependency under an action is created with ty 66",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                expect(&action(ctx, &ae, &aei, json!({"evm": 0})), 2001, 201)?;
                let r = dependency(ctx, &ae, &aei, &relative(&format!("{ae}/in")));
                expect(&r, 2001, 201)?;
                ensure(
                    r.resource("m2m:depr").and_then(|d| d.get("ty")) == Some(&json!(66)),
                    || format!("ty: {}", r.raw),
                )
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/DEP/002",
            DEP,
            "TS-0004 §7.4.62.2.1 (referencedResourceID)",
            "a dependency whose rri names no resource is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                expect(&action(ctx, &ae, &aei, json!({"evm": 0})), 2001, 201)?;
                let r = dependency(ctx, &ae, &aei, &relative(&format!("{ae}/none")));
                refused_naming(&r, "rri")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/DEP/003",
            DEP,
            "TS-0004 §7.4.61.2.3 (dependencies are the action's children)",
            "an action's dep naming something other than its dependency child is refused with 4000",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                expect(&action(ctx, &ae, &aei, json!({"evm": 0})), 2001, 201)?;
                let dep = json!({"m2m:actr": {"dep": ["nothing"]}});
                refused_naming(&ctx.client.update(&format!("{ae}/a"), &dep, &aei), "dep")
            }
        ),
        tp!(
            "TP/oneM2M/CSE/ACT/DEP/004",
            DEP,
            "TS-0001 §9.6.62 (a necessary dependency gates the action)",
            "an action whose necessary dependency does not hold does not run until it does",
            |ctx| {
                let (aei, ae) = setup(ctx)?;
                let gate = ctx.container(&ae, "gate", json!({"mni": 10}), &aei)?;
                ctx.instance(&format!("{ae}/in"), "x", &aei)?;
                expect(&action(ctx, &ae, &aei, json!({"evm": 0})), 2001, 201)?;
                let d = dependency(ctx, &ae, &aei, &relative(&gate));
                expect(&d, 2001, 201)?;
                let ri = d.text("m2m:depr", "ri").unwrap_or_default();
                let on = json!({"m2m:actr": {"dep": [ri], "evm": 1}});
                expect(&ctx.client.update(&format!("{ae}/a"), &on, &aei), 2004, 200)?;
                std::thread::sleep(Duration::from_millis(800));
                ensure(cni(ctx, &ae) == 0, || {
                    "ran although the dependency does not hold".into()
                })?;
                let open = json!({"m2m:cnt": {"mni": 5}});
                expect(&ctx.client.update(&gate, &open, &aei), 2004, 200)?;
                wait_for(ctx, &format!("{ae}/out"), "m2m:cnt", "cni", |v| v == 1).map(|_| ())
            }
        ),
    ]
}
