//! Reading the `To` parameter (TS-0001 §7.2, TS-0004 §6.2.4, spec digest README §4):
//! absolute and SP-relative forms are reduced to a CSE-relative address when they name
//! this CSE; structured addresses are found through the path index, unstructured ones
//! through the resourceID.

use crate::core::Cse;
use crate::core::resource::Resource;
use crate::error::{CseError, CseResult};
use crate::store::resources::End;
use crate::store::{DbConn, resources};
use onecse_models::ResourceType;

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

/// Interprets `to` for this CSE. Other SP-IDs and CSE-IDs are answered 4004: onecse does
/// not forward requests to other CSEs yet.
pub fn parse(to: &str, cse: &Cse) -> CseResult<Address> {
    let relative = if let Some(absolute) = to.strip_prefix("//") {
        let (sp_id, sp_relative) = absolute
            .find('/')
            .map_or((absolute, ""), |i| absolute.split_at(i));
        if !sp_id.eq_ignore_ascii_case(&cse.sp_id) {
            return Err(CseError::not_found(format!(
                "SP-ID '//{sp_id}' is not this service provider (//{}); forwarding is not supported",
                cse.sp_id
            )));
        }
        strip_own_cse_id(sp_relative, cse)?
    } else if to.starts_with('/') {
        strip_own_cse_id(to, cse)?
    } else {
        to.to_owned()
    };
    cse_relative(&relative, cse)
}

/// `/id-in/rest` → `rest`; a bare `/id-in` addresses the CSEBase.
fn strip_own_cse_id(sp_relative: &str, cse: &Cse) -> CseResult<String> {
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
            Err(CseError::not_found(format!(
                "CSE-ID '/{other}' is not this CSE ({}); forwarding to other CSEs is not supported",
                cse.cse_id
            )))
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

/// What a request addresses: a stored resource, or a virtual `la`/`ol` child of a
/// container (TS-0004 §6.8).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A stored resource.
    Stored(Resource),
    /// The latest or oldest instance of this container.
    Virtual {
        /// The container the virtual resource belongs to.
        parent: Resource,
        /// Which instance it stands for.
        end: End,
    },
}

/// The virtual resource a final address segment names, if any.
fn virtual_end(segment: &str) -> Option<End> {
    match segment {
        "la" => Some(End::Latest),
        "ol" => Some(End::Oldest),
        _ => None,
    }
}

/// Resolves an address, recognising `…/la` and `…/ol` below a container. A final
/// `la`/`ol` below anything else is an ordinary resource name.
pub fn load_target(conn: &mut DbConn, address: &Address, now: &str) -> CseResult<Target> {
    if let Some((parent_address, end)) = split_virtual(address)
        && let Some(parent) = find(conn, &parent_address, now)?
        && has_virtual_children(parent.ty)
    {
        return Ok(Target::Virtual { parent, end });
    }
    match find(conn, address, now)? {
        Some(resource) => Ok(Target::Stored(resource)),
        None => Err(CseError::not_found(format!(
            "resource '{}' does not exist",
            describe(address)
        ))),
    }
}

/// Resolves an address that must name a stored resource: CREATE and UPDATE cannot
/// target `la`/`ol` (4005).
pub fn load(conn: &mut DbConn, address: &Address, now: &str) -> CseResult<Resource> {
    match load_target(conn, address, now)? {
        Target::Stored(resource) => Ok(resource),
        Target::Virtual { .. } => Err(CseError::not_allowed(
            "the virtual resources la and ol only support RETRIEVE and DELETE",
        )),
    }
}

/// Types with `la`/`ol` virtual children.
fn has_virtual_children(ty: ResourceType) -> bool {
    matches!(ty, ResourceType::Container)
}

fn split_virtual(address: &Address) -> Option<(Address, End)> {
    match address {
        Address::Structured(path) => {
            let (parent, last) = path.rsplit_once('/')?;
            Some((Address::Structured(parent.to_owned()), virtual_end(last)?))
        }
        Address::Unstructured { ri, rest } => {
            let (last, before) = rest.split_last()?;
            let end = virtual_end(last)?;
            Some((
                Address::Unstructured {
                    ri: ri.clone(),
                    rest: before.to_vec(),
                },
                end,
            ))
        }
    }
}

fn find(conn: &mut DbConn, address: &Address, now: &str) -> CseResult<Option<Resource>> {
    let row = match address {
        Address::Structured(path) => resources::find_by_path(conn, path, now)?,
        Address::Unstructured { ri, rest } if rest.is_empty() => {
            resources::find_by_ri(conn, ri, now)?
        }
        Address::Unstructured { ri, rest } => match resources::find_by_ri(conn, ri, now)? {
            Some(base) => {
                let path = format!("{}/{}", base.path, rest.join("/"));
                resources::find_by_path(conn, &path, now)?
            }
            None => None,
        },
    };
    row.map(Resource::from_row).transpose()
}

fn describe(address: &Address) -> String {
    match address {
        Address::Structured(path) => path.clone(),
        Address::Unstructured { ri, rest } if rest.is_empty() => ri.clone(),
        Address::Unstructured { ri, rest } => format!("{ri}/{}", rest.join("/")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::{Database, DatabaseTarget};

    fn cse() -> Cse {
        let target = DatabaseTarget::parse(":memory:").expect("sqlite URL");
        let db = Database::open(&target, 1).expect("in-memory pool");
        Cse::new(&Config::default(), db)
    }

    #[test]
    fn every_addressing_form_of_this_cse_is_understood() {
        let cse = cse();
        let structured = |p: &str| Ok(Address::Structured(p.to_owned()));
        let unstructured = |ri: &str| {
            Ok(Address::Unstructured {
                ri: ri.to_owned(),
                rest: vec![],
            })
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
    fn foreign_and_malformed_targets_are_not_found() {
        let cse = cse();
        for to in [
            "",
            "cse-in/",
            "cse-in//ae1",
            "/id-mn/cse-mn",
            "/id-inx/cse-in",
            "//other.example.com/id-in/cse-in",
        ] {
            let rsc = parse(to, &cse).err().map(|e| e.rsc);
            assert_eq!(
                rsc,
                Some(onecse_models::ResponseStatusCode::NotFound),
                "{to}"
            );
        }
    }
}
