//! onecse-conformance: oneM2M test purposes (TS-0018 style names) that run against any
//! CSE over its HTTP binding, with console, JUnit and JSON reports. It talks to the CSE
//! under test only over HTTP, through onecse-testkit's client and notification receiver,
//! and depends on onecse-models for the vocabulary, never on the onecse server.

#![expect(
    clippy::indexing_slicing,
    reason = "test purposes index serde_json::Value, which yields Null for a missing member instead of panicking, and index lists only after checking their length"
)]

pub mod cases;
pub mod report;
pub mod suite;

pub use onecse_testkit::Target;
pub use report::Report;
pub use suite::{Peer, Selection, TestPurpose, run, run_with_peer};
