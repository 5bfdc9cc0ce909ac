//! The content of a RETRIEVE or DELETE response for a given `rcn`: the resource's
//! attributes (all or some), or with a page of its descendants.

use onecse_models::ResultContent;
use onecse_models::primitive::{PartialContent, Request};
use serde_json::Value;

use crate::core::operations::{hierarchy, result};
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::security::Requester;

/// The content for `rcn` (1, 4, 5, 6 or 8; `atrl` with 1) and, for hierarchical
/// results cut short, where the next page starts.
pub fn for_rcn(
    tx: &mut Txn<'_>,
    who: &Requester,
    rcn: ResultContent,
    resource: &Resource,
    req: &Request,
) -> CseResult<(Option<Value>, Option<PartialContent>)> {
    match rcn {
        ResultContent::Nothing => Ok((None, None)),
        ResultContent::Attributes if req.attribute_list.is_empty() => {
            Ok((Some(resource.representation()), None))
        }
        ResultContent::Attributes => {
            let selected = result::select_attributes(&resource.attrs, &req.attribute_list);
            Ok((Some(resource.wrap(selected)), None))
        }
        ResultContent::AttributesAndChildResources
        | ResultContent::AttributesAndChildResourceReferences
        | ResultContent::ChildResourceReferences
        | ResultContent::ChildResources => {
            let page = hierarchy::page(tx, who, resource, &req.filter)?;
            Ok((Some(page.render(rcn, resource)), page.partial()))
        }
        other => Err(result::unsupported(other)),
    }
}
