//! The README's subscription example, run as a reader pastes it: its Python receiver,
//! then its curl CREATE (only the CSE's address and the receiver's port changed), and
//! a notification arriving at the receiver.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::spawn_app_with;

/// The body of the first fenced block of `language` after `heading` in the README.
fn block_after(readme: &str, heading: &str, language: &str) -> String {
    let section = readme.split_once(heading).expect("section").1;
    let fence = format!("```{language}\n");
    let start = section.split_once(&fence).expect("block").1;
    start.split_once("```").expect("block end").0.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_subscription_example_works_as_pasted() {
    let app = spawn_app_with(|c| c.notify_allowed_networks = Some("127.0.0.0/8".into())).await;
    app.register_ae("myapp", "Cmyapp").await;
    app.container("/cse-in/myapp", "temperature", json!({}), "Cmyapp")
        .await;
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let receiver = block_after(&readme, "## Subscriptions", "python");
    let create = block_after(&readme, "## Subscriptions", "sh");

    let dir = tempfile::tempdir().expect("dir");
    let script = dir.path().join("receiver.py");
    std::fs::write(&script, receiver).expect("write");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut python = Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the receiver never listened");
        std::thread::sleep(Duration::from_millis(50));
    }

    let create = create
        .replace("http://127.0.0.1:8080", &app.base)
        .replace("127.0.0.1:9000", &format!("127.0.0.1:{port}"));
    let output = Command::new("sh")
        .arg("-c")
        .arg(&create)
        .output()
        .expect("curl runs");
    let answer = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(
        answer.contains("X-M2M-RSC: 2001") || answer.contains("x-m2m-rsc: 2001"),
        "{answer}"
    );

    app.instance("/cse-in/myapp/temperature", "21.5", "Cmyapp")
        .await;
    let stdout = python.stdout.take().expect("stdout");
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("21.5"))
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    while !lines.is_finished() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = python.kill();
    let _ = python.wait();
    let notified = lines.join().ok().flatten();
    let notified = notified.expect("the receiver printed the notification");
    assert!(notified.contains("m2m:sgn"), "{notified}");
}
