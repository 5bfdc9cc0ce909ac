//! The serializations of oneM2M content (TS-0004 §6.7, §8; spec digest
//! serialization.md): how media types and `contentSerialization` (`csz`) entries name
//! them, and which of them onecse reads and writes.

use serde_json::Value;

use crate::{Problem, cbor};

/// A content serialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serialization {
    /// JSON (TS-0004 §8.4), the default everywhere.
    Json,
    /// CBOR (TS-0004 §8.5): the JSON data model in binary.
    Cbor,
    /// XML (TS-0004 §8.3): recognised in media types and `csz`, never read or written.
    Xml,
}

impl Serialization {
    /// The `m2m:serializations` token (`json`, `cbor`, `xml`).
    pub fn token(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Cbor => "cbor",
            Self::Xml => "xml",
        }
    }

    /// Whether onecse reads and writes it.
    pub fn supported(self) -> bool {
        self != Self::Xml
    }

    /// The generic media type a response or request body in it carries
    /// (`application/json`, `application/cbor`).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Cbor => "application/cbor",
            Self::Xml => "application/xml",
        }
    }

    /// The serialization a media type names, from its essence (parameters and case
    /// ignored): the generic types and every oneM2M `vnd.onem2m-*` variant
    /// (`-res`, `-ntfy`, `-preq`, `-prsp`). `None` for anything else.
    pub fn of_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        let subtype = strip_prefix_ignoring_case(essence, "application/")?;
        if let Some(generic) = Self::of_token_ignoring_case(subtype) {
            return Some(generic);
        }
        let (kind, suffix) = strip_prefix_ignoring_case(subtype, "vnd.onem2m-")?.split_once('+')?;
        ["res", "ntfy", "preq", "prsp"]
            .iter()
            .any(|k| kind.eq_ignore_ascii_case(k))
            .then(|| Self::of_token_ignoring_case(suffix))
            .flatten()
    }

    /// A token in any case, as media types are compared (RFC 9110 §8.3.1).
    fn of_token_ignoring_case(token: &str) -> Option<Self> {
        [Self::Json, Self::Cbor, Self::Xml]
            .into_iter()
            .find(|s| token.eq_ignore_ascii_case(s.token()))
    }

    /// The serialization of an `m2m:serializations` token.
    pub fn of_token(token: &str) -> Option<Self> {
        match token {
            "json" => Some(Self::Json),
            "cbor" => Some(Self::Cbor),
            "xml" => Some(Self::Xml),
            _ => None,
        }
    }

    /// One `csz` entry: a token (the TS-0004 data type) or a media type that maps to
    /// one (what TR-0051 and deployed CSEs write).
    pub fn of_csz_entry(entry: &str) -> Option<Self> {
        Self::of_token(entry).or_else(|| Self::of_media_type(entry))
    }

    /// Encodes content. Only JSON and CBOR are written; XML falls back to JSON, which
    /// callers never ask for since [`Self::supported`] excludes it.
    pub fn encode(self, value: &Value) -> Vec<u8> {
        match self {
            Self::Cbor => cbor::encode(value),
            Self::Json | Self::Xml => value.to_string().into_bytes(),
        }
    }
}

/// `text` without `prefix`, compared without regard to ASCII case; no allocation, as
/// every request's media types pass through here.
fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// Checks a `contentSerialization` value (TS-0004 m2m:serializations, digest §4): a
/// non-empty list of tokens or media types naming json, xml or cbor. `null` (delete
/// in an UPDATE) is left to the attribute rules.
pub fn check_csz(value: &Value) -> Result<(), Problem> {
    let Some(entries) = value.as_array() else {
        if value.is_null() {
            return Ok(());
        }
        return Err(Problem::bad_request(format!(
            "csz must be a list of serializations, not {value}"
        )));
    };
    if entries.is_empty() {
        return Err(Problem::bad_request(
            "csz must name at least one serialization (json, cbor or xml)",
        ));
    }
    for entry in entries {
        if entry
            .as_str()
            .and_then(Serialization::of_csz_entry)
            .is_none()
        {
            return Err(Problem::bad_request(format!(
                "csz entry {entry} is not a serialization: use json, cbor, xml or their media types (application/json, application/cbor, …)"
            )));
        }
    }
    Ok(())
}

/// The first serialization of a `csz` list that onecse can write: what a request or
/// notification to the entity that declared it uses (TS-0004 §7.5.1.1). `None` when
/// the list names only serializations onecse cannot write.
pub fn preferred(csz: &Value) -> Option<Serialization> {
    csz.as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(Serialization::of_csz_entry)
        .find(|s| s.supported())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_types_name_serializations() {
        let of = Serialization::of_media_type;
        assert_eq!(of("application/json"), Some(Serialization::Json));
        assert_eq!(of("Application/CBOR; ty=3"), Some(Serialization::Cbor));
        assert_eq!(
            of("application/vnd.onem2m-ntfy+cbor"),
            Some(Serialization::Cbor)
        );
        assert_eq!(
            of("application/vnd.onem2m-res+xml"),
            Some(Serialization::Xml)
        );
        assert_eq!(of("application/vnd.onem2m-foo+json"), None);
        assert_eq!(of("text/plain"), None);
        assert_eq!(of("json"), None);
    }

    #[test]
    fn csz_takes_tokens_and_media_types() {
        assert!(check_csz(&json!(["json"])).is_ok());
        assert!(check_csz(&json!(["application/cbor", "xml"])).is_ok());
        assert!(check_csz(&json!(null)).is_ok());
        for bad in [json!([]), json!(["wrong"]), json!("json"), json!([3])] {
            assert!(check_csz(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            preferred(&json!(["xml", "application/vnd.onem2m-res+cbor", "json"])),
            Some(Serialization::Cbor)
        );
        assert_eq!(preferred(&json!(["xml"])), None);
    }
}
