//! dynamicAuthorizationConsultation (ty 34): stored with its attributes checked; no
//! Dynamic Authorization Server is consulted, so `daci` is answered 5001.

use serde_json::json;

use crate::helpers::spawn_app;

const ADMIN: &str = "CAdmin";

#[tokio::test]
async fn a_consultation_is_stored_checked_and_never_used() {
    let app = spawn_app().await;
    let reply = app
        .create(
            "/cse-in",
            34,
            &json!({"m2m:dac": {"rn": "dac", "dae": true, "dap": ["http://127.0.0.1:9/das"]}}),
            Some(ADMIN),
        )
        .await;
    assert_eq!((reply.status, reply.rsc), (201, Some(2001)), "{reply:#?}");
    assert_eq!(reply.expect_resource("m2m:dac")["ty"], 34);
    let missing = app
        .create("/cse-in", 34, &json!({"m2m:dac": {"dap": []}}), Some(ADMIN))
        .await;
    assert_eq!(missing.rsc, Some(4000));
    assert!(missing.dbg().contains("dae"), "{}", missing.dbg());
    let bad_uri = app
        .create(
            "/cse-in",
            34,
            &json!({"m2m:dac": {"dae": false, "dap": ["nowhere"]}}),
            Some(ADMIN),
        )
        .await;
    assert_eq!(bad_uri.rsc, Some(4000), "{bad_uri:#?}");
    let update = app
        .update("/cse-in/dac", &json!({"m2m:dac": {"dae": false}}), ADMIN)
        .await;
    assert_eq!(update.rsc, Some(2004));
    assert_eq!(update.expect_resource("m2m:dac")["dae"], false);
    let consult = app
        .create(
            "/cse-in",
            3,
            &json!({"m2m:cnt": {"daci": ["dac"]}}),
            Some(ADMIN),
        )
        .await;
    assert_eq!((consult.status, consult.rsc), (501, Some(5001)));
    assert!(consult.dbg().contains("daci"), "{}", consult.dbg());
    app.register_ae("ae", "Cae").await;
    let under_ae = app
        .create(
            "/cse-in/ae",
            34,
            &json!({"m2m:dac": {"dae": true}}),
            Some("Cae"),
        )
        .await;
    assert_eq!(under_ae.rsc, Some(2001));
    let under_cnt = app.container("/cse-in", "c", json!({}), ADMIN).await;
    assert_eq!(under_cnt.rsc, Some(2001));
    let refused = app
        .create(
            "/cse-in/c",
            34,
            &json!({"m2m:dac": {"dae": true}}),
            Some(ADMIN),
        )
        .await;
    assert_eq!(refused.rsc, Some(4108));
}
