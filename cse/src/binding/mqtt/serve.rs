//! Serving requests that arrive over MQTT: each message is read, run through the
//! service like an HTTP request, answered on its response topic and acknowledged.

use std::sync::Arc;
use std::time::Instant;

use onecse_models::Operation;
use onecse_models::ResourceType;
use onecse_models::mqtt_topic::{Kind, Topic};
use onecse_models::primitive::{Request, ResponseType};
use rumqttc::{Publish, QoS};

use super::codec::{self, Echo};
use super::connection::{self, MqttSettings};
use super::replay::{self, Replay, Seen};
use crate::binding::run::{run, shorten_expiration};
use crate::core::dispatch;
use crate::error::CseError;
use crate::metrics::Metrics;
use crate::notify::mqtt::MqttLink;
use crate::service::Service;

/// What the binding needs to answer requests.
struct Binding {
    service: Service,
    metrics: Metrics,
    link: MqttLink,
    csi: String,
    replay: Replay,
}

/// Serves MQTT until the task is dropped: keeps the broker connection up and runs
/// every request that arrives, each in its own task.
pub async fn serve(
    link: MqttLink,
    eventloop: rumqttc::EventLoop,
    settings: MqttSettings,
    service: Service,
    metrics: Metrics,
) {
    let csi = service.cse.cse_id.clone();
    let binding = Arc::new(Binding {
        service,
        metrics,
        link: link.clone(),
        csi: csi.clone(),
        replay: Replay::default(),
    });
    connection::drive(link, eventloop, settings, csi, move |publish| {
        let binding = Arc::clone(&binding);
        tokio::spawn(async move { binding.receive(publish).await });
    })
    .await;
}

impl Binding {
    /// Handles one message, then acknowledges it (QoS 1): a request once its answer
    /// is published, so the broker delivers a request again that was never answered.
    async fn receive(&self, publish: Publish) {
        self.handle(&publish).await;
        if let Err(err) = self.link.client().ack(&publish).await {
            tracing::debug!(error = %err, "MQTT acknowledgement not sent (connection closing)");
        }
    }

    async fn handle(&self, publish: &Publish) {
        if publish.retain {
            // The binding never uses retain (TS-0010 §5.1): a retained message is stale.
            tracing::info!(topic = publish.topic, "retained MQTT message dropped");
            return;
        }
        let topic = match Topic::parse(&publish.topic) {
            Ok(topic) => topic,
            Err(why) => {
                tracing::info!(
                    why,
                    "MQTT message on a topic this CSE does not serve dropped"
                );
                return;
            }
        };
        if topic.kind == Kind::Response {
            match codec::decode_response(&publish.payload, topic.serialization) {
                Ok(answer) => self.link.answered(answer),
                Err(why) => {
                    tracing::info!(topic = publish.topic, why, "unreadable MQTT answer dropped")
                }
            }
            return;
        }
        let answer_topic = topic.answer();
        let started = Instant::now();
        let (response, echo) = match codec::decode_request(&publish.payload, topic.serialization) {
            Ok(mut req) => {
                let originator = replay::requester(&topic.originator, &req);
                match self.replay.arrive(&originator, &req.rqi) {
                    Seen::First => {}
                    // Delivered again while it runs: the first arrival answers.
                    Seen::Running => return,
                    Seen::Answered(answer) => {
                        if !answer.is_empty() {
                            self.publish(answer_topic, answer).await;
                        }
                        return;
                    }
                }
                let rqi = req.rqi.clone();
                let echo = Echo::of(&req);
                let response = if let Err(err) = registration_only(&topic, &req) {
                    dispatch::error_response(&err)
                } else {
                    shorten_expiration(&self.service, &mut req.timing);
                    let silent = req.response_type == ResponseType::NoResponse;
                    let response =
                        run(&self.service, &self.metrics, req, Ok(false), None, started).await;
                    if silent {
                        // rt 5: the originator wants nothing back (TS-0010 §6.4.3).
                        self.replay.answered(&originator, &rqi, Vec::new());
                        return;
                    }
                    response
                };
                let payload =
                    codec::encode_response(&response, &echo, &self.csi, topic.serialization);
                self.replay.answered(&originator, &rqi, payload.clone());
                self.publish(answer_topic, payload).await;
                return;
            }
            Err(refusal) => {
                tracing::info!(
                    topic = publish.topic,
                    rqi = refusal.rqi.as_deref().unwrap_or(""),
                    rsc = refusal.err.rsc.code(),
                    dbg = %refusal.err.message,
                    "MQTT request refused before it was read"
                );
                let echo = Echo {
                    rqi: refusal.rqi,
                    rvi: refusal.rvi,
                    ..Echo::default()
                };
                (dispatch::error_response(&refusal.err), echo)
            }
        };
        let payload = codec::encode_response(&response, &echo, &self.csi, topic.serialization);
        self.publish(answer_topic, payload).await;
    }

    async fn publish(&self, topic: String, payload: Vec<u8>) {
        if let Err(err) = self
            .link
            .client()
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
        {
            tracing::warn!(error = %err, "MQTT answer could not be queued");
        }
    }
}

/// The `reg_req` topic carries only registrations (TS-0010 §6.4.4): a CREATE of an
/// AE or a remoteCSE; anything else there is refused (4000).
fn registration_only(topic: &Topic, req: &Request) -> Result<(), CseError> {
    let registration = req.op == Operation::Create
        && matches!(req.ty, Some(ResourceType::Ae | ResourceType::RemoteCse));
    if topic.kind == Kind::Registration && !registration {
        return Err(CseError::bad_request(
            "the reg_req topic carries only registrations (CREATE of an AE or remoteCSE); send other requests on req",
        ));
    }
    Ok(())
}
