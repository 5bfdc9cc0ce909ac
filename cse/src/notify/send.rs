//! Outgoing NOTIFY requests over HTTP (TS-0009), and over MQTT where the target is an
//! `mqtt(s)://` URL (through [`super::mqtt`]): POST with this CSE's ID as
//! originator, a fresh request ID, `Content-Type: application/json` exactly (or
//! `application/cbor` for targets that asked for CBOR) and a
//! `Content-Length` (simple receivers need both), bounded by connect and request
//! timeouts, sent only where the outgoing-request policy ([`super::egress`]) allows,
//! never following redirects, and at most `per_target` at once to one host and port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onecse_models::ResponseStatusCode;
use onecse_models::time::Timestamp;
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::egress::EgressPolicy;
use super::mqtt::{Answer as MqttAnswer, MqttLink, is_mqtt};
use crate::core::notification::target;
use onecse_models::Serialization;

/// The HTTP client notifications are sent with.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    cse_id: String,
    policy: Arc<EgressPolicy>,
    targets: Arc<TargetLimits>,
    /// The MQTT transport for `mqtt(s)://` targets, when the MQTT binding is on.
    mqtt: Option<MqttLink>,
}

/// How outgoing requests are sent.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// Time limit to connect.
    pub connect_timeout: Duration,
    /// Time limit of the whole request.
    pub timeout: Duration,
    /// Where requests may go.
    pub policy: EgressPolicy,
    /// Requests in flight to one host and port at most.
    pub per_target: usize,
    /// CA certificates trusted for https besides the system's roots (`notify_ca_file`).
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl Sender {
    /// A sender with the given settings.
    pub fn new(cse_id: &str, settings: SenderSettings) -> reqwest::Result<Self> {
        let policy = Arc::new(settings.policy);
        let mut client = reqwest::Client::builder();
        for root in &settings.extra_roots {
            client = client.add_root_certificate(reqwest::Certificate::from_der(root)?);
        }
        let client = client
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            // Never through a proxy, not even one the environment names (HTTP_PROXY,
            // ALL_PROXY): a proxy resolves and connects by itself, around the egress
            // policy's resolver.
            .no_proxy()
            // `Content-Type`, `Content-Length`, `Host` as receivers that compare
            // header names literally expect (hyper writes lower case otherwise).
            .http1_title_case_headers()
            .dns_resolver(policy.resolver())
            .build()?;
        Ok(Self {
            client,
            cse_id: cse_id.to_owned(),
            policy,
            targets: Arc::new(TargetLimits::new(settings.per_target)),
            mqtt: None,
        })
    }

    /// The same sender, also sending to `mqtt(s)://` targets over `link`.
    pub fn with_mqtt(mut self, link: MqttLink) -> Self {
        self.mqtt = Some(link);
        self
    }

    /// Sends a NOTIFY to an `mqtt(s)://` target (see [`super::mqtt`]): its answer, or
    /// `None` where none is awaited (a `nu` URL).
    async fn notify_mqtt(
        &self,
        url: &str,
        from: &str,
        body: &Value,
        ec: Option<i32>,
    ) -> Result<Option<MqttAnswer>, String> {
        let link = self.mqtt.as_ref().ok_or_else(|| {
            format!("{url}: this CSE has no MQTT connection (mqtt_url is not set)")
        })?;
        link.notify(url, from, body, ec).await
    }

    /// Sends the request primitive `primitive` to the CSE `receiver` at its
    /// `mqtt(s)://` point of access `poa` (the forward route over MQTT) and returns
    /// its answer as an HTTP forward's.
    pub async fn forward_mqtt(
        &self,
        poa: &str,
        receiver: &str,
        primitive: serde_json::Map<String, Value>,
    ) -> Result<Forwarded, String> {
        let link = self.mqtt.as_ref().ok_or_else(|| {
            format!("{poa}: this CSE has no MQTT connection (mqtt_url is not set)")
        })?;
        let answer = link.request(poa, receiver, primitive).await?;
        Ok(Forwarded {
            rsc: answer.rsc,
            content: answer.content,
            location: None,
            continues_at: answer.continues_at,
        })
    }

    /// POSTs `body` to `url`. Success is an HTTP 2xx whose `X-M2M-RSC`, if present, is
    /// a 2xxx code; anything else (refused, timed out, error status) is a failure with
    /// its reason.
    pub async fn post(&self, url: &str, body: &Value, ec: Option<i32>) -> Result<(), String> {
        if is_mqtt(url) {
            return match self.notify_mqtt(url, &self.cse_id, body, ec).await? {
                Some(answer) if !answer.rsc.is_success() => Err(format!(
                    "{url} answered with response status code {}",
                    answer.rsc.code()
                )),
                _ => Ok(()),
            };
        }
        let headers = Headers {
            from: &self.cse_id,
            rqi: &uuid::Uuid::new_v4().simple().to_string(),
            rvi: "3",
            ec,
        };
        let response = self.send(url, &headers, body).await?;
        let status = response.status();
        let rsc = response_rsc(&response);
        let rsc_ok = rsc.as_deref().is_none_or(|r| r.starts_with('2'));
        if status.is_success() && rsc_ok {
            Ok(())
        } else {
            Err(format!(
                "{url} answered HTTP {} with X-M2M-RSC {}",
                status.as_u16(),
                rsc.as_deref().unwrap_or("(none)")
            ))
        }
    }

    /// Sends a NOTIFY on someone's behalf (a relayed request keeps its originator
    /// and request ID, TS-0004 §7.3.3.9) and returns the receiver's answer: its
    /// response status code (from `X-M2M-RSC`, else 2000 for an HTTP 2xx), its HTTP
    /// status, whether it is a oneM2M response primitive, and only then its content
    /// (JSON or CBOR, at most [`MAX_ANSWER_BYTES`]; larger or unreadable content is
    /// dropped). `Err` only when `url` could not be reached: once the receiver
    /// answered anything, it was reached, so a caller trying the next `poa` entry
    /// never delivers the request twice. An HTTP error without a known `X-M2M-RSC`
    /// reads as 5103 TARGET_NOT_REACHABLE.
    pub async fn exchange(
        &self,
        url: &str,
        headers: &Headers<'_>,
        body: &Value,
    ) -> Result<Exchanged, String> {
        if is_mqtt(url) {
            let answer = self
                .notify_mqtt(url, headers.from, body, headers.ec)
                .await?;
            return Ok(match answer {
                Some(answer) => Exchanged {
                    rsc: answer.rsc,
                    content: answer.content,
                    status: answer.rsc.http_status(),
                    primitive: true,
                },
                None => Exchanged {
                    rsc: ResponseStatusCode::Ok,
                    content: None,
                    status: 200,
                    primitive: false,
                },
            });
        }
        let mut response = self.send(url, headers, body).await?;
        let status = response.status();
        let known = response_rsc(&response)
            .and_then(|text| text.parse::<u16>().ok())
            .and_then(ResponseStatusCode::from_code);
        let rsc = match known {
            Some(rsc) => rsc,
            None if status.is_success() => ResponseStatusCode::Ok,
            None => ResponseStatusCode::TargetNotReachable,
        };
        // A response primitive carries its rsc and the request's rqi (TS-0004 table
        // 7.2.1.2-1; TS-0009 X-M2M-RSC, X-M2M-RI). Anything else (a web server's page,
        // an API's JSON) is not read at all, so no one can read it back through us.
        let echoed = response
            .headers()
            .get("X-M2M-RI")
            .is_some_and(|ri| ri.as_bytes() == headers.rqi.as_bytes());
        if known.is_none() || !echoed {
            return Ok(Exchanged {
                rsc,
                content: None,
                status: status.as_u16(),
                primitive: false,
            });
        }
        let content = read_content(&mut response).await;
        Ok(Exchanged {
            rsc,
            content,
            status: status.as_u16(),
            primitive: true,
        })
    }

    /// Sends a request another CSE's resource is the target of to the next hop
    /// (forwarding, spec digest inter-cse §3), where the egress policy allows, and
    /// returns its oneM2M answer. `Err` when `url` could not be reached or answered
    /// without an `X-M2M-RSC` this CSE knows (not a oneM2M answer: its body is
    /// dropped).
    pub async fn forward(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&'static str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Forwarded, String> {
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url}: not a valid URL"))?;
        self.policy
            .check_url(&parsed)
            .map_err(|reason| format!("{url}: {reason}"))?;
        let _slot = self.targets.acquire(&parsed).await;
        let mut request = self.client.request(method, parsed);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| format!("{url}: {}", describe(&e)))?;
        let rsc = response_rsc(&response)
            .and_then(|text| text.parse::<u16>().ok())
            .and_then(ResponseStatusCode::from_code)
            .ok_or_else(|| {
                format!(
                    "{url} answered HTTP {} without a oneM2M response status code",
                    response.status().as_u16()
                )
            })?;
        // A response primitive echoes the request's rqi (TS-0004 table 7.2.1.2-1);
        // an answer that does not is not read, as for a relay.
        let sent_ri = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("X-M2M-RI"));
        let echoed = response.headers().get("X-M2M-RI");
        if let Some((_, ri)) = sent_ri
            && echoed.is_none_or(|echoed| echoed.as_bytes() != ri.as_bytes())
        {
            return Err(format!(
                "{url} answered without echoing the request identifier (not a oneM2M response)"
            ));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("Content-Location");
        let continues_at = header("X-M2M-CTO").and_then(|cto| cto.parse::<u64>().ok());
        let content = read_content(&mut response).await;
        Ok(Forwarded {
            rsc,
            content,
            location,
            continues_at,
        })
    }

    /// One POST to `url` where the egress policy allows it, within the per-target
    /// limit. The body is serialized as the URL's `ct` mark says (JSON without one,
    /// see `target::reach`), and the mark is removed before sending.
    async fn send(
        &self,
        url: &str,
        headers: &Headers<'_>,
        body: &Value,
    ) -> Result<reqwest::Response, String> {
        let (url, serialization) = target::split_serialization(url).map_err(|err| err.message)?;
        let url = url.as_str();
        let serialization = serialization.unwrap_or(Serialization::Json);
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url}: not a valid URL"))?;
        self.policy
            .check_url(&parsed)
            .map_err(|reason| format!("{url}: {reason}"))?;
        let _slot = self.targets.acquire(&parsed).await;
        let mut request = self
            .client
            .post(parsed)
            .header("X-M2M-Origin", headers.from)
            .header("X-M2M-RI", headers.rqi)
            .header("X-M2M-RVI", headers.rvi)
            .header("X-M2M-OT", Timestamp::now().to_string())
            .header(reqwest::header::CONTENT_TYPE, serialization.media_type())
            .body(serialization.encode(body));
        if let Some(ec) = headers.ec {
            request = request.header("X-M2M-EC", ec.to_string());
        }
        request
            .send()
            .await
            .map_err(|e| format!("{url}: {}", describe(&e)))
    }

    /// Tries `urls` in order (an AE's `poa` list) until one accepts.
    pub async fn post_first(
        &self,
        urls: &[String],
        body: &Value,
        ec: Option<i32>,
    ) -> Result<(), String> {
        first_success(urls, |url| self.post(url, body, ec)).await
    }
}

/// The headers of a request onecse sends as an originator or passes on as a transit
/// (TS-0009 table 6.4.1-1): From, request ID, release version, the answer asked as
/// JSON, and, when `content` is `Some`, the JSON content type (with `ty` on a CREATE).
/// The forward route and the registration at a registrar build their requests here.
pub fn primitive_headers(
    from: String,
    rqi: String,
    rvi: &str,
    content: Option<Option<onecse_models::ResourceType>>,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("X-M2M-Origin", from),
        ("X-M2M-RI", rqi),
        ("X-M2M-RVI", rvi.to_owned()),
        ("Accept", "application/json".to_owned()),
    ];
    if let Some(ty) = content {
        let media = ty.map_or_else(
            || "application/json".to_owned(),
            |ty| format!("application/json;ty={}", ty.number()),
        );
        headers.push(("Content-Type", media));
    }
    headers
}

/// The HTTP method of an operation (TS-0009 §6.2.1), for every request onecse sends
/// as an originator or a transit.
pub fn method_of(op: onecse_models::Operation) -> reqwest::Method {
    use onecse_models::Operation;
    match op {
        Operation::Create | Operation::Notify => reqwest::Method::POST,
        Operation::Retrieve => reqwest::Method::GET,
        Operation::Update => reqwest::Method::PUT,
        Operation::Delete => reqwest::Method::DELETE,
    }
}

/// The next hop's answer to a forwarded request: what the client gets unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Forwarded {
    /// `X-M2M-RSC`.
    pub rsc: ResponseStatusCode,
    /// The content (JSON or CBOR, at most [`MAX_ANSWER_BYTES`]).
    pub content: Option<Value>,
    /// `Content-Location`, as sent.
    pub location: Option<String>,
    /// `X-M2M-CTO` of a partial result.
    pub continues_at: Option<u64>,
}

impl Forwarded {
    /// The answer in words for a log line: `answered 4000: <m2m:dbg>`.
    pub fn describe(&self) -> String {
        let dbg = self
            .content
            .as_ref()
            .and_then(|c| c.get("m2m:dbg"))
            .and_then(Value::as_str)
            .map(|dbg| format!(": {dbg}"))
            .unwrap_or_default();
        format!("answered {}{dbg}", self.rsc.code())
    }
}

/// Reads an answer's content, JSON or CBOR as its `Content-Type` says, at most
/// [`MAX_ANSWER_BYTES`]; larger or unreadable content is dropped.
async fn read_content(response: &mut reqwest::Response) -> Option<Value> {
    let answered_cbor = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Serialization::of_media_type)
        == Some(Serialization::Cbor);
    let mut bytes = Vec::new();
    let complete = loop {
        match response.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_ANSWER_BYTES => {
                bytes.extend_from_slice(&chunk);
            }
            Ok(Some(_)) | Err(_) => break false,
            Ok(None) => break true,
        }
    };
    if !complete || bytes.is_empty() {
        None
    } else if answered_cbor {
        onecse_models::cbor::decode(&bytes).ok()
    } else {
        serde_json::from_slice::<Value>(&bytes).ok()
    }
}

/// The reason given for every network failure: a target that never answered.
pub const NO_ANSWER: &str = "no answer from the target";

/// Runs `attempt` on each of `urls` in order (an AE's `poa` list) until one succeeds;
/// when none does, the reasons of all, joined. Every "next `poa` entry" rule (TS-0004
/// §7.3.3.9.1) goes through here.
pub async fn first_success<'a, T, F, Fut>(urls: &'a [String], mut attempt: F) -> Result<T, String>
where
    F: FnMut(&'a String) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut errors = Vec::new();
    for url in urls {
        match attempt(url).await {
            Ok(done) => return Ok(done),
            Err(e) => errors.push(e),
        }
    }
    Err(if errors.is_empty() {
        "no target URL".to_owned()
    } else {
        errors.join("; ")
    })
}

/// A receiver's answer to [`Sender::exchange`].
#[derive(Debug, Clone, PartialEq)]
pub struct Exchanged {
    /// Its response status code.
    pub rsc: ResponseStatusCode,
    /// Its content, read only from a response primitive.
    pub content: Option<Value>,
    /// Its HTTP status.
    pub status: u16,
    /// Whether it is a oneM2M response primitive: a known `X-M2M-RSC` and the
    /// request's `X-M2M-RI`.
    pub primitive: bool,
}

/// The most of an answer's content [`Sender::exchange`] reads: answers to NOTIFYs
/// are small, and a receiver streaming more must not fill this process's memory.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The oneM2M header fields of an outgoing request.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    /// `X-M2M-Origin`.
    pub from: &'a str,
    /// `X-M2M-RI`.
    pub rqi: &'a str,
    /// `X-M2M-RVI`.
    pub rvi: &'a str,
    /// `X-M2M-EC`: the event category ("latest", 4, for latestNotify, else the
    /// subscription's `nec`).
    pub ec: Option<i32>,
}

/// The answer's `X-M2M-RSC`, if it has one.
fn response_rsc(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("X-M2M-RSC")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// One neutral description for every network failure (refused, reset, timed out,
/// unresolvable, refused by the policy after resolution), so answers to requests that
/// name targets cannot be used to scan which hosts and ports exist. The one exception
/// is a certificate this CSE refused: the connection to an address the policy allows
/// was made and a TLS server answered, and the subscriber needs to know that its
/// certificate, not the network, is the problem.
fn describe(err: &reqwest::Error) -> String {
    match certificate_refusal(err) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            "the target's TLS certificate is not trusted: it is not signed by a CA this CSE trusts (the system's root certificates, or notify_ca_file)".to_owned()
        }
        Some(refusal) => format!("the target's TLS certificate was refused: {refusal}"),
        None => NO_ANSWER.to_owned(),
    }
}

/// The rustls error behind a failed request, when the server's certificate was what
/// failed. hyper-rustls wraps it in an `io::Error` (itself wrapped in another), and an
/// `io::Error`'s `source` skips the error it carries, so the walk opens those itself.
fn certificate_refusal(err: &reqwest::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            )
            .then_some(tls);
        }
        next = match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(carried) => Some(carried),
            None => current.source(),
        };
    }
    None
}

/// Bounds the requests in flight to one host and port, so one slow receiver named by
/// many subscriptions (or one subscription naming it many times) cannot take every
/// delivery slot or be flooded by this CSE.
struct TargetLimits {
    per_target: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl TargetLimits {
    fn new(per_target: usize) -> Self {
        Self {
            per_target: per_target.max(1),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot of the URL's host and port.
    async fn acquire(&self, url: &reqwest::Url) -> Option<TargetSlot<'_>> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let semaphore = {
            let mut slots = self.slots.lock().ok()?;
            Arc::clone(
                slots
                    .entry(key.clone())
                    .or_insert_with(|| Arc::new(Semaphore::new(self.per_target))),
            )
        };
        let permit = semaphore.acquire_owned().await.ok()?;
        Some(TargetSlot {
            limits: self,
            key,
            permit: Some(permit),
        })
    }
}

/// A slot held while one request is in flight; forgets the host's entry when no one
/// else uses it, so the table does not grow with every host ever contacted.
struct TargetSlot<'a> {
    limits: &'a TargetLimits,
    key: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for TargetSlot<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        if let Ok(mut slots) = self.limits.slots.lock()
            && slots
                .get(&self.key)
                .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_host_gets_at_most_per_target_requests_at_once() {
        let limits = TargetLimits::new(2);
        let url = |s: &str| reqwest::Url::parse(s).expect("test URL");
        let a = url("http://receiver.example.com/n");
        let first = limits.acquire(&a).await;
        let second = limits
            .acquire(&url("http://receiver.example.com:80/other"))
            .await;
        assert!(first.is_some() && second.is_some());
        // A third request to the same host and port waits for a slot…
        let third = tokio::time::timeout(Duration::from_millis(50), limits.acquire(&a)).await;
        assert!(third.is_err(), "a third concurrent request was let through");
        // …while another port is independent.
        assert!(
            limits
                .acquire(&url("http://receiver.example.com:8080/n"))
                .await
                .is_some()
        );
        drop(first);
        let third = tokio::time::timeout(Duration::from_millis(50), limits.acquire(&a)).await;
        assert!(matches!(third, Ok(Some(_))), "a slot freed up");
        drop(second);
        drop(third);
        assert!(
            limits.slots.lock().map(|s| s.is_empty()).unwrap_or(false),
            "the table forgets hosts no one uses"
        );
    }
}
