//! The `onecse` binary: help text, start-up log, and one clear line with a non-zero
//! exit for every bad setting.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_onecse");

fn run(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    run_with_env(args, dir, &[])
}

/// Runs the binary to its end in `dir` with extra variables; (exit code, stdout, stderr).
pub fn run_with_env(
    args: &[&str],
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("ONECSE_DATABASE_URL")
        .env_remove("ONECSE_BIND")
        .env_remove("ONECSE_CONFIG")
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_explains_every_setting_its_environment_variable_and_default() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, stdout, _) = run(&["--help"], dir.path());
    assert_eq!(code, 0);
    for needle in ["--config", "ONECSE_CONFIG", "serve", "migrate"] {
        assert!(
            stdout.contains(needle),
            "--help should mention {needle}:\n{stdout}"
        );
    }
    for setting in onecse::config::SETTINGS {
        for needle in [
            format!("--{}", setting.name.replace('_', "-")),
            format!("[env: {}]", setting.env()),
            format!("[default: {}]", setting.default_text()),
            format!("{}:", setting.group),
        ] {
            assert!(
                stdout.contains(&needle),
                "--help should mention {needle}:\n{stdout}"
            );
        }
    }
}

#[test]
fn the_environment_overrides_the_file_and_flags_override_the_environment() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("onecse.toml");
    std::fs::write(&file, "pool_size = 0\nnotify_poll_ms = 100\n").expect("write");
    let config = file.to_str().expect("utf-8 path");
    let from_env = [("ONECSE_POOL_SIZE", "2"), ("ONECSE_LOG_FORMAT", "text")];
    // The file's pool size is refused with the message of its check,
    let (code, _, stderr) = run(&["migrate", "--config", config], dir.path());
    assert!(
        code == 1 && stderr.contains("pool size must be at least 1"),
        "{stderr}"
    );
    // a variable replaces it,
    let (code, _, stderr) = run_with_env(&["migrate", "--config", config], dir.path(), &from_env);
    assert_eq!(code, 0, "{stderr}");
    // and a flag replaces a variable.
    let (code, _, stderr) = run_with_env(
        &["migrate", "--config", config, "--log-format", "yaml"],
        dir.path(),
        &from_env,
    );
    assert!(
        code == 1 && stderr.contains("log format 'yaml' is not one of text, json"),
        "{stderr}"
    );
}

/// Asserts a failed start: exit 1, and stderr is exactly one line mentioning `needle`.
#[track_caller]
pub fn assert_one_line_failure(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, stderr) = run(args, dir.path());
    assert_eq!(code, 1, "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?} should print one line:\n{stderr}");
    assert!(
        lines[0].starts_with("onecse: error:") && lines[0].contains(needle),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_settings_end_the_process_with_one_clear_line() {
    assert_one_line_failure(&["--database-url", "mysql://localhost/x"], "mysql://");
    assert_one_line_failure(
        &[
            "--database-url",
            "postgres://onecse@127.0.0.1:1/none",
            "--database-wait-s",
            "0",
        ],
        "cannot open the postgresql database",
    );
    assert_one_line_failure(
        &["--database-url", "/nonexistent-dir/sub/onecse.db"],
        "cannot open the sqlite database",
    );
    assert_one_line_failure(&["--cse-id", "id-in"], "CSE-ID");
    assert_one_line_failure(&["--cse-name", "a/b"], "CSE name");
    assert_one_line_failure(
        &["--bind", "not-an-address"],
        "cannot listen on not-an-address",
    );
    assert_one_line_failure(&["--config", "/nonexistent/onecse.toml"], "config file");
    assert_one_line_failure(&["migrate", "--database-url", "mysql://x/y"], "mysql://");
    assert_one_line_failure(&["--log-format", "yaml"], "log format 'yaml'");
}

#[test]
fn a_port_in_use_ends_the_process_with_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    assert_one_line_failure(&["--bind", &addr], &format!("cannot listen on {addr}"));
}

#[test]
fn migrate_creates_the_default_database_in_the_working_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, stdout, stderr) = run(&["migrate"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("up to date"), "{stdout}");
    assert!(dir.path().join("onecse.db").exists());
}

/// A `onecse` process serving in a temporary directory, its stderr read line by line;
/// killed on drop.
pub struct Serving {
    child: Child,
    lines: Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Serving {
    /// Starts `onecse` with these flags and variables and waits (20 s at most) for its
    /// start-up line, which it returns: `None` if it never came.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> (Self, Option<String>) {
        let mut serving = Self::spawn(args, env);
        let serving_line = serving
            .wait_for("onecse is serving", Duration::from_secs(20))
            .pop()
            .filter(|line| line.contains("onecse is serving"));
        (serving, serving_line)
    }

    /// Starts `onecse` without waiting for anything.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env_remove("ONECSE_DATABASE_URL")
            .env_remove("ONECSE_CONFIG")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            _dir: dir,
        }
    }

    /// Sends SIGKILL: the process ends at once, as in a power cut or an OOM kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM, as a service manager or `docker stop` does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// The exit code once the process has ended, `None` if it is still running after
    /// `limit` (or was ended by a signal).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The lines logged so far and not yet read.
    pub fn drain(&mut self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// The lines logged until one contains `needle` (the last one then) or `limit` passed.
    pub fn wait_for(&mut self, needle: &str, limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
        }
        seen
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_logs_backend_address_and_cse_base_url_with_settings_from_the_environment() {
    let (_serving, line) = Serving::start(
        &["--bind", "127.0.0.1:0"],
        &[("ONECSE_LOG", "info"), ("ONECSE_CSE_NAME", "from-env")],
    );
    let line = line.expect("start-up log line within 20 s");
    assert!(line.contains("backend=sqlite"), "{line}");
    assert!(line.contains("listen=127.0.0.1:"), "{line}");
    assert!(
        line.contains("cse_base=http://127.0.0.1:") && line.contains("/from-env"),
        "{line}"
    );
}

#[test]
fn log_format_json_writes_one_json_object_per_line() {
    let (mut serving, line) = Serving::start(
        &["--bind", "127.0.0.1:0", "--log-format", "json"],
        &[("ONECSE_LOG", "info")],
    );
    let line = line.expect("start-up log line within 20 s");
    let object: serde_json::Value = serde_json::from_str(&line).expect("a JSON object");
    assert_eq!(object["level"], "INFO", "{line}");
    assert_eq!(object["fields"]["message"], "onecse is serving", "{line}");
    assert_eq!(object["fields"]["backend"], "sqlite", "{line}");
    for other in serving.drain() {
        assert!(
            serde_json::from_str::<serde_json::Value>(&other).is_ok(),
            "{other}"
        );
    }
}

#[test]
fn an_unsupported_feature_is_logged_as_a_refusal_not_as_an_error() {
    let (mut serving, line) = Serving::start(
        &["--bind", "127.0.0.1:0", "--log-format", "json"],
        &[("ONECSE_LOG", "info")],
    );
    let line = line.expect("start-up log line within 20 s");
    let object: serde_json::Value = serde_json::from_str(&line).expect("a JSON object");
    let cse_base = object["fields"]["cse_base"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let target = onecse_testkit::Target::from_url(
        &cse_base,
        "/id-in",
        "CAdmin",
        "3",
        Duration::from_secs(5),
    )
    .expect("target");
    let client = onecse_testkit::blocking::Client::new(target).expect("client");
    // Dynamic authorization (`daci`) is valid oneM2M that onecse does not do yet: 5001.
    let reply = client.create(
        "/cse-in",
        2,
        &serde_json::json!({"m2m:ae": {"api": "Nx", "rr": true, "srv": ["3"], "daci": ["/id-mn/dac"]}}),
        Some("Cx"),
    );
    assert_eq!(reply.rsc, Some(5001), "{reply:#?}");
    let lines = serving.wait_for("\"rsc\":5001", Duration::from_secs(5));
    let logged = lines.last().expect("the request line");
    let object: serde_json::Value = serde_json::from_str(logged).expect("a JSON object");
    assert_eq!(object["level"], "INFO", "{logged}");
    assert_eq!(object["fields"]["message"], "request refused", "{logged}");

    // A request that cannot even be read (no X-M2M-RI) is logged with what it had.
    let unreadable = onecse_testkit::Request::new(onecse_testkit::Method::GET, "/cse-in")
        .header("X-M2M-Origin", "Cnoid")
        .header("X-M2M-RVI", "3");
    let reply = client.execute(unreadable);
    assert_eq!(reply.rsc, Some(4000), "{reply:#?}");
    let lines = serving.wait_for("request refused before it was read", Duration::from_secs(5));
    let logged = lines.last().expect("the refusal line");
    let object: serde_json::Value = serde_json::from_str(logged).expect("a JSON object");
    assert_eq!(object["level"], "INFO", "{logged}");
    assert_eq!(object["fields"]["rsc"], 4000, "{logged}");
    assert_eq!(object["fields"]["originator"], "Cnoid", "{logged}");
    assert_eq!(object["fields"]["path"], "/cse-in", "{logged}");
}

#[test]
fn each_subcommand_lists_only_the_settings_it_reads_and_refuses_the_others() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, migrate, _) = run(&["migrate", "--help"], dir.path());
    assert_eq!(code, 0);
    assert!(migrate.contains("--database-url") && migrate.contains("--database-wait-s"));
    assert!(
        !migrate.contains("--bind") && !migrate.contains("--jwt-secret"),
        "{migrate}"
    );
    let (code, token, _) = run(&["token", "--help"], dir.path());
    assert_eq!(code, 0);
    assert!(token.contains("--sub") && token.contains("--jwt-secret-file"));
    assert!(
        !token.contains("--bind") && !token.contains("--database-url"),
        "{token}"
    );
    let (code, config, _) = run(&["config", "--help"], dir.path());
    assert_eq!(code, 0);
    assert!(!config.contains("--bind"), "{config}");
    // Logging is explained everywhere, with its variable and syntax.
    for help in [&migrate, &token, &run(&["--help"], dir.path()).1] {
        assert!(
            help.contains("ONECSE_LOG") && help.contains("TARGET=LEVEL"),
            "{help}"
        );
    }

    let (code, _, stderr) = run(&["migrate", "--bind", "127.0.0.1:1"], dir.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--bind is not a setting of `onecse migrate`"),
        "{stderr}"
    );
    assert!(!dir.path().join("onecse.db").exists(), "nothing migrated");
    // The environment is shared with serve, so it may name any setting.
    let (code, stdout, stderr) =
        run_with_env(&["migrate"], dir.path(), &[("ONECSE_BIND", "127.0.0.1:1")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("up to date"), "{stdout}");
}

#[test]
fn onecse_config_prints_a_complete_file_that_onecse_reads_back() {
    let dir = tempfile::tempdir().expect("dir");
    // Printed from the defaults, whatever the environment says.
    let (code, sample, stderr) = run_with_env(&["config"], dir.path(), &[("ONECSE_WORKERS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    for setting in onecse::config::SETTINGS {
        assert!(
            sample.contains(&format!("{} = ", setting.name)),
            "{} in\n{sample}",
            setting.name
        );
        assert!(sample.contains(setting.group), "{}", setting.group);
    }
    let file = dir.path().join("onecse.toml");
    std::fs::write(&file, &sample).expect("write");
    let path = file.to_str().expect("utf-8");
    let (code, stdout, stderr) = run(&["--config", path, "migrate"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("database onecse.db is up to date"),
        "{stdout}"
    );
}
