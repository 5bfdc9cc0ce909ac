//! The web console at `/console`: static files built into the binary and a JSON
//! description of the resource types. It adds no API of its own: the browser speaks
//! oneM2M to the HTTP binding with the user's originator, so the user sees exactly
//! what access control lets that originator see.

mod assets;
mod routes;
mod type_description;

pub use assets::{CONTENT_SECURITY_POLICY, embedded_bytes};
pub use routes::{CONSOLE_PATH, ConsoleState, routes};
pub use type_description::schema;
