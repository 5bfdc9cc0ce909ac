//! Operations: waiting for the database at start-up, losing it while running, and
//! graceful shutdown on SIGTERM without losing notifications.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use onecse_testkit::Receiver;
use serde_json::json;

use crate::cli::{Serving, run_with_env};
use crate::helpers::{TestDb, postgres_url, spawn_app_on, strict_client};
use crate::proxy::{Proxy, upstream, via};

/// A port nothing listens on (yet).
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

#[test]
fn start_up_gives_up_with_one_line_after_the_database_wait() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("postgres://onecse:s3cret@{}/none", free_port());
    let started = Instant::now();
    let (code, _, stderr) = run_with_env(
        &["--bind", "127.0.0.1:0", "--database-url", &url],
        dir.path(),
        &[("ONECSE_DATABASE_WAIT_S", "2")],
    );
    assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password leaked:\n{stderr}");
    let retries: Vec<&str> = stderr.lines().filter(|l| l.contains("retrying")).collect();
    assert!(retries.len() >= 2, "one line per failed attempt:\n{stderr}");
    assert!(
        retries
            .iter()
            .all(|l| l.contains("WARN") && l.contains("attempt="))
    );
    let others: Vec<&str> = stderr.lines().filter(|l| !l.contains("retrying")).collect();
    assert_eq!(others.len(), 1, "one error line:\n{stderr}");
    assert!(
        others[0].starts_with("onecse: error: cannot open the postgresql database")
            && others[0].contains("attempts"),
        "{stderr}"
    );
}

#[test]
fn start_up_waits_for_the_database_to_appear() {
    let Some(admin) = postgres_url() else {
        eprintln!("skipped: ONECSE_TEST_DATABASE_URL is not set (needs PostgreSQL)");
        return;
    };
    let (db, url) = TestDb::fresh();
    let port = free_port();
    let proxied = via(&url, port);
    let mut serving = Serving::spawn(
        &["--bind", "127.0.0.1:0", "--database-url", &proxied],
        &[("ONECSE_DATABASE_WAIT_S", "30")],
    );
    let mut seen = serving.wait_for("attempt=2", Duration::from_secs(10));
    assert!(
        seen.iter().any(|l| l.contains("attempt=1"))
            && seen.iter().any(|l| l.contains("attempt=2")),
        "{seen:#?}"
    );
    let _proxy = Proxy::start_on(port, upstream(&admin)).expect("proxy on the awaited port");
    seen.extend(serving.wait_for("onecse is serving", Duration::from_secs(20)));
    assert!(
        seen.last().is_some_and(|l| l.contains("onecse is serving")),
        "{seen:#?}"
    );
    drop(serving);
    drop(db);
}

#[tokio::test]
async fn losing_the_database_fails_requests_fast_and_onecse_recovers() {
    let Some(admin) = postgres_url() else {
        eprintln!("skipped: ONECSE_TEST_DATABASE_URL is not set (needs PostgreSQL)");
        return;
    };
    let (db, url) = TestDb::fresh();
    let proxy = Proxy::start_on(([127, 0, 0, 1], 0).into(), upstream(&admin)).expect("proxy");
    let rx = Receiver::start().expect("receiver");
    let pool_timeout = Duration::from_millis(3000);
    let app = spawn_app_on(&via(&url, proxy.addr()), |c| {
        c.pool_timeout_ms = 3000;
    })
    .await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [rx.url()], "enc": {"net": [3]}}});
    let reply = app.create("/cse-in/c", 23, &sub, Some("CAdmin")).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(rx.next().await.sgn()["vrq"], true);

    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let reply = app.retrieve("/cse-in/c", "CAdmin").await;
        let took = started.elapsed();
        assert_eq!(reply.rsc, Some(5000), "{reply:#?}");
        assert!(
            reply.dbg().contains("the database is unreachable"),
            "{reply:#?}"
        );
        assert!(
            took < pool_timeout + Duration::from_secs(2),
            "took {took:?}"
        );
    }
    // Once the pool has seen the database refuse new connections, a request does not
    // wait the pool timeout any more.
    let started = Instant::now();
    let reply = app.retrieve("/cse-in/c", "CAdmin").await;
    assert_eq!(reply.rsc, Some(5000), "{reply:#?}");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "took {:?} with a pool timeout of {pool_timeout:?}",
        started.elapsed()
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = app.retrieve("/cse-in/c", "CAdmin").await;
        if reply.rsc == Some(2000) {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {reply:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Delivery took the outage too and works again.
    app.instance("/cse-in/c", "after the outage", "CAdmin")
        .await;
    let n = rx
        .next_within(Duration::from_secs(40))
        .await
        .expect("a notification after the outage");
    assert_eq!(n.sgn()["nev"]["rep"]["m2m:cin"]["con"], "after the outage");
    app.stop().await;
    drop(proxy);
    drop(db);
}

/// A notification target that takes its time to answer notifications (not
/// verifications), and reports each body on arrival and each answer once written.
struct SlowTarget {
    url: String,
    events: mpsc::Receiver<String>,
    delay_ms: Arc<AtomicU64>,
    stopped: Arc<AtomicBool>,
}

impl SlowTarget {
    fn start(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let (tx, events) = mpsc::channel();
        let delay_ms = Arc::new(AtomicU64::new(
            u64::try_from(delay.as_millis()).expect("ms"),
        ));
        let stopped = Arc::new(AtomicBool::new(false));
        let (delay, stop) = (Arc::clone(&delay_ms), Arc::clone(&stopped));
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (tx, delay) = (tx.clone(), Arc::clone(&delay));
                        std::thread::spawn(move || answer(conn, &tx, &delay));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            url,
            events,
            delay_ms,
            stopped,
        }
    }

    /// The next event (`arrived <body>` or `answered <body>`) within `limit`.
    fn next(&self, limit: Duration) -> Option<String> {
        self.events.recv_timeout(limit).ok()
    }
}

impl Drop for SlowTarget {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

/// Reads one HTTP request, waits unless it is a verification, answers 200/2000 and
/// closes the connection.
fn answer(conn: TcpStream, events: &mpsc::Sender<String>, delay_ms: &AtomicU64) {
    let _ = conn.set_nonblocking(false);
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let _ = events.send(format!("arrived {body}"));
    if !body.contains("\"vrq\"") {
        std::thread::sleep(Duration::from_millis(delay_ms.load(Ordering::SeqCst)));
    }
    let mut conn = conn;
    let written = conn.write_all(
        b"HTTP/1.1 200 OK\r\nX-M2M-RSC: 2000\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    if written.is_ok() {
        let _ = events.send(format!("answered {body}"));
    }
}

/// The address in the start-up line (`listen=127.0.0.1:PORT`).
pub fn listen_address(line: &str) -> String {
    let at = line.find("listen=").expect("listen= in the start-up line") + "listen=".len();
    line[at..]
        .split_whitespace()
        .next()
        .expect("an address")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_notification_in_flight_finish_and_a_restart_sends_the_rest() {
    let (db, url) = TestDb::fresh();
    let target = SlowTarget::start(Duration::from_millis(2000));
    let args = [
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--notify-poll-ms",
        "100",
        "--shutdown-grace-s",
        "10",
        "--notify-allowed-networks",
        "127.0.0.0/8",
    ];
    let (mut serving, line) = Serving::start(&args, &[("ONECSE_LOG", "info")]);
    let base = format!("http://{}", listen_address(&line.expect("start-up line")));
    let client = strict_client(&base);
    let container = json!({"m2m:cnt": {"rn": "c"}});
    assert_eq!(
        client
            .create("/cse-in", 3, &container, Some("CAdmin"))
            .await
            .rsc,
        Some(2001)
    );
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [target.url], "enc": {"net": [3]}}});
    let reply = client.create("/cse-in/c", 23, &sub, Some("CAdmin")).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    let within = Duration::from_secs(10);
    assert!(target.next(within).is_some_and(|e| e.contains("vrq")));
    assert!(
        target
            .next(within)
            .is_some_and(|e| e.starts_with("answered"))
    );

    let cin = |con: &str| json!({"m2m:cin": {"con": con}});
    assert_eq!(
        client
            .create("/cse-in/c", 4, &cin("first"), Some("CAdmin"))
            .await
            .rsc,
        Some(2001)
    );
    let arrived = target.next(within).expect("the first notification arrives");
    assert!(
        arrived.starts_with("arrived") && arrived.contains("first"),
        "{arrived}"
    );
    // Queued behind the one in flight (notifications of a subscription keep their order).
    assert_eq!(
        client
            .create("/cse-in/c", 4, &cin("second"), Some("CAdmin"))
            .await
            .rsc,
        Some(2001)
    );

    let stopping = Instant::now();
    serving.terminate();
    let code = tokio::task::block_in_place(|| serving.wait_exit(Duration::from_secs(10)));
    let logs = serving.drain().join("\n");
    assert_eq!(code, Some(0), "exit within the grace period:\n{logs}");
    let answered = target
        .next(Duration::ZERO)
        .expect("the send in flight finished");
    assert!(
        answered.starts_with("answered") && answered.contains("first"),
        "{answered}"
    );
    assert!(
        stopping.elapsed() >= Duration::from_millis(1000),
        "did not wait for the send"
    );
    assert!(
        target.next(Duration::ZERO).is_none(),
        "nothing else was sent"
    );

    target.delay_ms.store(0, Ordering::SeqCst);
    let (again, line) = Serving::start(&args, &[]);
    assert!(line.is_some(), "restarted");
    let next = target
        .next(within)
        .expect("the pending notification after the restart");
    assert!(
        next.starts_with("arrived") && next.contains("second") && !next.contains("first"),
        "the delivered one is not sent again: {next}"
    );
    drop(again);
    drop(db);
}
