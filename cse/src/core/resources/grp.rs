//! `<group>` rules (TS-0001 §9.6.13, TS-0004 §7.4.13, spec digest resources §8): the
//! member list is checked whenever it is written (each local member must exist, its
//! type must agree with `mt` as `csy` says, duplicates go, `mnm` bounds the count),
//! `cnm`/`mtv` follow from it, and `fopt` is kept free for the fan-out point
//! (served by `core::fanout`).

use std::collections::HashSet;

use onecse_models::resource::TypeSpec;
use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Destination, Target};
use crate::core::group_membership;
use crate::core::operations::policy_ids;
use crate::core::record::{Resource, string_items};
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{self, Access};

/// The group kind.
pub struct Group;

/// The virtual child every group has (declared with the type's spec, which keeps
/// the name free): requests below it go to every member.
pub use onecse_models::resource::grp::FAN_OUT_POINT;

/// The most members a group may have (and the largest `mnm`): a request to `fopt`
/// makes one request per member, so the bound keeps one request's work bounded.
pub const MAX_MEMBERS: usize = 10_000; // also the `mid` list bound in the models table

/// `csy` (consistencyStrategy, TS-0004 §6.3.4.2.x): what a member of the wrong type does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consistency {
    /// 1: the member is dropped (the default).
    AbandonMember,
    /// 2: the request is refused with 4110.
    AbandonGroup,
    /// 3: the group becomes mixed (`mt` 0).
    SetMixed,
}

impl Consistency {
    fn of(attrs: &Map<String, Value>) -> Self {
        match attrs.get("csy").and_then(Value::as_i64) {
            Some(2) => Self::AbandonGroup,
            Some(3) => Self::SetMixed,
            _ => Self::AbandonMember,
        }
    }
}

impl ResourceKind for Group {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::grp::SPEC
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let attrs = &mut resource.attrs;
        attrs.entry("mt").or_insert(json!(0));
        attrs.entry("csy").or_insert(json!(1));
        policy_ids::check_policy_list(tx, attrs, "macp")?;
        check_members(tx, attrs)
    }

    /// The member index follows `mid`, so a deleted member leaves it.
    fn after_create(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        group_membership::record(tx, resource)
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        _request: &Map<String, Value>,
    ) -> CseResult<()> {
        if resource.attrs.get("mid") == before.attrs.get("mid") {
            return Ok(());
        }
        group_membership::record(tx, resource)
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let attrs = &mut resource.attrs;
        if attrs.get("macp") != before.attrs.get("macp") {
            policy_ids::check_policy_list(tx, attrs, "macp")?;
        }
        if attrs.get("mid") != before.attrs.get("mid") {
            return check_members(tx, attrs);
        }
        check_capacity(attrs, current_members(attrs))
    }
}

/// The number of members a group has now (`cnm`).
fn current_members(attrs: &Map<String, Value>) -> usize {
    attrs
        .get("cnm")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

/// `mnm` within bounds and not below the member count: 6010 otherwise (TS-0004
/// §7.4.13.2.1/§7.4.13.2.3).
fn check_capacity(attrs: &Map<String, Value>, members: usize) -> CseResult<()> {
    let mnm = attrs.get("mnm").and_then(Value::as_u64).unwrap_or(0);
    if mnm > MAX_MEMBERS as u64 {
        return Err(CseError::bad_request(format!(
            "mnm {mnm} is above the {MAX_MEMBERS} members this CSE allows in a group"
        )));
    }
    if (members as u64) > mnm {
        return Err(CseError::new(
            ResponseStatusCode::MaxNumberOfMemberExceeded,
            format!("the group would have {members} members, more than its mnm of {mnm}"),
        ));
    }
    Ok(())
}

/// Checks `mid` as it will be stored and sets `mid`, `cnm`, `mtv` (and `mt` for
/// csy 3). One lookup per member, each by its index.
fn check_members(tx: &mut Txn<'_>, attrs: &mut Map<String, Value>) -> CseResult<()> {
    let mut distinct = HashSet::new();
    let listed: Vec<String> = string_items(attrs, "mid")
        .into_iter()
        .filter(|entry| distinct.insert(entry.clone()))
        .collect();
    if listed.len() > MAX_MEMBERS {
        return Err(CseError::bad_request(format!(
            "mid lists {} members; this CSE allows at most {MAX_MEMBERS} in a group",
            listed.len()
        )));
    }
    let consistency = Consistency::of(attrs);
    let mut mt = attrs.get("mt").and_then(Value::as_i64).unwrap_or(0);
    let mut validated = true;
    let mut kept: Vec<String> = Vec::with_capacity(listed.len());
    let mut seen = HashSet::with_capacity(listed.len());
    for entry in listed {
        let Some(member) = look_up(tx, &entry)? else {
            // On another CSE: kept, but its type cannot be validated here.
            validated = false;
            kept.push(entry);
            continue;
        };
        if seen.contains(&member.key) {
            continue;
        }
        if mt != 0 && member.ty != mt {
            match consistency {
                Consistency::AbandonMember => continue,
                Consistency::AbandonGroup => {
                    return Err(CseError::new(
                        ResponseStatusCode::GroupMemberTypeInconsistent,
                        format!(
                            "member '{entry}' is of type {} but the group's memberType is {mt} (consistencyStrategy ABANDON_GROUP)",
                            member.ty
                        ),
                    ));
                }
                Consistency::SetMixed => mt = 0,
            }
        }
        seen.insert(member.key);
        kept.push(entry);
    }
    // Counted once duplicates in other address forms are gone.
    check_capacity(attrs, kept.len())?;
    attrs.insert("mt".into(), json!(mt));
    attrs.insert("cnm".into(), json!(kept.len()));
    attrs.insert("mid".into(), json!(kept));
    attrs.insert("mtv".into(), json!(validated));
    Ok(())
}

/// A local member as validation sees it.
struct Member {
    /// What makes two entries the same member: its resourceID, and whether the
    /// entry names its fan-out point.
    key: String,
    /// The member's type; for a sub-group's fan-out point, the sub-group's `mt`.
    ty: i64,
}

/// Finds the member `entry` names (any addressing form; `<group>/fopt` names a
/// sub-group's members): `None` when it is on another CSE, 4004 when it does not
/// exist here (spec digest status-codes: "referenced group member not found").
fn look_up(tx: &mut Txn<'_>, entry: &str) -> CseResult<Option<Member>> {
    let fan_out = entry
        .strip_suffix(FAN_OUT_POINT)
        .and_then(|base| base.strip_suffix('/'));
    let address = match addressing::parse(fan_out.unwrap_or(entry), tx.cse) {
        Ok(Destination::Local(address)) => address,
        Ok(Destination::Remote { .. }) => return Ok(None),
        Err(err) => {
            return Err(CseError::bad_request(format!(
                "mid entry '{entry}' is not a resource address: {}",
                err.message
            )));
        }
    };
    let missing = || {
        CseError::not_found(format!(
            "group member '{entry}' does not exist or the originator may not retrieve it"
        ))
    };
    let mut resource = addressing::find(tx, &address)?.ok_or_else(missing)?;
    // A member the originator may not retrieve is answered as a missing one, so a
    // group's CREATE or UPDATE never tells whether a resource exists or its type.
    if let Some(who) = tx.requester.clone() {
        let member = Target {
            resource,
            parent: None,
        };
        match security::authorize(tx.cse.site(), tx, &member.question(&who, Access::Retrieve)) {
            Err(err) if err.rsc == ResponseStatusCode::OriginatorHasNoPrivilege => {
                return Err(missing());
            }
            other => other?,
        }
        resource = member.resource;
    }
    let ty = match fan_out {
        None => i64::from(resource.ty.number()),
        Some(_) if resource.ty == ResourceType::Group => resource
            .attrs
            .get("mt")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        Some(_) => {
            return Err(CseError::bad_request(format!(
                "mid entry '{entry}' names the fan-out point of a {}, which is not a group",
                resource.ty.long_name()
            )));
        }
    };
    let suffix = if fan_out.is_some() { "/fopt" } else { "" };
    Ok(Some(Member {
        key: format!("{}{suffix}", resource.ri),
        ty,
    }))
}
