//! The database side of sending queued announcement work (the worker is
//! `crate::announcer`): what request a queued row becomes, read from the original's
//! current state, and what an answer changes here (the `at` entry becomes the
//! copy's address, TS-0001 §9.6.26.1). Each function is one short transaction, run
//! on the blocking pool; nothing is held while a request is on the wire.

use onecse_models::resource::annc::{announced_root, announcement_of};
use onecse_models::resource::fcnt::is_custom_attribute;
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ReleaseVersion, ResourceType};
use serde_json::{Map, Value, json};

use super::{entry_target, is_copy_address};
use crate::core::Cse;
use crate::core::record::{Resource, string_items};
use crate::core::remote_cses::{self, Hop};
use crate::core::transaction::{self, Txn};
use crate::error::{CseError, CseResult};
use crate::store::announcements::{self, AnnouncementRow, NewAnnouncement};
use crate::store::{TransactionKind, resource_table};

/// One request to a target CSE, From this CSE.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// CREATE, UPDATE or DELETE.
    pub op: Operation,
    /// The SP-relative address it goes to.
    pub to: String,
    /// The type created, for a CREATE.
    pub ty: Option<ResourceType>,
    /// The content, if any.
    pub content: Option<Value>,
}

/// What a queued row asks for now.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing any more (the original is gone, or no longer announced there).
    Nothing,
    /// Create the copy: under `parent` (an announced parent's copy), or, when
    /// `None`, under this CSE's `<CSEBaseAnnc>` there, created first if missing.
    Create {
        /// Where the target CSE is reached.
        hop: Hop,
        /// The target's CSEBase address (`/id-in/cse-in`).
        cse_base: String,
        /// The copy's parent when the original's parent is announced there.
        parent: Option<String>,
        /// The copy's CREATE, `to` left to the caller.
        copy: Outgoing,
    },
    /// Send this UPDATE or DELETE.
    Send(Hop, Outgoing),
}

/// The oldest due row of each target CSE, at most `limit`.
pub fn heads(cse: &Cse, limit: i64) -> CseResult<Vec<AnnouncementRow>> {
    transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        Ok(announcements::heads_due(tx.conn, &tx.now_text, limit)?)
    })
    .map(|c| c.value)
}

/// What `row` asks for, from the original as it is now.
pub fn plan(cse: &Cse, row: &AnnouncementRow) -> CseResult<Plan> {
    transaction::run(cse, TransactionKind::Read, Timestamp::now(), |tx| {
        let Some(hop) = remote_cses::next_hop(tx, Some(&tx.cse.cse_id.clone()), &row.target)?
        else {
            return Err(CseError::not_found(format!(
                "no route to CSE {} (not registered any more?)",
                row.target
            )));
        };
        let original = original(tx, &row.original)?;
        match row.op.as_str() {
            "delete" => Ok(match &row.address {
                Some(address) => Plan::Send(hop, outgoing(Operation::Delete, address, None, None)),
                None => Plan::Nothing,
            }),
            "update" => {
                let Some(original) = original else {
                    return Ok(Plan::Nothing);
                };
                let Some(address) = address_on(&original, &row.target) else {
                    // Not created there yet: the CREATE will carry the current values.
                    return Ok(Plan::Nothing);
                };
                let names: Vec<String> = row
                    .names
                    .as_deref()
                    .and_then(|n| serde_json::from_str(n).ok())
                    .unwrap_or_default();
                let announced = announced_attributes(&original);
                let members: Map<String, Value> = names
                    .into_iter()
                    .map(|name| {
                        let value = announced.get(&name).cloned().unwrap_or(Value::Null);
                        (name, value)
                    })
                    .collect();
                let content = wrap(&original, members);
                Ok(Plan::Send(
                    hop,
                    outgoing(Operation::Update, &address, None, Some(content)),
                ))
            }
            _ => {
                let Some(original) = original else {
                    return Ok(Plan::Nothing);
                };
                let pending = string_items(&original.attrs, "at")
                    .iter()
                    .any(|e| e == &row.target);
                if !pending {
                    return Ok(Plan::Nothing);
                }
                let parent = match &original.pi {
                    Some(pi) => resource_table::find_by_ri(tx.conn, pi, &tx.now_text)?
                        .map(Resource::from_row)
                        .transpose()?
                        .and_then(|p| address_on(&p, &row.target)),
                    None => None,
                };
                let csr = remote_cses::find(tx, &row.target)?;
                let cse_base = csr
                    .as_ref()
                    .and_then(|c| c.attrs.get("cb"))
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{}/-", row.target), str::to_owned);
                let mut members = announced_attributes(&original);
                members.insert(
                    "lnk".into(),
                    json!(format!("{}/{}", tx.cse.cse_id, original.ri)),
                );
                let ty = announcement_of(original.ty).map(|a| a.announced);
                let content = wrap(&original, members);
                Ok(Plan::Create {
                    hop,
                    cse_base,
                    parent,
                    copy: Outgoing {
                        op: Operation::Create,
                        to: String::new(),
                        ty,
                        content: Some(content),
                    },
                })
            }
        }
    })
    .map(|c| c.value)
}

/// The CREATE of this CSE's `<CSEBaseAnnc>` under the target's CSEBase
/// (TS-0001 §10.2.13.2): a fixed name, so a second CREATE meets the first (4105)
/// and both know where it is.
pub fn cse_base_annc(cse: &Cse, cse_base: &str) -> (Outgoing, String) {
    let rn = format!("{}_{}", cse.cse_ri, cse.cse_name);
    let srv: Vec<&str> = ReleaseVersion::SUPPORTED
        .iter()
        .map(|v| v.as_str())
        .collect();
    let root = ResourceType::CseBaseAnnc.root_key();
    let content = json!({ root: {
        "rn": rn,
        "lnk": format!("{}/{}", cse.cse_id, cse.cse_ri),
        "srv": srv,
    }});
    let created = outgoing(
        Operation::Create,
        cse_base,
        Some(ResourceType::CseBaseAnnc),
        Some(content),
    );
    (created, format!("{cse_base}/{rn}"))
}

/// Records that the copy of `row`'s original now lives at `address`: its `at`
/// entry becomes that address. When the original is gone or no longer announced
/// there, the new copy is queued for deletion instead.
pub fn created(cse: &Cse, row: &AnnouncementRow, address: &str) -> CseResult<()> {
    transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        announcements::complete(tx.conn, row.id)?;
        let reloaded = resource_table::lock_and_reload(tx.conn, &row.original)?
            .map(Resource::from_row)
            .transpose()?;
        let mut at = reloaded
            .as_ref()
            .map(|o| string_items(&o.attrs, "at"))
            .unwrap_or_default();
        let slot = at.iter().position(|e| e == &row.target);
        match (reloaded, slot) {
            (Some(mut original), Some(slot)) => {
                if let Some(entry) = at.get_mut(slot) {
                    address.clone_into(entry);
                }
                original.attrs.insert("at".into(), json!(at));
                resource_table::update(tx.conn, &original.to_row())?;
            }
            _ => {
                let undo = NewAnnouncement {
                    target: row.target.clone(),
                    original: row.original.clone(),
                    op: "delete".into(),
                    names: None,
                    address: Some(address.to_owned()),
                    due: tx.now_text.clone(),
                };
                announcements::insert_all(tx.conn, &[undo])?;
            }
        }
        Ok(())
    })
    .map(|_| ())
}

/// Removes a row that is done.
pub fn finished(cse: &Cse, id: i64) -> CseResult<()> {
    transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        Ok(announcements::complete(tx.conn, id)?)
    })
    .map(|_| ())
}

/// Puts a failed row off for `delay_s` seconds.
pub fn retry(cse: &Cse, id: i64, delay_s: i64, error: &str) -> CseResult<()> {
    let now = Timestamp::now();
    let due = now.plus_seconds(delay_s).to_string();
    transaction::run(cse, TransactionKind::Write, now, |tx| {
        Ok(announcements::retry(tx.conn, id, &due, error)?)
    })
    .map(|_| ())
}

/// The live original `ri`, if it still exists.
fn original(tx: &mut Txn<'_>, ri: &str) -> CseResult<Option<Resource>> {
    resource_table::find_by_ri(tx.conn, ri, &tx.now_text)?
        .map(Resource::from_row)
        .transpose()
}

/// The address of `resource`'s copy on CSE `target`, once it was created.
fn address_on(resource: &Resource, target: &str) -> Option<String> {
    string_items(&resource.attrs, "at")
        .into_iter()
        .find(|e| entry_target(e) == target && is_copy_address(e))
}

/// The attributes the copy of `original` carries: every MA attribute it has, and
/// the OA attributes its `aa` names.
fn announced_attributes(original: &Resource) -> Map<String, Value> {
    let Some(facts) = announcement_of(original.ty) else {
        return Map::new();
    };
    let aa = string_items(&original.attrs, "aa");
    // A specialization's own attributes (a battery's `btl`) are OA as well.
    let specialized = facts
        .specialized
        .then(|| {
            original
                .kind()
                .extension(&original.root_key(), &original.attrs, Some(original))
                .ok()
        })
        .flatten()
        .map_or(&[][..], |extension| extension.attributes);
    facts
        .mandatory
        .iter()
        .copied()
        .chain(
            facts
                .optional
                .iter()
                .copied()
                .chain(specialized.iter().map(|a| a.name))
                .chain(
                    original
                        .attrs
                        .keys()
                        .map(String::as_str)
                        .filter(|n| facts.custom && is_custom_attribute(n)),
                )
                .filter(|n| aa.iter().any(|a| a == n)),
        )
        .filter_map(|name| {
            original
                .attrs
                .get(name)
                .map(|v| (name.to_owned(), v.clone()))
        })
        .collect()
}

/// `members` under the copy's root key (`m2m:cntA`, `m2m:batA`).
fn wrap(original: &Resource, members: Map<String, Value>) -> Value {
    let root = announced_root(&original.root_key());
    json!({ root: members })
}

/// An outgoing request.
fn outgoing(op: Operation, to: &str, ty: Option<ResourceType>, content: Option<Value>) -> Outgoing {
    Outgoing {
        op,
        to: to.to_owned(),
        ty,
        content,
    }
}
