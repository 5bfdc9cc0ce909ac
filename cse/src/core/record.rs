//! Resource records: the in-memory form of a stored resource, as the core works on
//! it, and its conversion to and from a row of the resource table.

use onecse_models::{ResourceType, ResponseStatusCode};
use serde_json::{Map, Value};

use crate::core::resources::{self, ResourceKind};
use crate::error::{CseError, CseResult};
use crate::store::resource_table::{self, ResourceRow};

/// A resource as the core works on it: identity plus the attribute map that is sent
/// on the wire. The row's indexed columns are derived from the map when saving.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Type.
    pub ty: ResourceType,
    /// resourceID.
    pub ri: String,
    /// parentID (`None` for the CSEBase).
    pub pi: Option<String>,
    /// resourceName.
    pub rn: String,
    /// Structured CSE-relative address.
    pub path: String,
    /// All attributes, short names, as returned to clients.
    pub attrs: Map<String, Value>,
    /// The originator that created it: all rights while it has no `acpi`.
    pub owner: Option<String>,
    /// (resourceID, document) of the live policies its `acpi` names, when they were
    /// loaded with it (a request's target); `None` when the decision must load them.
    pub policy_docs: Option<Vec<(String, String)>>,
    /// When the type's timer is next due ([`ResourceKind::on_due`]), as a timestamp
    /// text; `None` when no timer runs.
    pub due: Option<String>,
    /// Subscription features watching it, as stored (bits, see
    /// `resource_table::ResourceRow::watch`); 0 for a resource not stored yet.
    pub watch: i32,
}

impl Resource {
    /// Reads a row; a row that does not parse, or of a type this CSE does not host,
    /// is an internal error, not a client one.
    pub fn from_row(row: ResourceRow) -> CseResult<Self> {
        let kind = ResourceType::from_number(row.ty.into())
            .ok()
            .and_then(resources::kind)
            .ok_or_else(|| {
                CseError::internal(format!(
                    "stored resource {} has unknown type {}",
                    row.ri, row.ty
                ))
            })?;
        let ty = kind.ty();
        let mut attrs = match serde_json::from_str::<Value>(&row.doc) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(CseError::internal(format!(
                    "stored resource {} is corrupt",
                    row.ri
                )));
            }
        };
        // The counters live in their columns only; they are the truth.
        if kind.has_state_tag() {
            attrs.insert("st".into(), Value::from(row.st));
        }
        if kind.instances().is_some() {
            attrs.insert("cni".into(), Value::from(row.cni));
            attrs.insert("cbs".into(), Value::from(row.cbs));
        }
        Ok(Self {
            ty,
            ri: row.ri,
            pi: row.pi,
            rn: row.rn,
            path: row.path,
            attrs,
            owner: row.owner,
            policy_docs: None,
            due: row.due,
            watch: row.watch,
        })
    }

    /// Builds the row to store, taking the indexed columns from the attributes.
    pub fn to_row(&self) -> ResourceRow {
        let text = |name: &str| {
            self.attrs
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let int = |name: &str| self.attrs.get(name).and_then(Value::as_i64).unwrap_or(0);
        ResourceRow {
            ri: self.ri.clone(),
            pi: self.pi.clone(),
            ty: i32::from(self.ty.number()),
            rn: self.rn.clone(),
            path: self.path.clone(),
            ct: text("ct").unwrap_or_default(),
            lt: text("lt").unwrap_or_default(),
            et: text("et"),
            st: int("st"),
            cr: text("cr"),
            cs: int("cs"),
            cni: int("cni"),
            cbs: int("cbs"),
            lvl: i32::try_from(self.path.split('/').count()).unwrap_or(i32::MAX),
            doc: Value::Object(self.stored_attrs()).to_string(),
            owner: self.owner.clone(),
            uk: self.kind().sibling_key(&self.attrs).map(|k| k.key),
            due: self.due.clone(),
            watch: self.watch,
        }
    }

    /// The attributes kept in the document: all but the counters, whose columns are
    /// the only copy.
    fn stored_attrs(&self) -> Map<String, Value> {
        let mut attrs = self.attrs.clone();
        for counter in ["st", "cni", "cbs"] {
            attrs.remove(counter);
        }
        attrs
    }

    /// The rules of this resource's type. Every stored resource has a hosted type
    /// ([`Resource::from_row`] refuses others, and the core only builds resources of
    /// hosted kinds); should that ever break, [`resources::Unhosted`] refuses every
    /// operation on it with 5000 instead of a panic.
    pub fn kind(&self) -> &'static dyn ResourceKind {
        resources::kind(self.ty).unwrap_or(&resources::Unhosted)
    }

    /// The answer to a failed insert of this resource: a sibling already holding its
    /// sibling key (a timeSeriesInstance's `dgt`, …) is the client's 4105 conflict,
    /// found by the unique index itself rather than a lookup first.
    pub fn insert_refused(&self, err: diesel::result::Error) -> CseError {
        use diesel::result::{DatabaseErrorKind, Error};
        // A remoteCSE's resourceID is the registering CSE-ID: a clash at insert is
        // the same CSE registering concurrently (its registree retrying while it is
        // registered by hand), which the spec answers 4117, as the earlier check does.
        if self.ty.spec().is_some_and(|spec| spec.registers_cse)
            && matches!(
                err,
                Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
            )
        {
            return CseError::new(
                ResponseStatusCode::OriginatorHasAlreadyRegistered,
                format!(
                    "CSE '{}' registered with this CSE while this registration ran",
                    self.ri
                ),
            );
        }
        match self.kind().sibling_key(&self.attrs) {
            Some(unique) if resource_table::is_sibling_key_conflict(&err) => {
                CseError::new(ResponseStatusCode::Conflict, unique.conflict)
            }
            _ => CseError::from(err),
        }
    }

    /// Reads a row loaded with the policies it names.
    pub fn with_policies(row: ResourceRow, policies: Vec<(String, String)>) -> CseResult<Self> {
        let mut resource = Self::from_row(row)?;
        resource.policy_docs = Some(policies);
        Ok(resource)
    }

    /// The `acpi` attribute as resourceIDs (empty when absent).
    pub fn policy_ids(&self) -> Vec<String> {
        string_items(&self.attrs, "acpi")
    }

    /// The `lbl` attribute as strings (empty when absent).
    pub fn labels(&self) -> Vec<String> {
        labels_of(&self.attrs)
    }

    /// The bounding box of its `loc`, for the location index (`None` without one).
    pub fn location_box(&self) -> Option<onecse_models::location::BoundingBox> {
        let loc = self.attrs.get("loc")?;
        onecse_models::location::Location::from_attribute(loc)
            .ok()?
            .bounding_box()
    }

    /// The representation `{"m2m:<ty>": {...}}` (or the specialization's root key).
    pub fn representation(&self) -> Value {
        self.wrap(self.attrs.clone())
    }

    /// The JSON root key of this resource's representations: the type's, or that of
    /// its specialization (`cod:tempe`, `m2m:fwr`).
    pub fn root_key(&self) -> String {
        self.kind().root_key(&self.attrs)
    }

    /// Some attributes of this resource under its root key.
    pub fn wrap(&self, attrs: Map<String, Value>) -> Value {
        onecse_models::resource::wrap(self.root_key(), attrs)
    }
}

/// The string items of an attribute map's `lbl`.
pub fn labels_of(attrs: &Map<String, Value>) -> Vec<String> {
    string_items(attrs, "lbl")
}

/// The string items of a list attribute (empty when absent).
pub fn string_items(attrs: &Map<String, Value>, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
