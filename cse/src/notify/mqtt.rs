//! Outgoing requests over MQTT (TS-0010 §6.4, §6.6): the sender's transport for
//! `mqtt://` and `mqtts://` targets. A target reached through an AE's `poa` gets the
//! request on its standard request topic and the answer is awaited (matched by a
//! fresh `rqi`); a `nu` URL names the whole topic and nothing is awaited (spec digest
//! mqtt-binding §4.1). Requests go only to the broker this CSE is connected to
//! (`mqtt_url`): the one broker its operator configured, so the outgoing-request
//! policy has nothing to decide about it; any other broker is unreachable.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onecse_models::mqtt_topic;
use onecse_models::primitive::{Request, ResponseType};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResponseStatusCode, Serialization};
use percent_encoding::percent_decode_str;
use rumqttc::{AsyncClient, QoS};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use crate::core::notification::target::{self, RECEIVER_PARAM};

/// A broker's address, as `mqtt_url` or a target URL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    /// `mqtts`: TLS.
    pub secure: bool,
    /// Host name or address.
    pub host: String,
    /// Port (1883, or 8883 for `mqtts`, when not given).
    pub port: u16,
}

impl Broker {
    /// The broker as a point of access (`mqtt://host:port`, `mqtts://` with TLS),
    /// without credentials: what the CSEBase and a registration advertise, so other
    /// CSEs and AEs on the same broker reach this CSE over MQTT.
    pub fn poa(&self) -> String {
        let scheme = if self.secure { "mqtts" } else { "mqtt" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{}", self.port)
    }
}

/// A target URL, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttTarget {
    /// The broker.
    pub broker: Broker,
    /// The path, percent-decoded, without its leading `/`: a `poa`'s topic prefix, or
    /// a `nu` URL's whole topic.
    pub path: String,
    /// The AE (or CSE) a `poa` URL reaches ([`RECEIVER_PARAM`]).
    pub receiver: Option<String>,
    /// The serialization to send in (`ct`, JSON by default).
    pub serialization: Serialization,
}

impl MqttTarget {
    /// Reads `mqtt[s]://host[:port][/path][?ct=…&onem2m-to=…]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (url, serialization) = target::split_serialization(url).map_err(|e| e.message)?;
        let parsed = reqwest::Url::parse(&url).map_err(|_| format!("{url}: not a valid URL"))?;
        let secure = match parsed.scheme() {
            "mqtt" => false,
            "mqtts" => true,
            other => return Err(format!("{url}: '{other}' is not mqtt or mqtts")),
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{url}: the URL has no host"))?;
        let receiver = parsed
            .query_pairs()
            .find(|(name, _)| name == RECEIVER_PARAM)
            .map(|(_, value)| value.into_owned());
        let path = percent_decode_str(parsed.path().trim_start_matches('/'))
            .decode_utf8()
            .map_err(|_| format!("{url}: the path is not UTF-8"))?
            .into_owned();
        if path.contains(['+', '#', '\0']) {
            return Err(format!("{url}: a topic may not contain '+', '#' or NUL"));
        }
        Ok(Self {
            broker: Broker {
                secure,
                host: host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
                port: parsed.port().unwrap_or(if secure { 8883 } else { 1883 }),
            },
            path,
            receiver,
            serialization: serialization.unwrap_or(Serialization::Json),
        })
    }
}

/// An answer to a request this CSE published.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// `rqi`, matching the request.
    pub rqi: String,
    /// `rsc`.
    pub rsc: ResponseStatusCode,
    /// `pc`.
    pub content: Option<Value>,
    /// `cnot` of a partial result: where the rest begins.
    pub continues_at: Option<u64>,
}

/// This process's connection to its broker, shared by the binding (which answers
/// requests on it and hands in the answers it receives) and the sender.
#[derive(Clone)]
pub struct MqttLink {
    client: AsyncClient,
    csi: String,
    broker: Broker,
    connected: Arc<AtomicBool>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Answer>>>>,
    timeout: Duration,
}

impl MqttLink {
    /// A link over `client` to `broker` for the CSE `csi`, waiting `timeout` for
    /// answers.
    pub fn new(client: AsyncClient, csi: &str, broker: Broker, timeout: Duration) -> Self {
        Self {
            client,
            csi: csi.to_owned(),
            broker,
            connected: Arc::default(),
            waiting: Arc::default(),
            timeout,
        }
    }

    /// The client, for the binding's subscriptions and answers.
    pub fn client(&self) -> &AsyncClient {
        &self.client
    }

    /// Whether the broker connection is up now (`/readyz`).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// Records a connection state change; true when it changed (the binding logs
    /// once per change).
    pub fn set_connected(&self, up: bool) -> bool {
        self.connected.swap(up, Ordering::Relaxed) != up
    }

    /// Hands an answer to the request waiting for it; an answer nobody waits for
    /// (late, or meant for another process of this CSE) is dropped.
    pub fn answered(&self, answer: Answer) {
        let waiter = self
            .waiting
            .lock()
            .ok()
            .and_then(|mut waiting| waiting.remove(&answer.rqi));
        match waiter {
            Some(waiter) => {
                let _ = waiter.send(answer);
            }
            None => {
                tracing::debug!(rqi = %answer.rqi, "MQTT answer that no request waits for dropped")
            }
        }
    }

    /// Sends a NOTIFY (`pc` = `content`) from `from` to `url`, and returns the
    /// receiver's answer, or `None` for a `nu` URL (nothing is awaited). `Err` when
    /// the request could not be published (another broker, not connected) or no
    /// answer came in time.
    pub async fn notify(
        &self,
        url: &str,
        from: &str,
        content: &Value,
        ec: Option<i32>,
    ) -> Result<Option<Answer>, String> {
        let target = self.reachable(url)?;
        let rqi = uuid::Uuid::new_v4().simple().to_string();
        let (topic, to) = match &target.receiver {
            Some(receiver) => (
                mqtt_topic::request(&target.path, &self.csi, receiver, target.serialization),
                receiver.clone(),
            ),
            None if target.path.is_empty() => {
                return Err(format!(
                    "{url}: an MQTT notification URL needs a topic path"
                ));
            }
            None => (target.path.clone(), url.to_owned()),
        };
        let mut primitive = Map::new();
        primitive.insert("op".into(), json!(5));
        primitive.insert("to".into(), json!(to));
        primitive.insert("fr".into(), json!(from));
        primitive.insert("rqi".into(), json!(rqi));
        primitive.insert("rvi".into(), json!("3"));
        primitive.insert("ot".into(), json!(Timestamp::now().to_string()));
        primitive.insert("pc".into(), content.clone());
        if let Some(ec) = ec {
            primitive.insert("ec".into(), json!(ec));
        }
        let awaited = target.receiver.is_some();
        self.exchange(url, &target, topic, &rqi, primitive, awaited)
            .await
    }

    /// Sends the request `primitive` (with its own `rqi`, kept as it came: a
    /// forwarded request's) to the CSE `receiver` reached at `poa`, on its request
    /// topic (TS-0010 §6.4.2), and returns its answer.
    pub async fn request(
        &self,
        poa: &str,
        receiver: &str,
        primitive: Map<String, Value>,
    ) -> Result<Answer, String> {
        let target = self.reachable(poa)?;
        let rqi = primitive
            .get("rqi")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{poa}: the request has no rqi"))?
            .to_owned();
        let topic = mqtt_topic::request(&target.path, &self.csi, receiver, target.serialization);
        self.exchange(poa, &target, topic, &rqi, primitive, true)
            .await?
            .ok_or_else(|| format!("{poa}: no answer"))
    }

    /// `url` read, when it names this CSE's broker and that broker is connected.
    fn reachable(&self, url: &str) -> Result<MqttTarget, String> {
        let target = MqttTarget::parse(url)?;
        if target.broker != self.broker {
            return Err(format!(
                "{url}: onecse reaches only its own MQTT broker ({}:{})",
                self.broker.host, self.broker.port
            ));
        }
        if !self.is_connected() {
            return Err(format!("{url}: the MQTT broker is not connected"));
        }
        Ok(target)
    }

    /// Publishes `primitive` on `topic` and, when `awaited`, waits for the answer
    /// with its `rqi` (at most the notification timeout).
    async fn exchange(
        &self,
        url: &str,
        target: &MqttTarget,
        topic: String,
        rqi: &str,
        primitive: Map<String, Value>,
        awaited: bool,
    ) -> Result<Option<Answer>, String> {
        let payload = target.serialization.encode(&Value::Object(primitive));
        let answer = match awaited {
            true => Some(self.expect(url, rqi).await?),
            false => None,
        };
        if let Err(err) = self
            .client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
        {
            self.forget(rqi);
            return Err(format!("{url}: publishing failed: {err}"));
        }
        let Some(answer) = answer else {
            return Ok(None);
        };
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(answer)) => Ok(Some(answer)),
            _ => {
                self.forget(rqi);
                Err(format!(
                    "{url}: no answer within {} ms",
                    self.timeout.as_millis()
                ))
            }
        }
    }

    /// Registers the wait for the answer to `rqi`. An answer names only its `rqi`,
    /// and forwarded requests keep theirs (a group's fan-out sends one `rqi` to
    /// several members, two originators may pick the same one): while a request
    /// with the same `rqi` awaits its answer, this one waits its turn (at most the
    /// notification timeout), so every answer reaches the request it answers.
    async fn expect(&self, url: &str, rqi: &str) -> Result<oneshot::Receiver<Answer>, String> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            {
                let mut waiting = self
                    .waiting
                    .lock()
                    .map_err(|_| format!("{url}: the MQTT answer table is unusable"))?;
                if !waiting.contains_key(rqi) {
                    let (tx, rx) = oneshot::channel();
                    waiting.insert(rqi.to_owned(), tx);
                    return Ok(rx);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "{url}: another request with rqi {rqi} still awaited its answer after {} ms",
                    self.timeout.as_millis()
                ));
            }
            tokio::time::sleep(TURN_POLL).await;
        }
    }

    fn forget(&self, rqi: &str) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.remove(rqi);
        }
    }
}

/// How often a request whose `rqi` is in use looks again whether its turn came.
const TURN_POLL: Duration = Duration::from_millis(2);

/// The primitive members a request carries in the HTTP binding's query string, and
/// whether each is an integer there.
const RESULT_PARAMETERS: &[(&str, bool)] = &[("rcn", true), ("drt", true), ("rp", false)];

/// The filter criteria (`fc` members, TS-0004 §6.3.5.8) the HTTP binding reads from
/// its query string, and whether each is an integer; any other query name is an
/// attribute condition (`fc/atr`).
const FILTER_CRITERIA: &[(&str, bool)] = &[
    ("crb", false),
    ("cra", false),
    ("ms", false),
    ("us", false),
    ("exb", false),
    ("exa", false),
    ("sts", true),
    ("stb", true),
    ("sza", true),
    ("szb", true),
    ("lbl", false),
    ("cty", false),
    ("ty", true),
    ("lim", true),
    ("lvl", true),
    ("ofst", true),
    ("arp", false),
    ("fu", true),
    ("fo", true),
    ("gmty", true),
    ("geom", false),
    ("gsf", true),
    ("smf", false),
    ("chty", true),
    ("pty", true),
    ("clbl", false),
    ("palb", false),
];

/// `req` as an MQTT request primitive (TS-0004 §8.4, TS-0010 §6.4.2) from `from`,
/// with its `rqi`, parameters and times as they came: what a forwarded request
/// carries over HTTP in headers and query string, here as members.
pub fn request_primitive(req: &Request, from: &str) -> Map<String, Value> {
    let mut primitive = Map::new();
    primitive.insert("op".into(), json!(req.op.number()));
    primitive.insert("to".into(), json!(req.to));
    primitive.insert("fr".into(), json!(from));
    primitive.insert("rqi".into(), json!(req.rqi));
    primitive.insert("rvi".into(), json!(req.rvi.as_str()));
    primitive.insert("ot".into(), json!(Timestamp::now().to_string()));
    if let Some(ty) = req.ty.filter(|_| req.op == Operation::Create) {
        primitive.insert("ty".into(), json!(ty.number()));
    }
    if let Some(content) = &req.content {
        primitive.insert("pc".into(), content.clone());
    }
    if let Some(vsi) = &req.vsi {
        primitive.insert("vsi".into(), json!(vsi));
    }
    for (name, at) in [
        ("rqet", req.timing.rqet),
        ("rset", req.timing.rset),
        ("oet", req.timing.oet),
    ] {
        if let Some(at) = at {
            primitive.insert(name.into(), json!(at.to_string()));
        }
    }
    match &req.response_type {
        ResponseType::Blocking => {}
        ResponseType::NonBlockingSynch => {
            primitive.insert("rt".into(), json!({"rtv": 1}));
        }
        ResponseType::NonBlockingAsynch { nu } => {
            primitive.insert("rt".into(), json!({"rtv": 2, "nu": nu}));
        }
        ResponseType::NoResponse => {
            primitive.insert("rt".into(), json!({"rtv": 5}));
        }
    }
    let mut fc = Map::new();
    let mut attributes = Vec::new();
    for (name, value) in form_urlencoded::parse(req.query.as_bytes()) {
        let typed = |integer: bool| match value.parse::<i64>() {
            Ok(n) if integer => json!(n),
            _ => json!(value),
        };
        if let Some((_, integer)) = RESULT_PARAMETERS.iter().find(|(n, _)| *n == name) {
            primitive.insert(name.into_owned(), typed(*integer));
        } else if name == "rt" {
            // Read below from the request itself (an MQTT request has no `rt` pair).
        } else if name == "atrl" {
            push_value(&mut primitive, &name, json!(value));
        } else if let Some((_, integer)) = FILTER_CRITERIA.iter().find(|(n, _)| *n == name) {
            push_value(&mut fc, &name, typed(*integer));
        } else {
            attributes.push(json!({ "nm": name, "val": value }));
        }
    }
    if !attributes.is_empty() {
        fc.insert("atr".into(), Value::Array(attributes));
    }
    if !fc.is_empty() {
        primitive.insert("fc".into(), Value::Object(fc));
    }
    primitive
}

/// Adds `value` under `name`: a second value makes the member a list.
fn push_value(map: &mut Map<String, Value>, name: &str, value: Value) {
    match map.get_mut(name) {
        None => {
            map.insert(name.to_owned(), value);
        }
        Some(Value::Array(values)) => values.push(value),
        Some(first) => *first = Value::Array(vec![first.take(), value]),
    }
}

/// Whether `url` is sent over MQTT.
pub fn is_mqtt(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("mqtt://"))
        || url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("mqtts://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_broker_path_receiver_and_serialization() {
        let t = MqttTarget::parse("mqtt://127.0.0.1/a%2Fb?ct=cbor");
        assert_eq!(
            t,
            Ok(MqttTarget {
                broker: Broker {
                    secure: false,
                    host: "127.0.0.1".into(),
                    port: 1883
                },
                path: "a/b".into(),
                receiver: None,
                serialization: Serialization::Cbor,
            })
        );
        let poa = MqttTarget::parse("mqtts://broker:9000?onem2m-to=Cdev");
        assert_eq!(poa.as_ref().map(|t| t.broker.port), Ok(9000));
        assert_eq!(poa.map(|t| t.receiver), Ok(Some("Cdev".into())));
        assert!(MqttTarget::parse("mqtt://h/a/+").is_err());
        assert!(MqttTarget::parse("http://h/a").is_err());
        assert!(is_mqtt("MQTT://h") && is_mqtt("mqtts://h") && !is_mqtt("http://h"));
    }
}
