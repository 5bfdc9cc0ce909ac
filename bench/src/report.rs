//! Scenario results: a table for people, JSON for machines.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::load::Measured;

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// Scenario name.
    pub scenario: String,
    /// What was measured (e.g. "HTTP request", "notification").
    pub measure: String,
    /// Connections used.
    pub connections: usize,
    /// Open-loop rate, if any.
    pub rate: Option<f64>,
    /// Measured requests.
    pub requests: u64,
    /// Requests per second.
    pub per_second: f64,
    /// Latency percentiles in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Answers per response status code.
    pub codes: BTreeMap<u16, u64>,
    /// Answers that were not 2xxx (transport errors count as code 0).
    pub errors: u64,
}

impl ScenarioReport {
    /// Builds the report of a measured load.
    pub fn from_measured(
        scenario: &str,
        measure: &str,
        connections: usize,
        rate: Option<f64>,
        m: &Measured,
    ) -> Self {
        let requests: u64 = m.codes.values().sum();
        let errors: u64 = m
            .codes
            .iter()
            .filter(|(c, _)| !(2000..3000).contains(*c))
            .map(|(_, n)| n)
            .sum();
        let ms = |q: f64| m.latency.value_at_quantile(q) as f64 / 1000.0;
        Self {
            scenario: scenario.to_owned(),
            measure: measure.to_owned(),
            connections,
            rate,
            requests,
            per_second: requests as f64 / m.elapsed.as_secs_f64().max(1e-9),
            p50_ms: ms(0.5),
            p90_ms: ms(0.9),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: m.latency.max() as f64 / 1000.0,
            codes: m.codes.clone(),
            errors,
        }
    }

    /// The table printed after the scenario.
    pub fn table(&self) -> String {
        let mode = match self.rate {
            Some(r) => format!("open loop at {r:.0}/s"),
            None => "closed loop".to_owned(),
        };
        let mut out = format!(
            "== {} ({}; {} connections, {})\n  {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}\n  {:>10} {:>10.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
            self.scenario,
            self.measure,
            self.connections,
            mode,
            "requests",
            "per sec",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            self.requests,
            self.per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.p999_ms,
            self.max_ms
        );
        let codes: Vec<String> = self
            .codes
            .iter()
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        out.push_str(&format!("  status codes: {}\n", codes.join(", ")));
        if self.errors > 0 {
            out.push_str(&format!(
                "  !!! {} of {} answers were NOT successful: these figures do not measure the intended operation !!!\n",
                self.errors, self.requests
            ));
        }
        out
    }
}
