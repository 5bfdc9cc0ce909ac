//! The CSE under test: where its CSEBase is and which identities requests carry.

use std::time::Duration;

use crate::Error;

/// The CSE under test. Every tool starts from a CSEBase URL and the few oneM2M
/// identities the CSE was configured with, so one value carries them all.
#[derive(Debug, Clone)]
pub struct Target {
    /// Scheme, host and port: `http://127.0.0.1:8080`.
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
}

impl Target {
    /// Reads a CSEBase URL such as `http://127.0.0.1:8080/cse-in`; only plain HTTP,
    /// since that is the binding all three tools test.
    pub fn from_url(
        url: &str,
        cse_id: &str,
        admin: &str,
        rvi: &str,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let bad = || Error::Target(url.to_owned());
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (host, path) = rest.split_once('/').ok_or_else(bad)?;
        let path = path.trim_end_matches('/');
        if host.is_empty() || path.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            origin: format!("http://{host}"),
            cse_base_path: format!("/{path}"),
            cse_id: cse_id.to_owned(),
            admin: admin.to_owned(),
            rvi: rvi.to_owned(),
            sp_id: None,
            timeout,
        })
    }

    /// The CSEBase resource name (`cse-in`), which tests compare with `rn`.
    pub fn cse_name(&self) -> &str {
        self.cse_base_path.trim_start_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csebase_url_is_split_into_origin_and_path() {
        let t = Target::from_url(
            "http://127.0.0.1:8080/cse-in/",
            "/id-in",
            "CAdmin",
            "3",
            Duration::from_secs(1),
        );
        let t = t.expect("valid URL");
        assert_eq!(t.origin, "http://127.0.0.1:8080");
        assert_eq!(t.cse_base_path, "/cse-in");
        assert_eq!(t.cse_name(), "cse-in");
        assert_eq!((t.cse_id.as_str(), t.rvi.as_str()), ("/id-in", "3"));
    }

    #[test]
    fn urls_without_http_or_a_csebase_path_are_refused() {
        for url in [
            "https://127.0.0.1:8080/cse-in",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http:///cse-in",
        ] {
            let result = Target::from_url(url, "/id-in", "CAdmin", "3", Duration::from_secs(1));
            assert!(
                matches!(result, Err(Error::Target(ref u)) if u == url),
                "{url}"
            );
        }
    }
}
