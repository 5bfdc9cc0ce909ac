//! Request and response primitives (TS-0004 §7.2.1): what every binding turns its
//! protocol into, so the core never sees HTTP (or, later, MQTT/CoAP) types.

use serde_json::Value;

use crate::time::Timestamp;
use crate::types::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, ResultContent};

/// A decoded request. Syntax has been checked by the binding; meaning is the core's job.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `op`.
    pub op: Operation,
    /// `to`: the target address exactly as addressed (CSE-relative, SP-relative or absolute).
    pub to: String,
    /// `fr`: the originator; `None` when absent or empty.
    pub from: Option<String>,
    /// `rqi`: echoed in the response.
    pub rqi: String,
    /// `rvi`.
    pub rvi: ReleaseVersion,
    /// `vsi`: echoed in the response when present.
    pub vsi: Option<String>,
    /// `ty`: the type to create (CREATE only).
    pub ty: Option<ResourceType>,
    /// `pc`: the parsed JSON body.
    pub content: Option<Value>,
    /// `rcn`; `None` means the operation's default.
    pub rcn: Option<ResultContent>,
    /// `fc`: filter criteria and paging.
    pub filter: FilterCriteria,
    /// Partial retrieve (`atrl` / `#attr`): the attributes asked for, empty for all.
    pub attribute_list: Vec<String>,
    /// `drt`: identifier form in discovery results.
    pub drt: Option<DesiredIdentifierResultType>,
    /// `rqet` (`X-M2M-RET`) as the client sent it, absolute or relative (ms); read
    /// where a deadline matters (a `pcu` long poll, a relayed NOTIFY).
    pub rqet: Option<String>,
}

/// `drt` (TS-0004 §6.3.4.2.x): how discovery results name resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesiredIdentifierResultType {
    /// 1: structured (`cse-in/ae/cnt`).
    Structured,
    /// 2: unstructured (`cnt123`).
    Unstructured,
}

/// `fu` (filterUsage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterUsage {
    /// 1: discovery.
    Discovery,
    /// 2: conditional retrieval (the default).
    ConditionalRetrieval,
    /// 3: IPE on-demand discovery.
    IpeOnDemandDiscovery,
}

/// `fo` (filterOperation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOperation {
    /// 1: all conditions must hold (default).
    And,
    /// 2: any condition may hold.
    Or,
    /// 3: exactly one condition holds (R4+).
    Xor,
}

/// Filter criteria (TS-0004 §6.3.5.8) and the paging parameters that travel with them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterCriteria {
    /// `crb`: created before.
    pub created_before: Option<Timestamp>,
    /// `cra`: created after.
    pub created_after: Option<Timestamp>,
    /// `ms`: modified since.
    pub modified_since: Option<Timestamp>,
    /// `us`: unmodified since.
    pub unmodified_since: Option<Timestamp>,
    /// `sts`: stateTag smaller.
    pub state_tag_smaller: Option<i64>,
    /// `stb`: stateTag bigger.
    pub state_tag_bigger: Option<i64>,
    /// `exb`: expire before.
    pub expire_before: Option<Timestamp>,
    /// `exa`: expire after.
    pub expire_after: Option<Timestamp>,
    /// `lbl`: any of these labels.
    pub labels: Vec<String>,
    /// `ty`: any of these types.
    pub resource_types: Vec<i64>,
    /// `sza`: size above.
    pub size_above: Option<i64>,
    /// `szb`: size below.
    pub size_below: Option<i64>,
    /// `cty`: content types.
    pub content_types: Vec<String>,
    /// Attribute filters (`<sn>=value`), in query order.
    pub attributes: Vec<(String, String)>,
    /// `fu`.
    pub filter_usage: Option<FilterUsage>,
    /// `fo`.
    pub filter_operation: Option<FilterOperation>,
    /// `lim`.
    pub limit: Option<u64>,
    /// `lvl`.
    pub level: Option<u64>,
    /// `ofst` (1-based).
    pub offset: Option<u64>,
}

impl FilterCriteria {
    /// True when any matching condition (not just paging or usage) is present.
    pub fn has_conditions(&self) -> bool {
        self.created_before.is_some()
            || self.created_after.is_some()
            || self.modified_since.is_some()
            || self.unmodified_since.is_some()
            || self.state_tag_smaller.is_some()
            || self.state_tag_bigger.is_some()
            || self.expire_before.is_some()
            || self.expire_after.is_some()
            || !self.labels.is_empty()
            || !self.resource_types.is_empty()
            || self.size_above.is_some()
            || self.size_below.is_some()
            || !self.content_types.is_empty()
            || !self.attributes.is_empty()
            || self.filter_operation.is_some()
    }

    /// True when nothing at all was given.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A response primitive (TS-0004 §7.2.1.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `rsc`.
    pub rsc: ResponseStatusCode,
    /// `pc`: the body, if any.
    pub content: Option<Value>,
    /// The structured CSE-relative address of a created resource (for `Content-Location`).
    pub created_location: Option<String>,
    /// Set when a hierarchical result was cut short: where the next page starts.
    pub partial: Option<PartialContent>,
    /// The type of the resource the request addressed (for CREATE: of the created
    /// one), when the CSE got that far. Not sent to the client: the binding labels its
    /// metrics with it, so it needs no second look at the request.
    pub resource_type: Option<ResourceType>,
}

/// `cnst`/`cnot` of a truncated hierarchical result (TS-0004 §7.2.1.2): the content is
/// partial, and `offset` is the `ofst` that continues it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialContent {
    /// The 1-based offset of the first entry not returned.
    pub offset: u64,
}

impl Response {
    /// A response with a status code and content.
    pub fn new(rsc: ResponseStatusCode, content: Option<Value>) -> Self {
        Self {
            rsc,
            content,
            created_location: None,
            partial: None,
            resource_type: None,
        }
    }
}
