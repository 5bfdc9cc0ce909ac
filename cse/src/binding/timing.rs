//! The time parameters and the response type of an HTTP request (TS-0009 §6.4:
//! `X-M2M-RET`, `X-M2M-RST`, `X-M2M-OET`, `X-M2M-RTU`, query `rt` and `rp`), read into
//! absolute instants at arrival. A request with none of them costs one check.

use onecse_models::Problem;
use onecse_models::primitive::{ResponseType, Timing};
use onecse_models::time::Timestamp;

/// The raw values, as the request carried them.
#[derive(Debug, Default)]
pub struct Raw {
    /// `X-M2M-RET`.
    pub ret: Option<String>,
    /// `X-M2M-RST`.
    pub rst: Option<String>,
    /// `X-M2M-OET`.
    pub oet: Option<String>,
    /// `X-M2M-RTU`.
    pub rtu: Option<String>,
    /// Query `rt`.
    pub rt: Option<i64>,
    /// Query `rp`.
    pub rp: Option<String>,
}

/// Reads the values; an unparseable one is a 4000 naming its header or parameter.
pub fn decode(raw: Raw) -> Result<(Timing, ResponseType), Problem> {
    let nu = raw.rtu.map(|rtu| {
        rtu.split('&')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let response_type = ResponseType::from_parts(raw.rt, nu)?;
    if raw.ret.is_none() && raw.rst.is_none() && raw.oet.is_none() && raw.rp.is_none() {
        return Ok((Timing::default(), response_type));
    }
    let now = Timestamp::now();
    let read = |value: Option<String>, name: &str| {
        value
            .map(|v| Timestamp::parse_abs_rel(v.trim(), now, name))
            .transpose()
    };
    let timing = Timing {
        rqet: read(raw.ret, "X-M2M-RET (rqet)")?,
        rset: read(raw.rst, "X-M2M-RST (rset)")?,
        oet: read(raw.oet, "X-M2M-OET (oet)")?,
        rp: read(raw.rp, "rp (resultPersistence)")?,
    };
    Ok((timing, response_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_given_is_blocking_without_timing() {
        assert_eq!(
            decode(Raw::default()),
            Ok((Timing::default(), ResponseType::Blocking))
        );
    }

    #[test]
    fn rtu_entries_are_split_and_an_empty_header_is_an_empty_list() {
        let rt = |rtu: &str| {
            decode(Raw {
                rtu: Some(rtu.into()),
                rt: Some(2),
                ..Raw::default()
            })
            .map(|(_, rt)| rt)
        };
        assert_eq!(
            rt("http://a/x&Cae"),
            Ok(ResponseType::NonBlockingAsynch {
                nu: Some(vec!["http://a/x".into(), "Cae".into()])
            })
        );
        assert_eq!(
            rt(""),
            Ok(ResponseType::NonBlockingAsynch { nu: Some(vec![]) })
        );
    }

    #[test]
    fn bad_values_name_their_header() {
        for (raw, named) in [
            (
                Raw {
                    ret: Some("soon".into()),
                    ..Raw::default()
                },
                "X-M2M-RET",
            ),
            (
                Raw {
                    oet: Some("2024-01-01T00:00:00".into()),
                    ..Raw::default()
                },
                "X-M2M-OET",
            ),
            (
                Raw {
                    rtu: Some("Cae".into()),
                    rt: Some(1),
                    ..Raw::default()
                },
                "X-M2M-RTU",
            ),
        ] {
            let err = decode(raw).err();
            assert!(err.is_some_and(|e| e.message.contains(named)), "{named}");
        }
    }
}
