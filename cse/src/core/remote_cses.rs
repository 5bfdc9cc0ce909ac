//! What this CSE knows of other CSEs, read in a request's transaction: whether a
//! CSE is registered here (a `<remoteCSE>` holds its CSE-ID), and which
//! `<remoteCSE>` leads to a CSE-ID (its own, or one of its `dcse`), for forwarding
//! (spec digest inter-cse §3).

use onecse_models::ResourceType;
use serde_json::Value;

use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::CseResult;
use crate::store::resource_table;

/// The live `<remoteCSE>` of the CSE `cse_id` (SP-relative), if it is registered
/// here (or is this CSE's registrar): its resourceID is the CSE-ID without `/`.
pub fn find(tx: &mut Txn<'_>, cse_id: &str) -> CseResult<Option<Resource>> {
    let Some(ri) = cse_id.strip_prefix('/').filter(|ri| !ri.contains('/')) else {
        return Ok(None);
    };
    let Some(row) = resource_table::find_by_ri(tx.conn, ri, &tx.now_text)? else {
        return Ok(None);
    };
    if row.ty != i32::from(ResourceType::RemoteCse.number()) {
        return Ok(None);
    }
    let resource = Resource::from_row(row)?;
    let holds = resource.attrs.get("csi").and_then(Value::as_str) == Some(cse_id);
    Ok(holds.then_some(resource))
}

/// The `<remoteCSE>` a request for `cse_id` goes to: the CSE's own, else the one
/// whose `dcse` (descendant CSEs) lists it.
pub fn leading_to(tx: &mut Txn<'_>, cse_id: &str) -> CseResult<Option<Resource>> {
    if let Some(own) = find(tx, cse_id)? {
        return Ok(Some(own));
    }
    let registered = resource_table::children_of_type(
        tx.conn,
        &tx.cse.cse_ri,
        ResourceType::RemoteCse,
        &tx.now_text,
    )?;
    for row in registered {
        let resource = Resource::from_row(row)?;
        let descends = resource
            .attrs
            .get("dcse")
            .and_then(Value::as_array)
            .is_some_and(|dcse| dcse.iter().any(|d| d.as_str() == Some(cse_id)));
        if descends {
            return Ok(Some(resource));
        }
    }
    Ok(None)
}
