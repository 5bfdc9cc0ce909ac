//! The HTTP binding (TS-0009) and the interoperability points of the spec digest:
//! headers, versions, media types, methods, query parameters, bodies and targets.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

const AE_BODY: &str = r#"{"m2m:ae": {"rn": "b", "api": "Nb", "rr": true, "srv": ["3"]}}"#;

#[tokio::test]
async fn x_m2m_ri_is_required_and_echoed() {
    let app = spawn_app().await;
    let reply = app
        .send(
            Method::GET,
            "/cse-in",
            &[("X-M2M-Origin", "CAdmin"), ("X-M2M-RVI", "3")],
            None,
        )
        .await;
    reply.assert_error(4000, 400, "X-M2M-RI");
    assert_eq!(reply.header("X-M2M-RVI"), Some("3"));
    let reply = app
        .send(
            Method::GET,
            "/cse-in",
            &[
                ("X-M2M-Origin", "CAdmin"),
                ("X-M2M-RVI", "3"),
                ("X-M2M-RI", "abc 123"),
            ],
            None,
        )
        .await;
    assert_eq!(
        (reply.rsc, reply.header("X-M2M-RI")),
        (Some(2000), Some("abc 123"))
    );
}

#[tokio::test]
async fn every_supported_release_version_is_accepted_and_echoed() {
    let app = spawn_app().await;
    for rvi in ["2a", "3", "4", "5"] {
        let headers = [
            ("X-M2M-Origin", "CAdmin"),
            ("X-M2M-RI", "v"),
            ("X-M2M-RVI", rvi),
        ];
        let reply = app.send(Method::GET, "/cse-in", &headers, None).await;
        assert_eq!(
            (reply.rsc, reply.header("X-M2M-RVI")),
            (Some(2000), Some(rvi))
        );
    }
}

#[tokio::test]
async fn missing_or_unsupported_release_versions_are_refused() {
    let app = spawn_app().await;
    let reply = app
        .send(
            Method::GET,
            "/cse-in",
            &[("X-M2M-Origin", "CAdmin"), ("X-M2M-RI", "v")],
            None,
        )
        .await;
    reply.assert_error(4001, 501, "X-M2M-RVI");
    assert_eq!(reply.header("X-M2M-RI"), Some("v"));
    for rvi in ["1", "2", "6", "three"] {
        let headers = [
            ("X-M2M-Origin", "CAdmin"),
            ("X-M2M-RI", "v"),
            ("X-M2M-RVI", rvi),
        ];
        app.send(Method::GET, "/cse-in", &headers, None)
            .await
            .assert_error(4001, 501, rvi);
    }
}

#[tokio::test]
async fn originator_is_required_except_for_registration() {
    let app = spawn_app().await;
    for method in [Method::GET, Method::DELETE] {
        let reply = app.onem2m(method, "/cse-in", None, None, None).await;
        reply.assert_error(4000, 400, "X-M2M-Origin");
    }
    let reply = app
        .onem2m(
            Method::PUT,
            "/cse-in",
            None,
            Some("application/json"),
            Some("{}"),
        )
        .await;
    reply.assert_error(4000, 400, "X-M2M-Origin");
}

#[tokio::test]
async fn vendor_information_is_echoed_and_ot_is_always_sent() {
    let app = spawn_app().await;
    let headers = [
        ("X-M2M-Origin", "CAdmin"),
        ("X-M2M-RI", "v"),
        ("X-M2M-RVI", "4"),
        ("X-M2M-VSI", "acme/1.0"),
    ];
    let reply = app
        .send(Method::GET, "/cse-in/nothing", &headers, None)
        .await;
    assert_eq!(reply.header("X-M2M-VSI"), Some("acme/1.0"));
    assert!(reply.header("X-M2M-OT").is_some());
    assert_eq!(reply.rsc, Some(4004));
}

#[tokio::test]
async fn both_json_media_types_create_with_ty() {
    let app = spawn_app().await;
    for (i, ct) in [
        "application/json;ty=2",
        "application/vnd.onem2m-res+json; ty=2",
        "application/json; charset=utf-8; ty=2",
    ]
    .into_iter()
    .enumerate()
    {
        let body = AE_BODY.replace("\"b\"", &format!("\"b{i}\""));
        let reply = app
            .onem2m(
                Method::POST,
                "/cse-in",
                Some(&format!("Cmt{i}")),
                Some(ct),
                Some(&body),
            )
            .await;
        assert_eq!(reply.rsc, Some(2001), "{ct}: {reply:#?}");
    }
}

#[tokio::test]
async fn unsupported_or_missing_content_types_are_refused() {
    let app = spawn_app().await;
    for ct in [
        "application/xml;ty=2",
        "application/vnd.onem2m-res+xml;ty=2",
        "text/plain",
        "nonsense",
    ] {
        let reply = app
            .onem2m(Method::POST, "/cse-in", Some("Cx"), Some(ct), Some(AE_BODY))
            .await;
        reply.assert_error(4015, 415, "Content-Type");
    }
    let reply = app
        .onem2m(Method::POST, "/cse-in", Some("Cx"), None, Some(AE_BODY))
        .await;
    reply.assert_error(4015, 415, "Content-Type");
    let reply = app
        .onem2m(Method::PUT, "/cse-in", Some("Cx"), None, Some(AE_BODY))
        .await;
    reply.assert_error(4015, 415, "Content-Type");
}

#[tokio::test]
async fn bad_ty_values_are_refused() {
    let app = spawn_app().await;
    app.register_ae("x", "Cx").await;
    let cases = [
        ("application/json;ty=abc", 4000, 400, "ty"),
        ("application/json;ty=", 4000, 400, "ty"),
        ("application/json;ty=999", 4000, 400, "999"),
        ("application/json;ty=0", 4000, 400, "0"),
        ("application/json;ty=12", 5001, 501, "12"),
        ("application/json;ty=19", 5001, 501, "19"),
        (
            "application/json;ty=4",
            4108,
            403,
            "contentInstance cannot be created under a CSEBase",
        ),
    ];
    for (ct, rsc, status, needle) in cases {
        let reply = app
            .onem2m(Method::POST, "/cse-in", Some("Cx"), Some(ct), Some(AE_BODY))
            .await;
        reply.assert_error(rsc, status, needle);
    }
    let reply = app
        .onem2m(
            Method::PUT,
            "/cse-in",
            Some("Cx"),
            Some("application/json;ty=2"),
            Some(AE_BODY),
        )
        .await;
    reply.assert_error(4000, 400, "only allowed on CREATE");
}

#[tokio::test]
async fn a_post_without_ty_is_a_notify_which_the_cse_base_refuses() {
    let app = spawn_app().await;
    let body = json!({"m2m:sgn": {"vrq": true}}).to_string();
    let reply = app
        .onem2m(
            Method::POST,
            "/cse-in",
            Some("CAdmin"),
            Some("application/json"),
            Some(&body),
        )
        .await;
    reply.assert_error(4000, 400, "NOTIFY");
}

#[tokio::test]
async fn malformed_or_empty_bodies_are_refused() {
    let app = spawn_app().await;
    let ct = Some("application/json;ty=2");
    app.onem2m(
        Method::POST,
        "/cse-in",
        Some("Cx"),
        ct,
        Some("{\"m2m:ae\": {"),
    )
    .await
    .assert_error(4000, 400, "not valid JSON");
    app.onem2m(Method::POST, "/cse-in", Some("Cx"), ct, Some(""))
        .await
        .assert_error(4000, 400, "body");
    app.onem2m(Method::POST, "/cse-in", Some("Cx"), ct, Some("null"))
        .await
        .assert_error(4000, 400, "m2m:ae");
}

#[tokio::test]
async fn bodies_over_the_configured_limit_are_refused_before_anything_is_written() {
    let app = spawn_app_with(|c| c.max_body_bytes = 200).await;
    let big = json!({"m2m:ae": {"rn": "big", "api": "Nb", "rr": true, "srv": ["3"], "lbl": ["x".repeat(300)]}}).to_string();
    let reply = app
        .onem2m(
            Method::POST,
            "/cse-in",
            Some("Cbig"),
            Some("application/json;ty=2"),
            Some(&big),
        )
        .await;
    reply.assert_error(4000, 400, "limit of 200 bytes");
    assert_eq!(app.retrieve("/cse-in/big", "CAdmin").await.rsc, Some(4004));
    let small = app
        .onem2m(
            Method::POST,
            "/cse-in",
            Some("Csmall"),
            Some("application/json;ty=2"),
            Some(AE_BODY),
        )
        .await;
    assert_eq!(small.rsc, Some(2001));
}

#[tokio::test]
async fn methods_without_a_onem2m_operation_are_not_allowed() {
    let app = spawn_app().await;
    for method in [Method::PATCH, Method::OPTIONS] {
        let reply = app
            .onem2m(method.clone(), "/cse-in", Some("CAdmin"), None, None)
            .await;
        reply.assert_error(4005, 405, method.as_str());
        assert_eq!(reply.header("Allow"), Some("GET, POST, PUT, DELETE"));
    }
}

#[tokio::test]
async fn unknown_or_invalid_query_parameters_are_refused() {
    let app = spawn_app().await;
    for (query, needle) in [
        ("bogus=1", "bogus"),
        ("fu=4223", "fu"),
        ("rcn=99", "rcn=99"),
        ("rcn=abc", "rcn"),
        ("lim=-3", "lim"),
        ("ty=x", "ty"),
        ("crb=notatime", "crb"),
        ("rcn=1&rcn=1", "more than once"),
    ] {
        let reply = app.retrieve(&format!("/cse-in?{query}"), "CAdmin").await;
        reply.assert_error(4000, 400, needle);
    }
    let reply = app.retrieve("/cse-in?rcn=0", "CAdmin").await;
    reply.assert_error(4000, 400, "not permitted for RETRIEVE");
    let reply = app
        .update(
            "/cse-in/acpCSEBase?fu=2&ty=2",
            &json!({"m2m:acp": {"lbl": ["x"]}}),
            "CAdmin",
        )
        .await;
    reply.assert_error(5001, 501, "only supported in RETRIEVE");
    let reply = app.retrieve("/cse-in?rt=6", "CAdmin").await;
    reply.assert_error(4000, 400, "responseType");
    let ok = app.retrieve("/cse-in?rcn=1&rt=3", "CAdmin").await;
    assert_eq!(ok.rsc, Some(2000));
}

#[tokio::test]
async fn targets_ending_in_a_slash_or_empty_are_not_resources() {
    let app = spawn_app().await;
    for (path, rsc, status, needle) in [
        ("/cse-in/", 4000, 400, "ends with '/'"),
        ("/~/id-in/cse-in/", 4000, 400, "ends with '/'"),
        ("/~/id-in", 4000, 400, "names only a CSE-ID"),
        ("/~/id-in/", 4000, 400, "ends with '/'"),
        (
            "/_/acme.example.com/id-in",
            4000,
            400,
            "names only a CSE-ID",
        ),
        ("/_/acme.example.com", 4000, 400, "names only a CSE-ID"),
        ("/", 4004, 404, "empty"),
        ("/cse-in//x", 4004, 404, "empty segment"),
    ] {
        let reply = app.retrieve(path, "CAdmin").await;
        reply.assert_error(rsc, status, needle);
        assert!(
            !reply
                .body
                .as_object()
                .is_some_and(|o| o.contains_key("m2m:cb")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn accept_header_is_honoured() {
    let app = spawn_app().await;
    let base = [
        ("X-M2M-Origin", "CAdmin"),
        ("X-M2M-RI", "a"),
        ("X-M2M-RVI", "3"),
    ];
    let with = |accept: &'static str| {
        let mut headers = base.to_vec();
        headers.push(("Accept", accept));
        headers
    };
    let reply = app
        .send(
            Method::GET,
            "/cse-in",
            &with("application/vnd.onem2m-res+json"),
            None,
        )
        .await;
    assert_eq!(
        (reply.rsc, reply.header("content-type")),
        (Some(2000), Some("application/vnd.onem2m-res+json"))
    );
    let reply = app.send(Method::GET, "/cse-in", &with("*/*"), None).await;
    assert_eq!(
        (reply.rsc, reply.header("content-type")),
        (Some(2000), Some("application/json"))
    );
    let reply = app
        .send(Method::GET, "/cse-in", &with("application/xml"), None)
        .await;
    reply.assert_error(5207, 406, "Accept");
}

#[tokio::test]
async fn percent_encoded_targets_are_decoded() {
    let app = spawn_app().await;
    let reply = app.retrieve("/cse%2Din", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000));
    let reply = app.retrieve("/%7E/id-in/cse-in", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000));
}

#[tokio::test]
async fn a_partial_retrieve_may_name_only_attributes_of_the_target_type() {
    let app = spawn_app().await;
    app.container("/cse-in", "c", json!({"mni": 3}), "CAdmin")
        .await;
    let ok = app.retrieve("/cse-in/c?atrl=mni+lbl+ri", "CAdmin").await;
    assert_eq!(ok.rsc, Some(2000), "{ok:#?}");
    // Attributes of other types: known names, but not a container's.
    for (name, ty) in [
        ("api", "container"),
        ("csi", "container"),
        ("powSe", "container"),
    ] {
        app.retrieve(&format!("/cse-in/c?atrl=mni+{name}"), "CAdmin")
            .await
            .assert_error(4000, 400, &format!("'{name}', which a {ty}"));
    }
    app.retrieve("/cse-in?atrl=mni", "CAdmin")
        .await
        .assert_error(4000, 400, "'mni', which a CSEBase");
    // A specialization's attributes count as its type's own.
    let binary_switch = json!({"cod:binSh": {"rn": "sw", "cnd": "org.onem2m.common.moduleclass.binarySwitch", "powSe": true}});
    assert_eq!(
        app.create("/cse-in", 28, &binary_switch, Some("CAdmin"))
            .await
            .rsc,
        Some(2001)
    );
    let part = app.retrieve("/cse-in/sw?atrl=powSe+cnd", "CAdmin").await;
    assert_eq!(part.body["cod:binSh"]["powSe"], true, "{part:#?}");
    app.retrieve("/cse-in/sw?atrl=api", "CAdmin")
        .await
        .assert_error(4000, 400, "'api'");
    let node = json!({"m2m:nod": {"rn": "dev", "ni": "urn:dev:1"}});
    assert_eq!(
        app.create("/cse-in", 14, &node, Some("CAdmin")).await.rsc,
        Some(2001)
    );
    let battery = json!({"m2m:bat": {"rn": "bat", "mgd": 1006, "btl": 80, "bts": 1}});
    let created = app
        .create("/cse-in/dev", 13, &battery, Some("CAdmin"))
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    let part = app.retrieve("/cse-in/dev/bat?atrl=btl", "CAdmin").await;
    assert_eq!(part.body["m2m:bat"]["btl"], 80, "{part:#?}");
    app.retrieve("/cse-in/dev/bat?atrl=fwn", "CAdmin")
        .await
        .assert_error(4000, 400, "'fwn'");
}
