//! semanticDescriptor (TS-0001 §9.6.30): RDF checked on CREATE and UPDATE, and
//! semantic discovery and conditional retrieval with `smf` (SPARQL).

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

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

fn descriptor(dcrp: i64, dsp: &str) -> Value {
    json!({"m2m:smd": {"dcrp": dcrp, "dsp": dsp}})
}

/// Two described containers (a thermometer in the kitchen, a hygrometer in the
/// cellar) and one without a descriptor.
async fn described(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    for (rn, dsp) in [("temp", THERMO), ("hum", HYGRO)] {
        app.container("/cse-in/app", rn, json!({}), "Capp").await;
        let reply = app
            .create(
                &format!("/cse-in/app/{rn}"),
                24,
                &descriptor(5, dsp),
                Some("Capp"),
            )
            .await;
        assert_eq!(reply.rsc, Some(2001), "{}", reply.raw);
    }
    app.container("/cse-in/app", "plain", json!({}), "Capp")
        .await;
}

#[tokio::test]
async fn descriptors_are_checked_as_rdf_on_create_and_update() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let ok = app
        .create("/cse-in/app", 24, &descriptor(5, THERMO), Some("Capp"))
        .await;
    assert_eq!(ok.rsc, Some(2001), "{}", ok.raw);
    assert_eq!(ok.expect_resource("m2m:smd")["dsp"], THERMO);
    let rn = ok.expect_resource("m2m:smd")["rn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let xml = app
        .create("/cse-in/app", 24, &descriptor(4, THERMO_XML), Some("Capp"))
        .await;
    assert_eq!(xml.rsc, Some(2001), "{}", xml.raw);
    app.create("/cse-in/app", 24, &descriptor(5, BROKEN), Some("Capp"))
        .await
        .assert_error(4000, 400, "Turtle");
    app.create("/cse-in/app", 24, &descriptor(4, THERMO), Some("Capp"))
        .await
        .assert_error(4000, 400, "RDF/XML");
    app.create("/cse-in/app", 24, &descriptor(5, "%%%"), Some("Capp"))
        .await
        .assert_error(4000, 400, "base64");
    app.create("/cse-in/app", 24, &descriptor(3, THERMO), Some("Capp"))
        .await
        .assert_error(5001, 501, "dcrp");
    app.create(
        "/cse-in/app",
        24,
        &json!({"m2m:smd": {"dcrp": 5}}),
        Some("Capp"),
    )
    .await
    .assert_error(4000, 400, "dsp");
    let path = format!("/cse-in/app/{rn}");
    app.update(&path, &json!({"m2m:smd": {"dsp": BROKEN}}), "Capp")
        .await
        .assert_error(4000, 400, "Turtle");
    let kept = app.retrieve(&path, "Capp").await;
    assert_eq!(kept.expect_resource("m2m:smd")["dsp"], THERMO);
    let changed = app
        .update(&path, &json!({"m2m:smd": {"dsp": HYGRO}}), "Capp")
        .await;
    assert_eq!(changed.rsc, Some(2004), "{}", changed.raw);
}

#[tokio::test]
async fn semantic_discovery_finds_the_resources_whose_descriptors_answer() {
    let app = spawn_app().await;
    described(&app).await;
    let found = |query: String| {
        let app = &app;
        async move {
            let reply = app.retrieve(&format!("/cse-in?fu=1&{query}"), "Capp").await;
            assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
            reply.uril()
        }
    };
    assert_eq!(
        found(format!("smf={ASK_THERMO}")).await,
        ["cse-in/app/temp"]
    );
    assert_eq!(
        found(format!("smf={SELECT_CELLAR}")).await,
        ["cse-in/app/hum"]
    );
    assert_eq!(
        found(format!("smf={ASK_THERMO}&smf={SELECT_CELLAR}")).await,
        ["cse-in/app/hum", "cse-in/app/temp"],
        "several smf values: any may answer"
    );
    assert!(found(format!("smf={ASK_THERMO}&ty=2")).await.is_empty());
    app.retrieve(&format!("/cse-in?fu=1&smf={NOT_SPARQL}"), "Capp")
        .await
        .assert_error(4000, 400, "SPARQL");
    app.retrieve(&format!("/cse-in?fu=1&smf={ASK_THERMO}&fo=2&ty=3"), "Capp")
        .await
        .assert_error(5001, 501, "fo");
}

#[tokio::test]
async fn semantic_conditional_retrieval_lists_only_described_children() {
    let app = spawn_app().await;
    described(&app).await;
    let reply = app
        .retrieve(&format!("/cse-in/app?rcn=6&smf={SELECT_CELLAR}"), "Capp")
        .await;
    assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
    let names: Vec<&str> = reply.body["m2m:rrl"]["rrf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["nm"].as_str())
        .collect();
    assert_eq!(names, ["hum"]);
}

#[tokio::test]
async fn a_descriptor_hidden_from_the_requester_answers_no_query_of_theirs() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.register_ae("guest", "Cguest").await;
    let policy = |rn: &str, guest_ops: i64| {
        json!({"m2m:acp": {"rn": rn,
            "pv": {"acr": [{"acor": ["Capp"], "acop": 63}, {"acor": ["Cguest"], "acop": guest_ops}]},
            "pvs": {"acr": [{"acor": ["Capp"], "acop": 63}]}}})
    };
    let mut acpi = Vec::new();
    // The container: Cguest may retrieve and discover it; its descriptor: only NOTIFY.
    for (rn, ops) in [("open", 34), ("closed", 16)] {
        let acp = app
            .create("/cse-in/app", 1, &policy(rn, ops), Some("Capp"))
            .await;
        assert_eq!(acp.rsc, Some(2001), "{}", acp.raw);
        acpi.push(acp.expect_resource("m2m:acp")["ri"].clone());
    }
    app.container("/cse-in/app", "temp", json!({"acpi": [acpi[0]]}), "Capp")
        .await;
    let mut hidden = descriptor(5, THERMO);
    hidden["m2m:smd"]["acpi"] = json!([acpi[1]]);
    let made = app
        .create("/cse-in/app/temp", 24, &hidden, Some("Capp"))
        .await;
    assert_eq!(made.rsc, Some(2001), "{}", made.raw);

    let query = format!("/cse-in/app?fu=1&ty=3&smf={ASK_THERMO}");
    let owner = app.retrieve(&query, "Capp").await;
    assert_eq!(owner.uril(), ["cse-in/app/temp"], "{}", owner.raw);
    let guest = app.retrieve(&query, "Cguest").await;
    assert_eq!(guest.rsc, Some(2000), "{}", guest.raw);
    assert!(guest.uril().is_empty(), "{}", guest.raw);
    // The container itself stays visible to the guest without the semantic filter.
    let plain = app.retrieve("/cse-in/app?fu=1&ty=3", "Cguest").await;
    assert_eq!(plain.uril(), ["cse-in/app/temp"], "{}", plain.raw);
}
