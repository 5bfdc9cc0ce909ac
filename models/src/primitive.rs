//! Request and response primitives (TS-0004 §7.2.1): what every binding turns its
//! protocol into, so the core never sees HTTP (or, later, MQTT/CoAP) types.

use serde_json::Value;

use crate::problem::Problem;
use crate::time::Timestamp;
use crate::types::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, ResultContent};

/// A decoded request. Syntax has been checked by the binding; meaning is the core's job.
/// Serializable so that an accepted non-blocking request can be kept in the database
/// until it runs (internal form, not a oneM2M serialization).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// `rqet`, `rset`, `oet` and `rp` as absolute instants; all absent for most
    /// requests, which then pay for nothing.
    #[serde(default)]
    pub timing: Timing,
    /// `rt`: how the originator wants the result.
    #[serde(default)]
    pub response_type: ResponseType,
    /// The query string as the binding received it (still percent-encoded, empty
    /// for none): a request forwarded to another CSE carries it unchanged, so no
    /// parameter is lost or re-spelt on the way (TS-0004 §7.3.2.6).
    #[serde(default)]
    pub query: String,
}

/// The time parameters of a request (TS-0001 §8.1.2, spec digest polling §6), made
/// absolute by the binding at arrival.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    /// `rqet`: the request must be handled by then.
    pub rqet: Option<Timestamp>,
    /// `rset`: the result must be available by then.
    pub rset: Option<Timestamp>,
    /// `oet`: the operation runs not before then.
    pub oet: Option<Timestamp>,
    /// `rp`: how long the result (the `<request>`) is kept.
    pub rp: Option<Timestamp>,
}

impl Timing {
    /// True when no time parameter was given (the common case).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The checks a receiver makes at arrival (spec digest polling §6, §8): a
    /// deadline already passed → 4008; `rset` not after `rqet`, `oet` not before both
    /// deadlines (ACME's rule), or `rp` not in the future → 4000.
    pub fn check(&self, now: Timestamp) -> Result<(), Problem> {
        for (name, header, deadline) in [
            ("rqet", "X-M2M-RET", self.rqet),
            ("rset", "X-M2M-RST", self.rset),
        ] {
            if let Some(deadline) = deadline
                && deadline <= now
            {
                return Err(Problem::new(
                    ResponseStatusCode::RequestTimeout,
                    format!("{name} ({header}) {deadline} has already passed"),
                ));
            }
        }
        if let (Some(rqet), Some(rset)) = (self.rqet, self.rset)
            && rset <= rqet
        {
            return Err(Problem::bad_request(format!(
                "rset (X-M2M-RST) {rset} must be later than rqet (X-M2M-RET) {rqet}"
            )));
        }
        if let Some(oet) = self.oet {
            for (name, deadline) in [("rqet", self.rqet), ("rset", self.rset)] {
                if let Some(deadline) = deadline
                    && oet >= deadline
                {
                    return Err(Problem::bad_request(format!(
                        "oet (X-M2M-OET) {oet} must be earlier than {name} {deadline}"
                    )));
                }
            }
        }
        if let Some(rp) = self.rp
            && rp <= now
        {
            return Err(Problem::bad_request(format!(
                "rp (result persistence) {rp} is not in the future"
            )));
        }
        Ok(())
    }

    /// Whether the request must be handled by now and no longer may be (its `rqet`
    /// passed while it waited).
    pub fn expired(&self, now: Timestamp) -> bool {
        self.rqet.is_some_and(|rqet| rqet <= now)
    }
}

/// `rt` (m2m:responseTypeInfo, TS-0004 §6.3.5.30): how the result reaches the
/// originator.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ResponseType {
    /// rtv 3 (the default): the result is the response.
    #[default]
    Blocking,
    /// rtv 1: acknowledged with a `<request>` reference the originator polls.
    NonBlockingSynch,
    /// rtv 2: acknowledged, the result is sent as a NOTIFY to `nu` (absent: to the
    /// originator; empty: to nobody).
    NonBlockingAsynch {
        /// `nu` (`X-M2M-RTU`).
        nu: Option<Vec<String>>,
    },
    /// rtv 5: the originator wants no result at all.
    NoResponse,
}

impl ResponseType {
    /// Reads `rtv` and `nu` (spec digest polling §5): an unknown `rtv`, or `nu` with an
    /// `rtv` other than 2, is a bad request. rtv 4 (flexBlocking) lets the receiver
    /// choose: onecse answers blocking.
    pub fn from_parts(rtv: Option<i64>, nu: Option<Vec<String>>) -> Result<Self, Problem> {
        let rt = match rtv {
            None | Some(3 | 4) => Self::Blocking,
            Some(1) => Self::NonBlockingSynch,
            Some(2) => return Ok(Self::NonBlockingAsynch { nu }),
            Some(5) => Self::NoResponse,
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "rt={other} is not a responseType (1..5)"
                )));
            }
        };
        if nu.is_some() {
            return Err(Problem::bad_request(
                "X-M2M-RTU (rt nu) is only allowed with rt=2 (nonBlockingRequestAsynch)",
            ));
        }
        Ok(rt)
    }

    /// True for rt 3 (and 4, answered blocking).
    pub fn is_blocking(&self) -> bool {
        *self == Self::Blocking
    }

    /// The `rtv` number.
    pub fn number(&self) -> u8 {
        match self {
            Self::NonBlockingSynch => 1,
            Self::NonBlockingAsynch { .. } => 2,
            Self::Blocking => 3,
            Self::NoResponse => 5,
        }
    }
}

/// `drt` (TS-0004 §6.3.4.2.x): how discovery results name resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DesiredIdentifierResultType {
    /// 1: structured (`cse-in/ae/cnt`).
    Structured,
    /// 2: unstructured (`cnt123`).
    Unstructured,
}

/// `fu` (filterUsage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FilterUsage {
    /// 1: discovery.
    Discovery,
    /// 2: conditional retrieval (the default).
    ConditionalRetrieval,
    /// 3: IPE on-demand discovery.
    IpeOnDemandDiscovery,
}

/// `fo` (filterOperation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FilterOperation {
    /// 1: all conditions must hold (default).
    And,
    /// 2: any condition may hold.
    Or,
    /// 3: exactly one condition holds (R4+).
    Xor,
}

/// Filter criteria (TS-0004 §6.3.5.8) and the paging parameters that travel with them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// `arp` (applyRelativePath): appended to each discovered address.
    pub relative_path: Option<String>,
    /// `gmty`/`geom`/`gsf`: the resource's `loc` must relate to a geometry.
    #[serde(default)]
    pub geo_query: Option<crate::location::GeoQuery>,
    /// `smf`: SPARQL queries, any of which a resource's semanticDescriptors must
    /// answer (evaluated by the server, which holds the RDF engine).
    #[serde(default)]
    pub semantics_filter: Vec<String>,
    /// `chty` (R4): the resource has a child of any of these types.
    #[serde(default)]
    pub child_types: Vec<i64>,
    /// `pty` (R4): the resource's parent is of any of these types.
    #[serde(default)]
    pub parent_types: Vec<i64>,
    /// `clbl` (R4): the resource has a child carrying any of these labels.
    #[serde(default)]
    pub child_labels: Vec<String>,
    /// `palb` (R4): the resource's parent carries any of these labels.
    #[serde(default)]
    pub parent_labels: Vec<String>,
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
            || self.geo_query.is_some()
            || !self.semantics_filter.is_empty()
            || self.has_relative_conditions()
            || self.filter_operation.is_some()
    }

    /// True when a condition names the resource's parent or children (`chty`, `pty`,
    /// `clbl`, `palb`): those need reads of other rows, which only the server can do.
    pub fn has_relative_conditions(&self) -> bool {
        !self.child_types.is_empty()
            || !self.parent_types.is_empty()
            || !self.child_labels.is_empty()
            || !self.parent_labels.is_empty()
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
