//! Notification targets (`nu` and `su` entries, spec digest notifications §1): an
//! HTTP(S) URL used verbatim, or the resource ID of an AE, reached through its `poa`;
//! an AE of another CSE (`/id-mn/Cae1`) is reached through that CSE, which relays
//! the NOTIFY to it (spec digest inter-cse §6).

use onecse_models::id::is_unreserved_id;
use onecse_models::serialization::preferred;
use onecse_models::{ReleaseVersion, ResourceType, Serialization};
use serde_json::Value;

use crate::core::addressing::{self, Destination, Target};
use crate::core::record::{Resource, string_items};
use crate::core::remote_cses;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{self, Access, Requester};
use crate::store::resource_table;

/// What a `nu` entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An HTTP(S) URL (a `?ct=json` suffix already removed).
    Url(String),
    /// A oneM2M resource ID (of an AE) in any addressing form.
    Resource(String),
}

/// The query parameter that marks an `mqtt` URL taken from an AE's `poa` with the AE
/// it reaches (added by [`reach`]): the request then goes on the AE's standard request
/// topic below the URL's path (TS-0010 §6.6), and its answer is awaited; a `nu` URL
/// without it names the whole topic.
pub const RECEIVER_PARAM: &str = "onem2m-to";

/// Reads an entry: an http(s) or mqtt(s) URL (TS-0009, TS-0010 §6.6). Other URL
/// schemes (coap, ws) are bindings onecse cannot send over yet: 5001. Anything else
/// must look like a resource ID. A URL's `ct` query
/// parameter (TS-0004 §7.4.8) must name json or cbor (4000 otherwise: onecse cannot
/// send XML, and refusing at subscription time beats dropping every notification).
pub fn parse(entry: &str) -> CseResult<Entry> {
    if let Some((scheme, rest)) = entry.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" | "mqtt" | "mqtts"
                if !rest.is_empty() && !rest.contains(char::is_whitespace) =>
            {
                let (url, serialization) = split_serialization(entry)?;
                Ok(Entry::Url(with_serialization(&url, serialization)))
            }
            "http" | "https" | "mqtt" | "mqtts" => Err(CseError::bad_request(format!(
                "'{entry}' is not a valid URL"
            ))),
            other => Err(CseError::new(
                onecse_models::ResponseStatusCode::NotImplemented,
                format!(
                    "notification target '{entry}': the {other} binding is not supported, use http(s), mqtt(s) or an AE resource ID"
                ),
            )),
        };
    }
    let id_ok = !entry.is_empty()
        && entry
            .split('/')
            .filter(|s| !s.is_empty())
            .all(is_unreserved_id);
    if id_ok {
        Ok(Entry::Resource(entry.to_owned()))
    } else {
        Err(CseError::bad_request(format!(
            "'{entry}' is neither an http(s) URL nor a resource ID"
        )))
    }
}

/// Splits the `ct` query parameter (`?ct=json|xml|cbor`, also after `&`) off a URL:
/// the URL without it, and the serialization it asks for. XML or an unknown value is
/// refused (4000). The sender calls it on every URL, so a serialization chosen for a
/// target travels with its URL (see [`with_serialization`]).
pub fn split_serialization(url: &str) -> CseResult<(String, Option<Serialization>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut serialization = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let Some(value) = pair.strip_prefix("ct=") else {
            kept.push(pair);
            continue;
        };
        serialization = match Serialization::of_token(value) {
            Some(s) if s.supported() => Some(s),
            _ => {
                return Err(CseError::bad_request(format!(
                    "'{url}': ct={value} is not a serialization onecse can send; use ct=json or ct=cbor"
                )));
            }
        };
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, serialization))
}

/// Marks a URL with the serialization to send to it (`ct=cbor`); JSON, the default,
/// needs no mark.
pub fn with_serialization(url: &str, serialization: Option<Serialization>) -> String {
    match serialization {
        Some(s) if s != Serialization::Json => {
            let joiner = if url.contains('?') { '&' } else { '?' };
            format!("{url}{joiner}ct={}", s.token())
        }
        _ => url.to_owned(),
    }
}

/// How a request reaches an AE (spec digest polling-and-requests §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Sent to these URLs in order (an AE's `poa`, or a URL target itself); the next
    /// is tried when one cannot be reached.
    Send(Vec<String>),
    /// Queued for the AE with this AE-ID (its resourceID), which polls its
    /// pollingChannel for it.
    Queue(String),
}

/// What a target names, looked up once.
pub enum Resolved {
    /// Where to send: a URL target, or the next hop towards an AE of another CSE;
    /// or why the entry cannot be reached.
    Urls(Result<Vec<String>, String>),
    /// A resource ID that names no resource of this CSE (why): the subscriber's
    /// mistake when it subscribes, an undeliverable target later.
    Missing(String),
    /// A resource of this CSE, named by `id`.
    Local {
        /// The resource ID as the entry gives it (without a serialization suffix).
        id: String,
        /// The resource.
        resource: Resource,
    },
}

/// Looks up what `entry` names: a resource of this CSE is returned for the caller to
/// check (the NOTIFY privilege) and [`reach`]; anything else is already resolved.
pub fn look_up(tx: &mut Txn<'_>, entry: &str) -> CseResult<Resolved> {
    let id = match parse(entry) {
        Ok(Entry::Url(url)) => return Ok(Resolved::Urls(Ok(vec![url]))),
        Ok(Entry::Resource(id)) => id,
        Err(err) => return Ok(Resolved::Urls(Err(err.message))),
    };
    let address = match addressing::parse(&id, tx.cse) {
        Ok(Destination::Local(address)) => address,
        Ok(Destination::Remote { cse, .. }) => return on_another_cse(tx, &id, &cse),
        Err(_) => {
            return Ok(Resolved::Missing(format!(
                "'{id}' is not a resource of this CSE"
            )));
        }
    };
    Ok(match addressing::find(tx, &address)? {
        Some(resource) => Resolved::Local { id, resource },
        None => Resolved::Missing(format!("target '{id}' does not exist")),
    })
}

/// A target on the CSE `cse`: a NOTIFY To `id`, From this CSE, sent to the next hop
/// towards it, as forwarding would send it (TS-0004 §7.3.3.9; that CSE decides the
/// NOTIFY privilege and relays to its AE). No route there: missing.
fn on_another_cse(tx: &mut Txn<'_>, id: &str, cse: &str) -> CseResult<Resolved> {
    let own = tx.cse.cse_id.clone();
    Ok(match remote_cses::next_hop(tx, Some(&own), cse)? {
        Some(hop) if !hop.poa.is_empty() => Resolved::Urls(Ok(hop.urls(id))),
        _ => Resolved::Missing(format!(
            "'{id}' is on CSE {cse}, which this CSE has no route to"
        )),
    })
}

/// How a target an originator names for the CSE to send to (a subscription's `nu`
/// entry, a non-blocking request's `X-M2M-RTU` entry) is reached. Naming nothing, or
/// a resource that is not an AE, is the originator's mistake (4000, `what` says where);
/// an AE needs the originator's NOTIFY privilege on it (4103, spec digest
/// access-control §3), so nobody can point the CSE's requests at an AE that did not
/// allow it. A URL is left to the egress policy when it is sent to.
pub fn named_by(
    tx: &mut Txn<'_>,
    entry: &str,
    who: &Requester,
    what: &str,
) -> CseResult<Result<Route, String>> {
    match look_up(tx, entry)? {
        Resolved::Urls(urls) => Ok(urls.map(Route::Send)),
        Resolved::Missing(why) => Err(CseError::bad_request(format!("{what} {why}"))),
        Resolved::Local { id, resource } if resource.ty != ResourceType::Ae => {
            Err(CseError::bad_request(format!(
                "{what} '{id}' is a {}; a resource ID target must name an AE",
                resource.ty.long_name()
            )))
        }
        Resolved::Local { id, resource } => {
            let target = Target {
                resource,
                parent: None,
            };
            security::authorize(tx.cse.site(), tx, &target.question(who, Access::Notify))?;
            reach(tx, &id, &target.resource)
        }
    }
}

/// How a target is reached, or why it cannot be (no such AE, not an AE, neither an
/// http(s) `poa` nor a pollingChannel to use).
pub fn resolve(tx: &mut Txn<'_>, entry: &str) -> CseResult<Result<Route, String>> {
    Ok(match look_up(tx, entry)? {
        Resolved::Urls(urls) => urls.map(Route::Send),
        Resolved::Missing(why) => Err(why),
        Resolved::Local { id, resource } => reach(tx, &id, &resource)?,
    })
}

/// How the resource `id` of this CSE is reached (TS-0001 §10.2.5.12, TS-0004
/// §7.3.3.9.1, digest polling-and-requests §3-§4): an AE with a pollingChannel
/// through it (it polls, whatever its `rr`); otherwise a request-reachable AE at its
/// http(s) `poa` entries in order, each marked with the serialization to use: a `ct`
/// the `poa` entry names, else the AE's `csz` (the first entry onecse can write,
/// TS-0004 §7.5.1.1), else JSON. An AE with `rr` false and no channel, without an
/// http(s) `poa`, or whose `csz` names only serializations onecse cannot write,
/// cannot be reached. Every sender reaching an AE gets its route here.
pub fn reach(tx: &mut Txn<'_>, id: &str, ae: &Resource) -> CseResult<Result<Route, String>> {
    if ae.ty != ResourceType::Ae {
        return Ok(Err(format!(
            "target '{id}' is a {}, not an AE",
            ae.ty.long_name()
        )));
    }
    if has_polling_channel(tx, &ae.ri)? {
        return Ok(Ok(Route::Queue(ae.ri.clone())));
    }
    if ae.attrs.get("rr").and_then(Value::as_bool) == Some(false) {
        return Ok(Err(format!(
            "AE '{id}' is not request-reachable (rr is false) and has no pollingChannel"
        )));
    }
    let csz = match ae.attrs.get("csz") {
        None | Some(Value::Null) => None,
        Some(csz) => match preferred(csz) {
            Some(serialization) => Some(serialization),
            None => {
                return Ok(Err(format!(
                    "AE '{id}' accepts only serializations onecse cannot send (csz {csz})"
                )));
            }
        },
    };
    let urls: Vec<String> = ae
        .attrs
        .get("poa")
        .and_then(Value::as_array)
        .map(|poa| {
            poa.iter()
                .filter_map(Value::as_str)
                .filter_map(|p| match parse(p) {
                    Ok(Entry::Url(url)) if names_serialization(&url) => Some(url),
                    Ok(Entry::Url(url)) => Some(with_serialization(&url, csz)),
                    _ => None,
                })
                .map(|url| addressed_to(url, &ae.ri))
                .collect()
        })
        .unwrap_or_default();
    Ok(if urls.is_empty() {
        Err(format!(
            "AE '{id}' has no http(s) or mqtt(s) point of access"
        ))
    } else {
        Ok(Route::Send(urls))
    })
}

/// The release to send an AE requests in (spec digest versions §2, as ACME): the
/// highest entry of its `srv` that onecse speaks; `None` when it lists none of them.
pub fn release_of(ae: &Resource) -> Option<ReleaseVersion> {
    string_items(&ae.attrs, "srv")
        .iter()
        .filter_map(|v| ReleaseVersion::parse(v).ok())
        .max()
}

/// An `mqtt(s)` `poa` URL marked with the AE it reaches ([`RECEIVER_PARAM`]); other
/// URLs unchanged.
fn addressed_to(url: String, aei: &str) -> String {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("mqtt" | "mqtts")) {
        return url;
    }
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{RECEIVER_PARAM}={aei}")
}

/// Whether a URL names its serialization itself (a `ct` query parameter).
fn names_serialization(url: &str) -> bool {
    split_serialization(url).is_ok_and(|(_, serialization)| serialization.is_some())
}

/// Whether the AE has a live pollingChannel (the `(pi, ty)` index; at most one).
fn has_polling_channel(tx: &mut Txn<'_>, ae_ri: &str) -> CseResult<bool> {
    let channels = resource_table::children_of_type(
        tx.conn,
        ae_ri,
        ResourceType::PollingChannel,
        &tx.now_text,
    )?;
    Ok(!channels.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_urls_or_resource_ids() {
        assert_eq!(
            parse("http://127.0.0.1:9/n").ok(),
            Some(Entry::Url("http://127.0.0.1:9/n".into()))
        );
        assert_eq!(
            parse("http://h/n?ct=json").ok(),
            Some(Entry::Url("http://h/n".into()))
        );
        assert_eq!(parse("Cmyapp").ok(), Some(Entry::Resource("Cmyapp".into())));
        assert_eq!(
            parse("/id-in/Cmyapp").ok(),
            Some(Entry::Resource("/id-in/Cmyapp".into()))
        );
        assert_eq!(
            parse("cse-in/myapp").ok(),
            Some(Entry::Resource("cse-in/myapp".into()))
        );
        assert_eq!(
            parse("http://h/n?a=1&ct=cbor").ok(),
            Some(Entry::Url("http://h/n?a=1&ct=cbor".into()))
        );
        assert_eq!(
            split_serialization("http://h/n?ct=cbor&a=1").ok(),
            Some(("http://h/n?a=1".into(), Some(Serialization::Cbor)))
        );
        let rsc = |e: &str| parse(e).err().map(|e| e.rsc.code());
        assert_eq!(rsc("http://h/n?ct=xml"), Some(4000));
        assert_eq!(rsc("coap://broker/x"), Some(5001));
        assert_eq!(rsc("http://"), Some(4000));
        assert_eq!(rsc("not a target"), Some(4000));
        assert_eq!(rsc(""), Some(4000));
    }
}
