//! Media types: what request bodies onecse reads and what responses it can produce.

use onecse_models::{Problem, ResourceType, ResponseStatusCode};

/// The oneM2M JSON resource media type.
pub const ONEM2M_RES_JSON: &str = "application/vnd.onem2m-res+json";

/// The parts of a request `Content-Type` the binding needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestMedia {
    /// The `ty` parameter, present on CREATE.
    pub ty: Option<ResourceType>,
}

/// Reads a request `Content-Type`: JSON media types only (4015 otherwise), with an
/// optional numeric `ty` parameter (4000 if not a number or unknown, 5001 if unsupported).
pub fn parse_content_type(header: &str) -> Result<RequestMedia, Problem> {
    let mut parts = header.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let json = essence == "application/json"
        || essence == ONEM2M_RES_JSON
        || essence == "application/vnd.onem2m-ntfy+json";
    if !json {
        return Err(Problem::new(
            ResponseStatusCode::UnsupportedMediaType,
            format!(
                "Content-Type '{header}' is not supported; use application/json or {ONEM2M_RES_JSON}"
            ),
        ));
    }
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
    Ok(RequestMedia { ty })
}

/// Picks the response media type from an `Accept` header; `None` means nothing onecse
/// can produce is acceptable (5207 NOT_ACCEPTABLE).
pub fn negotiate(accept: Option<&str>) -> Option<&'static str> {
    let Some(accept) = accept else {
        return Some("application/json");
    };
    let mut fallback = None;
    for range in accept.split(',') {
        let essence = range
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            ONEM2M_RES_JSON => return Some(ONEM2M_RES_JSON),
            "application/json" => return Some("application/json"),
            "*/*" | "application/*" | "" => fallback = Some("application/json"),
            _ => {}
        }
    }
    fallback
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
    fn accept_negotiation() {
        assert_eq!(negotiate(None), Some("application/json"));
        assert_eq!(
            negotiate(Some("application/json")),
            Some("application/json")
        );
        assert_eq!(negotiate(Some(ONEM2M_RES_JSON)), Some(ONEM2M_RES_JSON));
        assert_eq!(negotiate(Some("*/*")), Some("application/json"));
        assert_eq!(
            negotiate(Some("application/xml, */*;q=0.1")),
            Some("application/json")
        );
        assert_eq!(negotiate(Some("application/xml")), None);
        assert_eq!(negotiate(Some("application/cbor")), None);
    }
}
