//! Creates the CSEBase at first start and refreshes what depends on the running
//! process (`poa`, `srt`, `srv`) at every start.

use onecse_models::time::Timestamp;
use onecse_models::{ReleaseVersion, ResourceType};
use serde_json::{Value, json};

use crate::core::Cse;
use crate::core::resource::Resource;
use crate::core::resources::SUPPORTED_TYPES;
use crate::error::CseError;
use crate::store::{DbConn, TransactionKind, in_transaction, resources};

/// Ensures the CSEBase exists and matches the configured identity.
///
/// A database initialised for another CSE-ID or CSEBase name is refused rather than
/// silently served under a name its stored addresses do not use.
pub fn ensure_cse_base(conn: &mut DbConn, cse: &Cse, poa: &str) -> anyhow::Result<()> {
    in_transaction(conn, TransactionKind::Write, |conn| {
        let attrs_update = |base: &mut Resource| {
            base.attrs.insert("poa".into(), json!([poa]));
            base.attrs.insert(
                "srt".into(),
                Value::Array(SUPPORTED_TYPES.iter().map(|t| json!(t.number())).collect()),
            );
            base.attrs.insert(
                "srv".into(),
                Value::Array(
                    ReleaseVersion::SUPPORTED
                        .iter()
                        .map(|v| json!(v.as_str()))
                        .collect(),
                ),
            );
        };
        match resources::find_root(conn)? {
            Some(row) => {
                if row.ri != cse.cse_ri || row.rn != cse.cse_name {
                    return Err(anyhow::anyhow!(
                        "the database belongs to CSE /{} with CSEBase name '{}', not {} / '{}': \
                         start with those settings or use another database",
                        row.ri,
                        row.rn,
                        cse.cse_id,
                        cse.cse_name
                    ));
                }
                let mut base =
                    Resource::from_row(row).map_err(|e: CseError| anyhow::anyhow!(e.message))?;
                attrs_update(&mut base);
                resources::update(conn, &base.to_row())?;
            }
            None => {
                let now = Timestamp::now().to_string();
                let mut base = Resource {
                    ty: ResourceType::CseBase,
                    ri: cse.cse_ri.clone(),
                    pi: None,
                    rn: cse.cse_name.clone(),
                    path: cse.cse_name.clone(),
                    attrs: serde_json::Map::new(),
                };
                let attrs = json!({
                    "ty": ResourceType::CseBase.number(),
                    "ri": cse.cse_ri,
                    "rn": cse.cse_name,
                    "pi": "",
                    "ct": now,
                    "lt": now,
                    "csi": cse.cse_id,
                    "cst": 1,
                    "csz": ["application/json"],
                    // No access control policies exist yet; the list is kept so clients
                    // that read it find the attribute.
                    "acpi": [],
                });
                if let Value::Object(map) = attrs {
                    base.attrs = map;
                }
                attrs_update(&mut base);
                resources::insert(conn, &base.to_row())?;
            }
        }
        Ok(())
    })
}
