//! Which of a target's origins the next request goes to, and how many replies each
//! one gave: the round robin behind [`crate::Target::alternates`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Turns through the origins request by request and counts the replies that came back
/// from each, so a run over several processes can show that every one of them served.
#[derive(Debug)]
pub(crate) struct Rotation {
    next: AtomicUsize,
    answered: Vec<AtomicU64>,
}

impl Rotation {
    /// A rotation over `origins` origins (at least one).
    pub(crate) fn new(origins: usize) -> Self {
        Self {
            next: AtomicUsize::new(0),
            answered: (0..origins.max(1)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The index of the origin the next request goes to.
    pub(crate) fn pick(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.answered.len()
    }

    /// Counts a reply from origin `index`.
    pub(crate) fn answered_by(&self, index: usize) {
        if let Some(count) = self.answered.get(index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Replies per origin, in the target's order.
    pub(crate) fn counts(&self) -> Vec<u64> {
        self.answered
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_the_origins_in_turn() {
        let rotation = Rotation::new(2);
        let picks: Vec<usize> = (0..5).map(|_| rotation.pick()).collect();
        assert_eq!(picks, [0, 1, 0, 1, 0]);
        rotation.answered_by(1);
        rotation.answered_by(7);
        assert_eq!(rotation.counts(), [0, 1]);
    }

    #[test]
    fn one_origin_takes_every_request() {
        let rotation = Rotation::new(1);
        assert!((0..3).all(|_| rotation.pick() == 0));
    }
}
