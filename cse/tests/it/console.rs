//! The web console at /console: its files and headers over plain HTTP, and in a real
//! headless Chromium (see `browser.rs`): sign-in, the tree three levels deep, a create
//! through the generated form, a subtree access control hides, the live view through
//! a pollingChannel, the plot, and a container of 10,000 instances opened in under a
//! second.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{self, Browser};
use crate::helpers::{TestApp, spawn_app, spawn_app_with, strict_client};

const OWNER: &str = "Cowner";
const OWNER_AE: &str = "/cse-in/owner";

/// Registers an AE that takes notifications through its pollingChannel (rr false, no poa).
async fn register(app: &TestApp, rn: &str, originator: &str) {
    let body = json!({"m2m:ae": {"rn": rn, "api": "Nconsole", "rr": false, "srv": ["3"]}});
    let reply = app.create("/cse-in", 2, &body, Some(originator)).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .wait_for(css)
        .await
        .text()
        .await
        .expect("element text")
}

#[tokio::test]
async fn console_files_are_served_with_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let moved = redirect
        .get(format!("{}/console", app.base))
        .send()
        .await
        .expect("GET /console");
    assert_eq!(moved.status(), 308);
    assert_eq!(moved.headers()["location"], "/console/");
    for (file, media) in [
        ("", "text/html"),
        ("app.js", "text/javascript"),
        ("console.css", "text/css"),
    ] {
        let reply = http
            .get(format!("{}/console/{file}", app.base))
            .send()
            .await
            .expect("GET a console file");
        assert_eq!(reply.status(), 200, "{file}");
        let headers = reply.headers();
        assert!(
            headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(media)
        );
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
            "{csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("http"),
            "{csp}"
        );
        let body = reply.text().await.expect("body");
        assert!(
            !body.contains("<script>") && !body.contains(" style="),
            "inline code in {file}"
        );
    }
    let missing = http
        .get(format!("{}/console/nothing.js", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), 404);
    let schema: serde_json::Value = http
        .get(format!("{}/console/schema.json", app.base))
        .send()
        .await
        .expect("schema")
        .json()
        .await
        .expect("JSON");
    assert_eq!(schema["cseName"], "cse-in");
    assert_eq!(schema["names"]["cni"], "currentNrOfInstances");
    let cnt = schema["types"]
        .as_array()
        .expect("types")
        .iter()
        .find(|t| t["sn"] == "cnt")
        .expect("container");
    assert!(
        cnt["attributes"]
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["sn"] == "rn" && a["create"] == "O")
    );
}

#[tokio::test]
async fn console_off_leaves_the_path_to_onem2m_and_the_name_console_is_kept_while_on() {
    let app = spawn_app_with(|c| c.console = false).await;
    let reply = app.retrieve("/console", "CAdmin").await;
    assert_eq!((reply.status, reply.rsc), (404, Some(4004)), "{reply:#?}");
    let refused = onecse::app::App::build(&onecse::config::Config {
        bind: "127.0.0.1:0".into(),
        cse_name: "console".into(),
        ..onecse::config::Config::default()
    })
    .err()
    .map(|e| format!("{e:#}"))
    .expect("refused");
    assert!(refused.contains("web console"), "{refused}");
}

#[test]
fn console_files_add_less_than_300_kb_to_the_binary() {
    let bytes = onecse::binding::console::embedded_bytes();
    println!("console files embedded: {bytes} bytes");
    assert!(bytes < 300 * 1024, "{bytes} bytes");
}

#[tokio::test]
async fn console_signs_in_and_browses_the_tree_three_levels_deep() {
    let app = spawn_app().await;
    let Some(browser) =
        browser::launch("console_signs_in_and_browses_the_tree_three_levels_deep").await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    app.container(OWNER_AE, "room", json!({}), OWNER).await;
    app.container(
        &format!("{OWNER_AE}/room"),
        "sensor",
        json!({"lbl": ["temperature"]}),
        OWNER,
    )
    .await;
    app.instance(&format!("{OWNER_AE}/room/sensor"), "21.5", OWNER)
        .await;
    browser.sign_in(&app.base, "CAdmin").await;
    assert!(text_of(&browser, "#whoami").await.contains("CAdmin"));
    browser.expand("/cse-in").await;
    browser.expand(OWNER_AE).await;
    browser.expand("/cse-in/owner/room").await;
    browser.expand("/cse-in/owner/room/sensor").await;
    browser.open("/cse-in/owner/room/sensor").await;
    assert_eq!(
        text_of(&browser, "#view tr[data-attr='cni'] td.long").await,
        "currentNrOfInstances"
    );
    assert_eq!(
        text_of(&browser, "#view tr[data-attr='cni'] td.value").await,
        "1"
    );
    assert!(
        text_of(&browser, "#view pre.json")
            .await
            .contains("\"m2m:cnt\"")
    );
    browser.screenshot("console-tree.png", true).await;
    // The instance, three levels below the AE, opens with its content.
    browser
        .click("li[data-path='/cse-in/owner/room/sensor'] > ul > li > .node-row > .node-label")
        .await;
    browser.wait_for("#view tr[data-attr='con']").await;
    assert_eq!(
        text_of(&browser, "#view tr[data-attr='con'] td.value").await,
        "21.5"
    );
    browser.close().await;
}

#[tokio::test]
async fn console_create_form_adds_a_container_seen_in_the_tree_and_over_http() {
    let app = spawn_app().await;
    let Some(browser) =
        browser::launch("console_create_form_adds_a_container_seen_in_the_tree_and_over_http")
            .await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    browser.sign_in(&app.base, OWNER).await;
    // The originator's own AE is a root even though the CSEBase is not readable by it.
    browser.expand(OWNER_AE).await;
    browser.open(OWNER_AE).await;
    browser
        .wait_for("#child-type")
        .await
        .select_by_value("3")
        .await
        .expect("choose container");
    browser.click("button[data-action='create']").await;
    let form = browser.wait_for("form[data-operation='create']").await;
    assert!(
        text_of(&browser, "form[data-operation='create'] legend")
            .await
            .contains("container")
    );
    form.find(Locator::Css("input[name='rn']"))
        .await
        .expect("rn field")
        .send_keys("made-in-browser")
        .await
        .expect("type rn");
    form.find(Locator::Css("input[name='mni']"))
        .await
        .expect("mni field (maxNrOfInstances)")
        .send_keys("5")
        .await
        .expect("type mni");
    browser.screenshot("console-create.png", true).await;
    form.find(Locator::Css("button[type='submit']"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("create");
    browser
        .wait_for("li[data-path='/cse-in/owner/made-in-browser']")
        .await;
    let made = app.retrieve("/cse-in/owner/made-in-browser", OWNER).await;
    assert_eq!(made.rsc, Some(2000), "{made:#?}");
    assert_eq!(made.body["m2m:cnt"]["mni"], 5);
    // The same name again: the form shows the CSE's error (rsc and dbg).
    browser.open(OWNER_AE).await;
    browser
        .wait_for("#child-type")
        .await
        .select_by_value("3")
        .await
        .expect("choose container");
    browser.click("button[data-action='create']").await;
    let form = browser.wait_for("form[data-operation='create']").await;
    form.find(Locator::Css("input[name='rn']"))
        .await
        .expect("rn field")
        .send_keys("made-in-browser")
        .await
        .expect("type rn");
    form.find(Locator::Css("button[type='submit']"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("create");
    let started = Instant::now();
    let status = loop {
        let status = text_of(&browser, "#form-status").await;
        if !status.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status.contains("rsc 4105") && status.contains("HTTP 409"),
        "{status}"
    );
    browser.close().await;
}

#[tokio::test]
async fn console_hides_a_subtree_the_originator_may_not_see() {
    let app = spawn_app().await;
    let Some(browser) = browser::launch("console_hides_a_subtree_the_originator_may_not_see").await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    register(&app, "viewer", "Cviewer").await;
    let acp = json!({"m2m:acp": {"rn": "share",
        "pv": {"acr": [{"acor": ["Cviewer"], "acop": 34}, {"acor": [OWNER], "acop": 63}]},
        "pvs": {"acr": [{"acor": [OWNER], "acop": 63}]}}});
    let made = app.create(OWNER_AE, 1, &acp, Some(OWNER)).await;
    assert_eq!(made.rsc, Some(2001), "{made:#?}");
    let acp_id = made.body["m2m:acp"]["ri"].clone();
    let shared = app
        .update(OWNER_AE, &json!({"m2m:ae": {"acpi": [acp_id]}}), OWNER)
        .await;
    assert_eq!(shared.rsc, Some(2004), "{shared:#?}");
    app.container(OWNER_AE, "open", json!({"acpi": [acp_id]}), OWNER)
        .await;
    app.container(OWNER_AE, "secret", json!({}), OWNER).await;
    // The administrator sees both containers.
    browser.sign_in(&app.base, "CAdmin").await;
    browser.expand("/cse-in").await;
    browser.expand(OWNER_AE).await;
    assert!(browser.exists("li[data-path='/cse-in/owner/open']").await);
    assert!(browser.exists("li[data-path='/cse-in/owner/secret']").await);
    browser.click("#signout").await;
    // The viewer opens the owner's AE by path and sees only the shared container.
    browser.wait_for("#signin:not([hidden])").await;
    browser
        .client
        .find(Locator::Id("origin"))
        .await
        .expect("origin")
        .clear()
        .await
        .expect("clear");
    browser.sign_in(&app.base, "Cviewer").await;
    let goto = browser.wait_for("#goto").await;
    goto.send_keys(OWNER_AE).await.expect("type path");
    browser.click("form.goto button").await;
    browser.expand(OWNER_AE).await;
    assert!(browser.exists("li[data-path='/cse-in/owner/open']").await);
    assert!(!browser.exists("li[data-path='/cse-in/owner/secret']").await);
    assert!(!browser.exists("li[data-path='/cse-in/owner/share']").await);
    // Nor does the CSEBase show it.
    browser.expand("/cse-in").await;
    assert!(!browser.exists("li[data-path='/cse-in/owner/secret']").await);
    browser.close().await;
}

#[tokio::test]
async fn console_live_view_shows_a_new_instance_within_two_seconds_and_cleans_up() {
    let app = spawn_app().await;
    let Some(browser) =
        browser::launch("console_live_view_shows_a_new_instance_within_two_seconds_and_cleans_up")
            .await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    app.container(OWNER_AE, "live", json!({}), OWNER).await;
    browser.sign_in(&app.base, OWNER).await;
    browser.expand(OWNER_AE).await;
    browser.open("/cse-in/owner/live").await;
    browser.click("button[data-action='live view']").await;
    browser.wait_for("#live-status[data-state='live']").await;
    let channel = app.retrieve("/cse-in/owner/console-pch", OWNER).await;
    assert_eq!(channel.rsc, Some(2000), "{channel:#?}");
    let listed = app.retrieve("/cse-in/owner/live?fu=1&ty=23", OWNER).await;
    assert_eq!(
        listed.body["m2m:uril"].as_array().map(Vec::len),
        Some(1),
        "{listed:#?}"
    );
    let started = Instant::now();
    app.instance("/cse-in/owner/live", "42", OWNER).await;
    let shown = loop {
        let items = browser
            .client
            .find_all(Locator::Css("#live-log li"))
            .await
            .expect("log");
        let mut found = false;
        for item in items {
            found |= item.text().await.expect("text").contains("con=42");
        }
        if found || started.elapsed() > Duration::from_secs(2) {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let elapsed = started.elapsed();
    println!(
        "live view showed the new instance after {} ms",
        elapsed.as_millis()
    );
    assert!(shown, "no notification in the live view within 2 s");
    // Leaving the page deletes the subscription and the console's pollingChannel
    // (pagehide, fetch keepalive DELETE).
    browser.client.goto("about:blank").await.expect("leave");
    let started = Instant::now();
    loop {
        let listed = app.retrieve("/cse-in/owner/live?fu=1&ty=23", OWNER).await;
        if listed.body["m2m:uril"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "subscription left: {listed:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
}

/// Creates `count` numeric contentInstances in `container`, `tasks` requests at a time.
async fn fill(app: &TestApp, container: &str, count: usize, tasks: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let client = strict_client(&app.base);
            let container = container.to_owned();
            tokio::spawn(async move {
                for i in (task..count).step_by(tasks) {
                    let value = ((i as f64) / 5.0).sin() * 10.0 + 20.0;
                    let body = json!({"m2m:cin": {"con": format!("{value:.2}")}});
                    let reply = client.create(&container, 4, &body, Some(OWNER)).await;
                    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("creator task");
    }
}

#[tokio::test]
async fn console_plots_the_numeric_values_of_a_container() {
    let app = spawn_app().await;
    let Some(browser) = browser::launch("console_plots_the_numeric_values_of_a_container").await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    app.container(OWNER_AE, "temperature", json!({}), OWNER)
        .await;
    fill(&app, "/cse-in/owner/temperature", 30, 1).await;
    app.instance("/cse-in/owner/temperature", "not a number", OWNER)
        .await;
    browser.sign_in(&app.base, OWNER).await;
    browser.expand(OWNER_AE).await;
    browser.open("/cse-in/owner/temperature").await;
    browser.wait_for("svg.plot[data-points='30']").await;
    let circles = browser
        .client
        .find_all(Locator::Css("svg.plot circle"))
        .await
        .expect("circles");
    assert_eq!(circles.len(), 30);
    assert!(text_of(&browser, "#latest p").await.contains("31 of 31"));
    browser
        .eval("document.getElementById('latest').scrollIntoView(); return true")
        .await;
    let shot = browser.screenshot("console-plot.png", true).await;
    assert!(std::fs::metadata(shot).expect("screenshot").len() > 1000);
    browser.close().await;
}

#[tokio::test]
async fn console_opens_a_container_of_10000_instances_in_under_a_second() {
    let app = spawn_app_with(|c| {
        c.pool_size = 8;
        c.workers = Some(4);
    })
    .await;
    let Some(browser) =
        browser::launch("console_opens_a_container_of_10000_instances_in_under_a_second").await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    app.container(OWNER_AE, "big", json!({}), OWNER).await;
    let started = Instant::now();
    fill(&app, "/cse-in/owner/big", 10_000, 32).await;
    println!(
        "created 10000 contentInstances in {} ms",
        started.elapsed().as_millis()
    );
    browser.sign_in(&app.base, OWNER).await;
    browser.expand(OWNER_AE).await;
    let opened = Instant::now();
    browser.open("/cse-in/owner/big").await;
    // The latest values follow the first paint; under a loaded database the CSE may
    // answer them in several pages (X-M2M-CTO), which the console follows.
    browser
        .wait_within("svg.plot[data-points='50']", Duration::from_secs(30))
        .await;
    println!(
        "latest 50 values plotted {} ms after opening",
        opened.elapsed().as_millis()
    );
    let paint = browser
        .eval("return Number(document.getElementById('view').dataset.paintMs)")
        .await
        .as_f64()
        .expect("paint time");
    let latest = text_of(&browser, "#latest p").await;
    println!("resource view of 10000 instances: first paint after {paint} ms; {latest}");
    assert!(latest.contains("50 of 10000"), "{latest}");
    assert!(paint < 1000.0, "first paint after {paint} ms");
    // The tree pages the 10,000 children instead of loading them at once.
    browser.expand("/cse-in/owner/big").await;
    let shown = browser
        .client
        .find_all(Locator::Css(
            "li[data-path='/cse-in/owner/big'] > ul > li[data-path]",
        ))
        .await
        .expect("children");
    assert_eq!(shown.len(), 100);
    assert!(
        browser
            .exists("li[data-path='/cse-in/owner/big'] > ul button.more")
            .await
    );
    browser.close().await;
}

#[tokio::test]
async fn console_live_view_keeps_out_of_a_channel_the_ae_polls_itself() {
    let app = spawn_app().await;
    let Some(browser) =
        browser::launch("console_live_view_keeps_out_of_a_channel_the_ae_polls_itself").await
    else {
        return;
    };
    register(&app, "owner", OWNER).await;
    let own = app
        .create(
            OWNER_AE,
            15,
            &json!({"m2m:pch": {"rn": "mine"}}),
            Some(OWNER),
        )
        .await;
    assert_eq!(own.rsc, Some(2001), "{own:#?}");
    app.container(OWNER_AE, "data", json!({}), OWNER).await;
    browser.sign_in(&app.base, OWNER).await;
    browser.expand(OWNER_AE).await;
    browser.open("/cse-in/owner/data").await;
    browser.click("button[data-action='live view']").await;
    browser.wait_for("#live-status.error").await;
    let status = text_of(&browser, "#live-status").await;
    assert!(
        status.contains("already has the pollingChannel mine"),
        "{status}"
    );
    let listed = app.retrieve("/cse-in/owner/data?fu=1&ty=23", OWNER).await;
    assert_eq!(
        listed.body["m2m:uril"].as_array().map(Vec::len),
        Some(0),
        "{listed:#?}"
    );
    let channel = app.retrieve("/cse-in/owner/console-pch", OWNER).await;
    assert_eq!(channel.rsc, Some(4004), "{channel:#?}");
    browser.close().await;
}

#[tokio::test]
async fn console_sends_the_token_with_auth_jwt_and_shows_a_refused_one() {
    use crate::auth::{claims, hs256, hs256_with, jwt_app};
    let app = jwt_app().await;
    let Some(browser) =
        browser::launch("console_sends_the_token_with_auth_jwt_and_shows_a_refused_one").await
    else {
        return;
    };
    let forged = hs256_with(
        "another-secret-of-at-least-32-bytes!!!",
        &claims("CAdmin", json!({})),
    );
    browser
        .submit_sign_in(&app.base, "CAdmin", Some(&forged))
        .await;
    let started = Instant::now();
    let refused = loop {
        let text = text_of(&browser, "#signin-error").await;
        if !text.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(refused.contains("Sign-in failed: rsc 4"), "{refused}");
    assert!(!browser.exists("#main:not([hidden])").await);
    let token = hs256(&claims("CAdmin", json!({})));
    browser
        .submit_sign_in(&app.base, "CAdmin", Some(&token))
        .await;
    browser
        .wait_for("#main:not([hidden]) #tree li[data-path]")
        .await;
    // Every request of the page carries the token: listing the CSEBase works.
    browser.expand("/cse-in").await;
    assert!(browser.exists("li[data-path='/cse-in/acpCSEBase']").await);
    browser.close().await;
}
