//! What RETRIEVE and DELETE share: resolving `la`/`ol` to an instance, the container's
//! `disr` rule, and the content a given `rcn` asks for.

use onecse_models::primitive::{PartialContent, Request};
use onecse_models::resource::wrap;
use onecse_models::{ResourceType, ResultContent};
use serde_json::Value;

use crate::core::addressing::{self, Address, Target};
use crate::core::operations::{hierarchy, result};
use crate::core::resource::Resource;
use crate::core::resources::cnt;
use crate::error::{CseError, CseResult};
use crate::store::resources::End;
use crate::store::{DbConn, resources};

/// Resolves the address to the stored resource RETRIEVE or DELETE acts on.
pub fn resolve(conn: &mut DbConn, address: &Address, now: &str) -> CseResult<Resource> {
    match addressing::load_target(conn, address, now)? {
        Target::Stored(resource) => {
            if resource.ty == cnt::INSTANCE_TYPE
                && let Some(pi) = &resource.pi
                && let Some(parent) = resources::find_by_ri(conn, pi, now)?
            {
                check_instances_accessible(&Resource::from_row(parent)?)?;
            }
            Ok(resource)
        }
        Target::Virtual { parent, end } => {
            check_instances_accessible(&parent)?;
            let which = match end {
                End::Latest => "latest",
                End::Oldest => "oldest",
            };
            let row = resources::edge_child(
                conn,
                &parent.ri,
                i32::from(cnt::INSTANCE_TYPE.number()),
                end,
                now,
            )?
            .ok_or_else(|| {
                CseError::not_found(format!(
                    "container '{}' has no {which} instance: it is empty",
                    parent.path
                ))
            })?;
            Resource::from_row(row)
        }
    }
}

fn check_instances_accessible(container: &Resource) -> CseResult<()> {
    if container.ty == ResourceType::Container && cnt::retrieval_disabled(container) {
        return Err(CseError::not_allowed(format!(
            "container '{}' has disableRetrieval set: its instances cannot be retrieved or deleted",
            container.path
        )));
    }
    Ok(())
}

/// The content for `rcn` (1, 4, 5, 6 or 8; `atrl` with 1) and, for hierarchical
/// results cut short, where the next page starts.
pub fn content(
    conn: &mut DbConn,
    rcn: ResultContent,
    resource: &Resource,
    req: &Request,
    now: &str,
) -> CseResult<(Option<Value>, Option<PartialContent>)> {
    match rcn {
        ResultContent::Nothing => Ok((None, None)),
        ResultContent::Attributes if req.attribute_list.is_empty() => {
            Ok((Some(resource.representation()), None))
        }
        ResultContent::Attributes => {
            let selected = result::select_attributes(&resource.attrs, &req.attribute_list);
            Ok((Some(wrap(resource.ty, selected)), None))
        }
        ResultContent::AttributesAndChildResources
        | ResultContent::AttributesAndChildResourceReferences
        | ResultContent::ChildResourceReferences
        | ResultContent::ChildResources => {
            let page = hierarchy::page(conn, resource, &req.filter, now)?;
            Ok((Some(page.render(rcn, resource)), page.partial()))
        }
        other => Err(result::unsupported(other)),
    }
}
