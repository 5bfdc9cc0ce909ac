//! The oneM2M vocabulary shared by the onecse server, its conformance suite and its
//! benchmark: resource types, status codes, timestamps, identifiers, request/response
//! primitives and the per-type attribute policies. Pure data and rules: no I/O, no
//! async, no database or HTTP types, so every client of the vocabulary can depend on it.

pub mod cbor;
pub mod eval_criteria;
pub mod filter;
pub mod id;
pub mod location;
pub mod mqtt_topic;
pub mod primitive;
pub mod problem;
pub mod resource;
pub mod schedule_entry;
pub mod serialization;
pub mod time;
pub mod types;
pub mod wildcard;

pub use problem::Problem;
pub use serialization::Serialization;
pub use types::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, ResultContent};
