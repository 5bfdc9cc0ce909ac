//! The work budget of one request that examines rows it may not return: a discovery
//! checking conditions or visibility row by row, a child listing for a requester who
//! may not see every child (and, next, conditional retrieval). Past the budget the
//! page ends with what it holds and says where to continue (`X-M2M-CTS`/`X-M2M-CTO`),
//! so one request cannot hold a database connection and a thread for as long as its
//! subtree is large (issue 25: 4 s for one row before this).

use std::time::{Duration, Instant};

/// How much one scan may examine (settings `scan_max_rows` and `scan_max_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Rows examined for one page (not counting those passed over to reach `ofst`)
    /// after which a page that holds a result ends.
    pub max_rows: usize,
    /// Time after which a scan ends, whatever it holds.
    pub max_time: Duration,
}

/// The budget of one running scan.
#[derive(Debug)]
pub struct ScanBudget {
    max_rows: usize,
    deadline: Instant,
    examined: usize,
}

impl ScanBudget {
    /// A budget starting now.
    pub fn start(limits: ScanLimits) -> Self {
        let now = Instant::now();
        Self {
            max_rows: limits.max_rows,
            deadline: now.checked_add(limits.max_time).unwrap_or(now),
            examined: 0,
        }
    }

    /// Counts a row examined for the page. Rows passed over to reach the client's
    /// offset are not counted: the follow-up request passes over them again, and if
    /// they counted, each page after the first would hold one result.
    pub fn count(&mut self) {
        self.examined = self.examined.saturating_add(1);
    }

    /// Whether the scan must end now, holding `found` results: at the deadline
    /// always; past the rows only once the page holds a result. An offset counts
    /// results, so a page cut with none would send the client back to where it
    /// started; with one, every cut page moves it forward, and a scan that finds
    /// nothing is bounded by time.
    pub fn spent(&self, found: usize) -> bool {
        (found > 0 && self.examined >= self.max_rows) || Instant::now() >= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_end_a_page_that_holds_a_result_and_time_ends_any() {
        let mut budget = ScanBudget::start(ScanLimits {
            max_rows: 2,
            max_time: Duration::from_secs(60),
        });
        budget.count();
        assert!(!budget.spent(1));
        budget.count();
        assert!(!budget.spent(0), "nothing found: only time ends it");
        assert!(budget.spent(1));
        let late = ScanBudget::start(ScanLimits {
            max_rows: usize::MAX,
            max_time: Duration::ZERO,
        });
        assert!(late.spent(0));
    }
}
