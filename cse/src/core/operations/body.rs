//! Request bodies as the operations read them.

use onecse_models::ResourceType;
use onecse_models::primitive::Request;
use onecse_models::resource::content_for_type;
use serde_json::{Map, Value};

use crate::error::{CseError, CseResult};

/// The content of a CREATE/UPDATE request as the attributes of type `ty`.
pub fn request_attributes(req: &Request, ty: ResourceType) -> CseResult<Map<String, Value>> {
    let content = req.content.clone().ok_or_else(|| {
        CseError::bad_request(format!(
            "{} needs a body with '{}'",
            req.op.name(),
            ty.root_key()
        ))
    })?;
    Ok(content_for_type(content, ty)?)
}
