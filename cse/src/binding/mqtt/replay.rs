//! Exactly-once handling of requests that arrive twice. QoS 1 delivers at least once:
//! the broker redelivers a request this process did not acknowledge yet, and a device
//! whose PUBLISH was not acknowledged before a broker restart publishes it again, as
//! a new message. A request is known by its originator level and `rqi` (unique per
//! originator, TS-0001 §8.1.2) for [`WINDOW`]: a second arrival while the first runs
//! is dropped (the first answers), one after it gets the same answer again, and
//! neither runs twice (spec digest mqtt-binding §5).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use onecse_models::primitive::Request;

/// How many requests are remembered at most.
const KEPT: usize = 8192;

/// How long a request is remembered: a redelivery follows a reconnection within
/// seconds; a client reusing an `rqi` much later means a new request.
const WINDOW: Duration = Duration::from_secs(120);

/// What was seen of a request before.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// Nothing: run it.
    First,
    /// It is running now: its answer is on the way.
    Running,
    /// It was answered with this payload (empty: nothing was published, rt 5).
    Answered(Vec<u8>),
}

/// Who sent a request, as [`Replay`] tells requests apart: the topic's originator
/// level, and the request's `fr` and `to`. A transit CSE publishes the requests of
/// all its originators under its own level, each with its `rqi` (two originators
/// may pick the same one), and a group's fan-out sends one `rqi` to several members:
/// they are different requests, not arrivals of one.
pub fn requester(topic_originator: &str, req: &Request) -> String {
    format!(
        "{topic_originator}\u{0}{}\u{0}{}",
        req.from.as_deref().unwrap_or(""),
        req.to
    )
}

/// Recent requests by (requester, `rqi`).
#[derive(Default)]
pub struct Replay {
    inner: Mutex<Recent>,
}

type Key = (String, String);

#[derive(Default)]
struct Recent {
    requests: HashMap<Key, (Instant, Option<Vec<u8>>)>,
    order: VecDeque<Key>,
}

impl Replay {
    /// Records the arrival of `rqi` from `originator` and says what was seen before.
    pub fn arrive(&self, originator: &str, rqi: &str) -> Seen {
        let Ok(mut recent) = self.inner.lock() else {
            return Seen::First;
        };
        let key = (originator.to_owned(), rqi.to_owned());
        let now = Instant::now();
        if let Some((at, answer)) = recent.requests.get(&key)
            && now.duration_since(*at) < WINDOW
        {
            return match answer {
                Some(answer) => Seen::Answered(answer.clone()),
                None => Seen::Running,
            };
        }
        if recent.requests.insert(key.clone(), (now, None)).is_none() {
            recent.order.push_back(key);
        }
        while recent.order.len() > KEPT {
            if let Some(old) = recent.order.pop_front() {
                recent.requests.remove(&old);
            }
        }
        Seen::First
    }

    /// Keeps the answer to `rqi` from `originator` for a second arrival.
    pub fn answered(&self, originator: &str, rqi: &str, answer: Vec<u8>) {
        if let Ok(mut recent) = self.inner.lock()
            && let Some(entry) = recent
                .requests
                .get_mut(&(originator.to_owned(), rqi.to_owned()))
        {
            entry.1 = Some(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_runs_once_and_its_answer_is_replayed() {
        let replay = Replay::default();
        assert_eq!(replay.arrive("Cae", "r0"), Seen::First);
        assert_eq!(replay.arrive("Cae", "r0"), Seen::Running);
        assert_eq!(replay.arrive("Cother", "r0"), Seen::First);
        replay.answered("Cae", "r0", b"a".to_vec());
        assert_eq!(replay.arrive("Cae", "r0"), Seen::Answered(b"a".to_vec()));
        for i in 1..=KEPT {
            replay.arrive("Cae", &format!("r{i}"));
        }
        assert_eq!(replay.arrive("Cae", "r0"), Seen::First);
    }

    #[test]
    fn a_transit_cse_relays_different_requests_with_one_rqi() {
        let request = |from: &str, to: &str| {
            let primitive =
                serde_json::json!({"op": 2, "to": to, "fr": from, "rqi": "1", "rvi": "3"});
            let payload = onecse_models::Serialization::Json.encode(&primitive);
            super::super::codec::decode_request(&payload, onecse_models::Serialization::Json)
                .map_err(|refusal| refusal.err)
                .expect("a request")
        };
        let ae1 = requester("id-mn", &request("/id-mn/C1", "/id-in/cse-in/a"));
        let ae2 = requester("id-mn", &request("/id-mn/C2", "/id-in/cse-in/a"));
        let other_member = requester("id-mn", &request("/id-mn/C1", "/id-in/cse-in/b"));
        let replay = Replay::default();
        for who in [&ae1, &ae2, &other_member] {
            assert_eq!(replay.arrive(who, "1"), Seen::First);
        }
        assert_eq!(replay.arrive(&ae1, "1"), Seen::Running);
    }
}
