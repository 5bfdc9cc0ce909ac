//! `mqtt-loop`: the broker's own round trip, with no CSE, as the limit of the MQTT
//! scenarios. A responder of this process answers every request published on the
//! request topic of a made-up CSE with `{"rsc":2000,"rqi":…}` on its response topic;
//! the load sends RETRIEVEs there through the same test client and connections as
//! the MQTT scenarios, so only the CSE's own work is missing.

use std::time::Duration;

use onecse_testkit::{Client, Target};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};

use crate::load;
use crate::report::ScenarioReport;
use crate::scenarios::Options;

/// Runs the loop against the broker `broker` (`mqtt://host:port`).
pub async fn run(broker: &str, base: &Target, opts: &Options) -> anyhow::Result<ScenarioReport> {
    let csi = format!("/bench-loop-{}", std::process::id());
    let responder = responder(broker, &csi).await?;
    let mut target = base.clone();
    target.mqtt = Some(broker.to_owned());
    target.cse_id.clone_from(&csi);
    let conns: Vec<Client> = (0..opts.plan.connections.max(1))
        .map(|_| Client::builder(target.clone()).rqi_prefix("l").build())
        .collect::<Result<_, _>>()?;
    let conns = std::sync::Arc::new(conns);
    let m = load::run(opts.plan, move |c, _| {
        let conns = std::sync::Arc::clone(&conns);
        async move {
            match conns.get(c % conns.len().max(1)) {
                Some(conn) => conn.retrieve("/cse-in", "Cloop").await,
                None => onecse_testkit::Reply::failed("no connection"),
            }
        }
    })
    .await;
    responder.abort();
    Ok(ScenarioReport::from_measured(
        "mqtt-loop",
        "MQTT request/response through the broker, no CSE (the limit)",
        opts.plan.connections,
        opts.plan.rate,
        &m?,
    ))
}

/// The responder task, once it is subscribed.
async fn responder(broker: &str, csi: &str) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let authority = broker
        .strip_prefix("mqtt://")
        .ok_or_else(|| anyhow::anyhow!("--broker {broker}: not mqtt://HOST:PORT"))?;
    let (host, port) = authority
        .trim_end_matches('/')
        .rsplit_once(':')
        .map_or((authority, Ok(1883)), |(h, p)| (h, p.parse::<u16>()));
    let mut options = MqttOptions::new(format!("bench-loop-{}", std::process::id()), host, port?);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_inflight(1000);
    let (client, mut eventloop) = AsyncClient::new(options, 4096);
    let level = csi.trim_start_matches('/').to_owned();
    let filter = format!("/oneM2M/req/+/{level}/json");
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let _ = client.try_subscribe(filter.as_str(), QoS::AtLeastOnce);
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(());
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let request: Value = serde_json::from_slice(&p.payload).unwrap_or_default();
                    let answer = json!({"rsc": 2000, "rqi": request.get("rqi"), "rvi": "3"});
                    let topic = p.topic.replacen("/oneM2M/req/", "/oneM2M/resp/", 1);
                    let _ = client.try_publish(
                        topic,
                        QoS::AtLeastOnce,
                        false,
                        answer.to_string().into_bytes(),
                    );
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(10), ready_rx)
        .await
        .map_err(|_| anyhow::anyhow!("the broker {broker} did not accept the responder"))??;
    Ok(task)
}
