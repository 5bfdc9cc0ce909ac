//! DELETE (TS-0004 §7.3.3.x): removes the resource and its whole subtree inside the
//! request's transaction; with rcn 1/4/5/6/8 the content is taken before deletion.

use onecse_models::primitive::{Request, Response};
use onecse_models::{ResponseStatusCode, ResultContent};

use crate::core::operations::content;
use crate::core::record::Resource;
use crate::core::removal::{self, Cause};
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Requester;

/// Deletes `resource` (for `la`/`ol`, the instance they stand for), loaded by dispatch.
pub fn delete(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    resource: Resource,
) -> CseResult<Response> {
    resource.kind().before_delete(tx, &resource)?;
    let rcn = req.rcn.unwrap_or(ResultContent::Nothing);
    let (content, partial) = content::for_rcn(tx, who, rcn, &resource, req)?;
    removal::remove(tx, &resource, Cause::Request)?;
    let mut response = Response::new(ResponseStatusCode::Deleted, content);
    response.partial = partial;
    Ok(response)
}
