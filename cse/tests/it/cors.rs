//! CORS for browser-based AEs (`cors_allowed_origins`): real preflight requests from
//! an allowed and a refused origin, the headers exposed on answers, and no CORS at
//! all when the setting is off.

use reqwest::{Method, Response};

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const ALLOWED: &str = "http://localhost:5173";
const REFUSED: &str = "http://evil.localhost:8000";

async fn preflight(app: &TestApp, origin: &str, headers: &str) -> Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}/cse-in", app.base))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .expect("preflight")
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().expect("ascii header"))
}

const ONEM2M_HEADERS: &str = "x-m2m-origin,x-m2m-ri,x-m2m-rvi,x-m2m-rtu,x-m2m-ot,x-m2m-ret,x-m2m-rst,x-m2m-vsi,x-m2m-gid,authorization,content-type,accept";

async fn cors_app() -> TestApp {
    spawn_app_with(|c| c.cors_allowed_origins = Some(format!("{ALLOWED}, https://other.localhost")))
        .await
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin_allows_the_onem2m_headers() {
    let app = cors_app().await;
    let answer = preflight(&app, ALLOWED, ONEM2M_HEADERS).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(header(&answer, "access-control-allow-origin"), ALLOWED);
    let methods = header(&answer, "access-control-allow-methods").to_ascii_uppercase();
    for method in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    let allowed = header(&answer, "access-control-allow-headers").to_ascii_lowercase();
    for name in ONEM2M_HEADERS.split(',') {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
    assert!(!header(&answer, "access-control-max-age").is_empty());
}

#[tokio::test]
async fn cors_preflight_from_another_origin_is_refused() {
    let app = cors_app().await;
    let answer = preflight(&app, REFUSED, "x-m2m-origin,x-m2m-ri").await;
    assert_eq!(answer.status(), 400);
    assert_eq!(header(&answer, "access-control-allow-origin"), "");
    // A header outside the binding's is refused for an allowed origin too.
    let answer = preflight(&app, ALLOWED, "x-m2m-origin,x-unknown").await;
    assert_eq!(answer.status(), 400);
    assert_eq!(header(&answer, "access-control-allow-origin"), "");
}

#[tokio::test]
async fn cors_answers_expose_the_onem2m_headers_to_allowed_origins_only() {
    let app = cors_app().await;
    let get = |origin: &'static str| {
        reqwest::Client::new()
            .get(format!("{}/cse-in", app.base))
            .header("Origin", origin)
            .header("X-M2M-Origin", "CAdmin")
            .header("X-M2M-RI", "cors-1")
            .header("X-M2M-RVI", "3")
            .header("Accept", "application/json")
            .send()
    };
    let allowed = get(ALLOWED).await.expect("GET");
    assert_eq!(allowed.status(), 200);
    assert_eq!(header(&allowed, "x-m2m-rsc"), "2000");
    assert_eq!(header(&allowed, "access-control-allow-origin"), ALLOWED);
    let exposed = header(&allowed, "access-control-expose-headers").to_ascii_lowercase();
    for name in [
        "x-m2m-rsc",
        "x-m2m-ri",
        "x-m2m-rvi",
        "x-m2m-ot",
        "content-location",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
    // Another origin is served as before (access control decides), without CORS
    // headers, so its page cannot read the answer.
    let other = get(REFUSED).await.expect("GET");
    assert_eq!(header(&other, "x-m2m-rsc"), "2000");
    assert_eq!(header(&other, "access-control-allow-origin"), "");
}

/// What a page of `page_base` gets from a cross-origin oneM2M RETRIEVE of `target`'s
/// CSEBase, run by the browser with its preflight: the rsc it could read, or the
/// error the browser raised.
async fn cross_origin_retrieve(browser: &Browser, page_base: &str, target: &str) -> String {
    browser
        .client
        // A page without the console's CSP, whose connect-src would stop the fetch.
        .goto(&format!("{page_base}/healthz"))
        .await
        .expect("open a page of the other origin");
    let script = format!(
        r#"const done = arguments[0];
        fetch('{target}/cse-in', {{ headers: {{ 'X-M2M-Origin': 'CAdmin', 'X-M2M-RI': 'cors-b',
            'X-M2M-RVI': '3', 'Accept': 'application/json' }} }})
          .then((r) => done('rsc ' + r.headers.get('X-M2M-RSC')))
          .catch((e) => done('error ' + e.name));"#
    );
    browser
        .client
        .execute_async(&script, vec![])
        .await
        .expect("script runs")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn cors_in_a_browser_lets_the_allowed_origin_read_and_blocks_another() {
    let Some(browser) =
        crate::browser::launch("cors_in_a_browser_lets_the_allowed_origin_read_and_blocks_another")
            .await
    else {
        return;
    };
    // Two more onecse instances serve the pages of two other origins.
    let allowed_page = spawn_app().await;
    let refused_page = spawn_app().await;
    let origin = allowed_page.base.clone();
    let target = spawn_app_with(|c| c.cors_allowed_origins = Some(origin)).await;
    let read = cross_origin_retrieve(&browser, &allowed_page.base, &target.base).await;
    assert_eq!(read, "rsc 2000");
    let blocked = cross_origin_retrieve(&browser, &refused_page.base, &target.base).await;
    assert_eq!(blocked, "error TypeError");
    browser.close().await;
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = spawn_app().await;
    let answer = preflight(&app, ALLOWED, "x-m2m-origin").await;
    assert_eq!(header(&answer, "access-control-allow-origin"), "");
    let reply = reqwest::Client::new()
        .get(format!("{}/cse-in", app.base))
        .header("Origin", ALLOWED)
        .header("X-M2M-Origin", "CAdmin")
        .header("X-M2M-RI", "cors-2")
        .header("X-M2M-RVI", "3")
        .send()
        .await
        .expect("GET");
    assert_eq!(header(&reply, "x-m2m-rsc"), "2000");
    assert_eq!(header(&reply, "access-control-allow-origin"), "");
}

#[tokio::test]
async fn cors_setting_refuses_an_origin_with_a_path_or_wildcard() {
    for bad in ["http://a.localhost/app", "*", "ftp://a.localhost"] {
        let refused = onecse::app::App::build(&onecse::config::Config {
            bind: "127.0.0.1:0".into(),
            cors_allowed_origins: Some(bad.into()),
            ..onecse::config::Config::default()
        })
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
        assert!(refused.contains("CORS allowed origins"), "{bad}: {refused}");
    }
}
