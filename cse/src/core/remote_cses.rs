//! What this CSE knows of other CSEs, read in a request's transaction: whether a
//! CSE is registered here (a `<remoteCSE>` holds its CSE-ID), and which
//! `<remoteCSE>` leads to a CSE-ID (its own, or one of its `dcse`), for forwarding
//! (spec digest inter-cse §3).

use onecse_models::ResourceType;
use onecse_models::id::originator_cse;
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

/// Where a forwarded request goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The CSE-ID of the next CSE (the target's, a registree leading to it, or the
    /// registrar).
    pub cse_id: String,
    /// Its points of access, tried in order.
    pub poa: Vec<String>,
}

impl Hop {
    /// The URL at each HTTP `poa` for a request `To` `to` (SP-relative or
    /// absolute), in order: `<poa>/~/csi/…` or `<poa>/_/sp/csi/…` (TS-0009
    /// §6.2.2.1). An `mqtt://` entry names a broker, not a URL a request can be
    /// posted to, so it is left out (the forward route speaks MQTT to it).
    pub fn urls(&self, to: &str) -> Vec<String> {
        self.poa
            .iter()
            .filter(|poa| over_http(poa))
            .map(|poa| url(poa, to))
            .collect()
    }
}

/// Whether `poa` is an `http(s)://` point of access.
fn over_http(poa: &str) -> bool {
    let scheme = poa.split_once("://").map_or("", |(scheme, _)| scheme);
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// `<poa>/~/csi/…` for an SP-relative `to`, `<poa>/_/sp/csi/…` for an absolute one
/// (TS-0009 §6.2.2.1): how any request for another CSE's resource travels over HTTP.
pub fn url(poa: &str, to: &str) -> String {
    let base = poa.trim_end_matches('/');
    match to.strip_prefix("//") {
        Some(absolute) => format!("{base}/_/{absolute}"),
        None => format!("{base}/~{to}"),
    }
}

/// The next hop towards CSE `target` of a request from `from` (spec digest
/// inter-cse §3): the `<remoteCSE>` of that CSE or of the registree whose `dcse`
/// lists it; else the registrar, unless the request came from above. `None`: no
/// route (4004).
///
/// "From above" is told by the originator, since a transit keeps it: in a
/// registration tree a request arriving from below was originated by this CSE or a
/// CSE below it (one registered here, or listed in such a one's `dcse`), so any
/// other originator came down from the registrar, and going back up would loop.
pub fn next_hop(tx: &mut Txn<'_>, from: Option<&str>, target: &str) -> CseResult<Option<Hop>> {
    let registrar = tx.cse.registrar.clone();
    let from_above = match from.and_then(|from| originator_cse(from, &tx.cse.sp_id)) {
        None => false,
        Some(origin) if origin.cse_id == tx.cse.cse_id => false,
        Some(origin) => match leading_to(tx, &origin.cse_id)? {
            Some(csr) => registrar
                .as_ref()
                .is_some_and(|r| csi(&csr) == Some(r.cse_id.as_str())),
            None => true,
        },
    };
    let found = if target.starts_with("//") {
        None
    } else {
        leading_to(tx, target)?
    };
    let Some(registrar) = registrar else {
        return Ok(found.map(|csr| hop(&csr, None)));
    };
    let to_registrar = match &found {
        Some(csr) => csi(csr) == Some(registrar.cse_id.as_str()),
        None => true,
    };
    if to_registrar && from_above {
        return Ok(None);
    }
    Ok(Some(match found {
        Some(csr) if !to_registrar => hop(&csr, None),
        Some(csr) => hop(&csr, Some(&registrar.url)),
        None => match find(tx, &registrar.cse_id)? {
            Some(csr) => hop(&csr, Some(&registrar.url)),
            None => Hop {
                cse_id: registrar.cse_id,
                poa: vec![registrar.url],
            },
        },
    }))
}

/// The `csi` of a `<remoteCSE>`.
fn csi(csr: &Resource) -> Option<&str> {
    csr.attrs.get("csi").and_then(Value::as_str)
}

/// The hop to the CSE `csr` stands for: its `poa` entries, else `fallback` (the
/// configured registrar URL).
fn hop(csr: &Resource, fallback: Option<&str>) -> Hop {
    let mut poa: Vec<String> = csr
        .attrs
        .get("poa")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    if poa.is_empty()
        && let Some(url) = fallback
    {
        poa.push(url.to_owned());
    }
    Hop {
        cse_id: csi(csr).unwrap_or_default().to_owned(),
        poa,
    }
}
