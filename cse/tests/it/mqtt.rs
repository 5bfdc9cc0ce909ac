//! The MQTT binding (TS-0010) against a real Mosquitto: requests over MQTT run
//! through the same service as over HTTP, malformed payloads get oneM2M errors,
//! notifications reach `mqtt://` targets (a `nu` topic, or an AE's `poa` with its
//! answer awaited), readiness reports the broker, and a broker restart in the middle
//! of traffic loses nothing. The broker is `ONECSE_TEST_MQTT_URL` (default
//! mqtt://127.0.0.1:1883); without one the tests print why and return. Each test
//! uses its own CSE-ID, so tests (and other users of the broker) never share topics.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use onecse_testkit::{Client, Reply, Target};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::helpers::{TestApp, spawn_app_with};
use crate::ops::get;

/// The broker the tests use, if one accepts connections; otherwise `None`, after
/// printing why the test is skipped.
pub(crate) async fn broker() -> Option<String> {
    let url =
        std::env::var("ONECSE_TEST_MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into());
    let authority = url.trim_start_matches("mqtt://").trim_end_matches('/');
    let reachable = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(authority),
    )
    .await
    .is_ok_and(|c| c.is_ok());
    if reachable {
        Some(url)
    } else {
        eprintln!("skipped: no MQTT broker at {url} (start mosquitto or set ONECSE_TEST_MQTT_URL)");
        None
    }
}

/// A CSE-ID no other test or user of the broker has.
pub(crate) fn unique_cse_id() -> String {
    format!("/mq{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// onecse serving MQTT on `broker` under a fresh CSE-ID, and a strict client that
/// sends every request over MQTT.
struct MqttApp {
    app: TestApp,
    mqtt: Client,
    csi: String,
    broker: String,
}

async fn spawn_mqtt_app(broker: &str, adjust: impl FnOnce(&mut onecse::config::Config)) -> MqttApp {
    let csi = unique_cse_id();
    let (id, url) = (csi.clone(), broker.to_owned());
    let app = spawn_app_with(move |c| {
        c.cse_id = id;
        c.mqtt_url = Some(url);
        adjust(c);
    })
    .await;
    let mut target = Target::from_url(
        &format!("{}/cse-in", app.base),
        &csi,
        "CAdmin",
        "3",
        Duration::from_secs(20),
    )
    .expect("target");
    target.mqtt = Some(broker.to_owned());
    let mqtt = Client::builder(target)
        .strict()
        .build()
        .expect("mqtt client");
    wait_connected(&app).await;
    MqttApp {
        app,
        mqtt,
        csi,
        broker: broker.to_owned(),
    }
}

/// Waits (bounded) until /readyz says the broker is connected.
pub(crate) async fn wait_connected(app: &TestApp) {
    for _ in 0..100 {
        let (_, body) = get(&format!("{}/readyz", app.base)).await;
        if body.contains("\"mqtt\":\"connected\"") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("onecse did not connect to the MQTT broker");
}

/// A plain MQTT client playing a device: publishes raw payloads, and collects what
/// arrives on the filters it subscribed to.
struct Device {
    client: AsyncClient,
    inbox: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
}

impl Device {
    /// Connects to `broker` as `client_id` (a persistent session unless `clean`) and
    /// subscribes to `filters` before returning.
    async fn connect(broker: &str, client_id: &str, clean: bool, filters: &[String]) -> Self {
        let authority = broker.trim_start_matches("mqtt://").trim_end_matches('/');
        let (host, port) = authority.rsplit_once(':').expect("host:port");
        let mut options = MqttOptions::new(client_id, host, port.parse().expect("port"));
        options
            .set_clean_session(clean)
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut eventloop) = AsyncClient::new(options, 1024);
        let (tx, inbox) = mpsc::unbounded_channel();
        let (ready_tx, mut ready) = mpsc::unbounded_channel();
        let subscriber = client.clone();
        let filters = filters.to_vec();
        let wanted = filters.len();
        tokio::spawn(async move {
            let mut acked = 0;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        for f in &filters {
                            let _ = subscriber.try_subscribe(f.as_str(), QoS::AtLeastOnce);
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        acked += 1;
                        if acked == wanted {
                            let _ = ready_tx.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        if tx.send((p.topic.clone(), p.payload.to_vec())).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        if wanted > 0 {
            tokio::time::timeout(Duration::from_secs(10), ready.recv())
                .await
                .expect("subscribed in time");
        }
        Self { client, inbox }
    }

    async fn publish(&self, topic: &str, payload: Vec<u8>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .expect("publish");
    }

    async fn publish_json(&self, topic: &str, primitive: &Value) {
        self.publish(topic, primitive.to_string().into_bytes())
            .await;
    }

    /// The next message within `wait`, its payload read as JSON (or CBOR on a
    /// `/cbor` topic).
    async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let (topic, payload) = tokio::time::timeout(wait, self.inbox.recv()).await.ok()??;
        let value = if topic.ends_with("/cbor") {
            onecse_models::cbor::decode(&payload).expect("CBOR payload")
        } else {
            serde_json::from_slice(&payload).expect("JSON payload")
        };
        Some((topic, value))
    }

    async fn expect(&mut self, what: &str) -> (String, Value) {
        self.next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no MQTT message: {what}"))
    }
}

fn level(csi: &str) -> &str {
    csi.trim_start_matches('/')
}

fn rsc(reply: &Reply) -> Option<u16> {
    reply.rsc
}

#[tokio::test]
async fn registration_crud_and_discovery_over_mqtt_reach_the_same_cse_as_http() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |_| {}).await;
    let ae = json!({"m2m:ae": {"rn": "dev", "api": "Nx", "rr": false, "srv": ["3"]}});
    let reg = m.mqtt.create("/cse-in", 2, &ae, Some("Cdev")).await;
    assert_eq!(rsc(&reg), Some(2001), "{reg:#?}");
    assert_eq!(reg.status, 201);
    assert_eq!(reg.body["m2m:ae"]["aei"], "Cdev");
    let cnt = json!({"m2m:cnt": {"rn": "temp", "mni": 5}});
    assert_eq!(
        m.mqtt
            .create("/cse-in/dev", 3, &cnt, Some("Cdev"))
            .await
            .rsc,
        Some(2001)
    );
    for con in ["20", "21"] {
        let cin = json!({"m2m:cin": {"con": con, "cnf": "text/plain:0"}});
        let created = m
            .mqtt
            .create("/cse-in/dev/temp", 4, &cin, Some("Cdev"))
            .await;
        assert_eq!(created.rsc, Some(2001), "{created:#?}");
    }
    let latest = m.mqtt.retrieve("/cse-in/dev/temp/la", "Cdev").await;
    assert_eq!(latest.body["m2m:cin"]["con"], "21");
    // SP-relative addressing travels in `to` as it is.
    let sp = m
        .mqtt
        .retrieve(&format!("/~{}/cse-in/dev/temp", m.csi), "Cdev")
        .await;
    assert_eq!(sp.body["m2m:cnt"]["cni"], 2);
    let updated = m
        .mqtt
        .update(
            "/cse-in/dev/temp",
            &json!({"m2m:cnt": {"lbl": ["k"]}}),
            "Cdev",
        )
        .await;
    assert_eq!(updated.rsc, Some(2004));
    // Discovery: filter criteria become `fc`.
    let found = m
        .mqtt
        .execute(
            m.mqtt
                .request(onecse_testkit::Method::GET, "/cse-in")
                .originator("Cdev")
                .query("fu", "1")
                .query("ty", "4"),
        )
        .await;
    assert_eq!(found.rsc, Some(2000), "{found:#?}");
    assert_eq!(found.body["m2m:uril"].as_array().map(Vec::len), Some(2));
    // Access control is the CSE's, whatever the binding: another AE may not read.
    let other = json!({"m2m:ae": {"rn": "other", "api": "Nx", "rr": false, "srv": ["3"]}});
    assert_eq!(
        m.mqtt
            .create("/cse-in", 2, &other, Some("Cother"))
            .await
            .rsc,
        Some(2001)
    );
    let denied = m.mqtt.retrieve("/cse-in/dev/temp", "Cother").await;
    assert_eq!(denied.rsc, Some(4103));
    assert!(denied.body["m2m:dbg"].is_string());
    // The `C` and `S` originators get AE-IDs assigned, as over HTTP.
    for (originator, letter) in [("C", 'C'), ("S", 'S')] {
        let rn = format!("assigned{letter}");
        let ae = json!({"m2m:ae": {"rn": rn, "api": "Nx", "rr": false, "srv": ["3"]}});
        let reg = m.mqtt.create("/cse-in", 2, &ae, Some(originator)).await;
        assert_eq!(reg.rsc, Some(2001), "{reg:#?}");
        let aei = reg.body["m2m:ae"]["aei"].as_str().unwrap_or_default();
        assert!(aei.starts_with(letter) && aei.len() > 1, "{aei}");
    }
    // What MQTT created, HTTP sees.
    let over_http = m.app.retrieve("/cse-in/dev/temp", "Cdev").await;
    assert_eq!(over_http.body["m2m:cnt"]["lbl"], json!(["k"]));
    assert_eq!(m.mqtt.delete("/cse-in/dev", "Cdev").await.rsc, Some(2002));
    assert_eq!(
        m.app.retrieve("/cse-in/dev", "CAdmin").await.rsc,
        Some(4004)
    );
}

#[tokio::test]
async fn malformed_mqtt_requests_are_answered_with_onem2m_errors() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |_| {}).await;
    let csi = level(&m.csi).to_owned();
    let mut dev = Device::connect(
        &broker,
        &format!("bad-{csi}"),
        true,
        &[
            format!("/oneM2M/resp/Cbad/{csi}/+"),
            format!("/oneM2M/reg_resp/bad/{csi}/+"),
        ],
    )
    .await;
    let req = format!("/oneM2M/req/Cbad/{csi}/json");
    let answer_to = |payload: Value| {
        let dev_topic = req.clone();
        (dev_topic, payload)
    };
    // Not JSON at all: 4000, no rqi to echo.
    dev.publish(&req, b"{not json".to_vec()).await;
    let (topic, answer) = dev.expect("answer to a payload that is not JSON").await;
    assert_eq!(topic, format!("/oneM2M/resp/Cbad/{csi}/json"));
    assert_eq!(answer["rsc"], 4000);
    assert!(answer.get("rqi").is_none());
    assert!(
        answer["pc"]["m2m:dbg"]
            .as_str()
            .is_some_and(|d| d.contains("JSON"))
    );
    let cases = [
        (
            json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rvi": "3"}),
            4000,
            "rqi",
        ),
        (
            json!({"op": 9, "to": "cse-in", "fr": "Cbad", "rqi": "b1", "rvi": "3"}),
            4000,
            "op 9",
        ),
        (
            json!({"op": 2, "fr": "Cbad", "rqi": "b2", "rvi": "3"}),
            4000,
            "no to",
        ),
        (
            json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rqi": "b3"}),
            4001,
            "rvi",
        ),
        (
            json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rqi": "b4", "rvi": "3", "ty": 3}),
            4000,
            "ty",
        ),
        (
            json!({"op": 1, "to": "cse-in", "fr": "Cbad", "rqi": "b5", "rvi": "3", "ty": 3}),
            4000,
            "needs pc",
        ),
        (
            json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rqi": "b6", "rvi": "3", "fc": {"fu": 9}}),
            4000,
            "fu",
        ),
        (
            json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rqi": "b7", "rvi": "3", "rqet": "20000101T000000"}),
            4008,
            "rqet",
        ),
    ];
    for (primitive, code, dbg) in cases {
        let (topic, payload) = answer_to(primitive.clone());
        dev.publish_json(&topic, &payload).await;
        let (_, answer) = dev.expect(dbg).await;
        assert_eq!(answer["rsc"], code, "{primitive}: {answer}");
        assert_eq!(answer.get("rqi"), primitive.get("rqi"), "{primitive}");
        let text = answer["pc"]["m2m:dbg"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.contains(dbg), "{primitive}: {text}");
    }
    // reg_req carries registrations only.
    let reg = format!("/oneM2M/reg_req/bad/{csi}/json");
    dev.publish_json(
        &reg,
        &json!({"op": 2, "to": "cse-in", "fr": "Cbad", "rqi": "b8", "rvi": "3"}),
    )
    .await;
    let (topic, answer) = dev.expect("answer on reg_resp").await;
    assert_eq!(topic, format!("/oneM2M/reg_resp/bad/{csi}/json"));
    assert_eq!(answer["rsc"], 4000);
    // An unsupported serialization cannot be answered in it: dropped, nothing sent.
    dev.publish(
        &format!("/oneM2M/req/Cbad/{csi}/xml"),
        b"<m2m:rqp/>".to_vec(),
    )
    .await;
    assert!(dev.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test]
async fn registration_topic_cbor_and_no_response_requests() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |_| {}).await;
    let csi = level(&m.csi).to_owned();
    let mut dev = Device::connect(
        &broker,
        &format!("reg-{csi}"),
        true,
        &[
            format!("/oneM2M/reg_resp/cred7/{csi}/+"),
            format!("/oneM2M/resp/Ccbor/{csi}/+"),
        ],
    )
    .await;
    // Registration on reg_req, wrapped in m2m:rqp as some clients send it.
    let registration = json!({"m2m:rqp": {"op": 1, "to": "cse-in", "fr": "Ccbor", "rqi": "g1",
        "rvi": "3", "ty": 2, "pc": {"m2m:ae": {"rn": "cbor", "api": "Nx", "rr": false, "srv": ["3"]}}}});
    dev.publish_json(&format!("/oneM2M/reg_req/cred7/{csi}/json"), &registration)
        .await;
    let (topic, answer) = dev.expect("registration answer").await;
    assert_eq!(topic, format!("/oneM2M/reg_resp/cred7/{csi}/json"));
    assert_eq!(answer["rsc"], 2001, "{answer}");
    assert_eq!(answer["rqi"], "g1");
    assert_eq!(answer["to"], "Ccbor");
    assert_eq!(answer["fr"], m.csi.as_str());
    assert_eq!(answer["pc"]["m2m:ae"]["aei"], "Ccbor");
    // CBOR in, CBOR out, on the /cbor topic.
    let create = json!({"op": 1, "to": "cse-in/cbor", "fr": "Ccbor", "rqi": "g2", "rvi": "3",
        "ty": 3, "pc": {"m2m:cnt": {"rn": "c"}}});
    dev.publish(
        &format!("/oneM2M/req/Ccbor/{csi}/cbor"),
        onecse_models::cbor::encode(&create),
    )
    .await;
    let (topic, answer) = dev.expect("CBOR answer").await;
    assert!(topic.ends_with("/cbor"), "{topic}");
    assert_eq!(answer["rsc"], 2001);
    assert_eq!(answer["pc"]["m2m:cnt"]["rn"], "c");
    // rt 5: done, and nothing published back.
    let silent = json!({"op": 1, "to": "cse-in/cbor/c", "fr": "Ccbor", "rqi": "g3", "rvi": "3",
        "ty": 4, "rt": {"rtv": 5}, "pc": {"m2m:cin": {"con": "x"}}});
    dev.publish_json(&format!("/oneM2M/req/Ccbor/{csi}/json"), &silent)
        .await;
    assert!(dev.next(Duration::from_millis(700)).await.is_none());
    let mut cni = Value::Null;
    for _ in 0..50 {
        cni = m.app.retrieve("/cse-in/cbor/c", "Ccbor").await.body["m2m:cnt"]["cni"].clone();
        if cni == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cni, 1);
}

#[tokio::test]
async fn a_subscription_with_an_mqtt_nu_gets_its_notifications_on_that_topic() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |_| {}).await;
    let csi = level(&m.csi).to_owned();
    let topic = format!("notify/{csi}/box");
    let mut listener = Device::connect(
        &broker,
        &format!("nu-{csi}"),
        true,
        std::slice::from_ref(&topic),
    )
    .await;
    m.app.register_ae("app", "Capp").await;
    m.app.container("/cse-in/app", "c", json!({}), "Capp").await;
    let nu = format!("{}/{topic}", m.broker.trim_end_matches('/'));
    let sub = json!({"m2m:sub": {"rn": "s", "nu": [nu], "enc": {"net": [3]}}});
    let created = m.mqtt.create("/cse-in/app/c", 23, &sub, Some("Capp")).await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    let (_, verification) = listener.expect("verification request").await;
    assert_eq!(verification["op"], 5);
    assert_eq!(verification["fr"], m.csi.as_str());
    assert_eq!(verification["pc"]["m2m:sgn"]["vrq"], true);
    m.mqtt
        .create(
            "/cse-in/app/c",
            4,
            &json!({"m2m:cin": {"con": "42"}}),
            Some("Capp"),
        )
        .await;
    let (_, notification) = listener.expect("notification").await;
    assert_eq!(notification["op"], 5);
    assert_eq!(
        notification["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"],
        "42"
    );
}

#[tokio::test]
async fn a_device_that_only_speaks_mqtt_is_notified_on_its_request_topic_and_answers() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |_| {}).await;
    let csi = level(&m.csi).to_owned();
    // The device: subscribes to requests for it and to its answers, then registers
    // over MQTT with an mqtt poa and no pollingChannel.
    let mut dev = Device::connect(
        &broker,
        &format!("A::Cmqdev-{csi}"),
        true,
        &[
            format!("/oneM2M/req/{csi}/Cmqdev/+"),
            format!("/oneM2M/resp/Cmqdev/{csi}/+"),
        ],
    )
    .await;
    let req = format!("/oneM2M/req/Cmqdev/{csi}/json");
    let ae = json!({"op": 1, "to": "cse-in", "fr": "Cmqdev", "rqi": "d1", "rvi": "3", "ty": 2,
        "pc": {"m2m:ae": {"rn": "mqdev", "api": "Nx", "rr": true, "srv": ["3"], "poa": [m.broker]}}});
    dev.publish_json(&req, &ae).await;
    let (_, answer) = dev.expect("registration").await;
    assert_eq!(answer["rsc"], 2001, "{answer}");
    let cnt = json!({"op": 1, "to": "cse-in/mqdev", "fr": "Cmqdev", "rqi": "d2", "rvi": "3",
        "ty": 3, "pc": {"m2m:cnt": {"rn": "c"}}});
    dev.publish_json(&req, &cnt).await;
    assert_eq!(dev.expect("container").await.1["rsc"], 2001);
    // The administrator subscribes the device: its verification request comes over
    // MQTT, and the subscription waits for the device's answer.
    let sub = json!({"m2m:sub": {"rn": "s", "nu": ["Cmqdev"], "enc": {"net": [3]}}});
    let admin = m.mqtt.clone();
    let subscribing = tokio::spawn(async move {
        admin
            .create("/cse-in/mqdev/c", 23, &sub, Some("CAdmin"))
            .await
    });
    let (topic, verification) = dev.expect("verification request").await;
    assert_eq!(topic, format!("/oneM2M/req/{csi}/Cmqdev/json"));
    assert_eq!(verification["to"], "Cmqdev");
    assert_eq!(verification["pc"]["m2m:sgn"]["vrq"], true);
    let resp = format!("/oneM2M/resp/{csi}/Cmqdev/json");
    let ok = |rqi: &Value| json!({"rsc": 2000, "rqi": rqi, "rvi": "3"});
    dev.publish_json(&resp, &ok(&verification["rqi"])).await;
    let created = subscribing.await.expect("subscription task");
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    // A new instance: the notification arrives on the device's request topic.
    m.app.instance("/cse-in/mqdev/c", "7", "Cmqdev").await;
    let (topic, notification) = loop {
        let (topic, message) = dev.expect("notification").await;
        if message.get("op").is_some() {
            break (topic, message);
        }
    };
    assert_eq!(topic, format!("/oneM2M/req/{csi}/Cmqdev/json"));
    assert_eq!(
        notification["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"],
        "7"
    );
    dev.publish_json(&resp, &ok(&notification["rqi"])).await;
}

#[tokio::test]
async fn a_verification_the_mqtt_device_never_answers_fails_the_subscription() {
    let Some(broker) = broker().await else { return };
    let m = spawn_mqtt_app(&broker, |c| c.notify_timeout_ms = 500).await;
    let ae =
        json!({"m2m:ae": {"rn": "mute", "api": "Nx", "rr": true, "srv": ["3"], "poa": [m.broker]}});
    assert_eq!(
        m.mqtt.create("/cse-in", 2, &ae, Some("Cmute")).await.rsc,
        Some(2001)
    );
    m.app
        .container("/cse-in/mute", "c", json!({}), "Cmute")
        .await;
    let sub = json!({"m2m:sub": {"rn": "s", "nu": ["Cmute"]}});
    let refused = m
        .mqtt
        .create("/cse-in/mute/c", 23, &sub, Some("CAdmin"))
        .await;
    assert_eq!(refused.rsc, Some(5204), "{refused:#?}");
}

#[tokio::test]
async fn broker_down_keeps_http_serving_and_readyz_says_so() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let app = spawn_app_with(|c| {
        c.cse_id = unique_cse_id();
        c.mqtt_url = Some(format!("mqtt://127.0.0.1:{port}"));
    })
    .await;
    app.register_ae("still", "Cstill").await;
    let (status, body) = get(&format!("{}/readyz", app.base)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"mqtt\":\"disconnected\""), "{body}");
    let strict = spawn_app_with(|c| {
        c.cse_id = unique_cse_id();
        c.mqtt_url = Some(format!("mqtt://127.0.0.1:{port}"));
        c.mqtt_required_for_ready = true;
    })
    .await;
    let (status, body) = get(&format!("{}/readyz", strict.base)).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("MQTT"), "{body}");
}

/// A Mosquitto of this test's own on `port`, keeping sessions on disk in `dir` so a
/// restart keeps them (as a production broker with persistence does).
fn start_mosquitto(port: u16, dir: &std::path::Path) -> Option<Child> {
    // Mosquitto started as root runs as the user `mosquitto`, which must write here.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).ok()?;
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {0}/\nlog_type all\nlog_dest file {0}/mosquitto.log\n",
            dir.display()
        ),
    )
    .ok()?;
    Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// Stops the broker the way an operator restarting it does (SIGTERM: it saves its
/// sessions), bounded.
async fn stop_mosquitto(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    for _ in 0..50 {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

async fn wait_listening(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mosquitto did not listen on {port}");
}

#[tokio::test]
async fn nothing_is_lost_when_the_broker_restarts_in_the_middle_of_traffic() {
    if Command::new("mosquitto").arg("-h").output().is_err() {
        eprintln!("skipped: no mosquitto binary to run a broker of this test's own");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut broker = start_mosquitto(port, dir.path()).expect("mosquitto starts");
    wait_listening(port).await;
    let url = format!("mqtt://127.0.0.1:{port}");
    let csi = unique_cse_id();
    let id = csi.clone();
    let broker_url = url.clone();
    let app = spawn_app_with(move |c| {
        c.cse_id = id;
        c.mqtt_url = Some(broker_url);
        c.mqtt_reconnect_max_ms = 500;
    })
    .await;
    wait_connected(&app).await;
    app.register_ae("dev", "Cdev").await;
    app.container("/cse-in/dev", "c", json!({}), "Cdev").await;
    let level = level(&csi).to_owned();
    // A device with a persistent session, so the broker keeps what is meant for it.
    let mut dev = Device::connect(
        &url,
        &format!("A::Cdev-{level}"),
        false,
        &[format!("/oneM2M/resp/Cdev/{level}/+")],
    )
    .await;
    let topic = format!("/oneM2M/req/Cdev/{level}/json");
    const TOTAL: usize = 60;
    let request = |i: usize| {
        json!({"op": 1, "to": "cse-in/dev/c", "fr": "Cdev", "rqi": format!("n{i}"), "rvi": "3",
            "ty": 4, "pc": {"m2m:cin": {"con": i.to_string()}}})
    };
    for i in 0..TOTAL / 2 {
        dev.publish_json(&topic, &request(i)).await;
    }
    stop_mosquitto(&mut broker).await;
    // While the broker is down the device keeps publishing (its client queues) and
    // the CSE keeps serving HTTP.
    for i in TOTAL / 2..TOTAL {
        dev.publish_json(&topic, &request(i)).await;
    }
    assert_eq!(app.retrieve("/cse-in/dev", "Cdev").await.rsc, Some(2000));
    let mut broker = start_mosquitto(port, dir.path()).expect("mosquitto restarts");
    wait_listening(port).await;
    let mut answered = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while answered.len() < TOTAL && tokio::time::Instant::now() < deadline {
        if let Some((_, answer)) = dev.next(Duration::from_secs(1)).await {
            assert_eq!(answer["rsc"], 2001, "{answer}");
            answered.insert(answer["rqi"].as_str().unwrap_or_default().to_owned());
        }
    }
    stop_mosquitto(&mut broker).await;
    if answered.len() < TOTAL {
        let log = std::fs::read_to_string(dir.path().join("mosquitto.log")).unwrap_or_default();
        eprintln!("mosquitto's log:\n{log}");
    }
    assert_eq!(answered.len(), TOTAL, "answered: {answered:?}");
    let cnt = app.retrieve("/cse-in/dev/c", "Cdev").await;
    assert_eq!(
        cnt.body["m2m:cnt"]["cni"], TOTAL,
        "each request created once"
    );
}

/// How many contentInstance CREATEs one process answered (its own metrics).
async fn instance_creates(app: &TestApp) -> f64 {
    let (_, text) = get(&format!("{}/metrics", app.base)).await;
    text.lines()
        .filter(|l| l.starts_with("onecse_requests_total{") && l.contains("\"cin\""))
        .filter(|l| l.contains("\"create\"") || l.contains("\"CREATE\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn processes_sharing_the_request_topics_handle_each_request_once() {
    let Some(broker) = broker().await else { return };
    let (db, url) = crate::helpers::TestDb::fresh();
    let csi = unique_cse_id();
    let group = format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut apps = Vec::new();
    for _ in 0..2 {
        let (id, broker, group) = (csi.clone(), broker.clone(), group.clone());
        let app = crate::helpers::spawn_app_on(&url, move |c| {
            c.cse_id = id;
            c.mqtt_url = Some(broker);
            c.mqtt_share_group = Some(group);
        })
        .await;
        wait_connected(&app).await;
        apps.push(app);
    }
    apps[0].register_ae("dev", "Cdev").await;
    apps[0]
        .container("/cse-in/dev", "c", json!({}), "Cdev")
        .await;
    let level = level(&csi).to_owned();
    let mut dev = Device::connect(
        &broker,
        &format!("share-{level}"),
        true,
        &[format!("/oneM2M/resp/Cdev/{level}/+")],
    )
    .await;
    const TOTAL: usize = 40;
    for i in 0..TOTAL {
        let create = json!({"op": 1, "to": "cse-in/dev/c", "fr": "Cdev", "rqi": format!("s{i}"),
            "rvi": "3", "ty": 4, "pc": {"m2m:cin": {"con": i.to_string()}}});
        dev.publish_json(&format!("/oneM2M/req/Cdev/{level}/json"), &create)
            .await;
    }
    let mut answers = Vec::new();
    while let Some((_, answer)) = dev.next(Duration::from_secs(3)).await {
        answers.push(answer["rqi"].as_str().unwrap_or_default().to_owned());
    }
    answers.sort();
    let mut unique = answers.clone();
    unique.dedup();
    assert_eq!(answers.len(), TOTAL, "one answer per request: {answers:?}");
    assert_eq!(unique.len(), TOTAL);
    let cnt = apps[0].retrieve("/cse-in/dev/c", "Cdev").await;
    assert_eq!(cnt.body["m2m:cnt"]["cni"], TOTAL);
    let (one, two) = (
        instance_creates(&apps[0]).await,
        instance_creates(&apps[1]).await,
    );
    assert_eq!(one + two, TOTAL as f64, "each request ran in one process");
    assert!(
        one > 0.0 && two > 0.0,
        "both processes took requests: {one} and {two}"
    );
    for app in &apps {
        app.stop().await;
    }
    drop(db);
}

/// An IN and an MN on one broker; the MN's HTTP point of access is a closed port,
/// so whatever the IN forwards to it can only travel over MQTT.
#[tokio::test]
async fn requests_for_a_cse_reachable_only_over_mqtt_are_forwarded_over_mqtt() {
    let Some(broker) = broker().await else {
        return;
    };
    let (in_csi, mn_csi) = (unique_cse_id(), unique_cse_id());
    let (id, url) = (in_csi.clone(), broker.clone());
    let inn = spawn_app_with(move |c| {
        c.cse_id = id;
        c.mqtt_url = Some(url);
        c.registration_cse_originators = Some("/mq*".into());
    })
    .await;
    wait_connected(&inn).await;
    let (id, url, registrar) = (mn_csi.clone(), broker.clone(), inn.base.clone());
    let registrar_id = in_csi.clone();
    let mn = spawn_app_with(move |c| {
        c.cse_id = id;
        c.registrar_cse_id = registrar_id;
        c.cse_name = "cse-mn".into();
        c.cse_type = "MN".into();
        c.registrar_url = Some(registrar);
        c.registrar_check_interval_s = 60;
        c.mqtt_url = Some(url);
        c.poa = Some("http://127.0.0.1:1".into());
    })
    .await;
    wait_connected(&mn).await;
    let mn_client = crate::forwarding::client_for(&mn.base, "cse-mn", &mn_csi);
    let broker_poa = broker.trim_end_matches('/').to_owned();

    // The MN advertises its broker beside its HTTP address, and registers both.
    let base = mn_client.retrieve("/cse-mn", "CAdmin").await;
    assert_eq!(
        base.body["m2m:cb"]["poa"],
        json!(["http://127.0.0.1:1", broker_poa]),
        "{base:#?}"
    );
    let registration = format!("/cse-in/{}", &mn_csi[1..]);
    assert!(
        crate::forwarding::answers_within(&inn, &registration, false, Duration::from_secs(10))
            .await,
        "the MN did not register"
    );
    let csr = inn.retrieve(&registration, "CAdmin").await;
    assert_eq!(csr.body["m2m:csr"]["poa"][1], json!(broker_poa), "{csr:#?}");

    // IN → MN over MQTT: the CSEBase, a filtered discovery, a create, a 4004.
    let reply = inn.retrieve(&format!("/~{mn_csi}/cse-mn"), "CAdmin").await;
    assert_eq!(reply.rsc, Some(2000), "{reply:#?}");
    assert_eq!(reply.body["m2m:cb"]["csi"], json!(mn_csi));
    let in_admin = format!("{in_csi}/CAdmin");
    crate::forwarding::shared_container(&mn_client, "/cse-mn", "shared", &[&in_admin]).await;
    for (rn, lbl) in [("a", "red"), ("b", "blue")] {
        let made = inn
            .create(
                &format!("/~{mn_csi}/cse-mn/shared"),
                3,
                &json!({"m2m:cnt": {"rn": rn, "lbl": [lbl]}}),
                Some("CAdmin"),
            )
            .await;
        assert_eq!(made.rsc, Some(2001), "{made:#?}");
        assert_eq!(made.body["m2m:cnt"]["rn"], json!(rn));
    }
    let found = inn
        .retrieve(
            &format!("/~{mn_csi}/cse-mn/shared?fu=1&lbl=red&ty=3"),
            "CAdmin",
        )
        .await;
    assert_eq!(found.rsc, Some(2000), "{found:#?}");
    assert_eq!(found.body["m2m:uril"], json!(["cse-mn/shared/a"]));
    inn.retrieve(&format!("/~{mn_csi}/cse-mn/shared/none"), "CAdmin")
        .await
        .assert_error(4004, 404, "none");
    // What the MN holds is what the forwarded create made.
    let local = mn_client.retrieve("/cse-mn/shared/b", "CAdmin").await;
    assert_eq!(local.body["m2m:cnt"]["lbl"], json!(["blue"]), "{local:#?}");
}
