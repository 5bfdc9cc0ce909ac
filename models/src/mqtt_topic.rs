//! oneM2M MQTT topic names (TS-0010 §6.4.2–6.4.5, §6.5.4): reading the topic a request or
//! response arrived on, the topic to answer on, the filters a CSE subscribes to, and
//! identifiers as topic levels.

use crate::Serialization;

/// The kinds of oneM2M topic this binding receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/oneM2M/req/<originator>/<receiver>/<ser>`: a request to this CSE.
    Request,
    /// `/oneM2M/reg_req/<credential-id>/<receiver>/<ser>`: a registration (§6.4.4).
    Registration,
    /// `/oneM2M/resp/<originator>/<receiver>/<ser>`: an answer to this CSE's request.
    Response,
}

/// A topic a message arrived on, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// What the message is.
    pub kind: Kind,
    /// The originator level, as received (echoed in the answer).
    pub originator: String,
    /// The receiver level, as received.
    pub receiver: String,
    /// The payload's serialization (the last level).
    pub serialization: Serialization,
}

impl Topic {
    /// Reads `topic`; `Err` says why it is not a oneM2M topic this binding serves
    /// (wrong number of levels, unknown kind, a serialization other than json or
    /// cbor). Such a message is dropped: no answer topic can be trusted.
    pub fn parse(topic: &str) -> Result<Self, String> {
        let levels: Vec<&str> = topic.split('/').collect();
        let ["", "oneM2M", kind, originator, receiver, ser] = levels.as_slice() else {
            return Err(format!(
                "'{topic}' is not /oneM2M/<kind>/<originator>/<receiver>/<json|cbor>"
            ));
        };
        let kind = match *kind {
            "req" => Kind::Request,
            "reg_req" => Kind::Registration,
            "resp" => Kind::Response,
            other => return Err(format!("'{topic}': '{other}' is not a topic kind served")),
        };
        let serialization = Serialization::of_token(ser)
            .filter(|s| s.supported())
            .ok_or_else(|| format!("'{topic}': serialization '{ser}' is not json or cbor"))?;
        if originator.is_empty() || receiver.is_empty() {
            return Err(format!(
                "'{topic}' has an empty originator or receiver level"
            ));
        }
        Ok(Self {
            kind,
            originator: (*originator).to_owned(),
            receiver: (*receiver).to_owned(),
            serialization,
        })
    }

    /// Where the answer to this request goes: the same levels under `resp` (or
    /// `reg_resp`), in the request's serialization (§6.4.3, §6.5.3).
    pub fn answer(&self) -> String {
        let kind = match self.kind {
            Kind::Registration => "reg_resp",
            Kind::Request | Kind::Response => "resp",
        };
        format!(
            "/oneM2M/{kind}/{}/{}/{}",
            self.originator,
            self.receiver,
            self.serialization.token()
        )
    }
}

/// An identifier as a topic level (§6.4.2): leading `/`s dropped, every other `/`
/// turned into `:` (an absolute ID keeps one leading `:`).
pub fn level(id: &str) -> String {
    let absolute = id.starts_with("//");
    let level = id.trim_start_matches('/').replace('/', ":");
    if absolute { format!(":{level}") } else { level }
}

/// The topic filters a CSE subscribes to (§6.4.5, §6.5.4, §6.4.4): requests and
/// registrations addressed to it, each shared between the processes of one CSE when
/// `share` names a group (MQTT 5 shared subscriptions, which Mosquitto also offers to
/// MQTT 3.1.1 clients), and the answers to its own requests, never shared: the
/// process that sent a request is the one waiting for its answer.
pub fn subscriptions(csi: &str, share: Option<&str>) -> Vec<String> {
    let csi = level(csi);
    let shared = |filter: String| match share {
        Some(group) => format!("$share/{group}/{filter}"),
        None => filter,
    };
    vec![
        shared(format!("/oneM2M/req/+/{csi}/+")),
        shared(format!("/oneM2M/reg_req/+/{csi}/+")),
        format!("/oneM2M/resp/{csi}/+/+"),
    ]
}

/// The topic a request from `originator` to `receiver` goes on, below `prefix` (a
/// `poa` path, §6.6; empty for none).
pub fn request(prefix: &str, originator: &str, receiver: &str, ser: Serialization) -> String {
    format!(
        "{prefix}/oneM2M/req/{}/{}/{}",
        level(originator),
        level(receiver),
        ser.token()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_topics_are_read_and_answered_on_the_same_levels() {
        let topic = Topic::parse("/oneM2M/req/Cdev42/id-in/json");
        let Ok(topic) = topic else {
            panic!("a request topic reads: {topic:?}");
        };
        assert_eq!(topic.kind, Kind::Request);
        assert_eq!(topic.answer(), "/oneM2M/resp/Cdev42/id-in/json");
        let reg = Topic::parse("/oneM2M/reg_req/dev42/id-in/cbor").map(|t| t.answer());
        assert_eq!(reg.as_deref(), Ok("/oneM2M/reg_resp/dev42/id-in/cbor"));
    }

    #[test]
    fn topics_that_are_not_onem2m_topics_are_refused() {
        for topic in [
            "/oneM2M/req/Cdev42/id-in",
            "/oneM2M/req/Cdev42/id-in/xml",
            "/oneM2M/req/Cdev42/id-in/yaml",
            "oneM2M/req/Cdev42/id-in/json",
            "/oneM2M/other/Cdev42/id-in/json",
            "/oneM2M/req//id-in/json",
            "/oneM2M/req/a/b/c/json",
        ] {
            assert!(Topic::parse(topic).is_err(), "{topic}");
        }
    }

    #[test]
    fn identifiers_become_levels() {
        assert_eq!(level("/id-in"), "id-in");
        assert_eq!(level("/id-in/Cdev42"), "id-in:Cdev42");
        assert_eq!(level("Cdev42"), "Cdev42");
        assert_eq!(level("//sp.example.com/id-in"), ":sp.example.com:id-in");
    }

    #[test]
    fn requests_are_shared_and_answers_are_not() {
        let subs = subscriptions("/id-in", Some("onecse"));
        assert_eq!(
            subs,
            [
                "$share/onecse//oneM2M/req/+/id-in/+",
                "$share/onecse//oneM2M/reg_req/+/id-in/+",
                "/oneM2M/resp/id-in/+/+",
            ]
        );
    }
}
