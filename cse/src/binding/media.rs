//! Media types: what request bodies onecse reads and what responses it can produce.

use actix_web::http::header::{Accept, Quality, QualityItem};
use actix_web::mime::Mime;
use onecse_models::{Problem, ResourceType, ResponseStatusCode, Serialization};

/// The oneM2M JSON resource media type.
pub const ONEM2M_RES_JSON: &str = "application/vnd.onem2m-res+json";

/// The oneM2M CBOR resource media type.
pub const ONEM2M_RES_CBOR: &str = "application/vnd.onem2m-res+cbor";

/// The parts of a request `Content-Type` the binding needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestMedia {
    /// The `ty` parameter, present on CREATE.
    pub ty: Option<ResourceType>,
    /// How the body is serialized.
    pub serialization: Serialization,
}

/// The media type of a response body and the serialization it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseMedia {
    /// The `Content-Type` written.
    pub media_type: &'static str,
    /// How the body is encoded.
    pub serialization: Serialization,
}

impl ResponseMedia {
    /// `application/json`, the default (digest serialization §3 step 4).
    pub const JSON: Self = Self::generic(Serialization::Json);

    /// The generic media type of a serialization.
    pub const fn generic(serialization: Serialization) -> Self {
        let media_type = match serialization {
            Serialization::Cbor => "application/cbor",
            _ => "application/json",
        };
        Self {
            media_type,
            serialization,
        }
    }
}

/// Reads a request `Content-Type`: the JSON and CBOR media types (4015 otherwise,
/// XML included), parameters separated by `;` with spaces allowed on either side, an
/// optional numeric `ty` parameter (4000 if not a number or unknown, 5001 if
/// unsupported); other parameters (`charset`) are ignored.
pub fn parse_content_type(header: &str) -> Result<RequestMedia, Problem> {
    let mut parts = header.split(';');
    let essence = parts.next().unwrap_or("").trim();
    let serialization = Serialization::of_media_type(essence)
        .filter(|s| s.supported())
        .ok_or_else(|| {
            Problem::new(
                ResponseStatusCode::UnsupportedMediaType,
                format!(
                    "Content-Type '{header}' is not supported; use application/json, {ONEM2M_RES_JSON}, application/cbor or {ONEM2M_RES_CBOR}"
                ),
            )
        })?;
    let mut ty = None;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if !name.trim().eq_ignore_ascii_case("ty") {
            continue;
        }
        let value = value.trim().trim_matches('"');
        let n: i64 = value.parse().map_err(|_| {
            Problem::bad_request(format!(
                "Content-Type parameter ty='{value}' is not a resource type number"
            ))
        })?;
        ty = Some(ResourceType::from_number(n)?);
    }
    Ok(RequestMedia { ty, serialization })
}

/// Picks the response media type (digest serialization §3, RFC 9110 §12.5.1): the
/// acceptable media types in order of preference (quality value, then specificity,
/// then the order listed, as actix-web ranks them; `q=0` means "not this one"), the
/// first one onecse can produce. A wildcard (`*/*`, `application/*`) stands for the
/// serialization of the request body (`body`), else JSON, unless that one was refused
/// by name, then for the other. With no `Accept`, that same default. `None` means the
/// `Accept` header allows nothing onecse produces (5207 NOT_ACCEPTABLE). ACME ignores
/// quality values (the digest); RFC 9110 forbids answering with a `q=0` type.
pub fn negotiate(accept: Option<&str>, body: Option<Serialization>) -> Option<ResponseMedia> {
    let preferred = body
        .filter(|s| s.supported())
        .unwrap_or(Serialization::Json);
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(ResponseMedia::generic(preferred));
    };
    // One media type without parameters (what most clients send): nothing to weigh.
    if !accept.contains([',', ';'])
        && let Ok(single) = accept.trim().parse::<Mime>()
        && let Some(media) = media_of(&single)
    {
        return Some(media);
    }
    let items: Vec<QualityItem<Mime>> = accept
        .split(',')
        .filter_map(|range| range.trim().parse().ok())
        .collect();
    let refused = |serialization: Serialization| {
        items.iter().any(|item| {
            item.quality == Quality::ZERO
                && media_of(&item.item).map(|media| media.serialization) == Some(serialization)
        })
    };
    let acceptable = Accept(
        items
            .iter()
            .filter(|i| i.quality > Quality::ZERO)
            .cloned()
            .collect(),
    );
    for range in acceptable.ranked() {
        let essence = range.essence_str();
        if essence == "*/*" || essence.eq_ignore_ascii_case("application/*") {
            let fallback = [preferred, Serialization::Json, Serialization::Cbor]
                .into_iter()
                .find(|s| !refused(*s))?;
            return Some(ResponseMedia::generic(fallback));
        }
        if let Some(media) = media_of(&range) {
            return Some(media);
        }
    }
    None
}

/// The response media type a media type names, when onecse can produce it.
fn media_of(mime: &Mime) -> Option<ResponseMedia> {
    let essence = mime.essence_str();
    if essence.eq_ignore_ascii_case(ONEM2M_RES_JSON) {
        Some(res(ONEM2M_RES_JSON, Serialization::Json))
    } else if essence.eq_ignore_ascii_case(ONEM2M_RES_CBOR) {
        Some(res(ONEM2M_RES_CBOR, Serialization::Cbor))
    } else {
        Serialization::of_media_type(essence)
            .filter(|s| s.supported())
            .map(ResponseMedia::generic)
    }
}

fn res(media_type: &'static str, serialization: Serialization) -> ResponseMedia {
    ResponseMedia {
        media_type,
        serialization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_with_and_without_ty() {
        let ty = |h: &str| parse_content_type(h).map(|m| m.ty).map_err(|p| p.rsc);
        assert_eq!(ty("application/json;ty=2"), Ok(Some(ResourceType::Ae)));
        assert_eq!(
            ty("application/vnd.onem2m-res+json; ty=2"),
            Ok(Some(ResourceType::Ae))
        );
        assert_eq!(ty("application/json"), Ok(None));
        assert_eq!(
            ty("application/json;ty=abc"),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            ty("application/json;ty=777"),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            ty("application/json;ty=12"),
            Err(ResponseStatusCode::NotImplemented)
        );
        assert_eq!(
            ty("application/xml;ty=2"),
            Err(ResponseStatusCode::UnsupportedMediaType)
        );
        assert_eq!(
            ty("text/plain"),
            Err(ResponseStatusCode::UnsupportedMediaType)
        );
        assert_eq!(ty("garbage"), Err(ResponseStatusCode::UnsupportedMediaType));
        assert_eq!(
            ty("application/json;ty="),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            ty("Application/JSON; charset=utf-8; ty=\"2\""),
            Ok(Some(ResourceType::Ae))
        );
    }

    #[test]
    fn cbor_and_spaced_content_types() {
        let media = |h: &str| {
            parse_content_type(h)
                .map(|m| (m.ty, m.serialization))
                .map_err(|p| p.rsc)
        };
        assert_eq!(
            media("application/cbor; ty=3"),
            Ok((Some(ResourceType::Container), Serialization::Cbor))
        );
        assert_eq!(
            media("application/json ;ty=2"),
            Ok((Some(ResourceType::Ae), Serialization::Json))
        );
        assert_eq!(
            media("application/vnd.onem2m-ntfy+cbor"),
            Ok((None, Serialization::Cbor))
        );
        assert_eq!(
            media("application/vnd.onem2m-res+xml;ty=2"),
            Err(ResponseStatusCode::UnsupportedMediaType)
        );
    }

    #[test]
    fn accept_negotiation() {
        let media = |accept: Option<&str>, body| negotiate(accept, body).map(|m| m.media_type);
        assert_eq!(media(None, None), Some("application/json"));
        assert_eq!(
            media(Some("application/json"), None),
            Some("application/json")
        );
        assert_eq!(media(Some(ONEM2M_RES_JSON), None), Some(ONEM2M_RES_JSON));
        assert_eq!(media(Some("*/*"), None), Some("application/json"));
        assert_eq!(
            media(Some("application/xml, */*;q=0.1"), None),
            Some("application/json")
        );
        assert_eq!(media(Some("application/xml"), None), None);
        assert_eq!(media(Some("text/html"), Some(Serialization::Cbor)), None);
        assert_eq!(
            media(Some("application/cbor"), None),
            Some("application/cbor")
        );
        assert_eq!(
            media(
                Some("application/xml, application/vnd.onem2m-res+cbor"),
                None
            ),
            Some(ONEM2M_RES_CBOR)
        );
        assert_eq!(
            media(None, Some(Serialization::Cbor)),
            Some("application/cbor")
        );
        assert_eq!(
            media(Some("*/*"), Some(Serialization::Cbor)),
            Some("application/cbor")
        );
        assert_eq!(
            media(Some("application/json"), Some(Serialization::Cbor)),
            Some("application/json")
        );
    }

    #[test]
    fn accept_quality_values_rank_and_exclude() {
        let media = |accept: &str, body| negotiate(Some(accept), body).map(|m| m.media_type);
        // q=0 means "not this one" (RFC 9110 §12.5.1).
        assert_eq!(
            media("application/cbor;q=0, application/json", None),
            Some("application/json")
        );
        assert_eq!(media("application/cbor;q=0", None), None);
        // Higher quality first, whatever the order.
        assert_eq!(
            media("application/cbor;q=0.5, application/json", None),
            Some("application/json")
        );
        assert_eq!(
            media("application/json;q=0.2, application/cbor;q=0.9", None),
            Some("application/cbor")
        );
        // A wildcard never brings back a type refused by name.
        assert_eq!(
            media("application/json;q=0, */*", None),
            Some("application/cbor")
        );
        assert_eq!(
            media("application/cbor;q=0, */*", Some(Serialization::Cbor)),
            Some("application/json")
        );
        assert_eq!(media("*/*;q=0", None), None);
        // A specific type beats a wildcard of the same quality.
        assert_eq!(
            media("*/*, application/vnd.onem2m-res+cbor", None),
            Some(ONEM2M_RES_CBOR)
        );
    }
}
