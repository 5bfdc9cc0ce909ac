//! The CSE under test: where its CSEBase is and which identities requests carry.

use std::time::Duration;

use crate::{Credentials, Error};

/// The CSE under test. Every tool starts from a CSEBase URL and the few oneM2M
/// identities the CSE was configured with, so one value carries them all.
#[derive(Debug, Clone)]
pub struct Target {
    /// Scheme, host and port: `http://127.0.0.1:8080` (or `https://…`).
    pub origin: String,
    /// HTTP path of the CSEBase: `/cse-in`.
    pub cse_base_path: String,
    /// SP-relative CSE-ID: `/id-in`.
    pub cse_id: String,
    /// An originator the CSE allows everything.
    pub admin: String,
    /// `X-M2M-RVI` sent with every oneM2M request.
    pub rvi: String,
    /// M2M-SP-ID for absolute addressing, if known.
    pub sp_id: Option<String>,
    /// Time limit per request (and, in the conformance suite, per awaited notification).
    pub timeout: Duration,
    /// Further origins serving the same CSE (same CSE-ID, same database), taken in turn
    /// with `origin` request by request, so one run proves that several processes
    /// behind a load balancer act as one CSE. Empty: every request goes to `origin`.
    pub alternates: Vec<String>,
    /// The MQTT broker (`mqtt://HOST[:PORT]`) the CSE serves its MQTT binding on:
    /// when set, clients send every request over MQTT instead of HTTP (notification
    /// receivers stay HTTP).
    pub mqtt: Option<String>,
    /// What requests carry to authenticate to a CSE that asks (bearer tokens, extra
    /// headers); none by default.
    pub credentials: Credentials,
}

impl Target {
    /// Reads a CSEBase URL such as `http://127.0.0.1:8080/cse-in`, or `https://…` for
    /// a CSE serving TLS (HTTP over TLS is still the HTTP binding).
    pub fn from_url(
        url: &str,
        cse_id: &str,
        admin: &str,
        rvi: &str,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let (origin, cse_base_path) = split(url)?;
        Ok(Self {
            origin,
            cse_base_path,
            cse_id: cse_id.to_owned(),
            admin: admin.to_owned(),
            rvi: rvi.to_owned(),
            sp_id: None,
            timeout,
            alternates: Vec::new(),
            mqtt: None,
            credentials: Credentials::default(),
        })
    }

    /// Adds another CSEBase URL of the same CSE (see [`Target::alternates`]); its
    /// CSEBase path must be this target's, since only the origin alternates.
    pub fn also_at(&mut self, url: &str) -> Result<(), Error> {
        let (origin, path) = split(url)?;
        if path != self.cse_base_path {
            return Err(Error::Target(url.to_owned()));
        }
        self.alternates.push(origin);
        Ok(())
    }

    /// `origin` followed by the alternates: every base URL requests go to, in turn.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.origin.as_str()).chain(self.alternates.iter().map(String::as_str))
    }

    /// The CSEBase resource name (`cse-in`), which tests compare with `rn`.
    pub fn cse_name(&self) -> &str {
        self.cse_base_path.trim_start_matches('/')
    }
}

/// Splits a CSEBase URL into origin (`http://host:port`) and CSEBase path (`/cse-in`).
fn split(url: &str) -> Result<(String, String), Error> {
    let bad = || Error::Target(url.to_owned());
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let (host, path) = rest.split_once('/').ok_or_else(bad)?;
    let path = path.trim_end_matches('/');
    if host.is_empty() || path.is_empty() {
        return Err(bad());
    }
    Ok((format!("{scheme}://{host}"), format!("/{path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The target of `url` with the usual identities.
    fn target(url: &str) -> Result<Target, Error> {
        Target::from_url(url, "/id-in", "CAdmin", "3", Duration::from_secs(1))
    }

    #[test]
    fn a_csebase_url_is_split_into_origin_and_path() {
        let t = target("http://127.0.0.1:8080/cse-in/").expect("valid URL");
        assert_eq!(t.origin, "http://127.0.0.1:8080");
        assert_eq!(t.cse_base_path, "/cse-in");
        assert_eq!(t.cse_name(), "cse-in");
        assert_eq!((t.cse_id.as_str(), t.rvi.as_str()), ("/id-in", "3"));
        assert_eq!(t.origins().collect::<Vec<_>>(), ["http://127.0.0.1:8080"]);
    }

    #[test]
    fn alternates_share_the_csebase_path_and_follow_the_origin() {
        let mut t = target("http://127.0.0.1:8080/cse-in").expect("valid URL");
        t.also_at("http://127.0.0.1:8081/cse-in/")
            .expect("same CSEBase");
        assert!(matches!(
            t.also_at("http://127.0.0.1:8082/other"),
            Err(Error::Target(ref u)) if u == "http://127.0.0.1:8082/other"
        ));
        assert_eq!(
            t.origins().collect::<Vec<_>>(),
            ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]
        );
    }

    #[test]
    fn an_https_csebase_url_keeps_its_scheme() {
        let t = target("https://127.0.0.1:8443/cse-in").expect("valid URL");
        assert_eq!(t.origin, "https://127.0.0.1:8443");
        assert_eq!(t.cse_base_path, "/cse-in");
    }

    #[test]
    fn urls_without_http_or_a_csebase_path_are_refused() {
        for url in [
            "ftp://127.0.0.1:8080/cse-in",
            "127.0.0.1:8080/cse-in",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http:///cse-in",
        ] {
            assert!(
                matches!(target(url), Err(Error::Target(ref u)) if u == url),
                "{url}"
            );
        }
    }
}
