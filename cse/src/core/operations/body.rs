//! Request bodies as the operations read them.

use onecse_models::primitive::Request;
use onecse_models::resource::{Extension, single_member};
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::ResourceKind;
use crate::error::{CseError, CseResult};

/// The content of a CREATE (`stored` is `None`) or UPDATE of `kind` as attributes,
/// with the extension its root key (and, for an UPDATE, the stored resource's
/// specialization) brings.
pub fn request_attributes(
    req: &Request,
    kind: &dyn ResourceKind,
    stored: Option<&Resource>,
) -> CseResult<(Map<String, Value>, Extension)> {
    let expected = match stored {
        Some(resource) => resource.root_key(),
        None => kind.ty().root_key(),
    };
    let content = req.content.clone().ok_or_else(|| {
        CseError::bad_request(format!("{} needs a body with '{expected}'", req.op.name()))
    })?;
    let (root, attrs) = single_member(content, &expected)?;
    let extension = kind.extension(&root, &attrs, stored)?;
    Ok((attrs, extension))
}
