//! The blocking halves of a request to a group's fan-out point (TS-0001 §10.2.7.6,
//! TS-0004 §7.4.14, spec digest resources §8): [`group_at`] finds the group a
//! `<group>/fopt[/path]` names and [`plan`] lists its members (dispatch decides access
//! under `macp` in between, in the request's transaction), and
//! [`remove_members`] drops members a fanned-out DELETE removed. Sending the member
//! requests is the service's job (`service::fanout`), which runs each through the
//! normal path so each member's own access control applies.

use onecse_models::time::Timestamp;
use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::addressing::{self, Address};
use crate::core::notification::{Event, matcher};
use crate::core::record::{Resource, string_items};
pub use crate::core::resources::grp::FAN_OUT_POINT;
use crate::core::transaction::{self, Committed, Txn};
use crate::error::{CseError, CseResult};
use crate::store::{TransactionKind, resource_table};

/// What a fanned-out request becomes: the group, its members (in `mid` order) and the
/// path below each member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The group's resourceID (to remove deleted members from later).
    pub group_ri: String,
    /// The members, as `mid` names them.
    pub members: Vec<String>,
    /// The path after `fopt` (empty for the members themselves).
    pub rest: String,
}

impl Plan {
    /// The `To` of the request for `member`.
    pub fn target(&self, member: &str) -> String {
        if self.rest.is_empty() {
            member.to_owned()
        } else {
            format!("{member}/{}", self.rest)
        }
    }
}

/// Whether `to` may address a fan-out point (checked without the database, so other
/// requests skip the resolution step).
pub fn may_fan_out(to: &str) -> bool {
    to.split('/').any(|segment| segment == FAN_OUT_POINT)
}

/// The group whose fan-out point `address` names (`<group>/fopt[/path]`), with the
/// segments after `fopt`; `None` when the resource before the first `fopt` segment is
/// not a group (the request is then an ordinary one). Who may send through it is
/// dispatch's decision.
pub fn group_at(tx: &mut Txn<'_>, address: &Address) -> CseResult<Option<(Resource, Vec<String>)>> {
    let Some((group_address, rest)) = split_at_fan_out(address) else {
        return Ok(None);
    };
    Ok(addressing::find(tx, &group_address)?
        .filter(|group| group.ty == ResourceType::Group)
        .map(|group| (group, rest)))
}

/// The plan of a request through `group`'s fan-out point: 4109 when the group has no
/// members.
pub fn plan(group: Resource, rest: &[String]) -> CseResult<Plan> {
    let members = string_items(&group.attrs, "mid");
    if members.is_empty() {
        return Err(CseError::new(
            ResponseStatusCode::NoMembers,
            format!(
                "group '{}' has no members to fan the request out to",
                group.path
            ),
        ));
    }
    Ok(Plan {
        group_ri: group.ri,
        members,
        rest: rest.join("/"),
    })
}

/// The address before the first `fopt` segment, and the segments after it.
fn split_at_fan_out(address: &Address) -> Option<(Address, Vec<String>)> {
    let is_fopt = |s: &String| s == FAN_OUT_POINT;
    match address {
        Address::Structured(path) => {
            let segments: Vec<String> = path.split('/').map(str::to_owned).collect();
            let at = segments.iter().position(is_fopt).filter(|at| *at > 0)?;
            let group = segments.get(..at)?.join("/");
            let rest = segments.get(at + 1..)?.to_vec();
            Some((Address::Structured(group), rest))
        }
        Address::Unstructured { ri, rest } => {
            let at = rest.iter().position(is_fopt)?;
            let group = Address::Unstructured {
                ri: ri.clone(),
                rest: rest.get(..at)?.to_vec(),
            };
            Some((group, rest.get(at + 1..)?.to_vec()))
        }
    }
}

/// Removes `deleted` (members whose fanned-out DELETE answered 2002) from the group's
/// `mid` and recounts `cnm` (TS-0004 §7.4.14.2.4); the group's subscriptions hear of
/// it as of any UPDATE. A group gone meanwhile is left alone.
pub fn remove_members(cse: &Cse, group_ri: &str, deleted: &[String]) -> CseResult<Committed<()>> {
    transaction::run(cse, TransactionKind::Write, Timestamp::now(), |tx| {
        let Some(row) = resource_table::lock_and_reload(tx.conn, group_ri)? else {
            return Ok(());
        };
        let before = Resource::from_row(row)?;
        let kept: Vec<String> = string_items(&before.attrs, "mid")
            .into_iter()
            .filter(|member| !deleted.contains(member))
            .collect();
        let mut changed = Map::new();
        changed.insert("cnm".into(), json!(kept.len()));
        changed.insert("mid".into(), json!(kept));
        changed.insert("lt".into(), Value::String(tx.now_text.clone()));
        let mut group = before;
        group.attrs.extend(changed.clone());
        resource_table::update(tx.conn, &group.to_row())?;
        matcher::raise(
            tx,
            &Event::Updated {
                resource: &group,
                changed: &changed,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fopt_after_a_resource_splits_the_address() {
        let structured = Address::Structured("cse-in/g/fopt/la".into());
        assert_eq!(
            split_at_fan_out(&structured),
            Some((Address::Structured("cse-in/g".into()), vec!["la".into()]))
        );
        let unstructured = Address::Unstructured {
            ri: "grp1".into(),
            rest: vec!["fopt".into()],
        };
        assert_eq!(
            split_at_fan_out(&unstructured),
            Some((
                Address::Unstructured {
                    ri: "grp1".into(),
                    rest: vec![]
                },
                vec![]
            ))
        );
        assert_eq!(
            split_at_fan_out(&Address::Structured("cse-in/c".into())),
            None
        );
    }
}
