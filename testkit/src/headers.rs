//! Header lists as replies and notifications keep them: lower-case names in arrival
//! order, so tests can look at repeated or oddly encoded headers the way they came.

use reqwest::header::HeaderMap;

/// Copies a header map into `(lower-case name, value)` pairs; bytes that are not
/// UTF-8 are replaced rather than dropped, so a malformed header still shows up.
pub(crate) fn collect(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The first value of `name`, compared without regard to case.
pub(crate) fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
