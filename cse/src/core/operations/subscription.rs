//! The first step of a subscription CREATE (or an UPDATE adding `nu` entries): what
//! must be verified before anything is stored (TS-0004 §7.4.8.2.1, §7.5.1.2.3). The
//! verification itself is sent outside any transaction by the caller, so no database
//! lock is held while a remote target answers.

use onecse_models::primitive::Request;
use onecse_models::resource::{check_attributes, content_for_type};
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ResourceType};
use serde_json::Value;

use crate::core::Cse;
use crate::core::addressing::{self, Address};
use crate::core::ids::new_resource_id;
use crate::core::resources::{check_child_allowed, sub};
use crate::error::CseResult;
use crate::notify::target;
use crate::store::DbConn;

/// Targets to verify for one request, and the identity the verification names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// resourceID of the subscription (chosen now for a CREATE).
    pub sub_ri: String,
    /// The creator sent as `cr`.
    pub creator: Option<String>,
    /// Each new `nu` entry with its URLs, or why it cannot be reached.
    pub targets: Vec<(String, Result<Vec<String>, String>)>,
}

/// Whether a request may need verification (decided without the database).
pub fn may_need_verification(req: &Request) -> bool {
    match req.op {
        Operation::Create => req.ty == Some(ResourceType::Subscription),
        Operation::Update => req
            .content
            .as_ref()
            .and_then(|c| c.get("m2m:sub"))
            .is_some(),
        _ => false,
    }
}

/// Reads what a subscription CREATE/UPDATE would verify. Errors are the ones the
/// request itself would get (missing parent, 5203, invalid content).
pub fn prepare(
    conn: &mut DbConn,
    cse: &Cse,
    req: &Request,
    address: &Address,
    now: Timestamp,
) -> CseResult<Option<Verification>> {
    let now_text = now.to_string();
    let Some(content) = req.content.clone() else {
        return Ok(None);
    };
    let (sub_ri, creator, entries) = if req.op == Operation::Create {
        let parent = addressing::load(conn, address, &now_text)?;
        check_child_allowed(parent.ty, ResourceType::Subscription)?;
        sub::check_subscriber_may_retrieve(&parent, req.from.as_deref())?;
        let attrs = content_for_type(content, ResourceType::Subscription)?;
        check_attributes(ResourceType::Subscription, Operation::Create, &attrs)?;
        let mut complete = attrs.clone();
        sub::check_and_complete(&mut complete)?;
        let entries = sub::entries_to_verify(&attrs, None, req.from.as_deref());
        (
            new_resource_id(ResourceType::Subscription),
            sub::creator(&attrs, req.from.as_deref()),
            entries,
        )
    } else {
        let existing = addressing::load(conn, address, &now_text)?;
        if existing.ty != ResourceType::Subscription {
            return Ok(None);
        }
        let Ok(attrs) = content_for_type(content, ResourceType::Subscription) else {
            return Ok(None);
        };
        let entries = sub::entries_to_verify(&attrs, Some(&existing.attrs), req.from.as_deref());
        let creator = existing
            .attrs
            .get("cr")
            .and_then(Value::as_str)
            .map(str::to_owned);
        (existing.ri, creator, entries)
    };
    if entries.is_empty() {
        return Ok(None);
    }
    let mut targets = Vec::with_capacity(entries.len());
    for entry in entries {
        let urls = target::resolve(conn, cse, &entry, &now_text)?;
        targets.push((entry, urls));
    }
    Ok(Some(Verification {
        sub_ri,
        creator,
        targets,
    }))
}
