//! `<pollingChannel>` rules (TS-0001 §9.6.21, TS-0004 §7.4.21, spec digest
//! polling-and-requests §1): the mailbox of an AE that cannot be reached (rr false).
//! At most one per AE; no `acpi`: only the AE itself (and the administrator) may
//! create, read, change or delete it. Its virtual `pcu` is served by
//! `core::polling`, never stored, so it never shows in listings or discovery.

use onecse_models::resource::TypeSpec;
use serde_json::{Map, Value};

use crate::core::polling_channel;
use crate::core::record::Resource;
use crate::core::resources::{ResourceKind, SiblingKey};
use crate::core::transaction::Txn;
use crate::error::CseResult;

/// The pollingChannel kind.
pub struct PollingChannel;

/// The name of the virtual child a polling AE long-polls and answers through
/// (declared with the type's spec, which keeps the name free).
pub use onecse_models::resource::pch::PCU;

impl ResourceKind for PollingChannel {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::pch::SPEC
    }

    /// What was queued for the AE goes with its channel.
    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        polling_channel::purge(tx, resource.pi.as_deref().unwrap_or_default()).map(|_| ())
    }

    /// TS-0004 gives the AE at most one pollingChannel; a second is a conflict with
    /// the existing one (4105, see docs/conformance.md).
    fn sibling_key(&self, _attrs: &Map<String, Value>) -> Option<SiblingKey> {
        Some(SiblingKey {
            key: "pch".into(),
            conflict:
                "this AE already has a pollingChannel (an AE has at most one, TS-0004 §7.4.21)"
                    .into(),
        })
    }
}
