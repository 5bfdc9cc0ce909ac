//! The announced types (`…Annc`, ty 10000+n; TS-0004 §7.4.26, spec digest inter-cse
//! §4): copies other CSEs keep here of their resources. One kind serves them all,
//! each over its own spec: content holds only `lnk` and what the original's type
//! announces (its values were checked by the original's host), and only a CSE
//! creates one (or the administrator). UPDATE and DELETE are its creator's (the
//! announcing CSE, as no `acpi` is copied) or the administrator's.

use onecse_models::id::originator_cse;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::annc::{announced_extension, announced_root, check_announced_content};
use onecse_models::resource::{Extension, with_article};
use onecse_models::{Operation, ReleaseVersion};
use serde_json::{Map, Value};

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, check_root, kind};
use crate::error::{CseError, CseResult};
use crate::security::Requester;

/// The kind of one announced type, over that type's spec.
pub struct Announced(pub &'static TypeSpec);

impl ResourceKind for Announced {
    fn spec(&self) -> &'static TypeSpec {
        self.0
    }

    /// The root key is the original's with `A` (`m2m:cntA`), or, for a
    /// specialization, the specialization's with `A` (`m2m:batA`, by `mgd`).
    fn extension(
        &self,
        root: &str,
        attrs: &Map<String, Value>,
        stored: Option<&Resource>,
    ) -> CseResult<Extension> {
        let expected = self.root_key(stored.map_or(attrs, |s| &s.attrs));
        check_root(self.ty(), root, &expected).map(|()| announced_extension())
    }

    fn root_key(&self, attrs: &Map<String, Value>) -> String {
        self.0.original.and_then(kind).map_or_else(
            || self.ty().root_key(),
            |original| announced_root(&original.root_key(attrs)),
        )
    }

    /// Announced resources are created by the announcing CSE (TS-0001 table
    /// 9.6.26.1-1), never by an AE.
    fn refuse_originator(&self, cse: &Cse, op: Operation, who: &Requester) -> CseResult<()> {
        if op != Operation::Create || who.admin {
            return Ok(());
        }
        let from = who.originator.as_deref().unwrap_or_default();
        match originator_cse(from, &cse.sp_id) {
            Some(origin) if origin.is_cse => Ok(()),
            _ => Err(CseError::not_allowed(format!(
                "{} is created by the CSE that announces its original, not by '{from}'",
                with_article(self.ty().long_name())
            ))),
        }
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        check_announced_content(self.ty(), attrs.keys())?;
        if let Some(lnk) = attrs.get("lnk").and_then(Value::as_str)
            && !lnk.starts_with('/')
        {
            return Err(CseError::bad_request(format!(
                "lnk '{lnk}' must be the SP-relative or absolute ID of the original (starting with '/')"
            )));
        }
        Ok(())
    }
}
