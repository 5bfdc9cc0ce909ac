//! Reports: console table, summary line, JUnit XML and JSON.

use serde::Serialize;

/// What happened to one test purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "reason", rename_all = "lowercase")]
pub enum Outcome {
    /// As the specification requires.
    Passed,
    /// Not as required; the reason says what differed.
    Failed(String),
    /// Not run; the reason says what the target lacks.
    Skipped(String),
}

/// One test purpose's result.
#[derive(Debug, Clone, Serialize)]
pub struct TpResult {
    /// Test purpose ID.
    pub id: String,
    /// Its purpose.
    pub purpose: String,
    /// The clause it checks.
    pub clause: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Wall time.
    pub seconds: f64,
}

/// All results of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// In run order.
    pub results: Vec<TpResult>,
    /// Replies per base URL when the run alternated between several (`--also-target`),
    /// so a report shows that every process of the CSE served; empty with one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answered: Vec<(String, u64)>,
}

impl Report {
    /// Count of passed, failed and skipped test purposes.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Outcome) -> bool| self.results.iter().filter(|r| f(&r.outcome)).count();
        (
            count(|o| matches!(o, Outcome::Passed)),
            count(|o| matches!(o, Outcome::Failed(_))),
            count(|o| matches!(o, Outcome::Skipped(_))),
        )
    }

    /// `conformance: N passed, M failed, K skipped`.
    pub fn summary(&self) -> String {
        let (passed, failed, skipped) = self.counts();
        format!("conformance: {passed} passed, {failed} failed, {skipped} skipped")
    }

    /// `replies: http://a:8080 812, http://b:8080 811` when the run alternated.
    pub fn answered_line(&self) -> Option<String> {
        if self.answered.is_empty() {
            return None;
        }
        let each: Vec<String> = self
            .answered
            .iter()
            .map(|(origin, count)| format!("{origin} {count}"))
            .collect();
        Some(format!("replies: {}", each.join(", ")))
    }

    /// The console table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let (result, reason) = match &r.outcome {
                Outcome::Passed => ("PASS", String::new()),
                Outcome::Failed(why) => ("FAIL", why.clone()),
                Outcome::Skipped(why) => ("SKIP", why.clone()),
            };
            out.push_str(&format!(
                "{:<34} {:<4} {:>7.3}s  {}\n",
                r.id, result, r.seconds, reason
            ));
        }
        out
    }

    /// JUnit XML for CI systems.
    pub fn junit(&self) -> anyhow::Result<String> {
        use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
        let mut suite = TestSuite::new("onecse-conformance");
        for r in &self.results {
            let status = match &r.outcome {
                Outcome::Passed => TestCaseStatus::success(),
                Outcome::Failed(why) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(why.clone());
                    s
                }
                Outcome::Skipped(why) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(why.clone());
                    s
                }
            };
            let mut case = TestCase::new(r.id.clone(), status);
            case.set_classname(format!("{} ({})", r.purpose, r.clause));
            case.set_time(std::time::Duration::from_secs_f64(r.seconds));
            suite.add_test_case(case);
        }
        let mut report = JReport::new("onecse-conformance");
        report.add_test_suite(suite);
        Ok(report.to_string()?)
    }

    /// JSON for machines.
    pub fn json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}
