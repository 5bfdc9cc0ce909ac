//! The query string of an HTTP request (TS-0009 table 6.2.2.2-1): request parameters,
//! filter criteria and attribute filters. Unknown names and invalid values are
//! refused (4000) rather than ignored, so a typo never silently changes a result.

use onecse_models::Problem;
use onecse_models::ResultContent;
use onecse_models::location::GeoQuery;
use onecse_models::primitive::{
    DesiredIdentifierResultType, FilterCriteria, FilterOperation, FilterUsage,
};
use onecse_models::resource::is_known_attribute;
use onecse_models::time::Timestamp;

/// What the query string contributes to a request primitive.
#[derive(Debug, Default, PartialEq)]
pub struct QueryParams {
    /// `rcn`.
    pub rcn: Option<ResultContent>,
    /// Filter criteria and paging.
    pub filter: FilterCriteria,
    /// `atrl`.
    pub attribute_list: Vec<String>,
    /// `drt`.
    pub drt: Option<DesiredIdentifierResultType>,
    /// `rt` (rtv), checked for range with `nu` by the binding.
    pub rt: Option<i64>,
    /// `rp` as given (an absRelTimestamp, read against the arrival time).
    pub rp: Option<String>,
}

/// Recognised oneM2M parameters that onecse does not implement yet (answered 5001).
const NOT_YET: &[&str] = &[
    "rids", "tids", "ltids", "tqi", "asi", "auri", "sqi", "cfs", "cfq", "lbq",
];

/// Longest `smf` (SPARQL) query accepted: it is evaluated once per candidate.
const MAX_SPARQL_BYTES: usize = 8192;

/// Attribute names that have their own filter parameter and so are not attribute filters.
const NOT_ATTRIBUTE_FILTERS: &[&str] = &["ct", "lt", "st", "et", "cs", "cnf"];

/// Parses a raw (still percent-encoded) query string.
pub fn parse(raw: &str) -> Result<QueryParams, Problem> {
    let mut params = QueryParams::default();
    let mut seen: Vec<String> = Vec::new();
    let mut geo = GeoParts::default();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        let name = name.into_owned();
        let value = value.into_owned();
        let repeatable = matches!(
            name.as_str(),
            "ty" | "lbl" | "cty" | "atrl" | "smf" | "chty" | "pty" | "clbl" | "palb"
        ) || is_attribute_filter(&name);
        if !repeatable && seen.contains(&name) {
            return Err(Problem::bad_request(format!(
                "query parameter '{name}' is given more than once"
            )));
        }
        seen.push(name.clone());
        match name.as_str() {
            "gmty" => geo.gmty = Some(integer(&name, &value, 1)?),
            "gsf" => geo.gsf = Some(integer(&name, &value, 1)?),
            "geom" => geo.geom = Some(value),
            _ => apply(&mut params, &name, &value)?,
        }
    }
    params.filter.geo_query = GeoQuery::from_parts(geo.gmty, geo.geom.as_deref(), geo.gsf)?;
    params.filter.check_bounds()?;
    Ok(params)
}

/// The three parameters of a geo-query, read in any order and checked together.
#[derive(Default)]
struct GeoParts {
    gmty: Option<i64>,
    geom: Option<String>,
    gsf: Option<i64>,
}

fn apply(params: &mut QueryParams, name: &str, value: &str) -> Result<(), Problem> {
    let fc = &mut params.filter;
    match name {
        "rcn" => params.rcn = Some(ResultContent::from_number(integer(name, value, 0)?)?),
        "rt" => match integer(name, value, 1)? {
            rt @ 1..=5 => params.rt = Some(rt),
            _ => return Err(invalid(name, value, "a responseType 1..5")),
        },
        "rp" => params.rp = Some(value.to_owned()),
        "da" => {
            boolean(name, value)?;
        }
        "drt" => {
            params.drt = Some(match value {
                "1" => DesiredIdentifierResultType::Structured,
                "2" => DesiredIdentifierResultType::Unstructured,
                _ => return Err(invalid(name, value, "1 (structured) or 2 (unstructured)")),
            })
        }
        "atrl" => {
            for item in list(value) {
                params.attribute_list.push(item.to_owned());
            }
        }
        "crb" => fc.created_before = Some(timestamp(name, value)?),
        "cra" => fc.created_after = Some(timestamp(name, value)?),
        "ms" => fc.modified_since = Some(timestamp(name, value)?),
        "us" => fc.unmodified_since = Some(timestamp(name, value)?),
        "exb" => fc.expire_before = Some(timestamp(name, value)?),
        "exa" => fc.expire_after = Some(timestamp(name, value)?),
        "sts" => fc.state_tag_smaller = Some(integer(name, value, 1)?),
        "stb" => fc.state_tag_bigger = Some(integer(name, value, 0)?),
        "sza" => fc.size_above = Some(integer(name, value, 0)?),
        "szb" => fc.size_below = Some(integer(name, value, 1)?),
        "lbl" => fc.labels.extend(list(value).map(str::to_owned)),
        "smf" => {
            if value.len() > MAX_SPARQL_BYTES {
                return Err(invalid(
                    name,
                    "…",
                    &format!("a SPARQL query of at most {MAX_SPARQL_BYTES} bytes"),
                ));
            }
            fc.semantics_filter.push(value.to_owned());
        }
        "cty" => fc.content_types.extend(list(value).map(str::to_owned)),
        "ty" => fc.resource_types.extend(types(name, value)?),
        "chty" => fc.child_types.extend(types(name, value)?),
        "pty" => fc.parent_types.extend(types(name, value)?),
        "clbl" => fc.child_labels.extend(list(value).map(str::to_owned)),
        "palb" => fc.parent_labels.extend(list(value).map(str::to_owned)),
        "lim" => fc.limit = Some(unsigned(name, value, 0)?),
        "lvl" => fc.level = Some(unsigned(name, value, 1)?),
        "ofst" => fc.offset = Some(unsigned(name, value, 1)?),
        "arp" => fc.relative_path = Some(relative_path(value)?),
        "fu" => {
            fc.filter_usage = Some(match value {
                "1" => FilterUsage::Discovery,
                "2" => FilterUsage::ConditionalRetrieval,
                "3" => FilterUsage::IpeOnDemandDiscovery,
                _ => return Err(invalid(name, value, "a filterUsage 1..3")),
            })
        }
        "fo" => {
            fc.filter_operation = Some(match value {
                "1" => FilterOperation::And,
                "2" => FilterOperation::Or,
                "3" => FilterOperation::Xor,
                _ => return Err(invalid(name, value, "a filterOperation 1..3")),
            })
        }
        _ if NOT_YET.contains(&name) || name.starts_with("c.") || name.starts_with("p.") => {
            return Err(Problem::not_implemented(format!(
                "query parameter '{name}' is not supported by this CSE yet"
            )));
        }
        _ if is_attribute_filter(name) => fc.attributes.push((name.to_owned(), value.to_owned())),
        _ => {
            return Err(Problem::bad_request(format!(
                "unknown query parameter '{name}' (not a oneM2M request parameter, filter criterion or attribute)"
            )));
        }
    }
    Ok(())
}

fn is_attribute_filter(name: &str) -> bool {
    is_known_attribute(name) && !NOT_ATTRIBUTE_FILTERS.contains(&name)
}

/// A list of resource type numbers (`ty`, `chty`, `pty`).
fn types(name: &str, value: &str) -> Result<Vec<i64>, Problem> {
    list(value).map(|item| integer(name, item, 1)).collect()
}

/// Items of a list value: `+` (decoded to space) and spaces separate them.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split_whitespace()
}

fn invalid(name: &str, value: &str, expected: &str) -> Problem {
    Problem::bad_request(format!(
        "query parameter {name}='{value}' is invalid: expected {expected}"
    ))
}

fn integer(name: &str, value: &str, min: i64) -> Result<i64, Problem> {
    match value.parse::<i64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(invalid(
            name,
            value,
            &format!("an integer of at least {min}"),
        )),
    }
}

/// An `arp` value: a relative path of resource names (`la`, `cnt1/la`), never an
/// address of its own (no leading `/`), no empty or `.`/`..` segment.
fn relative_path(value: &str) -> Result<String, Problem> {
    let well_formed = !value.is_empty()
        && value
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if well_formed {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            "arp",
            value,
            "a relative path of resource names such as 'la' or 'cnt/la'",
        ))
    }
}

fn unsigned(name: &str, value: &str, min: u64) -> Result<u64, Problem> {
    match value.parse::<u64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(invalid(
            name,
            value,
            &format!("an integer of at least {min}"),
        )),
    }
}

fn boolean(name: &str, value: &str) -> Result<bool, Problem> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(name, value, "true, false, 1 or 0")),
    }
}

fn timestamp(name: &str, value: &str) -> Result<Timestamp, Problem> {
    Timestamp::parse(value).map_err(|_| invalid(name, value, "a timestamp YYYYMMDDThhmmss"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_list_forms_are_read() {
        let p = parse("rcn=1&ty=3+4&ty=23&lbl=a%20b&atrl=rr+poa&lim=20&fu=1&drt=2&api=Nx")
            .expect("valid");
        assert_eq!(p.rcn, Some(ResultContent::Attributes));
        assert_eq!(p.filter.resource_types, [3, 4, 23]);
        assert_eq!(p.filter.labels, ["a", "b"]);
        assert_eq!(p.attribute_list, ["rr", "poa"]);
        assert_eq!(p.filter.limit, Some(20));
        assert_eq!(p.filter.filter_usage, Some(FilterUsage::Discovery));
        assert_eq!(p.drt, Some(DesiredIdentifierResultType::Unstructured));
        assert_eq!(p.filter.attributes, [("api".to_owned(), "Nx".to_owned())]);
        assert_eq!(parse(""), Ok(QueryParams::default()));
    }

    #[test]
    fn unknown_or_invalid_parameters_are_bad_requests() {
        let (long, many) = (format!("rn={}", "a".repeat(1025)), "ty=3&".repeat(65));
        for bad in [
            "fu=4223",
            "rcn=99",
            "rcn=x",
            "bogus=1",
            "lim=-1",
            "ofst=0",
            "crb=yesterday",
            "rcn=1&rcn=2",
            "ty=abc",
            "drt=3",
            "rt=9",
            long.as_str(),
            many.as_str(),
        ] {
            let rsc = parse(bad).err().map(|p| p.rsc);
            assert_eq!(
                rsc,
                Some(onecse_models::ResponseStatusCode::BadRequest),
                "{bad}"
            );
        }
    }

    #[test]
    fn recognised_but_unimplemented_parameters_say_so() {
        for q in ["rids=1", "sqi=true", "c.rn=a"] {
            let rsc = parse(q).err().map(|p| p.rsc);
            assert_eq!(
                rsc,
                Some(onecse_models::ResponseStatusCode::NotImplemented),
                "{q}"
            );
        }
    }
}
