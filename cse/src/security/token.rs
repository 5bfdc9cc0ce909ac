//! `onecse token`: a JWT for one originator, signed with the configured key, so an
//! operator (or a test) gets tokens the server accepts without another tool.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::auth::Verifier;
use crate::config::TokenArgs;

/// The claims `onecse token` writes: what the server requires, and `iat`.
#[derive(serde::Serialize)]
struct IssuedClaims<'a> {
    sub: &'a str,
    iat: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// Signs a token for `args.sub`, valid from now for `args.ttl` (at most the verifier's
/// maximum lifetime: refused beyond it, not shortened behind the caller's back), with
/// `iss`/`aud` when configured, and checks it with the server's own verifier (the one `startup` parsed
/// from the key settings, `None` without a key) before handing it out, so a private
/// key that does not match `jwt_public_key_file` is said here, not by 4106s.
pub fn issue(verifier: Option<&Verifier>, args: &TokenArgs) -> anyhow::Result<String> {
    let ttl = parse_ttl(&args.ttl)?;
    if args.sub.is_empty() || args.sub.chars().any(|c| !c.is_ascii_graphic()) {
        bail!("--sub must be an originator of visible ASCII characters, e.g. Cmyapp");
    }
    let verifier = verifier.context(
        "no key to sign with: set jwt_secret, jwt_secret_file, or jwt_public_key_file with --private-key-file",
    )?;
    if ttl.as_secs() > verifier.max_lifetime_s() {
        bail!(
            "--ttl {} is longer than jwt_max_lifetime_s ({} s), so the server would refuse the token; ask for a shorter one or raise jwt_max_lifetime_s",
            args.ttl,
            verifier.max_lifetime_s()
        );
    }
    let algorithm = verifier.algorithm();
    let key = match (verifier.secret(), &args.private_key_file) {
        (Some(secret), None) => EncodingKey::from_secret(secret.expose().as_bytes())
            .map_err(|_| anyhow!("the HS256 secret cannot sign"))?,
        (Some(_), Some(_)) => bail!(
            "--private-key-file is for RS256/ES256 keys; the configured key is an HS256 secret"
        ),
        (None, Some(path)) => {
            let pem = std::fs::read(path).with_context(|| {
                format!("--private-key-file {}: cannot read it", path.display())
            })?;
            let key = match algorithm {
                Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
                _ => EncodingKey::from_ec_pem(&pem),
            };
            key.map_err(|_| {
                anyhow!(
                    "--private-key-file {}: not a {algorithm:?} private key in PEM form (EC keys as PKCS#8: BEGIN PRIVATE KEY)",
                    path.display()
                )
            })?
        }
        (None, None) => bail!(
            "{algorithm:?} tokens are signed with the private key of jwt_public_key_file: give --private-key-file"
        ),
    };
    let iat = jsonwebtoken::get_current_timestamp();
    let claims = IssuedClaims {
        sub: &args.sub,
        iat,
        exp: iat.saturating_add(ttl.as_secs()),
        iss: verifier.issuer(),
        aud: verifier.audience(),
    };
    let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, &key)
        .map_err(|e| anyhow!("cannot sign the token with the {algorithm:?} key: {e}"))?;
    verifier.subject(&token).map_err(|refused| {
        anyhow!(
            "the signed token does not verify with the configured key ({}); does the private key belong to jwt_public_key_file?",
            refused.message
        )
    })?;
    Ok(token)
}

/// A lifetime written `30s`, `15m`, `1h` or `7d`: a positive whole number and one unit.
pub fn parse_ttl(text: &str) -> anyhow::Result<Duration> {
    let bad = || anyhow!("--ttl '{text}' is not a duration like 30s, 15m, 1h or 7d");
    let unit_at = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(unit_at);
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    number
        .checked_mul(seconds_per_unit)
        .filter(|&seconds| seconds > 0)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_a_number_and_one_of_four_units() {
        for (text, seconds) in [("30s", 30), ("15m", 900), ("1h", 3600), ("7d", 604_800)] {
            assert_eq!(
                parse_ttl(text).ok(),
                Some(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        for bad in [
            "",
            "1",
            "h",
            "0s",
            "-1h",
            "1.5h",
            "1 h",
            "1hh",
            "1w",
            "99999999999999999999d",
            "999999999999999999d",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
