//! Originator authentication by JSON Web Token (DESIGN §5; TS-0003 leaves the
//! credential to the deployment). With `auth = jwt` every request carries
//! `Authorization: Bearer <token>`, signed with the one configured key, and the token's
//! `sub` is the originator. The HTTP binding calls [`Authenticator::admit`] once a
//! request is decoded and before it runs; the answer becomes `Caller::authenticated`.
//!
//! Neither the token nor the secret ever appears in a message or a log line: messages
//! say what was wrong with the token, never what it held beyond its subject.

use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use onecse_models::id::{RegistrationOriginator, classify_registration_originator};
use onecse_models::primitive::Request;
use onecse_models::{Operation, ResourceType, ResponseStatusCode};

use crate::config::Secret;
use crate::error::{CseError, CseResult};

/// Shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key at least as long as
/// the hash output, 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// Largest `jwt_leeway_s`: the leeway absorbs clock differences; more would keep
/// expired tokens usable.
pub const MAX_LEEWAY_S: u64 = 3600;

/// Whether requests must authenticate (`auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Originators are taken at their word (the quick start); nobody is authenticated.
    None,
    /// Every request needs a verified bearer token naming its originator.
    Jwt,
}

impl AuthMode {
    /// Reads the `auth` setting.
    pub fn parse(value: &str) -> anyhow::Result<Self> {
        match value {
            "none" => Ok(Self::None),
            "jwt" => Ok(Self::Jwt),
            other => bail!("auth must be 'none' or 'jwt', not '{other}'"),
        }
    }
}

/// The key settings a [`Verifier`] is made from, as the configuration holds them
/// (`jwt_secret`, `jwt_secret_file`, `jwt_public_key_file`, `jwt_issuer`,
/// `jwt_audience`, `jwt_leeway_s`, `jwt_max_lifetime_s`); `startup` fills it once.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeySettings<'a> {
    /// The HS256 secret itself.
    pub secret: Option<&'a Secret>,
    /// A file holding the HS256 secret.
    pub secret_file: Option<&'a str>,
    /// A PEM file with the public key (RS256, ES256, ES384).
    pub public_key_file: Option<&'a str>,
    /// The issuer a token must name.
    pub issuer: Option<&'a str>,
    /// The audience a token must include.
    pub audience: Option<&'a str>,
    /// Clock difference allowed on `exp` and `nbf`, in seconds.
    pub leeway_s: u64,
    /// Longest time a token's `exp` may lie ahead, in seconds: a stolen token is
    /// usable until it expires, so a token issued for years is refused.
    pub max_lifetime_s: u64,
}

/// Checks tokens with the configured key, parsed once: the server's [`Authenticator`]
/// and `onecse token` (which proves the token it prints is accepted) share it.
pub struct Verifier {
    algorithm: Algorithm,
    key: DecodingKey,
    /// The HS256 secret, which also signs; `None` for a public key.
    secret: Option<Secret>,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    max_lifetime_s: u64,
}

/// The claims onecse reads itself; `exp` (required), `nbf`, `iss` and `aud` are
/// checked by `jsonwebtoken`'s `Validation`, the lifetime left here.
#[derive(serde::Deserialize)]
struct Claims {
    sub: Option<String>,
    /// Any JSON value, so that a malformed `exp` is refused by `Validation` with its
    /// own words; a NumericDate may have a fraction (RFC 7519 §2).
    exp: Option<serde_json::Value>,
}

impl Verifier {
    /// The verifier the settings describe, `None` when they name no key. Refuses two
    /// sources of the key, an unreadable or unusable key file, a short secret and a
    /// leeway beyond [`MAX_LEEWAY_S`], naming the setting.
    pub fn new(keys: &KeySettings<'_>) -> anyhow::Result<Option<Self>> {
        let secret = configured_secret(keys)?;
        let (algorithm, key) = match (&secret, keys.public_key_file) {
            (Some(_), Some(_)) => bail!(
                "jwt_public_key_file and an HS256 secret (jwt_secret or jwt_secret_file) are both set; configure one key"
            ),
            (Some(secret), None) => (
                Algorithm::HS256,
                DecodingKey::from_secret(secret.expose().as_bytes())
                    .map_err(|_| anyhow!("the HS256 secret is empty"))?,
            ),
            (None, Some(path)) => public_key(path)?,
            (None, None) => return Ok(None),
        };
        if keys.leeway_s > MAX_LEEWAY_S {
            bail!(
                "jwt_leeway_s is {} s; at most {MAX_LEEWAY_S} s is accepted",
                keys.leeway_s
            );
        }
        if keys.max_lifetime_s == 0 {
            bail!("jwt_max_lifetime_s must be at least 1 s");
        }
        // Only the configured algorithm: a token naming another one (`none`, or HS256
        // with the public key as its secret) is refused before its signature is read.
        let mut validation = Validation::new(algorithm);
        validation.leeway = keys.leeway_s;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = keys.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match keys.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            // Without a configured audience a token's `aud` is not ours to judge.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Some(Self {
            algorithm,
            key,
            secret,
            validation,
            issuer: keys.issuer.map(str::to_owned),
            audience: keys.audience.map(str::to_owned),
            max_lifetime_s: keys.max_lifetime_s,
        }))
    }

    /// The one algorithm tokens must be signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The HS256 secret, which signs as well as verifies (`None` for a public key).
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// The issuer (`iss`) a token must name, which `onecse token` writes.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The audience (`aud`) a token must include, which `onecse token` writes.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The longest lifetime a token may have left (`jwt_max_lifetime_s`), which
    /// `onecse token` keeps to.
    pub fn max_lifetime_s(&self) -> u64 {
        self.max_lifetime_s
    }

    /// The subject of a token that verifies, is valid now and expires within the
    /// maximum lifetime, else the 4106 refusal saying what was wrong.
    pub fn subject(&self, token: &str) -> CseResult<String> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|err| not_authenticated(self.explain(&err)))?;
        // `exp` is required, so `Validation` refused a token without one.
        let latest = jsonwebtoken::get_current_timestamp()
            .saturating_add(self.max_lifetime_s)
            .saturating_add(self.validation.leeway);
        let exp = data.claims.exp.as_ref().and_then(serde_json::Value::as_f64);
        if exp.is_none_or(|exp| exp > latest as f64) {
            return Err(not_authenticated(format!(
                "the bearer token's lifetime is too long: its exp is more than {} s from now, the most this CSE accepts (jwt_max_lifetime_s)",
                self.max_lifetime_s
            )));
        }
        data.claims
            .sub
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| not_authenticated("the bearer token's subject (sub) is empty"))
    }

    /// What a refused token got wrong, in words a client can act on.
    fn explain(&self, err: &JwtError) -> String {
        match err.kind() {
            ErrorKind::ExpiredSignature => "the bearer token has expired".into(),
            ErrorKind::ImmatureSignature => {
                "the bearer token is not valid yet (its nbf is in the future)".into()
            }
            ErrorKind::InvalidSignature => {
                "the bearer token's signature does not verify with this CSE's key".into()
            }
            ErrorKind::InvalidAlgorithm => format!(
                "the bearer token is not signed with {:?}, the only algorithm this CSE accepts",
                self.algorithm
            ),
            ErrorKind::InvalidIssuer => format!(
                "the bearer token's issuer (iss) is not '{}'",
                self.issuer.as_deref().unwrap_or_default()
            ),
            ErrorKind::InvalidAudience => format!(
                "the bearer token's audience (aud) does not include '{}'",
                self.audience.as_deref().unwrap_or_default()
            ),
            ErrorKind::MissingRequiredClaim(claim) => {
                format!("the bearer token has no valid '{claim}' claim")
            }
            ErrorKind::InvalidClaimFormat(claim) => {
                format!("the bearer token's '{claim}' claim has the wrong type")
            }
            // Includes a header naming an algorithm jsonwebtoken does not know, `none`.
            _ => format!(
                "the bearer token is not a well-formed JWT signed with {:?}",
                self.algorithm
            ),
        }
    }
}

/// The request gate of the HTTP binding, built once from the settings.
pub struct Authenticator {
    /// `None` when `auth = none`.
    verifier: Option<Arc<Verifier>>,
}

impl Authenticator {
    /// The gate of `mode` with the configured key (parsed by [`Verifier::new`] even
    /// with `auth = none`, so a broken file is found before it is switched on);
    /// `auth = jwt` without a key is refused.
    pub fn new(mode: AuthMode, verifier: Option<Arc<Verifier>>) -> anyhow::Result<Self> {
        let verifier = match mode {
            AuthMode::None => None,
            AuthMode::Jwt => Some(verifier.context(
                "auth = jwt needs a key: jwt_secret, jwt_secret_file or jwt_public_key_file",
            )?),
        };
        Ok(Self { verifier })
    }

    /// Whether requests must prove their originator (`auth = jwt`).
    pub fn authenticates(&self) -> bool {
        self.verifier.is_some()
    }

    /// Checks the `Authorization` header value of `req` and says whether its originator
    /// is authenticated (always `false` with `auth = none`, where nothing is checked).
    ///
    /// With `auth = jwt`: no header, or one that is not a bearer token → 4107
    /// SECURITY_ASSOCIATION_REQUIRED; a token that does not verify, is not valid now,
    /// or whose `sub` is not X-M2M-Origin → 4106 ORIGINATOR_NOT_AUTHENTICATED. An AE
    /// registration whose originator is absent, `C` or `S` gets the token's `sub` as
    /// its originator, so the AE is registered under AE-ID `sub` (which must then be
    /// an AE-ID stem, `C…` or `S…`).
    pub fn admit(&self, authorization: Option<&str>, req: &mut Request) -> CseResult<bool> {
        let Some(subject) = self.subject(authorization)? else {
            return Ok(false);
        };
        bind_originator(req, subject)?;
        Ok(true)
    }

    /// The subject of the bearer token in `authorization` once it verifies (`None`
    /// with `auth = none`, where nothing is checked), refused as [`Self::admit`]
    /// refuses: for callers that are not oneM2M requests (the Upper Tester interface).
    pub fn subject(&self, authorization: Option<&str>) -> CseResult<Option<String>> {
        match &self.verifier {
            None => Ok(None),
            Some(verifier) => verifier.subject(bearer_token(authorization)?).map(Some),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value (RFC 6750 §2.1; the scheme
/// is case-insensitive).
fn bearer_token(authorization: Option<&str>) -> CseResult<&str> {
    let value = authorization.ok_or_else(|| {
        association_required(
            "the request has no Authorization header; this CSE requires Authorization: Bearer with a JWT",
        )
    })?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(association_required(
            "the Authorization header is not a bearer token; this CSE requires Authorization: Bearer with a JWT",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(association_required(
            "the Authorization header names the Bearer scheme but holds no token",
        ));
    }
    Ok(token)
}

/// Makes `subject` the request's originator where a registration asks for an AE-ID,
/// and otherwise refuses a subject that is not the originator.
fn bind_originator(req: &mut Request, subject: String) -> CseResult<()> {
    if registration_without_ae_id(req) {
        // The CSE-ID only matters for a subject that is not a C/S stem, refused anyway.
        return match classify_registration_originator(Some(&subject), "") {
            Ok(RegistrationOriginator::Given(stem)) => {
                req.from = Some(stem);
                Ok(())
            }
            _ => Err(not_authenticated(format!(
                "the token's subject '{subject}' is not an AE-ID stem (C… or S…), so it cannot name the AE this registration creates"
            ))),
        };
    }
    match req.from.as_deref() {
        Some(originator) if originator == subject => Ok(()),
        Some(originator) => Err(not_authenticated(format!(
            "the token's subject '{subject}' is not the originator '{originator}'"
        ))),
        None => Err(not_authenticated(format!(
            "the token's subject is '{subject}' but the request names no originator (X-M2M-Origin)"
        ))),
    }
}

/// An AE registration that leaves the AE-ID to the CSE: originator absent, `C` or `S`
/// (TS-0001 §10.2.2.2).
fn registration_without_ae_id(req: &Request) -> bool {
    let registers = req.op == Operation::Create
        && req
            .ty
            .and_then(ResourceType::spec)
            .is_some_and(|spec| spec.registers_originator);
    registers && matches!(req.from.as_deref().map(str::trim), None | Some("C" | "S"))
}

/// The HS256 secret from `jwt_secret` or `jwt_secret_file` (its text, trimmed).
fn configured_secret(keys: &KeySettings<'_>) -> anyhow::Result<Option<Secret>> {
    let (secret, setting) = match (keys.secret, keys.secret_file) {
        (Some(_), Some(_)) => {
            bail!("jwt_secret and jwt_secret_file both give the HS256 secret; set only one")
        }
        (Some(secret), None) => (secret.clone(), "jwt_secret"),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("jwt_secret_file {path}: cannot read it"))?;
            (Secret::from(text.trim().to_owned()), "jwt_secret_file")
        }
        (None, None) => return Ok(None),
    };
    let length = secret.expose().len();
    if length < MIN_SECRET_BYTES {
        bail!(
            "{setting}: the HS256 secret is {length} bytes long; it needs at least {MIN_SECRET_BYTES} (make one with: openssl rand -base64 32)"
        );
    }
    if secret
        .expose()
        .to_ascii_uppercase()
        .contains(PLACEHOLDER_MARK)
    {
        bail!(
            "{setting}: the HS256 secret is a published placeholder (it contains {PLACEHOLDER_MARK}); anyone could sign tokens with it, including as the administrator: set your own (make one with: openssl rand -hex 32)"
        );
    }
    Ok(Some(secret))
}

/// What marks a secret as one of the examples written in files that anyone can read
/// (an earlier docker-compose.yml fell back to one): onecse refuses to start with it.
pub const PLACEHOLDER_MARK: &str = "CHANGE-ME";

/// The public key in `path` and the algorithm it verifies: RSA → RS256, EC P-256 →
/// ES256, EC P-384 → ES384.
fn public_key(path: &str) -> anyhow::Result<(Algorithm, DecodingKey)> {
    let pem = std::fs::read(path)
        .with_context(|| format!("jwt_public_key_file {path}: cannot read it"))?;
    if pem
        .windows(b"PRIVATE KEY".len())
        .any(|w| w == b"PRIVATE KEY")
    {
        bail!(
            "jwt_public_key_file {path} holds a private key; give its public key (openssl pkey -in KEY -pubout)"
        );
    }
    let (algorithm, key) = if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
        (Algorithm::RS256, key)
    } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
        // The key is the uncompressed curve point: 1 + 2 × the coordinate size.
        let algorithm = match key.try_get_as_bytes().map(<[u8]>::len) {
            Ok(65) => Algorithm::ES256,
            Ok(97) => Algorithm::ES384,
            _ => bail!("jwt_public_key_file {path}: the EC key is not on curve P-256 or P-384"),
        };
        (algorithm, key)
    } else {
        bail!("jwt_public_key_file {path} holds no RSA or EC public key in PEM form");
    };
    // The key's body is only parsed when a signature is checked: check one now, so a
    // damaged key stops start-up rather than refusing every request.
    jsonwebtoken::crypto::verify("", b"", &key, algorithm).map_err(|_| {
        anyhow!("jwt_public_key_file {path}: the key cannot be used for {algorithm:?}")
    })?;
    Ok((algorithm, key))
}

/// 4107 SECURITY_ASSOCIATION_REQUIRED: the request brings no credential at all.
fn association_required(message: &str) -> CseError {
    CseError::new(ResponseStatusCode::SecurityAssociationRequired, message)
}

/// 4106 ORIGINATOR_NOT_AUTHENTICATED: the credential does not prove the originator.
fn not_authenticated(message: impl Into<String>) -> CseError {
    CseError::new(ResponseStatusCode::OriginatorNotAuthenticated, message)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use onecse_models::{ReleaseVersion, ResourceType};
    use serde_json::{Value, json};

    use super::*;

    const SECRET: &str = "unit-test-secret-unit-test-secret-32+";

    fn authenticator(auth: &str) -> Authenticator {
        let secret = Secret::from(SECRET.to_owned());
        let keys = KeySettings {
            secret: Some(&secret),
            leeway_s: 30,
            max_lifetime_s: 3600,
            ..KeySettings::default()
        };
        let verifier = Verifier::new(&keys).expect("valid settings").map(Arc::new);
        Authenticator::new(AuthMode::parse(auth).expect("a mode"), verifier)
            .expect("valid settings")
    }

    fn bearer_for(sub: &str) -> String {
        let claims = json!({"sub": sub, "exp": jsonwebtoken::get_current_timestamp() + 60});
        let key = EncodingKey::from_secret(SECRET.as_bytes()).expect("secret");
        let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("signs");
        format!("Bearer {token}")
    }

    fn request(op: Operation, ty: Option<ResourceType>, from: Option<&str>) -> Request {
        Request {
            op,
            to: "cse-in".into(),
            from: from.map(str::to_owned),
            rqi: "1".into(),
            rvi: ReleaseVersion::V3,
            vsi: None,
            ty,
            content: None,
            rcn: None,
            filter: Default::default(),
            attribute_list: Vec::new(),
            drt: None,
            timing: Default::default(),
            response_type: Default::default(),
            query: String::new(),
        }
    }

    #[test]
    fn a_verified_token_marks_the_caller_authenticated_only_with_auth_jwt() {
        let token = bearer_for("Cme");
        let mut req = request(Operation::Retrieve, None, Some("Cme"));
        assert_eq!(
            authenticator("jwt").admit(Some(&token), &mut req).ok(),
            Some(true)
        );
        assert_eq!(
            authenticator("none").admit(Some(&token), &mut req).ok(),
            Some(false)
        );
        assert_eq!(
            authenticator("none").admit(None, &mut req).ok(),
            Some(false)
        );
    }

    #[test]
    fn only_a_registration_asking_for_an_ae_id_takes_the_subject() {
        let token = bearer_for("Cbound");
        for from in [None, Some("C"), Some("S")] {
            let mut req = request(Operation::Create, Some(ResourceType::Ae), from);
            assert_eq!(
                authenticator("jwt").admit(Some(&token), &mut req).ok(),
                Some(true)
            );
            assert_eq!(req.from.as_deref(), Some("Cbound"), "{from:?}");
        }
        // A container CREATE without an originator is no registration.
        let mut req = request(Operation::Create, Some(ResourceType::Container), None);
        let refused = authenticator("jwt").admit(Some(&token), &mut req).err();
        assert_eq!(
            refused.map(|e| e.rsc),
            Some(ResponseStatusCode::OriginatorNotAuthenticated)
        );
        assert_eq!(req.from, None);
    }

    #[test]
    fn a_token_expiring_beyond_the_maximum_lifetime_is_refused() {
        let key = EncodingKey::from_secret(SECRET.as_bytes()).expect("secret");
        let signed = |exp: Value| {
            let claims = json!({"sub": "Cme", "exp": exp});
            let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("signs");
            format!("Bearer {token}")
        };
        let now = jsonwebtoken::get_current_timestamp();
        let jwt = authenticator("jwt");
        // Within an hour (the test's maximum) and its 30 s leeway: accepted.
        for exp in [
            json!(now + 3600),
            json!(now + 3620),
            json!((now + 60) as f64 + 0.5),
        ] {
            let mut req = request(Operation::Retrieve, None, Some("Cme"));
            assert_eq!(
                jwt.admit(Some(&signed(exp.clone())), &mut req).ok(),
                Some(true),
                "{exp}"
            );
        }
        for exp in [
            json!(now + 3700),
            json!(now + 10 * 365 * 86_400),
            json!(u64::MAX),
        ] {
            let mut req = request(Operation::Retrieve, None, Some("Cme"));
            let refused = jwt.admit(Some(&signed(exp.clone())), &mut req).err();
            assert_eq!(
                refused.as_ref().map(|e| e.rsc),
                Some(ResponseStatusCode::OriginatorNotAuthenticated),
                "{exp}"
            );
            assert!(
                refused.is_some_and(|e| e.message.contains("lifetime is too long")),
                "{exp}"
            );
        }
    }

    #[test]
    fn a_zero_maximum_lifetime_is_refused() {
        let secret = Secret::from(SECRET.to_owned());
        let keys = KeySettings {
            secret: Some(&secret),
            ..KeySettings::default()
        };
        let err = Verifier::new(&keys).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("jwt_max_lifetime_s")));
    }

    #[test]
    fn a_huge_leeway_is_refused_rather_than_overflowing() {
        let secret = Secret::from(SECRET.to_owned());
        let keys = KeySettings {
            secret: Some(&secret),
            leeway_s: u64::MAX,
            ..KeySettings::default()
        };
        let err = Verifier::new(&keys).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("jwt_leeway_s")));
    }

    #[test]
    fn only_bearer_values_with_a_token_pass() {
        assert_eq!(
            bearer_token(Some("Bearer abc.def.ghi")).ok(),
            Some("abc.def.ghi")
        );
        assert_eq!(bearer_token(Some("bearer  abc ")).ok(), Some("abc"));
        for refused in [
            None,
            Some(""),
            Some("Basic dXNlcjpwYXNz"),
            Some("Bearer"),
            Some("Bearer   "),
            Some("abc.def.ghi"),
        ] {
            let rsc = bearer_token(refused).err().map(|e| e.rsc);
            assert_eq!(
                rsc,
                Some(ResponseStatusCode::SecurityAssociationRequired),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn auth_mode_is_none_or_jwt() {
        assert_eq!(AuthMode::parse("none").ok(), Some(AuthMode::None));
        assert_eq!(AuthMode::parse("jwt").ok(), Some(AuthMode::Jwt));
        assert!(AuthMode::parse("JWT").is_err());
    }
}
