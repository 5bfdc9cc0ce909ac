//! What can stop the kit before a request is sent or a receiver listens. Failures of
//! a request itself are not errors: they come back as a [`crate::Reply`] so a test can
//! assert on them.

/// Why a target, client or receiver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The CSEBase URL is not of the form `http(s)://HOST:PORT/CSEBASE`.
    #[error(
        "the CSEBase URL must look like http://HOST:PORT/CSEBASE or https://HOST:PORT/CSEBASE (e.g. http://127.0.0.1:8080/cse-in), not '{0}'"
    )]
    Target(String),
    /// The MQTT broker URL is not of the form `mqtt://HOST[:PORT]`.
    #[error("the MQTT broker URL must look like mqtt://HOST[:PORT], not '{0}'")]
    Broker(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// A socket, thread or runtime could not be created.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
