//! `docker-compose.yml` stays honest: every `ONECSE_*` variable it gives onecse is a
//! real setting, and the binary started with exactly that environment (PostgreSQL, JWT,
//! JSON logs) becomes ready, registers an AE and serves its metrics.
//!
//! The one deviation from the file is where the database is: the compose service
//! `postgres` with its own credentials becomes the server of `ONECSE_TEST_DATABASE_URL`
//! (127.0.0.1 in CI) with its credentials, and the database is a fresh one this test
//! creates and drops; the listener is a free port on 127.0.0.1 instead of 0.0.0.0:8080.
//! Compose variables take their defaults, as on a machine with no `.env` file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onecse::config::SETTINGS;
use onecse_testkit::blocking::Client;
use onecse_testkit::{Method, Reply, Target};
use serde_json::json;
use serde_norway::Value;

use crate::helpers::postgres_url;

const BIN: &str = env!("CARGO_BIN_EXE_onecse");
const COMPOSE: &str = include_str!("../../../docker-compose.yml");
/// The example of several CSEs (docs/admin-guide.md "Several CSEs").
const COMPOSE_IN_MN: &str = include_str!("../../../deploy/compose-in-mn.yml");

/// Variables onecse reads outside the settings table (the log filter and `--config`).
const READ_OUTSIDE_SETTINGS: &[&str] = &["ONECSE_LOG", "ONECSE_CONFIG"];

/// The value the tests give a variable compose requires (`${NAME:?message}`): a
/// secret of the required length that is no published placeholder.
const REQUIRED_VALUE: &str = "compose-test-secret-0123456789abcdef0123456789";

/// Compose's interpolation without an environment: `${NAME:-default}` and
/// `${NAME-default}` give the default, `${NAME:?message}` and `${NAME?message}` (a
/// variable the user must set) [`REQUIRED_VALUE`], `${NAME}` and `$NAME` nothing, `$$`
/// a `$`.
fn interpolate(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}').expect("a closing brace in ${…}");
            let expression = &braced[..end];
            let name_len = expression
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expression.len());
            let operator = &expression[name_len..];
            if let Some(default) = operator.strip_prefix(":-").or(operator.strip_prefix('-')) {
                out.push_str(default);
            } else if operator.starts_with(":?") || operator.starts_with('?') {
                out.push_str(REQUIRED_VALUE);
            } else {
                assert!(
                    operator.is_empty(),
                    "${{{expression}}}: only ${{NAME}}, ${{NAME:-default}} and ${{NAME-default}} \
                     can be tested without an environment"
                );
            }
            rest = &braced[end + 1..];
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    out
}

/// The text of a scalar as compose passes it to the process.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Null => String::new(),
        other => panic!("environment values must be scalars, not {other:?}"),
    }
}

/// A service's `environment`, in either compose form (a map, or a list of
/// `NAME=value`), interpolated.
fn service_environment(compose: &str, service: &str) -> Vec<(String, String)> {
    let file: Value = serde_norway::from_str(compose).expect("docker-compose.yml is YAML");
    let environment = &file["services"][service]["environment"];
    let pairs: Vec<(String, String)> = match environment {
        Value::Mapping(map) => map.iter().map(|(k, v)| (scalar(k), scalar(v))).collect(),
        Value::Sequence(list) => list
            .iter()
            .map(|item| {
                let item = scalar(item);
                let (name, value) = item.split_once('=').unwrap_or((&item, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect(),
        other => panic!("service {service} has no environment: {other:?}"),
    };
    pairs
        .into_iter()
        .map(|(name, value)| (name, interpolate(&value)))
        .collect()
}

fn onecse_environment() -> Vec<(String, String)> {
    service_environment(COMPOSE, "onecse")
}

fn value_of<'a>(env: &'a [(String, String)], name: &str) -> &'a str {
    env.iter()
        .find_map(|(n, v)| (n == name).then_some(v.as_str()))
        .unwrap_or_else(|| panic!("the onecse service should set {name}"))
}

#[test]
fn interpolation_gives_compose_defaults() {
    assert_eq!(interpolate("a${X:-b}c${Y-d}e${Z}f$W"), "abcdef");
    assert_eq!(interpolate("cost $$5"), "cost $5");
    assert_eq!(interpolate("${U:-http://h/p?a=b-c}"), "http://h/p?a=b-c");
    assert_eq!(
        interpolate("postgres://u:${P:-pw}@h/db"),
        "postgres://u:pw@h/db"
    );
}

#[test]
fn compose_requires_the_jwt_secret_and_publishes_on_loopback() {
    let compose = COMPOSE;
    assert!(
        compose.contains("ONECSE_JWT_SECRET: ${ONECSE_JWT_SECRET:?"),
        "compose must refuse to start without a secret of the user's"
    );
    assert!(!compose.to_ascii_uppercase().contains("CHANGE-ME"));
    assert!(compose.contains("\"${ONECSE_PUBLISH:-127.0.0.1:8080}:8080\""));
    assert!(compose.contains("stop_grace_period: 60s"));
    assert_eq!(
        interpolate("${ONECSE_JWT_SECRET:?set it}"),
        REQUIRED_VALUE,
        "a required variable gets the tests' value"
    );
}

#[test]
fn environment_reads_alike_as_a_map_and_as_a_list() {
    let map = "services:\n  s:\n    environment:\n      A: ${A:-1}\n      B: 2\n";
    let list = "services:\n  s:\n    environment:\n      - A=${A:-1}\n      - B=2\n";
    let expected = vec![("A".into(), "1".into()), ("B".into(), "2".into())];
    assert_eq!(service_environment(map, "s"), expected);
    assert_eq!(service_environment(list, "s"), expected);
}

#[test]
fn compose_gives_onecse_only_real_settings() {
    let env = onecse_environment();
    for (name, _) in &env {
        let setting = SETTINGS.iter().any(|setting| setting.env() == *name);
        assert!(
            setting || READ_OUTSIDE_SETTINGS.contains(&name.as_str()),
            "docker-compose.yml sets {name}, which is no onecse setting"
        );
    }
    // What the file promises in its comments: JSON logs, and JWTs checked with a
    // secret long enough to be accepted.
    assert_eq!(value_of(&env, "ONECSE_LOG_FORMAT"), "json");
    assert_eq!(value_of(&env, "ONECSE_AUTH"), "jwt");
    assert!(value_of(&env, "ONECSE_JWT_SECRET").len() >= 32);
    assert!(value_of(&env, "ONECSE_DATABASE_URL").contains("@postgres:"));
}

#[test]
fn the_in_and_mn_example_gives_only_real_settings_and_points_the_mn_at_the_in() {
    let inn = service_environment(COMPOSE_IN_MN, "in");
    let mn = service_environment(COMPOSE_IN_MN, "mn");
    for (name, _) in inn.iter().chain(&mn) {
        let setting = SETTINGS.iter().any(|setting| setting.env() == *name);
        assert!(
            setting,
            "deploy/compose-in-mn.yml sets {name}, which is no onecse setting"
        );
    }
    assert_eq!(value_of(&mn, "ONECSE_CSE_TYPE"), "MN");
    assert_eq!(
        value_of(&mn, "ONECSE_REGISTRAR_URL"),
        value_of(&inn, "ONECSE_POA")
    );
    assert_eq!(
        value_of(&mn, "ONECSE_REGISTRAR_CSE_ID"),
        value_of(&inn, "ONECSE_CSE_ID")
    );
    assert_eq!(
        value_of(&mn, "ONECSE_REGISTRAR_CSE_NAME"),
        value_of(&inn, "ONECSE_CSE_NAME")
    );
    let allowed = value_of(&inn, "ONECSE_REGISTRATION_CSE_ORIGINATORS");
    let mn_id = value_of(&mn, "ONECSE_CSE_ID");
    assert!(
        mn_id.starts_with(allowed.trim_end_matches('*')),
        "{mn_id} may not register ({allowed})"
    );
}

/// A PostgreSQL database of its own, dropped at the end.
struct FreshDatabase {
    admin_url: String,
    name: String,
}

impl FreshDatabase {
    fn create(admin_url: &str) -> Self {
        let name = format!("onecse_compose_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url).expect("connect to the test server");
        conn.batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
        .expect("create the test database");
        Self {
            admin_url: admin_url.to_owned(),
            name,
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `scheme://authority/database?query` in its parts.
fn split_url(url: &str) -> (&str, &str, &str, Option<&str>) {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    (scheme, authority, database, query)
}

/// The compose URL with the test server's address and credentials in place of the
/// `postgres` service's, and `database` in place of its database.
fn test_database_url(compose_url: &str, test_url: &str, database: &str) -> String {
    let (scheme, _, _, query) = split_url(compose_url);
    let (_, authority, _, _) = split_url(test_url);
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{authority}/{database}{query}")
}

/// The onecse process; killed on drop, its stderr kept for failure messages.
struct Process {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn logs(&self) -> String {
        self.stderr.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(env: &[(String, String)], dir: &std::path::Path) -> Process {
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(n, v)| (n, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the onecse binary starts");
    let pipe = child.stderr.take().expect("stderr");
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let lines = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Ok(mut lines) = lines.lock() {
                lines.push(line);
            }
        }
    });
    Process { child, stderr }
}

fn free_local_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn token(secret: &str, sub: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({"sub": sub, "iat": now, "exp": now + 600});
    let key = EncodingKey::from_secret(secret.as_bytes()).expect("secret");
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key);
    format!("Bearer {}", token.expect("token signs"))
}

/// GETs `path` until it answers 200 or 30 s pass; the last reply.
fn wait_for_200(client: &Client, path: &str, authorization: &str) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let request = client
            .request(Method::GET, path)
            .originator("CAdmin")
            .header("Authorization", authorization);
        let reply = client.execute(request);
        if reply.status == 200 || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn onecse_serves_with_the_compose_environment() {
    let Some(test_url) = postgres_url() else {
        eprintln!(
            "skipped: starting onecse as docker-compose.yml does needs PostgreSQL; \
             set ONECSE_TEST_DATABASE_URL"
        );
        return;
    };
    let database = FreshDatabase::create(&test_url);
    let port = free_local_port();
    let mut env = onecse_environment();
    for (name, value) in &mut env {
        match name.as_str() {
            "ONECSE_DATABASE_URL" => *value = test_database_url(value, &test_url, &database.name),
            "ONECSE_BIND" => *value = format!("127.0.0.1:{port}"),
            _ => {}
        }
    }
    let secret = value_of(&env, "ONECSE_JWT_SECRET").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let process = start(&env, dir.path());

    let origin = format!("http://127.0.0.1:{port}");
    let target = Target::from_url(
        &format!("{origin}/cse-in"),
        "/id-in",
        "CAdmin",
        "3",
        Duration::from_secs(5),
    )
    .expect("target");
    let client = Client::new(target).expect("client");
    let admin = token(&secret, "CAdmin");

    let ready = wait_for_200(&client, "/readyz", &admin);
    assert_eq!(ready.status, 200, "{ready:#?}\n{}", process.logs());

    // The AE-ID comes from the token, as the admin guide's registration rule says.
    let registration = client
        .request(Method::POST, "/cse-in")
        .originator("C")
        .header("Authorization", token(&secret, "Ccompose"))
        .json(
            Some(2),
            &json!({"m2m:ae": {"rn": "compose", "api": "Ncompose", "rr": false, "srv": ["3"]}}),
        );
    let created = client.execute(registration);
    assert_eq!(created.rsc, Some(2001), "{created:#?}\n{}", process.logs());
    assert_eq!(
        created.text("m2m:ae", "aei").as_deref(),
        Some("Ccompose"),
        "{created:#?}"
    );

    let metrics = wait_for_200(&client, "/metrics", &admin);
    assert!(
        metrics.raw.contains(
            "onecse_requests_total{operation=\"create\",resource_type=\"ae\",rsc=\"2001\"} 1"
        ),
        "{}",
        metrics.raw
    );

    // ONECSE_LOG_FORMAT=json: every log line is a JSON object.
    let logs = process.logs();
    assert!(!logs.is_empty(), "onecse logged nothing");
    for line in logs.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.is_object()),
            "not a JSON log line: {line}"
        );
    }
    drop(process);
}
