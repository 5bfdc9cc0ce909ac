//! `<node>` rules (TS-0004 §7.4.18): a device's management anchor under the CSEBase,
//! holding its mgmtObjs. The links between nodes and what runs on them (`hael`,
//! `hcl`, and the `nl` of AEs and the CSEBase) are kept by [`super::node_links`].

use onecse_models::resource::TypeSpec;
use serde_json::{Map, Value};

use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, node_links};
use crate::core::transaction::Txn;
use crate::error::CseResult;

/// The node kind.
pub struct Node;

impl ResourceKind for Node {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::nod::SPEC
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        node_links::hosted_cse_changed(tx, None, resource)
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if request.contains_key("hcl") {
            node_links::hosted_cse_changed(tx, Some(before), resource)?;
        }
        Ok(())
    }

    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        node_links::node_removed(tx, resource)
    }
}
