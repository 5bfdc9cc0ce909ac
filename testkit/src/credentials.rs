//! How requests prove their originator to a CSE that authenticates: headers sent with
//! every request, fixed bearer tokens, and a source that mints a token for any
//! originator (the suite invents originators as it goes). A CSE that authenticates
//! nobody needs none of them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::Request;

/// Makes a bearer token whose subject is the given originator, or says why not.
pub type Mint = Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// Numbers the AE-IDs invented for registrations, unique in the process.
static NEXT_STEM: AtomicU64 = AtomicU64::new(1);

/// What each request carries to authenticate. Cheap to clone; clones share the
/// minted tokens.
#[derive(Clone, Default)]
pub struct Credentials {
    /// Headers added to every request that does not set them itself.
    pub headers: Vec<(String, String)>,
    /// The bearer token of each originator named here.
    pub tokens: BTreeMap<String, String>,
    /// The bearer token of any other originator.
    pub token: Option<String>,
    /// Mints tokens for originators neither `tokens` nor `token` covers; each is
    /// asked once per originator.
    pub mint: Option<Mint>,
    minted: Arc<Mutex<HashMap<String, String>>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens and header values are credentials: only their names are shown.
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Credentials")
            .field("headers", &headers)
            .field("tokens_for", &self.tokens.keys().collect::<Vec<_>>())
            .field("token", &self.token.is_some())
            .field("mint", &self.mint.is_some())
            .finish()
    }
}

impl Credentials {
    /// Whether requests carry anything beyond their oneM2M headers.
    pub fn any(&self) -> bool {
        !self.headers.is_empty()
            || !self.tokens.is_empty()
            || self.token.is_some()
            || self.mint.is_some()
    }

    /// Adds this request's credentials: the extra headers, and an `Authorization:
    /// Bearer` for its originator, unless the request sets its own. An AE
    /// registration that leaves the AE-ID to the CSE (originator absent, `C` or `S`)
    /// gets a minted token for a fresh AE-ID of that letter, since a CSE that
    /// authenticates takes the AE-ID from the token (without a mint it gets `token`).
    /// Fails when the mint cannot make the token.
    pub fn apply(&self, mut request: Request) -> Result<Request, String> {
        for (name, value) in &self.headers {
            if request.header_value(name).is_none() {
                request = request.header(name.clone(), value.clone());
            }
        }
        if request.header_value("Authorization").is_some() {
            return Ok(request);
        }
        let originator = request.header_value("X-M2M-Origin").map(str::to_owned);
        let subject = match (
            &self.mint,
            registration_stem(&request, originator.as_deref()),
        ) {
            (Some(_), Some(stem)) => {
                let n = NEXT_STEM.fetch_add(1, Ordering::Relaxed);
                Some(format!("{stem}tk{}x{n}", std::process::id()))
            }
            _ => originator,
        };
        let Some(subject) = subject else {
            return Ok(request);
        };
        match self.token_for(&subject)? {
            Some(token) => Ok(request.header("Authorization", format!("Bearer {token}"))),
            None => Ok(request),
        }
    }

    /// The token for `subject`: a fixed one, the common one, or a minted one.
    fn token_for(&self, subject: &str) -> Result<Option<String>, String> {
        if let Some(token) = self.tokens.get(subject).or(self.token.as_ref()) {
            return Ok(Some(token.clone()));
        }
        let Some(mint) = &self.mint else {
            return Ok(None);
        };
        let mut minted = self.minted.lock().map_err(|_| "token cache poisoned")?;
        if let Some(token) = minted.get(subject) {
            return Ok(Some(token.clone()));
        }
        let token =
            mint(subject).map_err(|why| format!("no token for originator {subject}: {why}"))?;
        minted.insert(subject.to_owned(), token.clone());
        Ok(Some(token))
    }
}

/// `C` or `S` when the request registers an AE and leaves its AE-ID to the CSE
/// (TS-0001 §10.2.2.2: originator absent, `C` or `S`).
fn registration_stem(request: &Request, originator: Option<&str>) -> Option<&'static str> {
    let creates_ae = request.method == reqwest::Method::POST
        && request
            .header_value("Content-Type")
            .is_some_and(|ct| ct.split(';').any(|p| p.trim() == "ty=2"));
    match originator.map(str::trim) {
        _ if !creates_ae => None,
        None | Some("C") => Some("C"),
        Some("S") => Some("S"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(credentials: &Credentials, request: Request) -> Option<String> {
        credentials
            .apply(request)
            .ok()?
            .header_value("Authorization")
            .map(str::to_owned)
    }

    #[test]
    fn tokens_follow_the_originator_and_a_request_of_its_own_is_kept() {
        let credentials = Credentials {
            headers: vec![("X-Tenant".into(), "t1".into())],
            tokens: BTreeMap::from([("CAdmin".into(), "admin-token".into())]),
            mint: Some(Arc::new(|sub: &str| Ok(format!("minted-{sub}")))),
            ..Credentials::default()
        };
        let get = |o: &str| Request::new(reqwest::Method::GET, "/cse-in").originator(o);
        assert_eq!(
            authorization(&credentials, get("CAdmin")).as_deref(),
            Some("Bearer admin-token")
        );
        assert_eq!(
            authorization(&credentials, get("Cone")).as_deref(),
            Some("Bearer minted-Cone")
        );
        let own = get("Cone").header("Authorization", "Basic x");
        assert_eq!(authorization(&credentials, own).as_deref(), Some("Basic x"));
        let applied = credentials.apply(get("Cone")).ok();
        assert_eq!(
            applied.as_ref().and_then(|r| r.header_value("X-Tenant")),
            Some("t1")
        );
        // No originator, no mint asked.
        let anonymous = Request::new(reqwest::Method::GET, "/cse-in");
        assert_eq!(authorization(&credentials, anonymous), None);
    }

    #[test]
    fn a_registration_without_an_ae_id_gets_a_token_for_a_fresh_one() {
        let credentials = Credentials {
            mint: Some(Arc::new(|sub: &str| Ok(sub.to_owned()))),
            ..Credentials::default()
        };
        let register = |o: Option<&str>| {
            let r = Request::new(reqwest::Method::POST, "/cse-in")
                .content_type("application/json;ty=2");
            match o {
                Some(o) => r.originator(o),
                None => r,
            }
        };
        let one = authorization(&credentials, register(Some("C"))).unwrap_or_default();
        let two = authorization(&credentials, register(None)).unwrap_or_default();
        let s = authorization(&credentials, register(Some("S"))).unwrap_or_default();
        assert!(one.starts_with("Bearer Ctk") && two.starts_with("Bearer Ctk"));
        assert_ne!(one, two);
        assert!(s.starts_with("Bearer Stk"), "{s}");
        // An AE-ID chosen by the registrant is its own originator.
        assert_eq!(
            authorization(&credentials, register(Some("Cmine"))).as_deref(),
            Some("Bearer Cmine")
        );
    }

    #[test]
    fn a_mint_that_fails_says_for_whom() {
        let credentials = Credentials {
            mint: Some(Arc::new(|_: &str| Err("exit status 1".to_owned()))),
            ..Credentials::default()
        };
        let request = Request::new(reqwest::Method::GET, "/cse-in").originator("Cx");
        assert_eq!(
            credentials.apply(request).err().as_deref(),
            Some("no token for originator Cx: exit status 1")
        );
    }
}
