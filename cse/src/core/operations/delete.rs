//! DELETE (TS-0004 §7.3.3.x): removes the resource and its whole subtree in one
//! statement inside the request's transaction.

use onecse_models::primitive::{Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode, ResultContent};

use crate::core::addressing::{self, Address};
use crate::core::operations::result;
use crate::core::resources::cse_base;
use crate::error::CseResult;
use crate::store::{DbConn, resources};

/// Deletes the resource at `address` and everything below it.
pub fn delete(
    conn: &mut DbConn,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Response> {
    let resource = addressing::load(conn, address, &now.to_string())?;
    if resource.ty == ResourceType::CseBase {
        cse_base::refuse_change("DELETE")?;
    }
    let rcn = req.rcn.unwrap_or(ResultContent::Nothing);
    let content = match rcn {
        ResultContent::Nothing => None,
        ResultContent::Attributes => Some(resource.representation()),
        other => return Err(result::unsupported(other)),
    };
    resources::delete_subtree(conn, &resource.path)?;
    Ok(Response::new(ResponseStatusCode::Deleted, content))
}
