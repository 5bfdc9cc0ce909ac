//! `<contentInstance>` (ty 4) attributes (TS-0001 §9.6.7, TS-0004 §7.4.7).

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::types::ResourceType;

/// The contentInstance: an instance of a container.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::ContentInstance, ATTRIBUTES, &[Container])
        .instance()
        .with_state_tag()
        .announced_as(&super::annc::CIN_ANNOUNCEMENT)
};

/// contentInstance attribute table. Instances are immutable (UPDATE answers 4005), so
/// every client attribute is write-once.
pub(crate) const ATTRIBUTES: &[A] = &[
    A::write_once("et", Timestamp).always_present(),
    A::write_once("lbl", TextList),
    A::write_once("at", TextList),
    A::write_once("aa", TextList),
    A::read_only("st", Integer { min: 0 }),
    A::creator(),
    A::write_once("cnf", Text),
    A::read_only("cs", Integer { min: 0 }),
    A::write_once("conr", Object).unsupported(),
    A::write_once("or", Text),
    A::write_once("con", Any).mandatory(),
    A::write_once("dcnt", Integer { min: 1 }),
    A::write_once("dgt", Text),
];

/// Checks `cnf` (contentInfo): `<type>/<subtype>:<encoding>[:<security>]` with an
/// encoding of 0, 1 or 2 (TS-0004 §6.3.x, spec digest README §7). The encoding is not
/// optional: `text/plain` alone is refused.
pub fn check_content_info(cnf: &str) -> Result<(), crate::Problem> {
    let mut parts = cnf.split(':');
    let media = parts.next().unwrap_or("");
    let encoding = parts.next();
    let media_ok = media.split_once('/').is_some_and(|(t, s)| {
        !t.is_empty() && !s.is_empty() && !media.contains(char::is_whitespace)
    });
    let encoding_ok = encoding.is_some_and(|e| matches!(e, "0" | "1" | "2"));
    if media_ok && encoding_ok && parts.count() <= 1 {
        Ok(())
    } else {
        Err(crate::Problem::bad_request(format!(
            "cnf '{cnf}' is not a contentInfo value (expected e.g. text/plain:0 or application/json:0)"
        )))
    }
}

/// The `cs` of a content value: the byte length of a string, or of the compact JSON
/// text of any other value.
pub fn content_size(con: &serde_json::Value) -> i64 {
    let bytes = match con {
        serde_json::Value::String(s) => s.len(),
        other => other.to_string().len(),
    };
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_info_has_a_media_type_and_an_encoding() {
        for ok in [
            "text/plain:0",
            "application/json:0",
            "application/octet-stream:2",
            "a/b:1:3",
        ] {
            assert!(check_content_info(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "text",
            "text/plain",
            "text/plain:",
            "text/plain:7",
            "/plain:0",
            "text/ plain:0",
            "a/b:1:2:3",
        ] {
            assert!(check_content_info(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn content_size_counts_bytes() {
        assert_eq!(content_size(&json!("21.5")), 4);
        assert_eq!(content_size(&json!("ü")), 2);
        assert_eq!(content_size(&json!({"t": 1})), 7);
    }
}
