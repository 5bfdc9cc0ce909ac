//! The MQTT transport of the test client (TS-0010): each request a test composes for
//! HTTP is turned into the request primitive the HTTP binding would have built from it
//! (TS-0009 mapping read backwards), published on the CSE's request topic, and the
//! response primitive is read back into a [`Reply`] as if it had come over HTTP (the
//! status from the one RSC→HTTP table), so the same tests and conformance cases run
//! over either binding. Requests with no MQTT form (no request identifier, a body
//! that is not JSON or CBOR, a method without an operation) come back as failed
//! replies naming why.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onecse_models::mqtt_topic::{self, Topic};
use onecse_models::{ResponseStatusCode, Serialization};
use reqwest::Method;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::{Map, Value, json};
use tokio::sync::{OnceCell, oneshot, watch};

use crate::{Error, Reply, Request, headers};

/// Client identifiers are unique per process and transport.
static NEXT_CLIENT: AtomicU64 = AtomicU64::new(1);

type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;

/// A connection to the broker a CSE serves MQTT on, opened at the first request (on
/// the runtime that sends it). Cheap to clone.
#[derive(Clone)]
pub struct MqttTransport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MqttTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MqttTransport({}:{})", self.inner.host, self.inner.port)
    }
}

struct Inner {
    host: String,
    port: u16,
    csi: String,
    client_id: String,
    link: OnceCell<(AsyncClient, Waiting)>,
}

impl MqttTransport {
    /// A transport to the CSE `cse_id` through the broker `mqtt://host[:port]`.
    pub fn new(broker: &str, cse_id: &str) -> Result<Self, Error> {
        let bad = || Error::Broker(broker.to_owned());
        let authority = broker.strip_prefix("mqtt://").ok_or_else(bad)?;
        let authority = authority.trim_end_matches('/');
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
            None => (authority, 1883),
        };
        if host.is_empty() {
            return Err(bad());
        }
        let n = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            inner: Arc::new(Inner {
                host: host.to_owned(),
                port,
                csi: cse_id.to_owned(),
                client_id: format!("testkit-{}-{n}", std::process::id()),
                link: OnceCell::new(),
            }),
        })
    }

    /// Sends `request` as a request primitive and waits up to `timeout` for its
    /// answer.
    pub async fn execute(&self, request: &Request, timeout: Duration) -> Reply {
        let Outgoing {
            payload,
            serialization,
            from,
            rqi,
        } = match outgoing(request) {
            Ok(done) => done,
            Err(why) => return Reply::failed(format!("no MQTT form: {why}")),
        };
        let (client, waiting) = match self.link().await {
            Ok(link) => link,
            Err(why) => return Reply::failed(why),
        };
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = waiting.lock() {
            waiting.insert(rqi.clone(), tx);
        }
        let topic = mqtt_topic::request("", &from, &self.inner.csi, serialization);
        if let Err(e) = client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
        {
            return Reply::failed(format!("publishing: {e}"));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(response)) => reply_of(&response, serialization),
            _ => {
                if let Ok(mut waiting) = waiting.lock() {
                    waiting.remove(&rqi);
                }
                Reply::failed(format!("no MQTT answer to '{rqi}' within {timeout:?}"))
            }
        }
    }

    /// The broker's URL (`mqtt://host:port`), as a `nu` or `poa` names it.
    pub fn broker_url(&self) -> String {
        format!("mqtt://{}:{}", self.inner.host, self.inner.port)
    }

    /// Subscribes a connection of its own to `filter` and returns what arrives there
    /// (payloads read as JSON, or CBOR on a `/cbor` topic): a device or a
    /// notification target listening on the broker.
    pub async fn listen(&self, filter: &str) -> Result<Inbox, String> {
        let n = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
        let id = format!("testkit-listen-{}-{n}", std::process::id());
        let mut options = MqttOptions::new(id, &self.inner.host, self.inner.port);
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(4 << 20, 4 << 20);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (ready_tx, mut ready) = watch::channel(false);
        let filter = filter.to_owned();
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = client.try_subscribe(filter.as_str(), QoS::AtLeastOnce);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = ready_tx.send(true);
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let value = if p.topic.ends_with("/cbor") {
                            onecse_models::cbor::decode(&p.payload).ok()
                        } else {
                            serde_json::from_slice(&p.payload).ok()
                        };
                        if tx
                            .send((p.topic.clone(), value.unwrap_or(Value::Null)))
                            .is_err()
                        {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) if tx.is_closed() => return,
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), ready.wait_for(|r| *r))
            .await
            .map_err(|_| "the MQTT broker did not accept the subscription within 10 s".to_owned())?
            .map_err(|_| "the MQTT listener ended".to_owned())?;
        Ok(Inbox { rx })
    }

    /// The connection, made once: connected and subscribed to the answers before the
    /// first request is published.
    async fn link(&self) -> Result<(AsyncClient, Waiting), String> {
        let inner = &self.inner;
        let link = inner
            .link
            .get_or_try_init(|| async {
                let mut options = MqttOptions::new(&inner.client_id, &inner.host, inner.port);
                options
                    .set_keep_alive(Duration::from_secs(30))
                    .set_max_packet_size(4 << 20, 4 << 20);
                let (client, eventloop) = AsyncClient::new(options, 256);
                let waiting: Waiting = Arc::default();
                let (ready_tx, mut ready) = watch::channel(false);
                let filter = format!("/oneM2M/resp/+/{}/+", mqtt_topic::level(&inner.csi));
                tokio::spawn(drive(
                    client.clone(),
                    eventloop,
                    filter,
                    Arc::clone(&waiting),
                    ready_tx,
                ));
                tokio::time::timeout(Duration::from_secs(10), ready.wait_for(|r| *r))
                    .await
                    .map_err(|_| {
                        format!(
                            "the MQTT broker {}:{} did not accept a subscription within 10 s",
                            inner.host, inner.port
                        )
                    })?
                    .map_err(|_| "the MQTT connection task ended".to_owned())?;
                Ok::<_, String>((client, waiting))
            })
            .await?;
        Ok(link.clone())
    }
}

/// What a [`MqttTransport::listen`] subscription received: (topic, payload).
pub struct Inbox {
    rx: tokio::sync::mpsc::UnboundedReceiver<(String, Value)>,
}

impl Inbox {
    /// The next message within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<(String, Value)> {
        tokio::time::timeout(wait, self.rx.recv()).await.ok()?
    }
}

/// Keeps the connection up, subscribes on each connect, and hands each answer to the
/// request waiting for it.
async fn drive(
    client: AsyncClient,
    mut eventloop: EventLoop,
    filter: String,
    waiting: Waiting,
    ready: watch::Sender<bool>,
) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                let _ = client.try_subscribe(filter.as_str(), QoS::AtLeastOnce);
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                let _ = ready.send(true);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let Ok(topic) = Topic::parse(&publish.topic) else {
                    continue;
                };
                let answer = match topic.serialization {
                    Serialization::Cbor => onecse_models::cbor::decode(&publish.payload).ok(),
                    _ => serde_json::from_slice::<Value>(&publish.payload).ok(),
                };
                let Some(answer) = answer else { continue };
                // An answer without rqi (to a payload the CSE could not read) goes to
                // the one request sent without a readable rqi.
                let rqi = answer
                    .get("rqi")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let waiter = waiting.lock().ok().and_then(|mut w| w.remove(rqi));
                if let Some(waiter) = waiter {
                    let _ = waiter.send(answer);
                }
            }
            Ok(_) => {}
            Err(_) => {
                if ready.is_closed() && Arc::strong_count(&waiting) == 1 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// What is published for a request.
struct Outgoing {
    payload: Vec<u8>,
    serialization: Serialization,
    /// The originator level of the topic.
    from: String,
    /// The `rqi` the answer will carry: empty when the CSE cannot read one (no
    /// `X-M2M-RI`, or content that is not JSON or CBOR, sent as the payload itself).
    rqi: String,
}

/// The payload for an HTTP-shaped request: its primitive, in CBOR when the request's
/// content (or, without content, its Accept) is CBOR (the topic's last level says
/// so); content that is neither JSON nor CBOR is published as the whole payload, so
/// the CSE meets the same malformed bytes it would over HTTP.
fn outgoing(request: &Request) -> Result<Outgoing, String> {
    let header = |name: &str| headers::find(&request.headers, name).map(str::to_owned);
    let cbor = |h: Option<String>| {
        h.as_deref().and_then(Serialization::of_media_type) == Some(Serialization::Cbor)
    };
    let has_content = request.bytes.is_some() || request.body.is_some();
    let serialization = if cbor(header("Content-Type")) || (!has_content && cbor(header("Accept")))
    {
        Serialization::Cbor
    } else {
        Serialization::Json
    };
    let from = header("X-M2M-Origin").unwrap_or_else(|| "C".to_owned());
    match primitive_of(request) {
        Ok(primitive) => Ok(Outgoing {
            payload: serialization.encode(&primitive),
            serialization,
            from,
            rqi: header("X-M2M-RI").unwrap_or_default(),
        }),
        Err(Unsendable::Content) => Ok(Outgoing {
            payload: request
                .bytes
                .clone()
                .or_else(|| request.body.clone().map(String::into_bytes))
                .unwrap_or_default(),
            serialization,
            from,
            rqi: String::new(),
        }),
        Err(Unsendable::Other(why)) => Err(why),
    }
}

/// Why a request has no primitive.
enum Unsendable {
    /// Its content is neither JSON nor CBOR.
    Content,
    /// Anything else.
    Other(String),
}

/// The request primitive of an HTTP-shaped request.
fn primitive_of(request: &Request) -> Result<Value, Unsendable> {
    let header = |name: &str| headers::find(&request.headers, name).map(str::to_owned);
    let rqi = header("X-M2M-RI");
    let content_type = header("Content-Type");
    let ty = content_type.as_deref().and_then(|ct| {
        ct.split(';')
            .filter_map(|p| p.trim().strip_prefix("ty="))
            .find_map(|n| n.parse::<u16>().ok())
    });
    let op = match (&request.method, ty) {
        (&Method::POST, Some(_)) => 1,
        (&Method::POST, None) => 5,
        (&Method::GET, _) => 2,
        (&Method::PUT, _) => 3,
        (&Method::DELETE, _) => 4,
        (other, _) => {
            return Err(Unsendable::Other(format!(
                "HTTP method {other} has no operation"
            )));
        }
    };
    let (path, raw_query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let path = percent_decode(path).map_err(Unsendable::Other)?;
    let path = path.strip_prefix('/').unwrap_or(&path);
    let to = if let Some(rest) = path.strip_prefix("~/") {
        format!("/{rest}")
    } else if let Some(rest) = path.strip_prefix("_/") {
        format!("//{rest}")
    } else {
        path.to_owned()
    };
    let mut map = Map::new();
    map.insert("op".into(), json!(op));
    map.insert("to".into(), json!(to));
    if let Some(rqi) = rqi {
        map.insert("rqi".into(), json!(rqi));
    }
    if let Some(from) = header("X-M2M-Origin") {
        map.insert("fr".into(), json!(from));
    }
    for (name, member) in [
        ("X-M2M-RVI", "rvi"),
        ("X-M2M-VSI", "vsi"),
        ("X-M2M-RET", "rqet"),
        ("X-M2M-RST", "rset"),
        ("X-M2M-OET", "oet"),
    ] {
        if let Some(value) = header(name) {
            map.insert(member.into(), json!(value));
        }
    }
    if let Some(ty) = ty {
        map.insert("ty".into(), json!(ty));
    }
    if let Some(pc) = content(request, content_type.as_deref()).map_err(|_| Unsendable::Content)? {
        map.insert("pc".into(), pc);
    }
    let mut fc = Map::new();
    let mut rt = Map::new();
    if let Some(rtu) = header("X-M2M-RTU") {
        let nu: Vec<&str> = rtu.split('&').filter(|s| !s.is_empty()).collect();
        rt.insert("nu".into(), json!(nu));
    }
    let pairs = form_urlencoded::parse(raw_query.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .chain(request.query.iter().cloned());
    for (name, value) in pairs {
        match name.as_str() {
            "rt" => {
                rt.insert("rtv".into(), json!(value));
            }
            "rcn" | "drt" | "rp" => {
                map.insert(name, json!(value));
            }
            "atrl" => append(&mut map, name, value),
            _ => append(&mut fc, name, value),
        }
    }
    if !fc.is_empty() {
        map.insert("fc".into(), Value::Object(fc));
    }
    if !rt.is_empty() {
        map.insert("rt".into(), Value::Object(rt));
    }
    Ok(Value::Object(map))
}

/// Adds `value` to the list `name` (a repeated parameter keeps every value).
fn append(map: &mut Map<String, Value>, name: String, value: String) {
    match map.entry(name).or_insert_with(|| json!([])) {
        Value::Array(items) => items.push(json!(value)),
        other => *other = json!([other.clone(), value]),
    }
}

/// The request's body as `pc`.
fn content(request: &Request, content_type: Option<&str>) -> Result<Option<Value>, String> {
    let cbor = content_type.and_then(Serialization::of_media_type) == Some(Serialization::Cbor);
    let bytes = match (&request.bytes, &request.body) {
        (Some(bytes), _) => bytes.clone(),
        (None, Some(body)) => body.as_bytes().to_vec(),
        (None, None) => return Ok(None),
    };
    if bytes.is_empty() {
        return Ok(None);
    }
    if cbor {
        onecse_models::cbor::decode(&bytes).map(Some)
    } else {
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("the body is not JSON: {e}"))
    }
}

fn percent_decode(path: &str) -> Result<String, String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the path is not UTF-8".to_owned())
}

/// The response primitive as an HTTP-shaped reply: the status from the RSC table, the
/// `X-M2M-*` values as headers, `pc` as the body in the serialization it came in.
fn reply_of(response: &Value, serialization: Serialization) -> Reply {
    let rsc = response.get("rsc").and_then(Value::as_u64).unwrap_or(0);
    let status = u16::try_from(rsc)
        .ok()
        .and_then(ResponseStatusCode::from_code)
        .map_or(0, ResponseStatusCode::http_status);
    let mut headers = vec![("x-m2m-rsc".to_owned(), rsc.to_string())];
    for (member, name) in [
        ("rqi", "x-m2m-ri"),
        ("rvi", "x-m2m-rvi"),
        ("vsi", "x-m2m-vsi"),
    ] {
        if let Some(value) = response.get(member).and_then(Value::as_str) {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    if let Some(cnot) = response.get("cnot") {
        headers.push(("x-m2m-cts".to_owned(), "1".to_owned()));
        headers.push(("x-m2m-cto".to_owned(), cnot.to_string()));
    }
    let body = match response.get("pc") {
        Some(pc) => {
            headers.push((
                "content-type".to_owned(),
                serialization.media_type().to_owned(),
            ));
            serialization.encode(pc)
        }
        None => Vec::new(),
    };
    Reply::from_bytes(status, headers, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_shaped_requests_become_primitives() {
        let request = Request::new(Method::GET, "/~/id-in/cse-in?fu=1&ty=3&ty=4&rcn=8")
            .header("X-M2M-RI", "r1")
            .header("X-M2M-RVI", "3")
            .originator("Cae")
            .query("lbl", "a");
        let primitive = primitive_of(&request).unwrap_or(Value::Null);
        assert_eq!(
            primitive,
            json!({"op": 2, "to": "/id-in/cse-in", "rqi": "r1", "fr": "Cae", "rvi": "3",
                "rcn": "8", "fc": {"fu": ["1"], "ty": ["3", "4"], "lbl": ["a"]}})
        );
        let create = Request::new(Method::POST, "/cse-in")
            .header("X-M2M-RI", "r2")
            .json(Some(2), &json!({"m2m:ae": {}}));
        let primitive = primitive_of(&create).unwrap_or(Value::Null);
        assert_eq!(primitive["op"], 1);
        assert_eq!(primitive["ty"], 2);
        let no_rqi = outgoing(&Request::new(Method::GET, "/cse-in"));
        assert!(no_rqi.is_ok_and(|o| o.rqi.is_empty()));
        let bad = Request::new(Method::POST, "/cse-in")
            .header("X-M2M-RI", "r3")
            .content_type("application/json;ty=3")
            .body("{oops");
        assert!(outgoing(&bad).is_ok_and(|o| o.payload == b"{oops" && o.rqi.is_empty()));
    }
}
