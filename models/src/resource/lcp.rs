//! `<locationPolicy>` (ty 10) attributes (TS-0001 §9.6.10, TS-0004 §7.4.9, R4
//! additions as ACME lists them): how the location of a device is obtained and where
//! it is kept. Only the device-based source is within reach of a CSE without a
//! location server; its rules are [`check_source`].

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::problem::Problem;
use crate::types::ResourceType;
use serde_json::{Map, Value};

/// The locationPolicy: under the CSEBase (TS-0004 R3) or an AE (ACME, so a device
/// application keeps its own policy).
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::LocationPolicy, ATTRIBUTES, &[CseBase, Ae])
};

/// m2m:locationSource: the network finds the device (a location server).
pub const NETWORK_BASED: i64 = 1;
/// m2m:locationSource: the device reports its own position.
pub const DEVICE_BASED: i64 = 2;
/// m2m:locationSource: another device shares its position.
pub const SHARING_BASED: i64 = 3;

/// m2m:locationInformationType: a geofence event instead of a position fix.
pub const GEOFENCE_EVENT: i64 = 2;

/// The attributes that only mean something with a location server (network based).
pub const NETWORK_ONLY: [&str; 5] = ["lot", "aid", "lor", "rlkl", "luec"];

/// locationPolicy attribute table. `loi` (the container kept for the positions) and
/// `lost` are the CSE's.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::write_once(
        "los",
        Enumerated(&[NETWORK_BASED, DEVICE_BASED, SHARING_BASED]),
    )
    .mandatory(),
    A::read_write("lit", Enumerated(&[1, GEOFENCE_EVENT])),
    A::read_write("lou", TextList),
    A::read_write("lot", Text),
    A::read_write("lor", Text),
    A::read_only("loi", Text),
    A::write_once("lon", Text),
    A::read_only("lost", Text),
    A::read_write("gta", Location),
    A::read_write("gec", Enumerated(&[1, 2, 3, 4])),
    A::read_write("aid", Text),
    A::read_write("rlkl", Boolean),
    A::read_write("luec", Enumerated(&[0])),
];

/// Checks a locationPolicy as it will be stored (`attrs` merged with the request):
/// 5001 for the sources and information types that need what this CSE does not have
/// (a location server, geofence evaluation), 4000 for network-only attributes on a
/// device-based policy and for a `lou` entry that is no ISO 8601 duration.
pub fn check_source(attrs: &Map<String, Value>) -> Result<(), Problem> {
    match attrs.get("los").and_then(Value::as_i64) {
        Some(NETWORK_BASED) => {
            return Err(Problem::not_implemented(
                "locationSource 1 (network based) needs a location server, which this CSE does not reach; use 2 (device based)",
            ));
        }
        Some(SHARING_BASED) => {
            return Err(Problem::not_implemented(
                "locationSource 3 (sharing based) is not supported by this CSE; use 2 (device based)",
            ));
        }
        _ => {}
    }
    if let Some(name) = NETWORK_ONLY.iter().find(|n| attrs.contains_key(**n)) {
        return Err(Problem::bad_request(format!(
            "attribute '{name}' is only defined for a network-based locationSource (los 1)"
        )));
    }
    if attrs.get("lit").and_then(Value::as_i64) == Some(GEOFENCE_EVENT) {
        return Err(Problem::not_implemented(
            "locationInformationType 2 (geofence event) is not supported by this CSE; use 1 (position fix)",
        ));
    }
    let periods = attrs.get("lou").and_then(Value::as_array);
    for period in periods.into_iter().flatten() {
        let text = period.as_str().unwrap_or_default();
        if super::sub::parse_duration(text).is_none() {
            return Err(Problem::bad_request(format!(
                "lou entry '{text}' is not an ISO 8601 duration (e.g. PT10M)"
            )));
        }
    }
    if let Some(gta) = attrs.get("gta") {
        let area = crate::location::Location::from_attribute(gta)?;
        if !matches!(
            area.typ,
            crate::location::GeometryType::Polygon | crate::location::GeometryType::MultiPolygon
        ) {
            return Err(Problem::bad_request(
                "gta (geographicalTargetArea) must be a Polygon or MultiPolygon (typ 3 or 6)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseStatusCode;
    use serde_json::json;

    fn check(v: Value) -> Result<(), ResponseStatusCode> {
        check_source(v.as_object().unwrap_or(&Map::new())).map_err(|p| p.rsc)
    }

    #[test]
    fn only_device_based_position_fixes_are_in_reach() {
        assert_eq!(check(json!({"los": 2, "lit": 1, "lou": ["PT10S"]})), Ok(()));
        assert_eq!(
            check(json!({"los": 1})),
            Err(ResponseStatusCode::NotImplemented)
        );
        assert_eq!(
            check(json!({"los": 3})),
            Err(ResponseStatusCode::NotImplemented)
        );
        assert_eq!(
            check(json!({"los": 2, "lit": 2})),
            Err(ResponseStatusCode::NotImplemented)
        );
        assert_eq!(
            check(json!({"los": 2, "lot": "x"})),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            check(json!({"los": 2, "lou": ["soon"]})),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            check(json!({"los": 2, "gta": {"typ": 1, "crd": "[1,2]"}})),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(
            check(json!({"los": 2, "gta": {"typ": 3, "crd": "[[0,0],[1,0],[1,1],[0,0]]"}})),
            Ok(())
        );
    }
}
