//! CORS for browser-based AEs (`cors_allowed_origins`): preflight requests from the
//! listed origins are answered with the oneM2M request headers allowed, and answers
//! to them expose the oneM2M response headers. Other origins get no CORS headers (a
//! refused preflight is answered 400), so browsers keep their pages from reading
//! answers; the request itself is still judged by access control like any other.
//! actix-cors (the actix project's middleware) does the protocol.

use actix_cors::Cors;
use actix_web::middleware::Condition;

/// The request headers of the oneM2M HTTP binding (TS-0009 §6) a page may send.
const REQUEST_HEADERS: [&str; 12] = [
    "X-M2M-Origin",
    "X-M2M-RI",
    "X-M2M-RVI",
    "X-M2M-RTU",
    "X-M2M-OT",
    "X-M2M-RET",
    "X-M2M-RST",
    "X-M2M-VSI",
    "X-M2M-GID",
    "Authorization",
    "Content-Type",
    "Accept",
];

/// The response headers a page may read.
const RESPONSE_HEADERS: [&str; 8] = [
    "X-M2M-RSC",
    "X-M2M-RI",
    "X-M2M-RVI",
    "X-M2M-OT",
    "X-M2M-CTS",
    "X-M2M-CTO",
    "Content-Location",
    "Content-Type",
];

/// The methods the HTTP binding maps to oneM2M operations.
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE_S: usize = 600;

/// The origins allowed to read answers, parsed from `cors_allowed_origins`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsOrigins(Vec<String>);

impl CorsOrigins {
    /// Parses a comma-separated list of `scheme://host[:port]` origins; refuses a path,
    /// a wildcard or an empty list, naming the bad entry.
    pub fn parse(list: &str) -> Result<Self, String> {
        let origins: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                let rest = item
                    .strip_prefix("http://")
                    .or_else(|| item.strip_prefix("https://"))
                    .ok_or_else(|| format!("'{item}' is no http:// or https:// origin"))?;
                if rest.is_empty() || rest.contains(['/', '*', '?', '#', ' ']) {
                    return Err(format!(
                        "'{item}' must be scheme://host[:port], without path or wildcard"
                    ));
                }
                Ok(item.to_ascii_lowercase())
            })
            .collect::<Result<_, _>>()?;
        if origins.is_empty() {
            return Err("no origin given".to_owned());
        }
        Ok(Self(origins))
    }

    /// The origins, as browsers send them.
    pub fn origins(&self) -> &[String] {
        &self.0
    }
}

/// The middleware: CORS for the listed origins, or nothing at all without a list.
pub fn middleware(origins: Option<&CorsOrigins>) -> Condition<Cors> {
    let Some(origins) = origins else {
        return Condition::new(false, Cors::default());
    };
    let cors = origins.origins().iter().fold(
        Cors::default()
            .allowed_methods(METHODS)
            .allowed_headers(REQUEST_HEADERS)
            .expose_headers(RESPONSE_HEADERS)
            .max_age(PREFLIGHT_MAX_AGE_S)
            // A request from another origin (or the console's own, which browsers
            // mark with Origin too) goes on without CORS headers instead of a 400.
            .block_on_origin_mismatch(false),
        |cors, origin| cors.allowed_origin(origin),
    );
    Condition::new(true, cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_origins_and_refuses_paths_and_wildcards() {
        let parsed = CorsOrigins::parse("http://localhost:3000, https://App.example").expect("ok");
        assert_eq!(
            parsed.origins(),
            ["http://localhost:3000", "https://app.example"]
        );
        assert!(CorsOrigins::parse("http://a.example/path").is_err());
        assert!(CorsOrigins::parse("*").is_err());
        assert!(CorsOrigins::parse("https://*.example").is_err());
        assert!(CorsOrigins::parse(" , ").is_err());
    }
}
