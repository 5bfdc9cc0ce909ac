//! `<CSEBase>` rules: created by the CSE itself at first start (and refreshed at every
//! start), read-only over the API (R3: UPDATE and DELETE answer 4005), `ctm` sampled
//! at retrieval, NOTIFY not accepted.

use onecse_models::primitive::{Request, Response};
use onecse_models::resource::TypeSpec;
use onecse_models::resource::acp::operation;
use onecse_models::time::Timestamp;
use onecse_models::{Operation, ReleaseVersion, ResourceType};
use serde_json::{Map, Value, json};

use crate::core::Cse;
use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, supported_types};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::{
    DbConn, TransactionKind, in_transaction, migrate, policy_links, resource_table,
};

/// The CSEBase kind.
pub struct CseBase;

impl ResourceKind for CseBase {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::cse_base::SPEC
    }

    fn refuse(&self, op: Operation) -> CseResult<()> {
        match op {
            Operation::Update | Operation::Delete => Err(CseError::not_allowed(format!(
                "{} of the CSEBase is not allowed",
                op.name()
            ))),
            _ => Ok(()),
        }
    }

    fn on_retrieve(&self, resource: &mut Resource, now: Timestamp) {
        resource
            .attrs
            .insert("ctm".into(), Value::String(now.to_string()));
    }

    fn on_notify(
        &self,
        _tx: &mut Txn<'_>,
        _req: &Request,
        _resource: &Resource,
    ) -> CseResult<Response> {
        Err(CseError::bad_request(
            "NOTIFY requests to the CSEBase are not accepted",
        ))
    }
}

/// Ensures the CSEBase exists and matches the configured identity, and refreshes
/// what depends on the running process (`poa`, `srt`, `srv`).
///
/// A database initialised for another CSE-ID or CSEBase name is refused rather than
/// silently served under a name its stored addresses do not use.
pub fn ensure(conn: &mut DbConn, cse: &Cse, poa: &[String]) -> anyhow::Result<()> {
    in_transaction(conn, TransactionKind::Write, |conn| {
        migrate::lock_start_up(conn)?;
        match resource_table::find_root(conn)? {
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
                refresh(&mut base.attrs, poa, cse.registrar.is_some());
                ensure_policy(conn, cse, &mut base)?;
                resource_table::update(conn, &base.to_row())?;
            }
            None => {
                let mut base = first_start(cse);
                refresh(&mut base.attrs, poa, cse.registrar.is_some());
                resource_table::insert(conn, &base.to_row())?;
                ensure_policy(conn, cse, &mut base)?;
                resource_table::update(conn, &base.to_row())?;
            }
        }
        Ok(())
    })
}

fn first_start(cse: &Cse) -> Resource {
    let now = Timestamp::now().to_string();
    let attrs = json!({
        "ty": ResourceType::CseBase.number(),
        "ri": cse.cse_ri,
        "rn": cse.cse_name,
        "pi": "",
        "ct": now,
        "lt": now,
        "csi": cse.cse_id,
        "cst": 1,
    });
    Resource {
        ty: ResourceType::CseBase,
        ri: cse.cse_ri.clone(),
        pi: None,
        rn: cse.cse_name.clone(),
        path: cse.cse_name.clone(),
        attrs: match attrs {
            Value::Object(map) => map,
            _ => Map::new(),
        },
        owner: None,
        policy_docs: None,
        due: None,
        watch: 0,
    }
}

/// The resourceID (and name) of the policy the CSEBase is given at first start.
pub const CSE_BASE_POLICY: &str = "acpCSEBase";

/// Gives a CSEBase without `acpi` its policy (the administrator may change its rules
/// like any policy's; the CSEBase's `acpi` itself is read-only): anyone may RETRIEVE
/// the CSEBase (its `srt`, `poa` and `csi` are what clients start from) and create
/// accessControlPolicies under it; only the administrator may manage the policy. AE
/// registration is not governed by it (see `registration_originators`).
fn ensure_policy(conn: &mut DbConn, cse: &Cse, base: &mut Resource) -> anyhow::Result<()> {
    let linked = base
        .attrs
        .get("acpi")
        .and_then(Value::as_array)
        .is_some_and(|ids| !ids.is_empty());
    if linked {
        return Ok(());
    }
    if !resource_table::ri_taken(conn, CSE_BASE_POLICY)? {
        let now = Timestamp::now().to_string();
        let ty = ResourceType::AccessControlPolicy;
        let attrs = json!({
            "ty": ty.number(),
            "ri": CSE_BASE_POLICY,
            "rn": CSE_BASE_POLICY,
            "pi": base.ri,
            "ct": now,
            "lt": now,
            "et": NEVER,
            "pv": {"acr": [
                {"acor": ["all"], "acop": operation::RETRIEVE},
                {"acor": ["all"], "acop": operation::CREATE,
                 "acod": [{"chty": [ty.number()]}]}
            ]},
            "pvs": {"acr": [{"acor": [cse.admin_originator], "acop": operation::ALL}]},
        });
        let policy = Resource {
            ty,
            ri: CSE_BASE_POLICY.into(),
            pi: Some(base.ri.clone()),
            rn: CSE_BASE_POLICY.into(),
            path: format!("{}/{CSE_BASE_POLICY}", base.path),
            attrs: match attrs {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            owner: Some(cse.admin_originator.clone()),
            policy_docs: None,
            due: None,
            watch: 0,
        };
        resource_table::insert(conn, &policy.to_row())?;
    }
    base.attrs.insert("acpi".into(), json!([CSE_BASE_POLICY]));
    policy_links::replace(conn, &base.ri, &base.policy_ids())?;
    Ok(())
}

/// The expirationTime of the CSEBase's policy, which lives as long as the CSEBase.
const NEVER: &str = "99991231T235959,000000";

fn refresh(attrs: &mut Map<String, Value>, poa: &[String], registered: bool) {
    attrs.insert("poa".into(), json!(poa));
    // An IN-CSE (1) has no registrar; a CSE with one is an MN-CSE (2).
    attrs.insert("cst".into(), json!(if registered { 2 } else { 1 }));
    // What this CSE reads and writes, as media types (what TR-0051 and ACME write).
    attrs.insert(
        "csz".into(),
        json!(["application/json", "application/cbor"]),
    );
    let mut types: Vec<u16> = supported_types().map(|t| t.number()).collect();
    types.sort_unstable();
    attrs.insert("srt".into(), json!(types));
    attrs.insert(
        "srv".into(),
        Value::Array(
            ReleaseVersion::SUPPORTED
                .iter()
                .map(|v| json!(v.as_str()))
                .collect(),
        ),
    );
}
