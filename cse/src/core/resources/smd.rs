//! `<semanticDescriptor>` rules (TS-0001 §9.6.30, TS-0004 §7.4.34): `dsp` is the
//! base64 encoding of an RDF document in the representation `dcrp` names; a CREATE or
//! UPDATE whose descriptor does not parse is refused with 4000 saying where, before
//! anything is stored. The RDF parsers are Oxigraph's (RDF/XML, Turtle, JSON-LD); the
//! OWL representations (`dcrp` 1–3, 6) answer 5001.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::smd::{JSON_LD, RDF_XML, TURTLE};
use onecse_models::{ReleaseVersion, ResponseStatusCode};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The semanticDescriptor kind.
pub struct SemanticDescriptor;

impl ResourceKind for SemanticDescriptor {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::smd::SPEC
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        // A CREATE names both; an UPDATE naming one is checked as merged.
        if attrs.contains_key("dcrp") && attrs.contains_key("dsp") {
            check_descriptor(attrs)?;
        }
        Ok(())
    }

    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let changed = ["dcrp", "dsp"]
            .iter()
            .any(|n| before.attrs.get(*n) != resource.attrs.get(*n));
        if changed {
            check_descriptor(&resource.attrs)?;
        }
        Ok(())
    }
}

/// The RDF format of a descriptor's `dcrp`, `None` for the OWL representations this
/// CSE cannot read.
pub fn descriptor_format(attrs: &Map<String, Value>) -> Option<RdfFormat> {
    match attrs.get("dcrp").and_then(Value::as_i64)? {
        RDF_XML => Some(RdfFormat::RdfXml),
        TURTLE => Some(RdfFormat::Turtle),
        JSON_LD => Some(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        }),
        _ => None,
    }
}

/// The number of RDF statements in a descriptor, or why it is refused: 4000 for
/// `dsp` that is not base64 or not a document of the `dcrp` representation, 5001
/// for a representation this CSE cannot read.
pub fn check_descriptor(attrs: &Map<String, Value>) -> CseResult<usize> {
    let dcrp = attrs
        .get("dcrp")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let format = match dcrp {
        RDF_XML => RdfFormat::RdfXml,
        TURTLE => RdfFormat::Turtle,
        JSON_LD => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
        other => {
            return Err(CseError::new(
                ResponseStatusCode::NotImplemented,
                format!(
                    "descriptorRepresentation (dcrp) {other} is not supported; this CSE reads 4 (RDF/XML), 5 (Turtle) and 7 (JSON-LD)"
                ),
            ));
        }
    };
    let dsp = attrs.get("dsp").and_then(Value::as_str).unwrap_or_default();
    let document = STANDARD
        .decode(dsp.trim())
        .map_err(|e| CseError::bad_request(format!("dsp (descriptor) is not base64: {e}")))?;
    let mut statements = 0;
    for quad in RdfParser::from_format(format).for_slice(&document) {
        quad.map_err(|e| {
            CseError::bad_request(format!(
                "dsp (descriptor) is not valid {} (dcrp {dcrp}): {e}",
                format.name()
            ))
        })?;
        statements += 1;
    }
    if statements == 0 {
        return Err(CseError::bad_request(
            "dsp (descriptor) holds no RDF statement",
        ));
    }
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(dcrp: i64, text: &str) -> Result<usize, ResponseStatusCode> {
        let attrs = json!({"dcrp": dcrp, "dsp": STANDARD.encode(text)});
        check_descriptor(attrs.as_object().unwrap_or(&Map::new())).map_err(|e| e.rsc)
    }

    #[test]
    fn rdf_is_parsed_per_representation() {
        let turtle = "@prefix ex: <http://ex.org/> . ex:s ex:p ex:o .";
        assert_eq!(check(TURTLE, turtle), Ok(1));
        assert_eq!(
            check(TURTLE, "ex:s ex:p"),
            Err(ResponseStatusCode::BadRequest)
        );
        let xml = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/"><rdf:Description rdf:about="http://ex.org/s"><ex:p>v</ex:p></rdf:Description></rdf:RDF>"#;
        assert_eq!(check(RDF_XML, xml), Ok(1));
        assert_eq!(
            check(RDF_XML, "<rdf:RDF"),
            Err(ResponseStatusCode::BadRequest)
        );
        assert_eq!(check(3, turtle), Err(ResponseStatusCode::NotImplemented));
        let not_base64 = json!({"dcrp": TURTLE, "dsp": "%%%"});
        let got = check_descriptor(not_base64.as_object().unwrap_or(&Map::new()));
        assert_eq!(got.map_err(|e| e.rsc), Err(ResponseStatusCode::BadRequest));
    }
}
