//! RETRIEVE (TS-0004 §7.3.3.x): the resource's attributes (all or some), or with its
//! descendants for rcn 4, 5, 6 and 8. Discovery (`fu=1`) is [`crate::core::discovery`].

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::{Extension, has_attribute};
use onecse_models::{ResponseStatusCode, ResultContent};

use crate::core::operations::content;
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;

/// Retrieves `resource`, loaded by dispatch.
pub fn retrieve(
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    mut resource: Resource,
) -> CseResult<Response> {
    let rcn = req.rcn.unwrap_or(ResultContent::Attributes);
    check_attribute_list(&resource, &req.attribute_list)?;
    resource.kind().on_retrieve(&mut resource, tx.now);
    let (content, partial) = content::for_rcn(tx, who, rcn, &resource, req)?;
    let mut response = Response::new(ResponseStatusCode::Ok, content);
    response.partial = partial;
    Ok(response)
}

/// A partial retrieve (`atrl`) names attributes the target's type has: its table, the
/// universal attributes, its specialization's (a flexContainer's custom attributes, a
/// mgmtObj's); any other name is 4000 (TS-0004 §7.3.3.x, attributeList: "attributes of
/// the target resource"). Names unknown to every type were refused before the load.
fn check_attribute_list(resource: &Resource, names: &[String]) -> CseResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    let extension = resource
        .kind()
        .extension(&resource.root_key(), &resource.attrs, Some(resource))
        .unwrap_or(Extension::NONE);
    match names
        .iter()
        .find(|name| !has_attribute(resource.ty, extension, name))
    {
        Some(name) => Err(CseError::bad_request(format!(
            "atrl names attribute '{name}', which a {} does not have",
            resource.ty.long_name()
        ))),
        None => Ok(()),
    }
}
