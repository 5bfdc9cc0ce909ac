//! DELETE (TS-0004 §7.3.3.x): removes the resource and its whole subtree inside the
//! request's transaction; with rcn 1/4/5/6/8 the content is taken before deletion.

use onecse_models::primitive::{Request, Response};
use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode, ResultContent};

use crate::core::Cse;
use crate::core::addressing::Address;
use crate::core::operations::target;
use crate::core::removal::{self, Cause};
use crate::core::resources::cse_base;
use crate::error::CseResult;
use crate::store::DbConn;

/// Deletes the resource at `address` (or the instance `la`/`ol` stands for).
pub fn delete(
    conn: &mut DbConn,
    cse: &Cse,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Response> {
    let now_text = now.to_string();
    let resource = target::resolve(conn, address, &now_text)?;
    if resource.ty == ResourceType::CseBase {
        cse_base::refuse_change("DELETE")?;
    }
    let rcn = req.rcn.unwrap_or(ResultContent::Nothing);
    let (content, partial) = target::content(conn, rcn, &resource, req, &now_text)?;
    removal::remove(conn, cse, &resource, Cause::Request, now)?;
    let mut response = Response::new(ResponseStatusCode::Deleted, content);
    response.partial = partial;
    Ok(response)
}
