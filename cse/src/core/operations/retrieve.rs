//! RETRIEVE (TS-0004 §7.3.3.x): the resource's attributes (all or some), or with its
//! descendants for rcn 4, 5, 6 and 8.

use onecse_models::primitive::{FilterUsage, Request, Response};
use onecse_models::resource::is_known_attribute;
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode, ResultContent};

use crate::core::addressing::Address;
use crate::core::discovery;
use crate::core::operations::target;
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
    let now_text = now.to_string();
    let mut resource = target::resolve(conn, address, &now_text)?;
    if req.filter.filter_usage == Some(FilterUsage::Discovery) {
        return discovery::discover(conn, &resource, req, &now_text);
    }
    if resource.ty == ResourceType::CseBase {
        cse_base::on_retrieve(&mut resource.attrs, now);
    }
    let (content, partial) = target::content(conn, rcn, &resource, req, &now_text)?;
    let mut response = Response::new(ResponseStatusCode::Ok, content);
    response.partial = partial;
    Ok(response)
}
