//! Identifier rules (TS-0001 §7.2, TS-0004 §6.2.3): resource names, AE-ID stems, App-IDs,
//! and how an AE registration's originator is read (TS-0001 §10.2.2.2).

use crate::problem::Problem;
use crate::types::{ReleaseVersion, ResponseStatusCode};

/// RFC 3986 "unreserved" characters, the alphabet of names and IDs.
fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// True if `s` is a non-empty string of unreserved characters.
pub fn is_unreserved_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_unreserved)
}

/// Longest resource name accepted; keeps paths and index keys bounded.
pub const MAX_NAME_LEN: usize = 255;

/// Checks a `rn` value. TS-0001 allows RFC 3986 unreserved characters; `.` and `..`
/// are refused because they would be read as path steps by HTTP clients.
pub fn validate_resource_name(rn: &str) -> Result<(), Problem> {
    if rn.len() > MAX_NAME_LEN {
        return Err(Problem::bad_request(format!(
            "resource name is longer than {MAX_NAME_LEN} characters"
        )));
    }
    if !is_unreserved_id(rn) || rn == "." || rn == ".." {
        return Err(Problem::bad_request(format!(
            "'{rn}' is not a valid resource name (use letters, digits, '-', '.', '_' or '~')"
        )));
    }
    Ok(())
}

/// Checks a configured CSE-ID: `/` followed by unreserved characters (e.g. `/id-in`).
pub fn validate_cse_id(csi: &str) -> Result<(), Problem> {
    match csi.strip_prefix('/') {
        Some(rest) if is_unreserved_id(rest) => Ok(()),
        _ => Err(Problem::bad_request(format!(
            "'{csi}' is not an SP-relative CSE-ID (expected '/' followed by letters, digits, '-', '.', '_' or '~', e.g. /id-in)"
        ))),
    }
}

/// The CSE an originator belongs to, read from its form (TS-0001 §7.2): an
/// SP-relative `/X/…` or absolute `//sp/X/…` originator names CSE `/X` (`//sp/X` in
/// another service provider); a CSE-relative one (`Cae1`) belongs to the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginatorCse {
    /// The CSE-ID, SP-relative (`/id-mn`) within `own_sp_id`, else absolute.
    pub cse_id: String,
    /// The originator is that CSE itself (`/id-mn`), not one of its AEs.
    pub is_cse: bool,
}

/// The CSE `from` belongs to, `None` for a CSE-relative originator (one of the
/// receiver's own AEs). Absolute originators of this service provider (`own_sp_id`,
/// without `//`) read as their SP-relative form.
pub fn originator_cse(from: &str, own_sp_id: &str) -> Option<OriginatorCse> {
    let (prefix, sp_relative) = match from.strip_prefix("//") {
        Some(absolute) => {
            let (sp, rest) = absolute.split_once('/')?;
            if sp.eq_ignore_ascii_case(own_sp_id) {
                (String::new(), rest)
            } else {
                (format!("//{sp}/"), rest)
            }
        }
        None => (String::new(), from.strip_prefix('/')?),
    };
    let (csi, below) = sp_relative
        .split_once('/')
        .map_or((sp_relative, None), |(csi, below)| (csi, Some(below)));
    if !is_unreserved_id(csi) {
        return None;
    }
    Some(OriginatorCse {
        cse_id: if prefix.is_empty() {
            format!("/{csi}")
        } else {
            format!("{prefix}{csi}")
        },
        is_cse: below.is_none_or(str::is_empty),
    })
}

/// What an AE registration asks for, read from its `X-M2M-Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationOriginator {
    /// Absent, empty or `C`: the CSE assigns a fresh C-prefixed AE-ID.
    AssignC,
    /// `S`: the CSE (as IN-CSE) assigns a fresh S-prefixed AE-ID.
    AssignS,
    /// A full stem (`Cmyapp`, `S123`), used as is if no AE holds it.
    Given(String),
}

/// Reads the originator of an AE CREATE (TS-0001 §10.2.2.2, spec digest
/// addressing-and-registration §5). `own_cse_id` is this CSE's SP-relative CSE-ID.
pub fn classify_registration_originator(
    from: Option<&str>,
    own_cse_id: &str,
) -> Result<RegistrationOriginator, Problem> {
    let from = from.unwrap_or("").trim();
    let own_bare = own_cse_id.trim_start_matches('/');
    match from {
        "" | "C" => return Ok(RegistrationOriginator::AssignC),
        "S" => return Ok(RegistrationOriginator::AssignS),
        _ => {}
    }
    if from.starts_with('/') || from == own_bare {
        return Err(Problem::new(
            ResponseStatusCode::SecurityAssociationRequired,
            format!("originator '{from}' is a CSE-ID or a non-local ID and cannot register an AE"),
        ));
    }
    if !(from.starts_with('C') || from.starts_with('S')) {
        return Err(Problem::new(
            ResponseStatusCode::AppRuleValidationFailed,
            format!(
                "originator '{from}' is not an AE-ID-Stem: it must start with 'C' or 'S' (or be empty to get one assigned)"
            ),
        ));
    }
    if !is_unreserved_id(from) || from.len() > MAX_NAME_LEN {
        return Err(Problem::bad_request(format!(
            "originator '{from}' contains characters not allowed in an AE-ID-Stem"
        )));
    }
    Ok(RegistrationOriginator::Given(from.to_owned()))
}

/// The AE-ID-Stem an originator claims as an AE registered at this CSE (`own_cse_id`,
/// of the service provider `sp_id`, given without `//`): a bare stem (`Cmyapp`), or
/// an SP-relative or absolute AE-ID under this CSE's CSE-ID (`/id-in/Cmyapp`,
/// `//sp/id-in/Cmyapp`). A stem starts with `C` or `S` (TS-0004 §6.2.3); anything
/// else (a CSE-ID, an AE-ID of another CSE, another name) claims no registration
/// here: `None`. Used to hold such an originator to its registration (TS-0004 §7.2.2.2,
/// 4106 when it is not registered).
pub fn local_ae_stem<'a>(originator: &'a str, own_cse_id: &str, sp_id: &str) -> Option<&'a str> {
    let sp_relative = match originator.strip_prefix("//") {
        Some(absolute) => {
            let (sp, rest) = absolute.split_at(absolute.find('/')?);
            if !sp.eq_ignore_ascii_case(sp_id) {
                return None;
            }
            rest
        }
        None => originator,
    };
    let stem = if sp_relative.starts_with('/') {
        sp_relative.strip_prefix(own_cse_id)?.strip_prefix('/')?
    } else {
        sp_relative
    };
    let names_ae = stem.starts_with('C') || stem.starts_with('S');
    (names_ae && !stem.contains('/')).then_some(stem)
}

/// Checks an App-ID (`api`): `R…` (registered) or `N…` (non-registered), at least two
/// characters; a lower-case `r` is tolerated for release 2a and 3 originators only
/// (TS-0001 R3 allowed it, R4 removed it).
pub fn validate_app_id(api: &str, rvi: ReleaseVersion) -> Result<(), Problem> {
    let lower_r_ok = matches!(rvi, ReleaseVersion::V2a | ReleaseVersion::V3);
    let first_ok = match api.chars().next() {
        Some('R' | 'N') => true,
        Some('r') => lower_r_ok,
        _ => false,
    };
    if !first_ok || api.chars().count() < 2 {
        return Err(Problem::bad_request(format!(
            "api '{api}' is not a valid App-ID: it must start with 'R' (registered) or 'N' (non-registered) and have at least two characters"
        )));
    }
    if api.chars().any(char::is_whitespace) {
        return Err(Problem::bad_request(format!(
            "api '{api}' must not contain white space"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_originator_names_its_cse_by_its_form() {
        let cse = |id: &str, is_cse| {
            Some(OriginatorCse {
                cse_id: id.to_owned(),
                is_cse,
            })
        };
        let sp = "acme.example.com";
        assert_eq!(originator_cse("/id-mn", sp), cse("/id-mn", true));
        assert_eq!(originator_cse("/id-mn/Cae1", sp), cse("/id-mn", false));
        assert_eq!(
            originator_cse("//acme.example.com/id-mn", sp),
            cse("/id-mn", true)
        );
        assert_eq!(
            originator_cse("//acme.example.com/id-mn/Cae1", sp),
            cse("/id-mn", false)
        );
        assert_eq!(
            originator_cse("//other.org/id-x", sp),
            cse("//other.org/id-x", true)
        );
        for local in ["Cae1", "CAdmin", "", "/", "//", "/a b"] {
            assert_eq!(originator_cse(local, sp), None, "{local}");
        }
    }

    #[test]
    fn resource_names_follow_the_unreserved_alphabet() {
        for ok in ["temp", "cnt_1", "a.b-c~d", "0"] {
            assert!(validate_resource_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "ä", ".", "..", "a#b", "a?b"] {
            assert!(validate_resource_name(bad).is_err(), "{bad}");
        }
        assert!(validate_resource_name(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn cse_ids_need_a_leading_slash() {
        assert!(validate_cse_id("/id-in").is_ok());
        for bad in ["id-in", "/", "//sp/id-in", "/id in"] {
            assert!(validate_cse_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_originators_are_classified_per_ts_0001() {
        use RegistrationOriginator::*;
        let cases: [(
            Option<&str>,
            Result<RegistrationOriginator, ResponseStatusCode>,
        ); 11] = [
            (None, Ok(AssignC)),
            (Some(""), Ok(AssignC)),
            (Some("C"), Ok(AssignC)),
            (Some("S"), Ok(AssignS)),
            (Some("Cmyapp"), Ok(Given("Cmyapp".into()))),
            (Some("S563423"), Ok(Given("S563423".into()))),
            (
                Some("/id-in"),
                Err(ResponseStatusCode::SecurityAssociationRequired),
            ),
            (
                Some("id-in"),
                Err(ResponseStatusCode::SecurityAssociationRequired),
            ),
            (
                Some("//sp/id-in/Cx"),
                Err(ResponseStatusCode::SecurityAssociationRequired),
            ),
            (
                Some("myapp"),
                Err(ResponseStatusCode::AppRuleValidationFailed),
            ),
            (Some("Cmy app"), Err(ResponseStatusCode::BadRequest)),
        ];
        for (from, expected) in cases {
            let got = classify_registration_originator(from, "/id-in").map_err(|p| p.rsc);
            assert_eq!(got, expected, "{from:?}");
        }
    }

    #[test]
    fn local_ae_stems_are_read_from_every_form_of_this_cses_ae_ids() {
        let cases = [
            ("Cmyapp", Some("Cmyapp")),
            ("S563423", Some("S563423")),
            ("C", Some("C")),
            ("/id-in/Cmyapp", Some("Cmyapp")),
            ("//sp.example/id-in/Cmyapp", Some("Cmyapp")),
            ("//SP.example/id-in/Cmyapp", Some("Cmyapp")),
            ("/id-in", None),
            ("//sp.example/id-in", None),
            ("/id-mn/Cmyapp", None),
            ("//other.example/id-in/Cmyapp", None),
            ("/id-in/cse-in/Cmyapp", None),
            ("/id-inx/Cmyapp", None),
            ("myapp", None),
            ("", None),
        ];
        for (originator, expected) in cases {
            assert_eq!(
                local_ae_stem(originator, "/id-in", "sp.example"),
                expected,
                "{originator}"
            );
        }
    }

    #[test]
    fn app_ids_start_with_r_or_n() {
        assert!(validate_app_id("Nmyapp", ReleaseVersion::V4).is_ok());
        assert!(validate_app_id("Rorg.example.app", ReleaseVersion::V5).is_ok());
        assert!(validate_app_id("rorg.example.app", ReleaseVersion::V3).is_ok());
        assert!(validate_app_id("rorg.example.app", ReleaseVersion::V4).is_err());
        for bad in ["", "N", "Xapp", "nmyapp", "N my app"] {
            assert!(validate_app_id(bad, ReleaseVersion::V3).is_err(), "{bad}");
        }
    }
}
