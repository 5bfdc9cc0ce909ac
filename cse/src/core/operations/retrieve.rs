//! RETRIEVE (TS-0004 §7.3.3.x): the resource's attributes, optionally only some of them.

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::{is_known_attribute, wrap};
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode, ResultContent};

use crate::core::addressing::{self, Address};
use crate::core::operations::result;
use crate::core::resources::cse_base;
use crate::error::{CseError, CseResult};
use crate::store::DbConn;

/// Retrieves the resource at `address`.
pub fn retrieve(
    conn: &mut DbConn,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Response> {
    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    if !req.attribute_list.is_empty() && rcn != ResultContent::Attributes {
        return Err(CseError::bad_request(format!(
            "a partial retrieve (atrl) needs rcn=1, not rcn={}",
            rcn.number()
        )));
    }
    if let Some(unknown) = req.attribute_list.iter().find(|a| !is_known_attribute(a)) {
        return Err(CseError::bad_request(format!(
            "atrl names unknown attribute '{unknown}'"
        )));
    }
    let mut resource = addressing::load(conn, address, &now.to_string())?;
    if rcn != ResultContent::Attributes {
        return Err(result::unsupported(rcn));
    }
    if resource.ty == ResourceType::CseBase {
        cse_base::on_retrieve(&mut resource.attrs, now);
    }
    let content = if req.attribute_list.is_empty() {
        resource.representation()
    } else {
        wrap(
            resource.ty,
            result::select_attributes(&resource.attrs, &req.attribute_list),
        )
    };
    Ok(Response::new(ResponseStatusCode::Ok, Some(content)))
}
