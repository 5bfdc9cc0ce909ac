//! RETRIEVE (TS-0004 §7.3.3.x): the resource's attributes (all or some), or with its
//! descendants for rcn 4, 5, 6 and 8. Discovery (`fu=1`) is [`crate::core::discovery`].

use onecse_models::primitive::{Request, Response};
use onecse_models::{ResponseStatusCode, ResultContent};

use crate::core::operations::content;
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Requester;

/// Retrieves `resource`, loaded by dispatch.
pub fn retrieve(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    mut resource: Resource,
) -> CseResult<Response> {
    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    resource.kind().on_retrieve(&mut resource, tx.now);
    let (content, partial) = content::for_rcn(tx, who, rcn, &resource, req)?;
    let mut response = Response::new(ResponseStatusCode::Ok, content);
    response.partial = partial;
    Ok(response)
}
