//! TLS (issue 25): the HTTPS listener (TLS only once a certificate and key are set),
//! client certificates signed by `tls_client_ca_file`, https notification targets
//! trusted through `notify_ca_file`, a clear 5204 for a target certificate onecse does
//! not trust, and start-up refusing bad TLS files. Every certificate is made at run
//! time by CAs of the test's own (rcgen); nothing leaves 127.0.0.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use onecse::app::App;
use onecse::config::Config;
use onecse_testkit::{Client, Receiver, Reply};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::json;

use crate::cli::assert_one_line_failure;
use crate::helpers::{TestApp, spawn_app_with, test_target};

/// A certificate authority of the test's own.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    /// Its certificate, PEM.
    pem: String,
}

/// A certificate issued by a [`Ca`], with its key, both PEM.
struct Leaf {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let pem = params.self_signed(&key).expect("CA certificate").pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// A server certificate for `names` (IP addresses or DNS names).
    fn server(&self, names: &[&str]) -> Leaf {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate.
    fn client(&self) -> Leaf {
        self.issue(&["client.test"], ExtendedKeyUsagePurpose::ClientAuth)
    }

    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("leaf parameters");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

impl Leaf {
    /// Certificate and key in one PEM text, as a client identity.
    fn identity(&self) -> Vec<u8> {
        format!("{}{}", self.cert, self.key).into_bytes()
    }

    /// A TLS server configuration presenting this certificate (the receiver's).
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = vec![CertificateDer::from_pem_slice(self.cert.as_bytes()).expect("cert")];
        let key = PrivateKeyDer::from_pem_slice(self.key.as_bytes()).expect("key");
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("receiver TLS configuration");
        Arc::new(config)
    }
}

/// A directory of PEM files for settings, removed at the end of the test.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }

    /// Writes `text` to `name` and returns its path.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write PEM file");
        self.path(name)
    }

    /// The path `name` would have (written or not).
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).to_string_lossy().into_owned()
    }
}

/// onecse serving HTTPS with a certificate of `ca` for 127.0.0.1, asking for client
/// certificates signed by `client_ca` when given.
async fn https_app(ca: &Ca, client_ca: Option<&Ca>, files: &Files) -> TestApp {
    let leaf = ca.server(&["127.0.0.1", "localhost"]);
    let cert = files.write("cse.crt", &leaf.cert);
    let key = files.write("cse.key", &leaf.key);
    let client_ca = client_ca.map(|ca| files.write("clients-ca.pem", &ca.pem));
    spawn_app_with(|c| {
        c.tls_cert_file = Some(cert);
        c.tls_key_file = Some(key);
        c.tls_client_ca_file = client_ca;
    })
    .await
}

/// A client of the CSE at `base` trusting `ca`, presenting `identity` if given.
fn https_client(base: &str, ca: &Ca, identity: Option<&Leaf>) -> Client {
    let mut builder = Client::builder(test_target(base)).root_certificates_pem(ca.pem.as_bytes());
    if let Some(leaf) = identity {
        builder = builder.identity_pem(&leaf.identity());
    }
    builder.build().expect("https client")
}

/// Sends a plain HTTP request to `addr` and reads until the server closes the
/// connection (at most 5 s); returns what came back and whether it was closed.
fn plain_http_to(addr: SocketAddr) -> (Vec<u8>, bool) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    stream
        .write_all(
            b"GET /cse-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: plain\r\nX-M2M-RVI: 3\r\n\r\n",
        )
        .expect("send");
    let mut answer = Vec::new();
    let closed = match stream.read_to_end(&mut answer) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    (answer, closed)
}

fn address_of(base: &str) -> SocketAddr {
    base.trim_start_matches("https://")
        .parse()
        .expect("listening address")
}

#[tokio::test]
async fn the_https_listener_serves_onem2m_and_refuses_plain_http() {
    let ca = Ca::new("onecse test CA");
    let files = Files::new();
    let app = https_app(&ca, None, &files).await;
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);

    let client = https_client(&app.base, &ca, None);
    let reply = client.retrieve("/cse-in", "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    // The CSEBase advertises where it is reached: over https.
    assert_eq!(reply.expect_resource("m2m:cb")["poa"], json!([app.base]));

    // Plain HTTP to the TLS port is not served: no HTTP answer, the connection closed.
    let addr = address_of(&app.base);
    let (answer, closed) = tokio::task::spawn_blocking(move || plain_http_to(addr))
        .await
        .expect("plain request");
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1"),
        "plain HTTP was answered: {answer:?}"
    );
    assert!(closed, "the connection was left open");
    let plain = crate::helpers::test_target(&app.base.replace("https://", "http://"));
    let reply = Client::new(plain)
        .expect("client")
        .retrieve("/cse-in", "CAdmin")
        .await;
    assert!(!reply.reached(), "{reply:#?}");

    // A client that does not trust the CSE's CA does not talk to it either.
    let stranger_ca = Ca::new("another CA");
    let reply = https_client(&app.base, &stranger_ca, None)
        .retrieve("/cse-in", "CAdmin")
        .await;
    assert!(!reply.reached(), "{reply:#?}");
}

#[tokio::test]
async fn with_a_client_ca_only_clients_holding_its_certificates_are_served() {
    let ca = Ca::new("onecse test CA");
    let clients_ca = Ca::new("clients CA");
    let stranger_ca = Ca::new("another CA");
    let files = Files::new();
    let app = https_app(&ca, Some(&clients_ca), &files).await;
    let ae = |rn: &str| json!({"m2m:ae": {"rn": rn, "api": "Ntls", "rr": false, "srv": ["3"]}});

    let refused: [(&str, Option<Leaf>); 2] = [
        ("no certificate", None),
        ("a certificate of another CA", Some(stranger_ca.client())),
    ];
    for (what, identity) in &refused {
        let reply = https_client(&app.base, &ca, identity.as_ref())
            .create("/cse-in", 2, &ae("refused"), Some("Crefused"))
            .await;
        assert!(!reply.reached(), "{what}: {reply:#?}");
    }

    let member = https_client(&app.base, &ca, Some(&clients_ca.client()));
    let reply = member.retrieve("/cse-in/refused", "CAdmin").await;
    assert_eq!(
        reply.rsc,
        Some(4004),
        "a refused client created: {reply:#?}"
    );
    let reply = member
        .create("/cse-in", 2, &ae("member"), Some("Cmember"))
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
}

/// A subscription to `/cse-in/c` notifying `nu`.
async fn subscribe(app: &TestApp, nu: &str) -> Reply {
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [nu], "enc": {"net": [3]}}});
    app.create("/cse-in/c", 23, &sub, Some("CAdmin")).await
}

#[tokio::test]
async fn https_targets_trusted_through_notify_ca_file_are_verified_and_notified() {
    let ca = Ca::new("receivers' CA");
    let rx = Receiver::start_tls(ca.server(&["127.0.0.1"]).server_config()).expect("receiver");
    assert!(rx.url().starts_with("https://127.0.0.1:"), "{}", rx.url());
    let files = Files::new();
    let ca_file = files.write("receivers-ca.pem", &ca.pem);
    let app = spawn_app_with(|c| c.notify_ca_file = Some(ca_file)).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;

    let reply = subscribe(&app, &rx.url()).await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(rx.next().await.sgn()["vrq"], true);
    app.instance("/cse-in/c", "over TLS", "CAdmin").await;
    let notification = rx
        .next_notification_on("/notify", Duration::from_secs(10))
        .await
        .expect("a notification over https");
    assert_eq!(
        notification.sgn()["nev"]["rep"]["m2m:cin"]["con"],
        "over TLS"
    );
}

#[tokio::test]
async fn an_https_target_whose_certificate_is_not_trusted_fails_verification_naming_it() {
    let trusted = Ca::new("trusted CA");
    let stranger = Ca::new("stranger CA");
    let files = Files::new();
    let ca_file = files.write("trusted-ca.pem", &trusted.pem);
    let app = spawn_app_with(|c| c.notify_ca_file = Some(ca_file)).await;
    app.container("/cse-in", "c", json!({}), "CAdmin").await;

    // Signed by a CA onecse does not trust.
    let untrusted =
        Receiver::start_tls(stranger.server(&["127.0.0.1"]).server_config()).expect("receiver");
    subscribe(&app, &untrusted.url()).await.assert_error(
        5204,
        500,
        "TLS certificate is not trusted: it is not signed by a CA this CSE trusts",
    );
    // Signed by the trusted CA, but for another name.
    let misnamed =
        Receiver::start_tls(trusted.server(&["receiver.test"]).server_config()).expect("receiver");
    subscribe(&app, &misnamed.url())
        .await
        .assert_error(5204, 500, "TLS certificate was refused");
    // Neither heard a request, and no subscription was made.
    assert_eq!((untrusted.count(), misnamed.count()), (0, 0));
    app.retrieve("/cse-in/c/s", "CAdmin")
        .await
        .assert_error(4004, 404, "s");
}

#[test]
fn bad_tls_settings_stop_start_up_naming_the_setting() {
    let ca = Ca::new("onecse test CA");
    let leaf = ca.server(&["127.0.0.1"]);
    let other = ca.server(&["127.0.0.1"]);
    let files = Files::new();
    let cert = files.write("cse.crt", &leaf.cert);
    let key = files.write("cse.key", &leaf.key);
    let other_key = files.write("other.key", &other.key);
    let missing = files.path("missing.pem");
    let directory = files.0.path().to_string_lossy().into_owned();
    let database = files.path("onecse.db");
    let refusal = |tls: [Option<&str>; 4]| {
        let [cert, key, client_ca, notify_ca] = tls.map(|f| f.map(str::to_owned));
        let config = Config {
            bind: "127.0.0.1:0".into(),
            database_url: database.clone(),
            tls_cert_file: cert,
            tls_key_file: key,
            tls_client_ca_file: client_ca,
            notify_ca_file: notify_ca,
            ..Config::default()
        };
        App::build(&config)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default()
    };
    let (c, k) = (Some(cert.as_str()), Some(key.as_str()));
    let cases: [([Option<&str>; 4], String); 11] = [
        ([c, None, None, None], "tls_key_file is not".into()),
        ([None, k, None, None], "tls_cert_file is not".into()),
        (
            [Some(&missing), k, None, None],
            format!("tls_cert_file {missing}: cannot read the file"),
        ),
        (
            [c, Some(&missing), None, None],
            format!("tls_key_file {missing}: cannot read the file"),
        ),
        (
            [Some(&directory), k, None, None],
            format!("tls_cert_file {directory}: cannot read the file"),
        ),
        (
            [k, k, None, None],
            format!("tls_cert_file {key}: the file holds no PEM certificate"),
        ),
        (
            [c, c, None, None],
            format!("tls_key_file {cert}: the file holds no PEM private key"),
        ),
        (
            [c, Some(&other_key), None, None],
            "do not make a usable certificate".into(),
        ),
        (
            [None, None, c, None],
            "tls_client_ca_file needs tls_cert_file and tls_key_file".into(),
        ),
        (
            [c, k, Some(&missing), None],
            format!("tls_client_ca_file {missing}: cannot read the file"),
        ),
        (
            [None, None, None, Some(&missing)],
            format!("notify_ca_file {missing}: cannot read the file"),
        ),
    ];
    for (tls, needle) in cases {
        let err = refusal(tls);
        assert!(
            err.contains(&needle),
            "{tls:?}: expected '{needle}', got '{err}'"
        );
    }
    assert!(
        !std::path::Path::new(&database).exists(),
        "a refused start-up touched the database"
    );
    // The binary says it in one line.
    assert_one_line_failure(&["--tls-cert-file", &cert], "tls_key_file is not");
}
