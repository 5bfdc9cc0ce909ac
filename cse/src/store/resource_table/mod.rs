//! Queries on the `resources` table (the resource tree), one file per query family.
//! Every lookup that serves a request hides resources whose expirationTime has
//! passed, so an expired resource is never returned even before the expiry task
//! removes it. Callers name everything through this module (`resource_table::…`).

mod children;
mod discovery_pages;
mod instance_counters;
mod instance_order;
mod lookups;
mod resource_row;
mod sweeps;
mod writes;

pub use children::{child_expires_after, children, children_of_type, descendants_of_type};
pub use discovery_pages::{
    Bound, CountColumn, DiscoveryFilter, MAX_LOCATED, TimeColumn, discover_addresses,
    discover_page, resolve_area,
};
pub use instance_counters::{
    Counters, add_instance, insert_counted, recount_instances, remove_instances,
};
pub use instance_order::{
    End, InstanceTimes, children_created_before, edge_child, instances_page, oldest_children,
};
pub use lookups::{
    Key, PolicyDocuments, child_name_taken, find_by_ri, find_root, find_with_policies,
    lock_and_reload, lock_and_reload_all, policy_documents, registered_ae, ri_taken,
};
pub use resource_row::ResourceRow;
pub use sweeps::{any_due, due, expired};
pub use writes::{
    bump_state_tag, delete_by_ris, delete_children_of_type, delete_subtree, descendant_bounds,
    disown, insert, is_sibling_key_conflict, set_due_if_unset, set_expiration, set_watch, update,
};
