//! SMD: semanticDescriptor (TS-0001 §9.6.30, TS-0004 §7.4.34): RDF descriptors
//! checked on CREATE and UPDATE, and semantic discovery and conditional retrieval
//! with `smf` (SPARQL; TS-0001 §10.2.37).

use onecse_testkit::Reply;
use serde_json::{Value, json};

use super::tp;
use crate::suite::{Ctx, TestPurpose, Verdict, ensure, expect};

const SMD: &[u16] = &[2, 3, 24];

/// Turtle: `ex:thermo1 a ex:Thermometer ; ex:room "kitchen"`, base64.
const THERMO: &str = "QHByZWZpeCBleDogPGh0dHA6Ly9leGFtcGxlLm9yZy8+IC4gZXg6dGhlcm1vMSBhIGV4OlRoZXJtb21ldGVyIDsgZXg6cm9vbSAia2l0Y2hlbiIgLg==";
/// Turtle: `ex:hygro1 a ex:Hygrometer ; ex:room "cellar"`, base64.
const HYGRO: &str = "QHByZWZpeCBleDogPGh0dHA6Ly9leGFtcGxlLm9yZy8+IC4gZXg6aHlncm8xIGEgZXg6SHlncm9tZXRlciA7IGV4OnJvb20gImNlbGxhciIgLg==";
/// RDF/XML: `ex:thermo2 rdf:type ex:Thermometer`, base64.
const THERMO_XML: &str = "PHJkZjpSREYgeG1sbnM6cmRmPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5LzAyLzIyLXJkZi1zeW50YXgtbnMjIiB4bWxuczpleD0iaHR0cDovL2V4YW1wbGUub3JnLyI+PHJkZjpEZXNjcmlwdGlvbiByZGY6YWJvdXQ9Imh0dHA6Ly9leGFtcGxlLm9yZy90aGVybW8yIj48cmRmOnR5cGUgcmRmOnJlc291cmNlPSJodHRwOi8vZXhhbXBsZS5vcmcvVGhlcm1vbWV0ZXIiLz48L3JkZjpEZXNjcmlwdGlvbj48L3JkZjpSREY+";
/// Turtle cut short after `ex:thermo1 a`, base64.
const BROKEN: &str = "QHByZWZpeCBleDogPGh0dHA6Ly9leGFtcGxlLm9yZy8+IC4gZXg6dGhlcm1vMSBh";
/// `ASK { ?s a ex:Thermometer }`, percent-encoded.
const ASK_THERMO: &str = "PREFIX%20ex%3A%20%3Chttp%3A%2F%2Fexample.org%2F%3E%20ASK%20%7B%20%3Fs%20a%20ex%3AThermometer%20%7D";
/// `SELECT ?s WHERE { ?s ex:room "cellar" }`, percent-encoded.
const SELECT_CELLAR: &str = "PREFIX%20ex%3A%20%3Chttp%3A%2F%2Fexample.org%2F%3E%20SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20ex%3Aroom%20%22cellar%22%20%7D";
/// No SPARQL, percent-encoded.
const NOT_SPARQL: &str = "SELECT%20WHERE%20%7B";

type Check = Result<(), Verdict>;

fn descriptor(dcrp: i64, dsp: &str) -> Value {
    json!({"m2m:smd": {"rn": "smd", "dcrp": dcrp, "dsp": dsp}})
}

/// A semanticDescriptor CREATE under a fresh AE's container: (AE-ID, container, reply).
fn describe(ctx: &mut Ctx, dcrp: i64, dsp: &str) -> Result<(String, String, Reply), Verdict> {
    let (aei, ae) = ctx.ae("smd")?;
    let cnt = ctx.container(&ae, "thing", json!({}), &aei)?;
    let reply = ctx
        .client
        .create(&cnt, 24, &descriptor(dcrp, dsp), Some(&aei));
    Ok((aei, cnt, reply))
}

/// An AE with two described containers (thermometer, hygrometer) and a plain one.
fn described(ctx: &mut Ctx) -> Result<(String, String), Verdict> {
    let (aei, ae) = ctx.ae("smd")?;
    for (rn, dsp) in [("temp", THERMO), ("hum", HYGRO)] {
        let cnt = ctx.container(&ae, rn, json!({}), &aei)?;
        let r = ctx.client.create(&cnt, 24, &descriptor(5, dsp), Some(&aei));
        expect(&r, 2001, 201).map_err(|v| crate::suite::setup_failed("semanticDescriptor", v))?;
    }
    ctx.container(&ae, "plain", json!({}), &aei)?;
    Ok((aei, ae))
}

fn names(uris: &[String]) -> Vec<String> {
    uris.iter()
        .map(|u| u.rsplit('/').next().unwrap_or_default().to_owned())
        .collect()
}

fn found(ctx: &Ctx, ae: &str, aei: &str, query: &str, want: &[&str]) -> Check {
    let r = ctx.client.retrieve(&format!("{ae}?fu=1&{query}"), aei);
    expect(&r, 2000, 200)?;
    let got = names(&r.uril());
    ensure(got == want, || format!("found {got:?}, expected {want:?}"))
}

/// Every SMD test purpose.
pub fn tps() -> Vec<TestPurpose> {
    vec![
        tp!(
            "TP/oneM2M/CSE/SMD/CRE/001",
            SMD,
            "TS-0004 §7.4.34.2.1",
            "a semanticDescriptor with a Turtle descriptor (dcrp 5) is created and returns dsp as given",
            |ctx| {
                let (_, _, r) = describe(ctx, 5, THERMO)?;
                expect(&r, 2001, 201)?;
                let dsp = r.resource("m2m:smd").and_then(|a| a.get("dsp")).cloned();
                ensure(dsp == Some(json!(THERMO)), || {
                    format!("dsp came back as {dsp:?}")
                })
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/CRE/002",
            SMD,
            "TS-0004 §7.4.34.2.1, m2m:semanticFormat 4",
            "a semanticDescriptor with an RDF/XML descriptor (dcrp 4) is created",
            |ctx| {
                let (_, _, r) = describe(ctx, 4, THERMO_XML)?;
                expect(&r, 2001, 201)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/CRE/003",
            SMD,
            "TS-0001 §9.6.30 (descriptor validated)",
            "a descriptor that is no valid Turtle is refused with 4000",
            |ctx| {
                let (_, _, r) = describe(ctx, 5, BROKEN)?;
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/CRE/004",
            SMD,
            "TS-0001 §9.6.30 (descriptor in its representation)",
            "Turtle sent as RDF/XML (dcrp 4) is refused with 4000",
            |ctx| {
                let (_, _, r) = describe(ctx, 4, THERMO)?;
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/CRE/005",
            SMD,
            "TS-0004 §7.4.34.2.1 (descriptor mandatory)",
            "a semanticDescriptor without dsp is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("smd")?;
                let body = json!({"m2m:smd": {"dcrp": 5}});
                expect(&ctx.client.create(&ae, 24, &body, Some(&aei)), 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/UPD/001",
            SMD,
            "TS-0004 §7.4.34.2.3",
            "an UPDATE with an invalid descriptor is refused with 4000 and the stored one kept",
            |ctx| {
                let (aei, cnt, r) = describe(ctx, 5, THERMO)?;
                expect(&r, 2001, 201)?;
                let path = format!("{cnt}/smd");
                let body = json!({"m2m:smd": {"dsp": BROKEN}});
                expect(&ctx.client.update(&path, &body, &aei), 4000, 400)?;
                let kept = ctx.client.retrieve(&path, &aei);
                let dsp = kept.resource("m2m:smd").and_then(|a| a.get("dsp")).cloned();
                ensure(dsp == Some(json!(THERMO)), || format!("dsp is now {dsp:?}"))
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/DIS/001",
            SMD,
            "TS-0001 §10.2.37 (semantic discovery), smf ASK",
            "discovery with an smf ASK query finds the resource whose descriptor answers",
            |ctx| {
                let (aei, ae) = described(ctx)?;
                found(ctx, &ae, &aei, &format!("smf={ASK_THERMO}"), &["temp"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/DIS/002",
            SMD,
            "TS-0001 §10.2.37 (semantic discovery), smf SELECT",
            "discovery with an smf SELECT query finds the resource with a solution only",
            |ctx| {
                let (aei, ae) = described(ctx)?;
                found(ctx, &ae, &aei, &format!("smf={SELECT_CELLAR}"), &["hum"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/DIS/003",
            SMD,
            "TS-0004 §7.3.3.17 (filter criteria AND)",
            "smf combined with ty (AND) keeps only resources meeting both",
            |ctx| {
                let (aei, ae) = described(ctx)?;
                found(ctx, &ae, &aei, &format!("smf={ASK_THERMO}&ty=2"), &[])?;
                found(ctx, &ae, &aei, &format!("smf={ASK_THERMO}&ty=3"), &["temp"])
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/DIS/004",
            SMD,
            "TS-0004 §6.3.5.8 (semanticsFilter: SPARQL)",
            "an smf that is no SPARQL query is refused with 4000",
            |ctx| {
                let (aei, ae) = ctx.ae("smd")?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?fu=1&smf={NOT_SPARQL}"), &aei);
                expect(&r, 4000, 400)
            }
        ),
        tp!(
            "TP/oneM2M/CSE/SMD/RET/001",
            SMD,
            "TS-0004 §7.3.3.17 (conditional retrieval) with smf",
            "rcn=6 with smf lists only the children whose descriptors answer",
            |ctx| {
                let (aei, ae) = described(ctx)?;
                let r = ctx
                    .client
                    .retrieve(&format!("{ae}?rcn=6&smf={SELECT_CELLAR}"), &aei);
                expect(&r, 2000, 200)?;
                let got: Vec<String> = r.body["m2m:rrl"]["rrf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["nm"].as_str().map(str::to_owned))
                    .collect();
                ensure(got == ["hum"], || format!("listed {got:?}"))
            }
        ),
    ]
}
