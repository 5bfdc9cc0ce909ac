//! The oneM2M test client: composes requests with the headers TS-0009 asks for
//! (`X-M2M-Origin`, a fresh `X-M2M-RI`, `X-M2M-RVI`, `Accept`, `Content-Type` with
//! `;ty=`) and reads every response into a [`Reply`]. The one implementation the
//! integration tests, the benchmark and (through [`crate::blocking`]) the conformance
//! suite use. Over HTTP, or over MQTT when the target names a broker
//! ([`crate::mqtt`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde_json::Value;

use crate::mqtt::MqttTransport;
use crate::rotation::Rotation;
use crate::{Error, Reply, Request, Target, headers};

/// Request identifiers are unique across every client of the process, so CSE logs of a
/// run never show the same `X-M2M-RI` twice.
static NEXT_RQI: AtomicU64 = AtomicU64::new(1);

/// Sends requests to the CSE under test. Cheap to clone (the connection pool and the
/// turn through the target's origins are shared by clones); build another client for
/// another pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    target: Target,
    origins: Vec<String>,
    rotation: Arc<Rotation>,
    rqi_prefix: String,
    strict: bool,
    /// Set when the target names an MQTT broker: requests go there.
    mqtt: Option<MqttTransport>,
}

/// How a [`Client`] is set up, where the three users differ.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    target: Target,
    rqi_prefix: String,
    single_connection: bool,
    strict: bool,
    roots: Vec<Vec<u8>>,
    identity: Option<Vec<u8>>,
}

impl ClientBuilder {
    /// Prefix of generated `X-M2M-RI` values, to tell tools apart in CSE logs.
    pub fn rqi_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.rqi_prefix);
        self
    }

    /// Keeps at most one idle keep-alive connection, so a client stands for one
    /// simulated device with one connection (the benchmark's model).
    pub fn single_connection(mut self) -> Self {
        self.single_connection = true;
        self
    }

    /// For onecse's own integration tests: panic, with the request's reply, when the
    /// CSE cannot be reached, answers a body that is not JSON, or does not echo an
    /// `X-M2M-RI` the client generated. Every test then checks these for free.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// Trusts the CA certificates of this PEM text for an `https://` target, besides
    /// the system's root certificates (a CSE with a certificate of a private CA).
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Self {
        self.roots.push(pem.to_vec());
        self
    }

    /// Presents this client certificate (PEM text: the certificate, then its private
    /// key) to a CSE that asks for one.
    pub fn identity_pem(mut self, pem: &[u8]) -> Self {
        self.identity = Some(pem.to_vec());
        self
    }

    /// The client, with the target's time limit per request.
    pub fn build(self) -> Result<Client, Error> {
        // The system's root certificates are read only for an https target: the
        // benchmark builds a client per simulated device.
        let https = self.target.origins().any(|o| o.starts_with("https://"));
        let mut http = reqwest::Client::builder()
            .timeout(self.target.timeout)
            // Servers close idle keep-alive connections (actix-web after 5 s): a pooled
            // connection idle longer may be closed under a request reusing it, which
            // then fails without reaching the CSE. Drop idle ones well before that.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .tls_built_in_native_certs(https);
        if self.single_connection {
            http = http.pool_max_idle_per_host(1);
        }
        for pem in &self.roots {
            for root in reqwest::Certificate::from_pem_bundle(pem)? {
                http = http.add_root_certificate(root);
            }
        }
        if let Some(pem) = &self.identity {
            http = http.identity(reqwest::Identity::from_pem(pem)?);
        }
        let origins: Vec<String> = self.target.origins().map(str::to_owned).collect();
        let mqtt = match &self.target.mqtt {
            Some(broker) => Some(MqttTransport::new(broker, &self.target.cse_id)?),
            None => None,
        };
        Ok(Client {
            mqtt,
            http: http.build()?,
            rotation: Arc::new(Rotation::new(origins.len())),
            origins,
            target: self.target,
            rqi_prefix: self.rqi_prefix,
            strict: self.strict,
        })
    }
}

impl Client {
    /// A client with default settings.
    pub fn new(target: Target) -> Result<Self, Error> {
        Self::builder(target).build()
    }

    /// A client to configure first.
    pub fn builder(target: Target) -> ClientBuilder {
        ClientBuilder {
            target,
            rqi_prefix: "rqi-".to_owned(),
            single_connection: false,
            strict: false,
            roots: Vec::new(),
            identity: None,
        }
    }

    /// The MQTT transport, when the target names a broker.
    pub fn mqtt(&self) -> Option<&MqttTransport> {
        self.mqtt.as_ref()
    }

    /// The CSE this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// How many replies each of the target's origins gave (transport failures not
    /// counted), in [`Target::origins`] order: with alternates, proof that every
    /// process took part.
    pub fn answered(&self) -> Vec<(String, u64)> {
        self.origins
            .iter()
            .cloned()
            .zip(self.rotation.counts())
            .collect()
    }

    /// A fresh request identifier.
    pub fn next_rqi(&self) -> String {
        let n = NEXT_RQI.fetch_add(1, Ordering::Relaxed);
        format!("{}{n}", self.rqi_prefix)
    }

    /// A request with the usual oneM2M headers: a fresh `X-M2M-RI`, the target's
    /// `X-M2M-RVI` and `Accept: application/json`; add the originator and body.
    pub fn request(&self, method: Method, path: &str) -> Request {
        let rqi = self.next_rqi();
        let mut request = Request::new(method, path)
            .header("X-M2M-RI", rqi.clone())
            .header("X-M2M-RVI", self.target.rvi.clone())
            .header("Accept", "application/json");
        request.generated_ri = Some(rqi);
        request
    }

    /// Sends a request, to the target's next origin in turn, and reads the whole
    /// response. Transport failures come back as a reply with status 0 (see
    /// [`Reply::failed`]), except in strict mode.
    pub async fn execute(&self, request: Request) -> Reply {
        let request = match self.target.credentials.apply(request) {
            Ok(request) => request,
            Err(why) => return Reply::failed(why),
        };
        if let Some(mqtt) = &self.mqtt {
            let mut reply = mqtt.execute(&request, self.target.timeout).await;
            reply.generated_ri = request.generated_ri;
            if self.strict {
                check_strictly(&reply);
            }
            return reply;
        }
        let index = self.rotation.pick();
        let origin = self.origins.get(index).unwrap_or(&self.target.origin);
        let url = format!("{origin}{}", request.path_and_query());
        let mut builder = self.http.request(request.method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(bytes) = request.bytes {
            builder = builder.body(bytes);
        } else if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut reply = match builder.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = headers::collect(response.headers());
                // Reading the body to the end also lets the connection be reused.
                match response.bytes().await {
                    Ok(bytes) => Reply::from_bytes(status, headers, bytes.to_vec()),
                    Err(e) => Reply::failed(format!("reading the body: {e}")),
                }
            }
            Err(e) => Reply::failed(e),
        };
        reply.generated_ri = request.generated_ri;
        if reply.reached() {
            self.rotation.answered_by(index);
        }
        if self.strict {
            check_strictly(&reply);
        }
        reply
    }

    /// Sends a request with exactly these headers (none added) and this raw body.
    pub async fn send<N: AsRef<str>, V: AsRef<str>>(
        &self,
        method: Method,
        path: &str,
        headers: &[(N, V)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = Request::new(method, path).headers(headers);
        request.body = body.map(str::to_owned);
        self.execute(request).await
    }

    /// A oneM2M request with the usual headers (see [`Client::request`]), an optional
    /// originator and content type, and a raw body.
    pub async fn onem2m(
        &self,
        method: Method,
        path: &str,
        originator: Option<&str>,
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut request = self.request_from(method, path, originator);
        if let Some(content_type) = content_type {
            request = request.content_type(content_type);
        }
        request.body = body.map(str::to_owned);
        self.execute(request).await
    }

    /// CREATE of type `ty` under `parent` (an HTTP path such as `/cse-in`).
    pub async fn create(
        &self,
        parent: &str,
        ty: u16,
        body: &Value,
        originator: Option<&str>,
    ) -> Reply {
        let request = self.request_from(Method::POST, parent, originator);
        self.execute(request.json(Some(ty), body)).await
    }

    /// RETRIEVE.
    pub async fn retrieve(&self, path: &str, originator: &str) -> Reply {
        let request = self.request_from(Method::GET, path, Some(originator));
        self.execute(request).await
    }

    /// UPDATE with a JSON body.
    pub async fn update(&self, path: &str, body: &Value, originator: &str) -> Reply {
        let request = self.request_from(Method::PUT, path, Some(originator));
        self.execute(request.json(None, body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str, originator: &str) -> Reply {
        let request = self.request_from(Method::DELETE, path, Some(originator));
        self.execute(request).await
    }

    /// [`Client::request`] from `originator`, when there is one.
    fn request_from(&self, method: Method, path: &str, originator: Option<&str>) -> Request {
        let request = self.request(method, path);
        match originator {
            Some(originator) => request.originator(originator),
            None => request,
        }
    }
}

/// The checks of [`ClientBuilder::strict`].
fn check_strictly(reply: &Reply) {
    assert!(
        reply.reached(),
        "the request should reach the CSE: {}",
        reply.raw
    );
    if let Some(e) = &reply.json_error {
        panic!("body is not JSON ({e}): {}", reply.raw);
    }
    if let Some(rqi) = &reply.generated_ri {
        assert_eq!(
            reply.header("X-M2M-RI"),
            Some(rqi.as_str()),
            "X-M2M-RI must be echoed"
        );
    }
}
