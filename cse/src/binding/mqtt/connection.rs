//! The MQTT binding's broker connection (TS-0010 §6.3): its settings, and the task
//! that keeps it up (reconnecting with a doubling pause, logging once per state
//! change), subscribes to this CSE's topics on every connect, and hands each message
//! to [`super::serve`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use onecse_models::mqtt_topic;
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
};

use crate::config::{Config, Secret};
use crate::notify::mqtt::{Broker, MqttLink, MqttTarget};

/// The MQTT settings, checked at start-up.
#[derive(Clone)]
pub struct MqttSettings {
    /// The broker (`mqtt_url`).
    pub broker: Broker,
    /// The client identifier.
    pub client_id: String,
    /// Whether the broker keeps the session (and its queued messages) while this
    /// process is away: yes for a fixed client identifier (TS-0010 §6.3.3), no for the
    /// random one a shared-subscription member gets, so none piles up.
    pub persistent_session: bool,
    /// User name and password.
    pub credentials: Option<(String, Secret)>,
    /// TLS for `mqtts`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Keep-alive interval.
    pub keep_alive: Duration,
    /// Shared-subscription group.
    pub share_group: Option<String>,
    /// Longest pause between reconnection attempts.
    pub reconnect_max: Duration,
    /// Whether readiness needs the broker.
    pub required_for_ready: bool,
}

/// The first pause after a failed connection; it doubles up to `reconnect_max`.
const RECONNECT_MIN: Duration = Duration::from_millis(500);

impl MqttSettings {
    /// Reads the MQTT settings; `None` when `mqtt_url` is not set. A bad value stops
    /// start-up with a message naming its setting.
    pub fn parse(config: &Config, jwt: bool) -> anyhow::Result<Option<Self>> {
        let Some(url) = &config.mqtt_url else {
            return Ok(None);
        };
        let target = MqttTarget::parse(url).map_err(|e| anyhow!("mqtt_url: {e}"))?;
        if !target.path.is_empty() || target.receiver.is_some() {
            anyhow::bail!("mqtt_url {url}: name only the broker (mqtt[s]://HOST[:PORT])");
        }
        if jwt {
            anyhow::bail!(
                "mqtt_url with auth = jwt: MQTT requests carry no token, so their originators could not be verified; serve MQTT with auth = none and let the broker authenticate its clients"
            );
        }
        let share_group = config.mqtt_share_group.clone();
        if let Some(group) = &share_group
            && (group.is_empty() || group.contains(['/', '+', '#']))
        {
            anyhow::bail!("mqtt_share_group '{group}': a non-empty name without '/', '+' or '#'");
        }
        let (client_id, persistent_session) = match &config.mqtt_client_id {
            Some(id) if id.is_empty() => anyhow::bail!("mqtt_client_id must not be empty"),
            Some(id) => (id.clone(), true),
            None => {
                let base = format!("C::{}", config.cse_id.trim_start_matches('/'));
                match &share_group {
                    Some(_) => {
                        let suffix = uuid::Uuid::new_v4().simple().to_string();
                        (
                            format!("{base}:{}", suffix.get(..8).unwrap_or(&suffix)),
                            false,
                        )
                    }
                    None => (base, true),
                }
            }
        };
        let credentials = match (&config.mqtt_username, &config.mqtt_password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            (None, None) => None,
            _ => anyhow::bail!("mqtt_username and mqtt_password go together"),
        };
        let tls = match (target.broker.secure, &config.mqtt_ca_file) {
            (true, Some(path)) => Some(client_tls(path)?),
            (true, None) => anyhow::bail!("mqtt_url {url} is mqtts: set mqtt_ca_file"),
            (false, _) => None,
        };
        Ok(Some(Self {
            broker: target.broker,
            client_id,
            persistent_session,
            credentials,
            tls,
            keep_alive: Duration::from_secs(config.mqtt_keep_alive_s),
            share_group,
            reconnect_max: Duration::from_millis(config.mqtt_reconnect_max_ms).max(RECONNECT_MIN),
            required_for_ready: config.mqtt_required_for_ready,
        }))
    }
}

/// A rustls client configuration trusting the CA certificates in `path`, with the
/// ring provider the rest of onecse uses.
fn client_tls(path: &str) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in crate::pem::certificates("mqtt_ca_file", path)? {
        roots
            .add(cert)
            .context("mqtt_ca_file: a certificate is not usable as a CA")?;
    }
    let config = rustls::ClientConfig::builder_with_provider(crate::binding::tls::provider())
        .with_safe_default_protocol_versions()
        .context("mqtt TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Builds the client and its event loop (no I/O yet): the link the sender and the
/// binding share, waiting `timeout` for answers, carrying payloads up to
/// `max_packet` bytes each way.
pub fn open(
    settings: &MqttSettings,
    csi: &str,
    timeout: Duration,
    max_packet: usize,
) -> (MqttLink, EventLoop) {
    let broker = &settings.broker;
    let mut options = MqttOptions::new(&settings.client_id, &broker.host, broker.port);
    options
        .set_keep_alive(settings.keep_alive)
        .set_clean_session(!settings.persistent_session)
        .set_max_packet_size(max_packet, max_packet)
        // A request is acknowledged once answered, so one this process took but never
        // answered (a crash) is delivered again.
        .set_manual_acks(true);
    if let Some((user, password)) = &settings.credentials {
        options.set_credentials(user, password.expose());
    }
    if let Some(tls) = &settings.tls {
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
            Arc::clone(tls),
        )));
    }
    let (client, eventloop) = AsyncClient::new(options, 1024);
    let link = MqttLink::new(client, csi, broker.clone(), timeout);
    (link, eventloop)
}

/// Drives the connection for as long as the process serves: reconnects after each
/// failure (the pause doubles from 500 ms to `reconnect_max`), subscribes to this
/// CSE's topics on each connect, and passes every message to `on_message`, which
/// must not block.
pub async fn drive(
    link: MqttLink,
    mut eventloop: EventLoop,
    settings: MqttSettings,
    csi: String,
    on_message: impl Fn(rumqttc::Publish),
) {
    let filters = mqtt_topic::subscriptions(&csi, settings.share_group.as_deref());
    let broker = format!("{}:{}", settings.broker.host, settings.broker.port);
    let mut pause = RECONNECT_MIN;
    // None until the first attempt: the first failure is logged too.
    let mut was_up: Option<bool> = None;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                pause = RECONNECT_MIN;
                link.set_connected(true);
                if was_up != Some(true) {
                    tracing::info!(
                        broker,
                        client_id = settings.client_id,
                        session_present = ack.session_present,
                        "MQTT broker connected"
                    );
                }
                was_up = Some(true);
                for filter in &filters {
                    if let Err(err) = link.client().try_subscribe(filter, QoS::AtLeastOnce) {
                        tracing::error!(filter, error = %err, "MQTT subscription could not be queued");
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => on_message(publish),
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                let refused = ack
                    .return_codes
                    .iter()
                    .any(|code| matches!(code, rumqttc::SubscribeReasonCode::Failure));
                if refused {
                    tracing::error!(
                        broker,
                        "the MQTT broker refused a subscription to this CSE's topics (check its ACL)"
                    );
                }
            }
            Ok(_) => {}
            Err(err) => {
                link.set_connected(false);
                if was_up != Some(false) {
                    tracing::warn!(broker, error = %err, "MQTT broker not connected; HTTP goes on, reconnecting with backoff");
                }
                was_up = Some(false);
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(settings.reconnect_max);
            }
        }
    }
}
