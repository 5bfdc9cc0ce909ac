//! The row of the `resources` table as the store reads and writes it, and the
//! number the `ty` column keeps for a type.

use diesel::prelude::*;
use onecse_models::ResourceType;

use crate::store::schema::resources;

/// One stored resource: the indexed attributes plus the JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = resources)]
// Absent values are bound as NULL rather than written as DEFAULT, so the INSERT has
// one SQL text and stays prepared (see `store::prepared`).
#[diesel(treat_none_as_default_value = false)]
pub struct ResourceRow {
    /// resourceID.
    pub ri: String,
    /// parentID, `None` for the CSEBase.
    pub pi: Option<String>,
    /// resourceType.
    pub ty: i32,
    /// resourceName.
    pub rn: String,
    /// Structured CSE-relative address (`cse-in/ae1/cnt1`).
    pub path: String,
    /// creationTime.
    pub ct: String,
    /// lastModifiedTime.
    pub lt: String,
    /// expirationTime, `None` for resources that never expire (the CSEBase).
    pub et: Option<String>,
    /// stateTag.
    pub st: i64,
    /// creator.
    pub cr: Option<String>,
    /// contentSize.
    pub cs: i64,
    /// currentNrOfInstances.
    pub cni: i64,
    /// currentByteSize.
    pub cbs: i64,
    /// Depth of the path.
    pub lvl: i32,
    /// All attributes as a JSON object.
    pub doc: String,
    /// The originator that created the resource.
    pub owner: Option<String>,
    /// A value unique among the resource's siblings (a timeSeriesInstance's `dgt`).
    pub uk: Option<String>,
    /// When the type's timer is next due (missing-data detection).
    pub due: Option<String>,
    /// Subscription features watching the resource (bits: 1 operationMonitor, 2
    /// blocking update); written only by [`set_watch`](super::set_watch).
    pub watch: i32,
}

/// The `ty` column's value for a type: the store speaks `ResourceType`, the table
/// keeps the number.
pub(super) fn column(ty: ResourceType) -> i32 {
    i32::from(ty.number())
}
