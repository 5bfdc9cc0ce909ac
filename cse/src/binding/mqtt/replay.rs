//! The answers of the last requests, kept for a redelivered request (QoS 1 delivers
//! at least once; a PUBLISH the broker sends again carries DUP): it gets the same
//! answer again instead of running twice (spec digest mqtt-binding §5).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// How many answers are kept: a redelivery follows a reconnection within seconds.
const KEPT: usize = 4096;

/// Recent answers by (originator level, `rqi`).
#[derive(Default)]
pub struct Replay {
    inner: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    answers: HashMap<(String, String), Vec<u8>>,
    order: VecDeque<(String, String)>,
}

impl Replay {
    /// Keeps the answer to `rqi` from `originator`, forgetting the oldest beyond
    /// [`KEPT`].
    pub fn remember(&self, originator: &str, rqi: &str, answer: Vec<u8>) {
        let Ok(mut recent) = self.inner.lock() else {
            return;
        };
        let key = (originator.to_owned(), rqi.to_owned());
        if recent.answers.insert(key.clone(), answer).is_none() {
            recent.order.push_back(key);
        }
        while recent.order.len() > KEPT {
            if let Some(old) = recent.order.pop_front() {
                recent.answers.remove(&old);
            }
        }
    }

    /// The answer given to `rqi` from `originator`, if still kept.
    pub fn find(&self, originator: &str, rqi: &str) -> Option<Vec<u8>> {
        let recent = self.inner.lock().ok()?;
        recent
            .answers
            .get(&(originator.to_owned(), rqi.to_owned()))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_found_until_pushed_out() {
        let replay = Replay::default();
        replay.remember("Cae", "r0", b"a".to_vec());
        assert_eq!(replay.find("Cae", "r0"), Some(b"a".to_vec()));
        assert_eq!(replay.find("Cother", "r0"), None);
        for i in 1..=KEPT {
            replay.remember("Cae", &format!("r{i}"), Vec::new());
        }
        assert_eq!(replay.find("Cae", "r0"), None);
        assert!(replay.find("Cae", "r1").is_some());
    }
}
