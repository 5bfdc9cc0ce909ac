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
use onecse_models::time::Timestamp;
use onecse_models::{ResponseStatusCode, Serialization};
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
        let payload = target.serialization.encode(&Value::Object(primitive));
        let answer = target.receiver.is_some().then(|| self.expect(&rqi));
        if let Err(err) = self
            .client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
        {
            self.forget(&rqi);
            return Err(format!("{url}: publishing failed: {err}"));
        }
        let Some(answer) = answer else {
            return Ok(None);
        };
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(answer)) => Ok(Some(answer)),
            _ => {
                self.forget(&rqi);
                Err(format!(
                    "{url}: no answer within {} ms",
                    self.timeout.as_millis()
                ))
            }
        }
    }

    fn expect(&self, rqi: &str) -> oneshot::Receiver<Answer> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.insert(rqi.to_owned(), tx);
        }
        rx
    }

    fn forget(&self, rqi: &str) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.remove(rqi);
        }
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
