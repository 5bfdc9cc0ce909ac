//! How far a bearer token reaches with `auth = jwt` (issue 25): a token whose `exp` lies
//! further ahead than `jwt_max_lifetime_s` is refused (and `onecse token` issues none),
//! and the Upper Tester interface needs the administrator's token like any request.

use onecse_testkit::{Method, Reply};
use serde_json::json;

use crate::auth::{
    SECRET, assert_refused, bearer, claims, hs256, jwt_app, jwt_app_with, now, retrieve,
};
use crate::cli::{assert_one_line_failure, run_with_env};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_token_living_longer_than_the_maximum_lifetime_is_refused() {
    let app = jwt_app_with(|c| c.jwt_max_lifetime_s = 3600).await;
    // Within the hour (and the 30 s leeway): accepted.
    let hour = hs256(&claims("CAdmin", json!({"exp": now() + 3600})));
    let reply = retrieve(&app, "CAdmin", Some(&bearer(&hour))).await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    // Two hours, or a year: refused.
    for lifetime in [2 * 3600, 365 * 86_400] {
        let token = hs256(&claims("CAdmin", json!({"exp": now() + lifetime})));
        let reply = retrieve(&app, "CAdmin", Some(&bearer(&token))).await;
        assert_refused(&reply, 4106, "lifetime is too long", Some(&token));
    }
    // The default is 24 h: a week-long token is refused by a default CSE.
    let default = jwt_app().await;
    let week = hs256(&claims("CAdmin", json!({"exp": now() + 7 * 86_400})));
    let reply = retrieve(&default, "CAdmin", Some(&bearer(&week))).await;
    assert_refused(&reply, 4106, "jwt_max_lifetime_s", Some(&week));
    let day = hs256(&claims("CAdmin", json!({"exp": now() + 86_000})));
    let reply = retrieve(&default, "CAdmin", Some(&bearer(&day))).await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
}

#[test]
fn the_token_subcommand_refuses_a_ttl_beyond_the_maximum_lifetime() {
    let secret = format!("--jwt-secret={SECRET}");
    assert_one_line_failure(
        &["token", "--sub", "Cx", "--ttl", "2d", &secret],
        "longer than jwt_max_lifetime_s (86400 s)",
    );
    assert_one_line_failure(
        &[
            "token",
            "--sub",
            "Cx",
            "--ttl",
            "2h",
            "--jwt-max-lifetime-s=3600",
            &secret,
        ],
        "--ttl 2h is longer than jwt_max_lifetime_s (3600 s)",
    );
    let dir = tempfile::tempdir().expect("dir");
    let (code, stdout, stderr) = run_with_env(
        &["token", "--sub", "Cx", "--ttl", "1d", &secret],
        dir.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim().split('.').count(), 3, "{stdout}");
}

/// `Status` to the Upper Tester interface with this `Authorization` value, if any.
async fn ut_status(app: &TestApp, authorization: Option<&str>) -> Reply {
    let mut headers = vec![
        ("X-M2M-Origin", "CAdmin"),
        ("X-M2M-RI", "ut"),
        ("X-M2M-UTCMD", "Status"),
    ];
    if let Some(value) = authorization {
        headers.push(("Authorization", value));
    }
    app.send(Method::POST, "/__ut__", &headers, None).await
}

#[tokio::test]
async fn the_upper_tester_needs_the_administrators_token_with_auth_jwt() {
    let app = jwt_app_with(|c| c.upper_tester = true).await;
    let refused = ut_status(&app, None).await;
    assert_refused(&refused, 4107, "no Authorization header", None);
    assert_eq!(refused.header("X-M2M-UTRSP"), None);
    assert_eq!(refused.header("X-M2M-RI"), Some("ut"));
    let forged = crate::auth::hs256_with(
        "another-secret-that-is-long-enough-for-hs256",
        &claims("CAdmin", json!({})),
    );
    let refused = ut_status(&app, Some(&bearer(&forged))).await;
    assert_refused(&refused, 4106, "signature does not verify", Some(&forged));
    let someone = hs256(&claims("Csomeone", json!({})));
    let refused = ut_status(&app, Some(&bearer(&someone))).await;
    assert_refused(&refused, 4103, "only the administrator", Some(&someone));
    let admin = hs256(&claims("CAdmin", json!({})));
    let reply = ut_status(&app, Some(&bearer(&admin))).await;
    assert_eq!((reply.status, reply.rsc), (200, Some(2000)), "{reply:#?}");
    assert_eq!(reply.header("X-M2M-UTRSP"), Some("RUNNING"));
}
