//! Parsed access control policies, kept per process so a decision does not parse the
//! same rules on every request. An entry is used only while the stored document is
//! byte for byte the one it was parsed from: the document is read with every decision
//! anyway, so a policy changed by any process (or expired and re-created) is never
//! decided by stale rules.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use onecse_models::resource::acp::Privileges;
use serde_json::{Map, Value};

/// Most policies kept; past it the cache starts again empty (policies are few and
/// small; this only bounds memory against a flood of distinct ones).
const CAPACITY: usize = 10_000;

/// A stored policy's two rule sets.
#[derive(Debug, Default)]
pub struct Policy {
    /// `pv`: who may do what on the resources that name the policy.
    pub privileges: Privileges,
    /// `pvs`: who may do what on the policy itself, and change `acpi` naming it.
    pub self_privileges: Privileges,
}

impl Policy {
    /// Reads the rule sets of a stored document. Stored policies were validated when
    /// written; one that no longer parses grants nothing rather than failing every
    /// request it governs.
    fn parse(doc: &str) -> Self {
        let attrs: Map<String, Value> = serde_json::from_str(doc).unwrap_or_default();
        Self {
            privileges: rules(&attrs, "pv"),
            self_privileges: rules(&attrs, "pvs"),
        }
    }
}

/// One rule set of a policy's attributes (empty when absent or unreadable).
pub fn rules(attrs: &Map<String, Value>, name: &str) -> Privileges {
    attrs
        .get(name)
        .and_then(|value| Privileges::parse(value, name).ok())
        .unwrap_or_default()
}

/// A parsed policy and the stored document it was parsed from.
type Entry = (String, Arc<Policy>);

/// The process's parsed policies, by resourceID, with the document each came from.
#[derive(Debug, Clone, Default)]
pub struct PolicyCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

impl PolicyCache {
    /// The policy stored as `doc` under `ri`, parsed once per distinct document.
    pub fn get(&self, ri: &str, doc: &str) -> Arc<Policy> {
        if let Ok(entries) = self.entries.lock()
            && let Some((parsed_from, policy)) = entries.get(ri)
            && parsed_from == doc
        {
            return Arc::clone(policy);
        }
        let policy = Arc::new(Policy::parse(doc));
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(ri.to_owned(), (doc.to_owned(), Arc::clone(&policy)));
        }
        policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_document_is_parsed_again() {
        let cache = PolicyCache::default();
        let open = r#"{"pv": {"acr": [{"acor": ["all"], "acop": 2}]}, "pvs": {"acr": [{"acor": ["C1"], "acop": 63}]}}"#;
        let closed = r#"{"pv": {"acr": []}, "pvs": {"acr": [{"acor": ["C1"], "acop": 63}]}}"#;
        assert_eq!(cache.get("acp1", open).privileges.rules.len(), 1);
        let again = cache.get("acp1", open);
        assert!(Arc::ptr_eq(&again, &cache.get("acp1", open)));
        assert!(cache.get("acp1", closed).privileges.rules.is_empty());
        assert!(
            cache
                .get("acp1", "not json")
                .self_privileges
                .rules
                .is_empty()
        );
    }
}
