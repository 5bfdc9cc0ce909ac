//! Request and response primitives as MQTT payloads (TS-0010 §6.4.5, §6.5; TS-0004
//! §8.4, §8.5): one JSON object (or its CBOR encoding) with short names. A request
//! becomes the same [`Request`] the HTTP binding builds: its filter criteria and
//! result parameters are read by the HTTP binding's query parser, its times by the
//! same timing reader, so both bindings accept and refuse alike.

use onecse_models::primitive::{Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, Serialization};
use serde_json::{Map, Value, json};

use super::super::run::checked_to;
use super::super::{query, timing};
use crate::error::CseError;
use crate::notify::mqtt::Answer;

/// A request that could not be read, with what of it can still be echoed.
#[derive(Debug)]
pub struct Refusal {
    /// `rqi`, when the payload had one (the originator matches answers by it).
    pub rqi: Option<String>,
    /// `rvi`, when it was readable.
    pub rvi: Option<ReleaseVersion>,
    /// Why (4000 for a malformed primitive, 4001 for a missing release version).
    pub err: CseError,
}

/// What an answer echoes from its request (TS-0004 table 7.2.1.2-1).
#[derive(Debug, Clone, Default)]
pub struct Echo {
    /// `rqi`.
    pub rqi: Option<String>,
    /// `rvi`.
    pub rvi: Option<ReleaseVersion>,
    /// `vsi`.
    pub vsi: Option<String>,
    /// The request's `fr`, answered as `to`.
    pub originator: Option<String>,
}

impl Echo {
    /// The values of `req` to echo.
    pub fn of(req: &Request) -> Self {
        Self {
            rqi: Some(req.rqi.clone()),
            rvi: Some(req.rvi),
            vsi: req.vsi.clone(),
            originator: req.from.clone(),
        }
    }
}

/// The payload as a JSON tree, JSON or CBOR as the topic says; a single `m2m:rqp` or
/// `m2m:rsp` member is unwrapped (the XML-style root some clients send).
pub fn tree(payload: &[u8], ser: Serialization) -> Result<Map<String, Value>, String> {
    if payload.is_empty() {
        return Err("the payload is empty".into());
    }
    let value = match ser {
        Serialization::Cbor => onecse_models::cbor::decode(payload)
            .map_err(|e| format!("the payload is not valid CBOR: {e}"))?,
        _ => serde_json::from_slice(payload)
            .map_err(|e| format!("the payload is not valid JSON: {e}"))?,
    };
    let Value::Object(mut map) = value else {
        return Err("the payload is not a primitive (a JSON object)".into());
    };
    if map.len() == 1
        && let Some(key) = ["m2m:rqp", "m2m:rsp"]
            .into_iter()
            .find(|k| map.contains_key(*k))
        && let Some(Value::Object(inner)) = map.remove(key)
    {
        return Ok(inner);
    }
    Ok(map)
}

/// Reads a request primitive (TS-0010 §6.4.5: `op`, `to`, `fr`, `rqi` present; `fr`
/// may be absent only for an AE CREATE, which the core decides).
pub fn decode_request(payload: &[u8], ser: Serialization) -> Result<Request, Refusal> {
    let map = tree(payload, ser).map_err(|why| Refusal {
        rqi: None,
        rvi: None,
        err: CseError::bad_request(why),
    })?;
    let rqi = match map.get("rqi") {
        Some(Value::String(rqi)) if !rqi.is_empty() => rqi.clone(),
        _ => {
            return Err(Refusal {
                rqi: None,
                rvi: None,
                err: CseError::bad_request("the request has no rqi (a non-empty string)"),
            });
        }
    };
    let rvi = match map.get("rvi") {
        Some(Value::String(rvi)) => ReleaseVersion::parse(rvi).ok(),
        _ => None,
    };
    read_request(&map, rqi.clone()).map_err(|err| Refusal {
        rqi: Some(rqi),
        rvi,
        err,
    })
}

/// The members past `rqi`, each checked for its type and value.
fn read_request(map: &Map<String, Value>, rqi: String) -> Result<Request, CseError> {
    let rvi = match text(map, "rvi")? {
        Some(v) => ReleaseVersion::parse(&v)?,
        None => {
            return Err(CseError::new(
                ResponseStatusCode::ReleaseVersionNotSupported,
                "the request has no rvi, which means release 1; this CSE supports releases 2a, 3, 4 and 5",
            ));
        }
    };
    let op = match integer(map, "op")? {
        Some(1) => Operation::Create,
        Some(2) => Operation::Retrieve,
        Some(3) => Operation::Update,
        Some(4) => Operation::Delete,
        Some(5) => Operation::Notify,
        Some(other) => {
            return Err(CseError::bad_request(format!(
                "op {other} is not an operation (1 to 5)"
            )));
        }
        None => return Err(CseError::bad_request("the request has no op")),
    };
    let to = text(map, "to")?
        .filter(|to| !to.is_empty())
        .ok_or_else(|| CseError::bad_request("the request has no to"))?;
    checked_to(&to)?;
    let ty = match integer(map, "ty")? {
        Some(_) if op != Operation::Create => {
            return Err(CseError::bad_request("ty is only allowed on CREATE (op 1)"));
        }
        Some(ty) => Some(ResourceType::from_number(ty)?),
        None if op == Operation::Create => {
            return Err(CseError::bad_request("a CREATE (op 1) needs ty"));
        }
        None => None,
    };
    let content = match (op, map.get("pc")) {
        (Operation::Retrieve | Operation::Delete, _) => None,
        (_, None | Some(Value::Null)) => {
            return Err(CseError::bad_request(format!("{} needs pc", op.name())));
        }
        (_, Some(pc)) => Some(pc.clone()),
    };
    let query = query_string(map)?;
    let params = query::parse(&query)?;
    let (rtv, nu) = response_type(map)?;
    let (timing, response_type) = timing::decode(timing::Raw {
        ret: time(map, "rqet")?,
        rst: time(map, "rset")?,
        oet: time(map, "oet")?,
        rtu: nu,
        rt: rtv,
        rp: params.rp,
    })?;
    Ok(Request {
        op,
        to,
        from: text(map, "fr")?.filter(|v| !v.trim().is_empty()),
        rqi,
        rvi,
        vsi: text(map, "vsi")?,
        ty,
        content,
        rcn: params.rcn,
        filter: params.filter,
        attribute_list: params.attribute_list,
        drt: params.drt,
        timing,
        response_type,
        query,
    })
}

/// The members the HTTP binding carries in its query string (`rcn`, `drt`, `rp`,
/// `atrl`, and each filter criterion of `fc`), written as one, so one parser reads
/// both bindings and a forwarded request carries them on unchanged.
fn query_string(map: &Map<String, Value>) -> Result<String, CseError> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for name in ["rcn", "drt", "rp", "atrl"] {
        if let Some(value) = map.get(name) {
            push(&mut out, name, value)?;
        }
    }
    match map.get("fc") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fc)) => {
            for (name, value) in fc {
                if name == "atr" {
                    for item in value.as_array().into_iter().flatten() {
                        let (Some(Value::String(nm)), Some(val)) =
                            (item.get("nm"), item.get("val"))
                        else {
                            return Err(CseError::bad_request(
                                "fc/atr entries must be objects with nm and val",
                            ));
                        };
                        push(&mut out, nm, val)?;
                    }
                } else {
                    push(&mut out, name, value)?;
                }
            }
        }
        Some(_) => return Err(CseError::bad_request("fc must be an object")),
    }
    Ok(out.finish())
}

/// One parameter as query pairs: a list gives one pair per entry.
fn push(
    out: &mut form_urlencoded::Serializer<'_, String>,
    name: &str,
    value: &Value,
) -> Result<(), CseError> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| push(out, name, item)),
        Value::String(s) => {
            out.append_pair(name, s);
            Ok(())
        }
        Value::Number(_) | Value::Bool(_) => {
            out.append_pair(name, &value.to_string());
            Ok(())
        }
        _ => Err(CseError::bad_request(format!(
            "'{name}' must be a string, a number, a boolean or a list of them"
        ))),
    }
}

/// `rt` (m2m:responseTypeInfo): `rtv` and `nu` joined as `X-M2M-RTU` would carry them.
fn response_type(map: &Map<String, Value>) -> Result<(Option<i64>, Option<String>), CseError> {
    match map.get("rt") {
        None | Some(Value::Null) => Ok((None, None)),
        Some(Value::Object(rt)) => {
            let rtv = integer(rt, "rtv")?;
            let nu = match rt.get("nu") {
                None | Some(Value::Null) => None,
                Some(Value::Array(nu)) => Some(
                    nu.iter()
                        .map(|n| n.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| CseError::bad_request("rt/nu must be a list of strings"))?
                        .join("&"),
                ),
                Some(_) => return Err(CseError::bad_request("rt/nu must be a list of strings")),
            };
            Ok((rtv, nu))
        }
        Some(_) => Err(CseError::bad_request("rt must be an object with rtv")),
    }
}

/// A string member; another type is a 4000 naming it.
fn text(map: &Map<String, Value>, name: &str) -> Result<Option<String>, CseError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CseError::bad_request(format!("'{name}' must be a string"))),
    }
}

/// A time member: an absolute timestamp or a relative number of milliseconds, as a
/// string or a number.
fn time(map: &Map<String, Value>, name: &str) -> Result<Option<String>, CseError> {
    match map.get(name) {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        _ => text(map, name),
    }
}

/// An integer member (a number, or a string of digits as some clients send).
fn integer(map: &Map<String, Value>, name: &str) -> Result<Option<i64>, CseError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.parse::<i64>().is_ok() => Ok(s.parse().ok()),
        Some(_) => Err(CseError::bad_request(format!(
            "'{name}' must be an integer"
        ))),
    }
}

/// A response primitive (TS-0010 §6.4.5): `rsc`, the echoed `rqi`, `rvi` and `vsi`,
/// `ot`, this CSE as `fr`, the originator as `to`, `pc`, and `cnst`/`cnot` for a
/// partial result.
pub fn encode_response(response: &Response, echo: &Echo, csi: &str, ser: Serialization) -> Vec<u8> {
    let mut map = Map::new();
    map.insert("rsc".into(), json!(response.rsc.code()));
    if let Some(rqi) = &echo.rqi {
        map.insert("rqi".into(), json!(rqi));
    }
    map.insert(
        "rvi".into(),
        json!(echo.rvi.unwrap_or(ReleaseVersion::V3).as_str()),
    );
    if let Some(vsi) = &echo.vsi {
        map.insert("vsi".into(), json!(vsi));
    }
    map.insert("ot".into(), json!(Timestamp::now().to_string()));
    map.insert("fr".into(), json!(csi));
    if let Some(to) = &echo.originator {
        map.insert("to".into(), json!(to));
    }
    if let Some(pc) = &response.content {
        map.insert("pc".into(), pc.clone());
    }
    if let Some(partial) = response.partial {
        map.insert("cnst".into(), json!(1));
        map.insert("cnot".into(), json!(partial.offset));
    }
    ser.encode(&Value::Object(map))
}

/// Reads a response primitive; `Err` says why it is not one.
pub fn decode_response(payload: &[u8], ser: Serialization) -> Result<Answer, String> {
    let mut map = tree(payload, ser)?;
    let rqi = map
        .get("rqi")
        .and_then(Value::as_str)
        .ok_or("the response has no rqi")?
        .to_owned();
    let rsc = integer(&map, "rsc")
        .ok()
        .flatten()
        .and_then(|n| u16::try_from(n).ok())
        .and_then(ResponseStatusCode::from_code)
        .ok_or("the response has no known rsc")?;
    let continues_at = integer(&map, "cnot")
        .ok()
        .flatten()
        .and_then(|n| u64::try_from(n).ok());
    Ok(Answer {
        rqi,
        rsc,
        content: map.remove("pc"),
        continues_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(value: Value) -> Result<Request, Refusal> {
        decode_request(&Serialization::Json.encode(&value), Serialization::Json)
    }

    #[test]
    fn a_create_reads_like_the_http_one() {
        let req = decode(json!({"m2m:rqp": {"op": 1, "to": "cse-in/ae", "fr": "Cae",
            "rqi": "r1", "rvi": "3", "ty": 3, "pc": {"m2m:cnt": {"rn": "c"}}}}));
        let Ok(req) = req else {
            panic!("a CREATE reads: {req:?}");
        };
        assert_eq!(req.op, Operation::Create);
        assert_eq!(req.ty, Some(ResourceType::Container));
        assert_eq!(req.from.as_deref(), Some("Cae"));
    }

    #[test]
    fn filter_criteria_become_the_query_the_http_binding_reads() {
        let req = decode(json!({"op": 2, "to": "cse-in", "fr": "Cae", "rqi": "r2",
            "rvi": "3", "rcn": 8, "fc": {"fu": 1, "ty": [3, 4], "lbl": ["a"],
            "atr": [{"nm": "rn", "val": "x"}]}}));
        let Ok(req) = req else {
            panic!("a discovery reads: {req:?}");
        };
        assert_eq!(req.query, "rcn=8&rn=x&fu=1&lbl=a&ty=3&ty=4");
        assert!(!req.filter.is_empty());
    }

    #[test]
    fn malformed_requests_are_refused_with_what_can_be_echoed() {
        let refused = |value: Value| decode(value).err().map(|r| (r.rqi, r.err.rsc.code()));
        let base = json!({"op": 2, "to": "cse-in", "fr": "C", "rqi": "r", "rvi": "3"});
        let with = |name: &str, v: Value| {
            let mut b = base.clone();
            b[name] = v;
            b
        };
        let r = || Some("r".to_owned());
        assert_eq!(refused(json!({"op": 2})), Some((None, 4000)));
        assert_eq!(refused(with("rvi", Value::Null)), Some((r(), 4001)));
        assert_eq!(refused(with("op", json!(9))), Some((r(), 4000)));
        assert_eq!(refused(with("op", json!("x"))), Some((r(), 4000)));
        assert_eq!(refused(with("to", json!(""))), Some((r(), 4000)));
        assert_eq!(refused(with("ty", json!(3))), Some((r(), 4000)));
        assert_eq!(refused(with("fc", json!({"fu": 7}))), Some((r(), 4000)));
        assert_eq!(refused(with("rqet", json!("20000101T000000"))), None);
        let bytes = decode_request(b"{not json", Serialization::Json).err();
        assert_eq!(bytes.map(|r| (r.rqi, r.err.rsc.code())), Some((None, 4000)));
        let empty = decode_request(b"", Serialization::Cbor).err();
        assert_eq!(empty.map(|r| r.err.rsc.code()), Some(4000));
    }

    #[test]
    fn responses_carry_rsc_rqi_and_pc() {
        let response = Response::new(ResponseStatusCode::Created, Some(json!({"m2m:cnt": {}})));
        let echo = Echo {
            rqi: Some("r1".into()),
            rvi: Some(ReleaseVersion::V3),
            vsi: None,
            originator: Some("Cae".into()),
        };
        for ser in [Serialization::Json, Serialization::Cbor] {
            let bytes = encode_response(&response, &echo, "/id-in", ser);
            let answer = decode_response(&bytes, ser);
            assert_eq!(
                answer,
                Ok(Answer {
                    rqi: "r1".into(),
                    rsc: ResponseStatusCode::Created,
                    content: Some(json!({"m2m:cnt": {}})),
                    continues_at: None,
                })
            );
        }
    }

    #[test]
    fn a_forwarded_request_reads_back_as_it_came() {
        let original = decode(json!({
            "op": 2, "to": "/id-mn/cse-mn/cnt", "fr": "/id-in/Cae", "rqi": "r9", "rvi": "4",
            "rcn": 8, "drt": 2, "rt": {"rtv": 1},
            "fc": {"fu": 1, "lbl": ["a", "b"], "ty": [3, 4], "lim": 5,
                   "atr": [{"nm": "mni", "val": 5}]}
        }))
        .expect("request");
        let primitive = crate::notify::mqtt::request_primitive(&original, "/id-in/Cae");
        assert_eq!(
            primitive.get("fc").and_then(|fc| fc.get("lbl")),
            Some(&json!(["a", "b"]))
        );
        assert_eq!(primitive.get("rcn"), Some(&json!(8)));
        let forwarded = decode(Value::Object(primitive)).expect("forwarded request");
        assert_eq!(forwarded.query, original.query);
        assert_eq!(
            (
                forwarded.op,
                forwarded.to,
                forwarded.from,
                forwarded.rqi,
                forwarded.rvi
            ),
            (
                original.op,
                original.to,
                original.from,
                original.rqi,
                original.rvi
            )
        );
        assert_eq!(forwarded.filter, original.filter);
        assert_eq!(forwarded.response_type, original.response_type);
    }
}
