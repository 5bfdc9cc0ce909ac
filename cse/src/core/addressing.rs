//! Reading the `To` parameter (TS-0001 §7.2, TS-0004 §6.2.4, spec digest README §4):
//! absolute and SP-relative forms are reduced to a CSE-relative address when they name
//! this CSE; structured addresses are found through the path index, unstructured ones
//! through the resourceID.

use onecse_models::Operation;

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::resources::{self, VirtualChild, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::instance_edges;
use crate::store::resource_table::{self, Key, ResourceRow, find_with_policies};

/// A CSE-relative address of a resource hosted here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// Structured: the full path starting with the CSEBase name (`cse-in/ae1/cnt1`).
    Structured(String),
    /// Unstructured resourceID, optionally followed by names below it (hybrid form).
    Unstructured {
        /// The resourceID in the first segment.
        ri: String,
        /// Further segments, resolved by name below that resource.
        rest: Vec<String>,
    },
}

/// Where a request goes: a resource of this CSE, or another CSE or service provider
/// (which dispatch forwards to, `Route::Forward`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A resource hosted here.
    Local(Address),
    /// Another CSE, named as the request named it.
    Remote {
        /// The other CSE-ID (`/id-mn`) or SP-ID (`//other.example.com`).
        cse: String,
        /// Why it is not this CSE, for messages.
        reason: String,
    },
}

/// Interprets `to` for this CSE: addresses of this CSE become a CSE-relative
/// [`Address`]; other SP-IDs and CSE-IDs are [`Destination::Remote`].
pub fn parse(to: &str, cse: &Cse) -> CseResult<Destination> {
    let relative = if let Some(absolute) = to.strip_prefix("//") {
        let (sp_id, sp_relative) = absolute
            .find('/')
            .map_or((absolute, ""), |i| absolute.split_at(i));
        if !sp_id.eq_ignore_ascii_case(&cse.sp_id) {
            return Ok(Destination::Remote {
                cse: format!("//{sp_id}"),
                reason: format!(
                    "SP-ID '//{sp_id}' is not this service provider (//{})",
                    cse.sp_id
                ),
            });
        }
        match strip_own_cse_id(sp_relative, cse) {
            Ok(relative) => relative,
            Err(remote) => return Ok(remote),
        }
    } else if to.starts_with('/') {
        match strip_own_cse_id(to, cse) {
            Ok(relative) => relative,
            Err(remote) => return Ok(remote),
        }
    } else {
        to.to_owned()
    };
    cse_relative(&relative, cse).map(Destination::Local)
}

/// `/id-in/rest` → `rest`; a bare `/id-in` addresses the CSEBase; another CSE-ID is
/// a remote destination.
fn strip_own_cse_id(sp_relative: &str, cse: &Cse) -> Result<String, Destination> {
    if sp_relative == cse.cse_id {
        return Ok(cse.cse_ri.clone());
    }
    match sp_relative
        .strip_prefix(cse.cse_id.as_str())
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(rest) => Ok(rest.to_owned()),
        None => {
            let other = sp_relative.split('/').nth(1).unwrap_or_default();
            Err(Destination::Remote {
                cse: format!("/{other}"),
                reason: format!("CSE-ID '/{other}' is not this CSE ({})", cse.cse_id),
            })
        }
    }
}

fn cse_relative(relative: &str, cse: &Cse) -> CseResult<Address> {
    if relative.is_empty() {
        return Err(CseError::not_found("the request target is empty"));
    }
    let segments: Vec<&str> = relative.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(CseError::not_found(format!(
            "'{relative}' is not a resource address: it contains an empty segment (trailing or doubled '/')"
        )));
    }
    let (first, rest) = match segments.split_first() {
        Some(split) => split,
        None => return Err(CseError::not_found("the request target is empty")),
    };
    if *first == cse.cse_name || *first == "-" {
        let mut path = cse.cse_name.clone();
        for segment in rest {
            path.push('/');
            path.push_str(segment);
        }
        return Ok(Address::Structured(path));
    }
    Ok(Address::Unstructured {
        ri: (*first).to_owned(),
        rest: rest.iter().map(|s| (*s).to_owned()).collect(),
    })
}

/// What a request acts on, loaded once by dispatch before access is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The addressed resource; for `la`/`ol`, the instance they stand for; for a
    /// CREATE, the parent of the new resource.
    pub resource: Resource,
    /// Its parent, when the operation needs it: always for an instance read or
    /// deleted (its parent decides whether instances are accessible) and for an
    /// UPDATE that changes `et` (capped by the parent's).
    pub parent: Option<Resource>,
}

/// Loads what `op` at `address` acts on: one lookup of the resource (two for a
/// virtual `la`/`ol` or an instance, whose parent is needed). A final `la`/`ol`
/// below a type without instances is an ordinary resource name.
pub fn load(
    tx: &mut Txn<'_>,
    address: &Address,
    op: Operation,
    parent_needed: bool,
) -> CseResult<Target> {
    if let Some((parent_address, last)) = split_last(address)
        && let Some(which) = VirtualChild::parse(&last)
        && let Some((parent, found)) = find_with_edge(tx, &parent_address, which)?
        && which.exists_below(parent.kind())
    {
        if !matches!(op, Operation::Retrieve | Operation::Delete) {
            return Err(CseError::not_allowed(format!(
                "'{}': the virtual resources la and ol only support RETRIEVE and DELETE",
                which.name()
            )));
        }
        parent.kind().check_instances_accessible(&parent)?;
        let resource = instances::edge(&parent, which, found)?;
        return Ok(Target {
            resource,
            parent: Some(parent),
        });
    }
    let resource = find(tx, address)?.ok_or_else(|| {
        CseError::not_found(format!("resource '{}' does not exist", describe(address)))
    })?;
    let instance_read =
        resource.kind().is_instance() && matches!(op, Operation::Retrieve | Operation::Delete);
    let parent = match &resource.pi {
        Some(pi) if instance_read || parent_needed => {
            find_with_policies(tx.conn, Key::Ri(pi), &tx.now_text)?
                .map(|(row, policies)| Resource::with_policies(row, policies))
                .transpose()?
        }
        _ => None,
    };
    if instance_read && let Some(parent) = &parent {
        parent.kind().check_instances_accessible(parent)?;
    }
    Ok(Target { resource, parent })
}

/// The address without its last segment, and that segment.
pub fn split_last(address: &Address) -> Option<(Address, String)> {
    match address {
        Address::Structured(path) => {
            let (parent, last) = path.rsplit_once('/')?;
            Some((Address::Structured(parent.to_owned()), last.to_owned()))
        }
        Address::Unstructured { ri, rest } => {
            let (last, before) = rest.split_last()?;
            Some((
                Address::Unstructured {
                    ri: ri.clone(),
                    rest: before.to_vec(),
                },
                last.clone(),
            ))
        }
    }
}

/// The live stored resource at `address`, if any (no virtual resources).
pub fn find(tx: &mut Txn<'_>, address: &Address) -> CseResult<Option<Resource>> {
    let Some(located) = locate(tx, address)? else {
        return Ok(None);
    };
    find_with_policies(tx.conn, located.key(), &tx.now_text)?
        .map(|(row, policies)| Resource::with_policies(row, policies))
        .transpose()
}

/// [`find`] together with the instance `which` names below the found resource (read
/// in the same statement on PostgreSQL); the instance is `None` when the resource
/// keeps none or has none.
fn find_with_edge(
    tx: &mut Txn<'_>,
    address: &Address,
    which: VirtualChild,
) -> CseResult<Option<(Resource, Option<ResourceRow>)>> {
    let Some(located) = locate(tx, address)? else {
        return Ok(None);
    };
    let kept = resources::instance_types();
    let found =
        instance_edges::find_with_edge(tx.conn, located.key(), which.end(), kept, &tx.now_text)?;
    found
        .map(|(row, policies, edge)| Ok((Resource::with_policies(row, policies)?, edge)))
        .transpose()
}

/// How a stored resource at an address is looked up.
enum Located {
    Path(String),
    Ri(String),
}

impl Located {
    fn key(&self) -> Key<'_> {
        match self {
            Self::Path(path) => Key::Path(path),
            Self::Ri(ri) => Key::Ri(ri),
        }
    }
}

/// The key of the resource at `address`: its path or resourceID as given, or, for an
/// unstructured address with more segments, the path below the named resource
/// (`None` when that resource does not exist).
fn locate(tx: &mut Txn<'_>, address: &Address) -> CseResult<Option<Located>> {
    Ok(match address {
        Address::Structured(path) => Some(Located::Path(path.clone())),
        Address::Unstructured { ri, rest } if rest.is_empty() => Some(Located::Ri(ri.clone())),
        Address::Unstructured { ri, rest } => {
            resource_table::find_by_ri(tx.conn, ri, &tx.now_text)?
                .map(|base| Located::Path(format!("{}/{}", base.path, rest.join("/"))))
        }
    })
}

fn describe(address: &Address) -> String {
    match address {
        Address::Structured(path) => path.clone(),
        Address::Unstructured { ri, rest } if rest.is_empty() => ri.clone(),
        Address::Unstructured { ri, rest } => format!("{ri}/{}", rest.join("/")),
    }
}

/// Holds the target's row for the rest of the transaction (PostgreSQL `FOR UPDATE`;
/// SQLite writers are serialised) and reads it again, so concurrent UPDATEs apply one
/// after the other. Called once access is granted, so a refused request locks nothing.
pub fn hold(tx: &mut Txn<'_>, target: &mut Target) -> CseResult<()> {
    let path = target.resource.path.clone();
    target.resource = resource_table::lock_and_reload(tx.conn, &target.resource.ri)?
        .map(Resource::from_row)
        .transpose()?
        .ok_or_else(|| CseError::not_found(format!("resource '{path}' does not exist")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::startup::Settings;
    use crate::store::{Database, DatabaseTarget};

    fn cse() -> Cse {
        let target = DatabaseTarget::parse(":memory:").expect("sqlite URL");
        let db =
            Database::open(&target, 1, std::time::Duration::from_secs(10)).expect("in-memory pool");
        let settings = Settings::parse(&Config::default()).expect("the defaults parse");
        Cse::new(settings.cse, db)
    }

    #[test]
    fn every_addressing_form_of_this_cse_is_understood() {
        let cse = cse();
        let structured = |p: &str| Ok(Destination::Local(Address::Structured(p.to_owned())));
        let unstructured = |ri: &str| {
            Ok(Destination::Local(Address::Unstructured {
                ri: ri.to_owned(),
                rest: vec![],
            }))
        };
        let cases = [
            ("cse-in", structured("cse-in")),
            ("cse-in/ae1/cnt1", structured("cse-in/ae1/cnt1")),
            ("-/ae1", structured("cse-in/ae1")),
            ("Cae1", unstructured("Cae1")),
            ("/id-in/cse-in/ae1", structured("cse-in/ae1")),
            ("/id-in/Cae1", unstructured("Cae1")),
            ("/id-in", unstructured("id-in")),
            (
                "//acme.example.com/id-in/cse-in/ae1",
                structured("cse-in/ae1"),
            ),
            ("//acme.example.com/id-in/cnt9", unstructured("cnt9")),
        ];
        for (to, expected) in cases {
            assert_eq!(parse(to, &cse).map_err(|e| e.rsc), expected, "{to}");
        }
    }

    #[test]
    fn other_cses_are_remote_destinations() {
        let cse = cse();
        for (to, other) in [
            ("/id-mn/cse-mn", "/id-mn"),
            ("/id-inx/cse-in", "/id-inx"),
            ("//other.example.com/id-in/cse-in", "//other.example.com"),
            ("//acme.example.com/id-mn/x", "/id-mn"),
        ] {
            let remote = match parse(to, &cse) {
                Ok(Destination::Remote { cse, .. }) => Some(cse),
                _ => None,
            };
            assert_eq!(remote.as_deref(), Some(other), "{to}");
        }
    }

    #[test]
    fn malformed_targets_are_not_found() {
        let cse = cse();
        for to in ["", "cse-in/", "cse-in//ae1"] {
            let rsc = parse(to, &cse).err().map(|e| e.rsc);
            assert_eq!(
                rsc,
                Some(onecse_models::ResponseStatusCode::NotFound),
                "{to}"
            );
        }
    }
}
