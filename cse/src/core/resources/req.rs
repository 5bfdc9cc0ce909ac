//! `<request>` (ty 17): the state of a non-blocking request (spec digest polling §7),
//! created and written only by the CSE (`core/requests.rs`). Its originator owns it:
//! it may RETRIEVE it and DELETE it (cancel it while it waits; 5220 once it runs).

use onecse_models::Operation;
use onecse_models::resource::TypeSpec;
use serde_json::{Map, Value};

use super::{ResourceKind, with_article};
use crate::core::nonblocking_requests;
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};

/// The `<request>` kind.
pub struct RequestKind;

impl ResourceKind for RequestKind {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::req::SPEC
    }

    fn kept_request_result(&self, rsp: &Value, failed: bool) -> Map<String, Value> {
        nonblocking_requests::request_result(rsp, failed)
    }

    fn refuse(&self, op: Operation) -> CseResult<()> {
        if op == Operation::Update {
            return Err(CseError::not_allowed(format!(
                "{} is written only by the CSE as the request proceeds",
                with_article(self.ty().long_name())
            )));
        }
        Ok(())
    }

    fn before_delete(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        nonblocking_requests::check_cancellable(tx, &resource.ri)
    }
}
