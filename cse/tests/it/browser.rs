//! Headless Chromium driven over WebDriver (chromedriver, through fantoccini) for the
//! console's tests. A developer machine without Chromium skips those tests with a
//! printed message; with CI=true a missing browser fails them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Where screenshots and other artifacts of the browser tests go.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

fn find_program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A headless Chromium session; chromedriver is killed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts chromedriver and a fresh headless Chromium, or `None` (printed) when the
/// machine has none and CI does not require it.
pub async fn launch(test: &str) -> Option<Browser> {
    let chromium = find_program("CHROME", &["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let required = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !required,
            "{test}: CI=true but no Chromium and chromedriver found (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "SKIPPED {test}: no Chromium and chromedriver on this machine (apt-get install chromium chromium-driver, or set CHROME and CHROMEDRIVER)"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let driver = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,800",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let capabilities = match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("an object"),
    };
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(err) if started.elapsed() < Duration::from_secs(20) => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => panic!("{test}: cannot start Chromium through chromedriver: {err}"),
        }
    };
    Some(Browser {
        client,
        driver,
        _profile: profile,
    })
}

impl Browser {
    /// Opens the console of the CSE at `base` and signs in as `originator`.
    pub async fn sign_in(&self, base: &str, originator: &str) {
        self.submit_sign_in(base, originator, None).await;
        self.wait_for("#main:not([hidden]) #tree li[data-path]")
            .await;
    }

    /// Opens the console at `base` and submits the sign-in form with `originator` and
    /// `token`, without waiting for the outcome.
    pub async fn submit_sign_in(&self, base: &str, originator: &str, token: Option<&str>) {
        let c = &self.client;
        c.goto(&format!("{base}/console/"))
            .await
            .expect("open console");
        self.wait_for("body[data-ready='true']").await;
        let field = c.find(Locator::Id("origin")).await.expect("origin field");
        field.clear().await.expect("clear originator");
        field.send_keys(originator).await.expect("type originator");
        if let Some(token) = token {
            let field = c.find(Locator::Id("token")).await.expect("token field");
            field.clear().await.expect("clear token");
            field.send_keys(token).await.expect("type token");
        }
        c.find(Locator::Css("#signin button[type='submit']"))
            .await
            .expect("sign-in button")
            .click()
            .await
            .expect("sign in");
    }

    /// Waits (up to 10 s) for an element matching `css` and answers it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_within(css, Duration::from_secs(10)).await
    }

    /// Waits up to `limit` for an element matching `css` and answers it.
    pub async fn wait_within(&self, css: &str, limit: Duration) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(limit)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within {limit:?}: {e}"))
    }

    /// Clicks the element matching `css` once it is there.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    /// Whether an element matches `css` now.
    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("query")
            .is_empty()
    }

    /// Runs a script in the page and answers its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Expands the tree node of `path` (its toggle) and waits for its children.
    pub async fn expand(&self, path: &str) {
        self.click(&format!("li[data-path='{path}'] > .node-row > .toggle"))
            .await;
        self.wait_for(&format!("li[data-path='{path}'] > ul > li"))
            .await;
    }

    /// Opens the resource of `path` from the tree and waits until its view has
    /// settled (a refresh started earlier would otherwise repaint it under the test).
    pub async fn open(&self, path: &str) {
        self.click(&format!("li[data-path='{path}'] > .node-row > .node-label"))
            .await;
        self.wait_for(&format!("#view[data-path='{path}']:not([data-loading])"))
            .await;
    }

    /// Saves a screenshot to the artifacts directory; with `docs_copy` and
    /// ONECSE_UPDATE_DOC_IMAGES=1 also to docs/images (how the user guide's pictures
    /// are made). Answers the artifact's path.
    pub async fn screenshot(&self, name: &str, docs_copy: bool) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = artifacts_dir().join(name);
        std::fs::write(&path, &png).expect("write screenshot");
        if docs_copy && std::env::var("ONECSE_UPDATE_DOC_IMAGES").is_ok_and(|v| v == "1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/images");
            std::fs::create_dir_all(&docs).expect("docs/images");
            std::fs::write(docs.join(name), &png).expect("write docs screenshot");
        }
        path
    }

    /// Ends the WebDriver session.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
