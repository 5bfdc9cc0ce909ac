//! Enumerations of the oneM2M protocol (TS-0004 §6.3.4, §6.6) with their wire values.

use crate::problem::Problem;

/// Declares [`ResourceType`] from one line per type: variant, `ty` number, short
/// name, long name and, for a hosted type, the model module whose `SPEC` defines it.
macro_rules! resource_types {
    ($($(#[$doc:meta])* $variant:ident = $number:literal, $short:literal, $long:literal $(=> $($spec:ident)::+)?;)*) => {
        /// The resource types onecse knows by name (TS-0004 §6.3.4.2.1 m2m:resourceType).
        ///
        /// Only types with a name here can be created; the rest of the numbering is still
        /// recognised by [`ResourceType::from_number`] so that a valid but unsupported type is
        /// answered with 5001 rather than 4000.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum ResourceType {
            $(
                #[doc = concat!("`<", $long, ">`, ty ", stringify!($number), ".")]
                $(#[$doc])*
                $variant,
            )*
        }

        impl ResourceType {
            /// Every named type, for tables and tests.
            pub const ALL: [ResourceType; [$(Self::$variant),*].len()] = [$(Self::$variant),*];

            /// The `ty` number on the wire.
            pub fn number(self) -> u16 {
                match self { $(Self::$variant => $number,)* }
            }

            /// The short name, used in the JSON root key (`m2m:<sn>`) and generated IDs.
            pub fn short_name(self) -> &'static str {
                match self { $(Self::$variant => $short,)* }
            }

            /// The long name, for messages people read.
            pub fn long_name(self) -> &'static str {
                match self { $(Self::$variant => $long,)* }
            }

            /// The long name with its indefinite article ("an AE", "a container"),
            /// for messages people read.
            pub fn with_article(self) -> String {
                crate::resource::with_article(self.long_name())
            }

            /// The one definition of a hosted type (attributes, parents, constant facts);
            /// `None` for types onecse names but cannot host yet.
            pub fn spec(self) -> Option<&'static crate::resource::TypeSpec> {
                match self {
                    $(Self::$variant => resource_types!(@spec $($($spec)::+)?),)*
                }
            }
        }
    };
    (@spec $($spec:ident)::+) => { Some(&crate::resource::$($spec)::+) };
    (@spec) => { None };
}

resource_types! {
    AccessControlPolicy = 1, "acp", "accessControlPolicy" => acp::SPEC;
    Ae = 2, "ae", "AE" => ae::SPEC;
    Container = 3, "cnt", "container" => cnt::SPEC;
    ContentInstance = 4, "cin", "contentInstance" => cin::SPEC;
    CseBase = 5, "cb", "CSEBase" => cse_base::SPEC;
    Group = 9, "grp", "group" => grp::SPEC;
    /// How a device's location is obtained and where it is kept.
    LocationPolicy = 10, "lcp", "locationPolicy" => lcp::SPEC;
    /// Every specialization; `mgd` tells which.
    MgmtObj = 13, "mgo", "mgmtObj" => mgo::SPEC;
    Node = 14, "nod", "node" => nod::SPEC;
    PollingChannel = 15, "pch", "pollingChannel" => pch::SPEC;
    RemoteCse = 16, "csr", "remoteCSE" => csr::SPEC;
    /// The state of a non-blocking request.
    Request = 17, "req", "request" => req::SPEC;
    /// Time windows (notification schedules, node reachability).
    Schedule = 18, "sch", "schedule" => sch::SPEC;
    Subscription = 23, "sub", "subscription" => sub::SPEC;
    /// Where to consult a Dynamic Authorization Server (stored only).
    DynamicAuthorizationConsultation = 34, "dac", "dynamicAuthorizationConsultation" => dac::SPEC;
    /// An RDF description of its parent, for semantic discovery.
    SemanticDescriptor = 24, "smd", "semanticDescriptor" => smd::SPEC;
    /// The policy for some notification targets of a subscription (R3).
    NotificationTargetMgmtPolicyRef = 25, "ntpr", "notificationTargetMgmtPolicyRef" => ntp::REF_SPEC;
    /// What happens when a notification target asks to be removed (R3).
    NotificationTargetPolicy = 26, "ntp", "notificationTargetPolicy" => ntp::POLICY_SPEC;
    /// The rules a notificationTargetPolicy's action needs to hold (R3).
    PolicyDeletionRules = 27, "pdr", "policyDeletionRules" => pdr::SPEC;
    FlexContainer = 28, "fcnt", "flexContainer" => fcnt::SPEC;
    TimeSeries = 29, "ts", "timeSeries" => ts::SPEC;
    TimeSeriesInstance = 30, "tsi", "timeSeriesInstance" => tsi::SPEC;
    /// A subscription over several resources, notified per time window (R4).
    CrossResourceSubscription = 48, "crs", "crossResourceSubscription" => crs::SPEC;
    FlexContainerInstance = 58, "fcin", "flexContainerInstance" => fcin::SPEC;
    /// R4: the CSE's time sent to targets, periodically or on loss of sync.
    TimeSyncBeacon = 60, "tsb", "timeSyncBeacon" => tsb::SPEC;
    /// R4: a request sent when criteria on a subject resource hold.
    Action = 65, "actr", "action" => actr::ACTION;
    /// R4: a condition an action depends on.
    Dependency = 66, "depr", "dependency" => actr::DEPENDENCY;
    /// The announced variant of an accessControlPolicy (TS-0004 table 7.4.26.1-1).
    AccessControlPolicyAnnc = 10001, "acpA", "accessControlPolicyAnnc" => annc::ACP;
    /// The announced variant of an AE.
    AeAnnc = 10002, "aeA", "AEAnnc" => annc::AE;
    /// The announced variant of a container.
    ContainerAnnc = 10003, "cntA", "containerAnnc" => annc::CNT;
    /// The announced variant of a contentInstance.
    ContentInstanceAnnc = 10004, "cinA", "contentInstanceAnnc" => annc::CIN;
    /// The announced variant of a CSEBase: where another CSE's announced resources go.
    CseBaseAnnc = 10005, "cbA", "CSEBaseAnnc" => annc::CB;
    /// The announced variant of a group.
    GroupAnnc = 10009, "grpA", "groupAnnc" => annc::GRP;
    /// The announced variant of a mgmtObj (every specialization; `mgd` tells which).
    MgmtObjAnnc = 10013, "mgoA", "mgmtObjAnnc" => annc::MGO;
    /// The announced variant of a node.
    NodeAnnc = 10014, "nodA", "nodeAnnc" => annc::NOD;
    /// The announced variant of a flexContainer (every specialization; `cnd` tells
    /// which).
    FlexContainerAnnc = 10028, "fcntA", "flexContainerAnnc" => annc::FCNT;
    /// The announced variant of a timeSeries.
    TimeSeriesAnnc = 10029, "tsA", "timeSeriesAnnc" => annc::TS;
}

impl ResourceType {
    /// The JSON root key of a representation, e.g. `m2m:ae`.
    pub fn root_key(self) -> String {
        format!("m2m:{}", self.short_name())
    }

    /// Interprets a `ty` value: unknown numbers are a client error (4000), numbers the
    /// standard defines but onecse does not name are "not implemented" (5001).
    pub fn from_number(n: i64) -> Result<Self, Problem> {
        if let Some(ty) = Self::ALL.into_iter().find(|t| i64::from(t.number()) == n) {
            return Ok(ty);
        }
        let defined = (1..=51).contains(&n)
            || [58, 60, 62, 63, 64, 65, 66].contains(&n)
            || (10001..=10051).contains(&n);
        if defined {
            Err(Problem::not_implemented(format!(
                "resource type {n} is not supported by this CSE"
            )))
        } else {
            Err(Problem::bad_request(format!(
                "resource type {n} is not a oneM2M resource type"
            )))
        }
    }

    /// Finds the type whose root key is `key` (`m2m:ae` → AE).
    pub fn from_root_key(key: &str) -> Option<Self> {
        let sn = key.strip_prefix("m2m:")?;
        Self::ALL.into_iter().find(|t| t.short_name() == sn)
    }
}

/// The operation of a request primitive (`op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Operation {
    /// op 1.
    Create,
    /// op 2.
    Retrieve,
    /// op 3.
    Update,
    /// op 4.
    Delete,
    /// op 5.
    Notify,
}

impl Operation {
    /// The `op` number on the wire.
    pub fn number(self) -> u8 {
        match self {
            Self::Create => 1,
            Self::Retrieve => 2,
            Self::Update => 3,
            Self::Delete => 4,
            Self::Notify => 5,
        }
    }

    /// Upper-case name, for logs, metrics and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Retrieve => "RETRIEVE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Notify => "NOTIFY",
        }
    }
}

macro_rules! status_codes {
    ($($variant:ident = $code:literal => $http:literal, $name:literal;)*) => {
        /// Response Status Codes (TS-0004 §6.6.3) with their HTTP mapping
        /// (TS-0009 table 6.3.2-1): the one table every binding uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ResponseStatusCode {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        impl ResponseStatusCode {
            /// The numeric code, sent as `X-M2M-RSC`.
            pub fn code(self) -> u16 {
                match self { $(Self::$variant => $code,)* }
            }

            /// The HTTP status the code maps to.
            pub fn http_status(self) -> u16 {
                match self { $(Self::$variant => $http,)* }
            }

            /// The standard's name for the code.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// Reads a code received from a peer; `None` for codes onecse does not know.
            pub fn from_code(code: u16) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

status_codes! {
    Accepted = 1000 => 202, "ACCEPTED";
    AcceptedNonBlockingSynch = 1001 => 202, "ACCEPTED_NON_BLOCKING_REQUEST_SYNCH";
    AcceptedNonBlockingAsynch = 1002 => 202, "ACCEPTED_NON_BLOCKING_REQUEST_ASYNCH";
    Ok = 2000 => 200, "OK";
    Created = 2001 => 201, "CREATED";
    Deleted = 2002 => 200, "DELETED";
    Updated = 2004 => 200, "UPDATED";
    BadRequest = 4000 => 400, "BAD_REQUEST";
    ReleaseVersionNotSupported = 4001 => 501, "RELEASE_VERSION_NOT_SUPPORTED";
    NotFound = 4004 => 404, "NOT_FOUND";
    OperationNotAllowed = 4005 => 405, "OPERATION_NOT_ALLOWED";
    RequestTimeout = 4008 => 504, "REQUEST_TIMEOUT";
    UnsupportedMediaType = 4015 => 415, "UNSUPPORTED_MEDIA_TYPE";
    SubscriptionCreatorHasNoPrivilege = 4101 => 403, "SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE";
    ContentsUnacceptable = 4102 => 400, "CONTENTS_UNACCEPTABLE";
    OriginatorHasNoPrivilege = 4103 => 403, "ORIGINATOR_HAS_NO_PRIVILEGE";
    Conflict = 4105 => 409, "CONFLICT";
    OriginatorNotAuthenticated = 4106 => 403, "ORIGINATOR_NOT_AUTHENTICATED";
    SecurityAssociationRequired = 4107 => 403, "SECURITY_ASSOCIATION_REQUIRED";
    InvalidChildResourceType = 4108 => 403, "INVALID_CHILD_RESOURCE_TYPE";
    NoMembers = 4109 => 403, "NO_MEMBERS";
    GroupMemberTypeInconsistent = 4110 => 400, "GROUP_MEMBER_TYPE_INCONSISTENT";
    OriginatorHasAlreadyRegistered = 4117 => 403, "ORIGINATOR_HAS_ALREADY_REGISTERED";
    BlockingSubscriptionAlreadyExists = 4124 => 409, "BLOCKING_SUBSCRIPTION_ALREADY_EXISTS";
    AppRuleValidationFailed = 4126 => 403, "APP_RULE_VALIDATION_FAILED";
    OperationDeniedByRemoteEntity = 4127 => 403, "OPERATION_DENIED_BY_REMOTE_ENTITY";
    InternalServerError = 5000 => 500, "INTERNAL_SERVER_ERROR";
    NotImplemented = 5001 => 501, "NOT_IMPLEMENTED";
    TargetNotReachable = 5103 => 404, "TARGET_NOT_REACHABLE";
    RemoteEntityNotReachable = 5107 => 404, "REMOTE_ENTITY_NOT_REACHABLE";
    TargetNotSubscribable = 5203 => 403, "TARGET_NOT_SUBSCRIBABLE";
    SubscriptionVerificationInitiationFailed = 5204 => 500, "SUBSCRIPTION_VERIFICATION_INITIATION_FAILED";
    SubscriptionHostHasNoPrivilege = 5205 => 403, "SUBSCRIPTION_HOST_HAS_NO_PRIVILEGE";
    NotAcceptable = 5207 => 406, "NOT_ACCEPTABLE";
    GroupMembersNotResponded = 5209 => 500, "GROUP_MEMBERS_NOT_RESPONDED";
    UnableToRecallRequest = 5220 => 409, "UNABLE_TO_RECALL_REQUEST";
    CrossResourceOperationFailure = 5221 => 500, "CROSS_RESOURCE_OPERATION_FAILURE";
    MaxNumberOfMemberExceeded = 6010 => 400, "MAX_NUMBER_OF_MEMBER_EXCEEDED";
}

impl ResponseStatusCode {
    /// True for 2xxx codes, the ones a client treats as success.
    pub fn is_success(self) -> bool {
        (2000..3000).contains(&self.code())
    }
}

/// The `rcn` request parameter (TS-0004 §6.3.4.2.x m2m:resultContent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ResultContent {
    /// rcn 0: no content.
    Nothing,
    /// rcn 1: the resource's attributes.
    Attributes,
    /// rcn 2: the structured address of the created resource.
    HierarchicalAddress,
    /// rcn 3: address and attributes.
    HierarchicalAddressAttributes,
    /// rcn 4: attributes and the child resources.
    AttributesAndChildResources,
    /// rcn 5: attributes and references to the child resources.
    AttributesAndChildResourceReferences,
    /// rcn 6: references to the child resources only.
    ChildResourceReferences,
    /// rcn 7: the original resource of an announced resource.
    OriginalResource,
    /// rcn 8: the child resources only.
    ChildResources,
    /// rcn 9: the attributes the CSE set or changed.
    ModifiedAttributes,
    /// rcn 10: semantic query result.
    SemanticContent,
    /// rcn 11: discovery result references (R4+).
    DiscoveryResultReferences,
}

impl ResultContent {
    /// Reads the wire value; anything outside 0..=11 is a client error.
    pub fn from_number(n: i64) -> Result<Self, Problem> {
        Ok(match n {
            0 => Self::Nothing,
            1 => Self::Attributes,
            2 => Self::HierarchicalAddress,
            3 => Self::HierarchicalAddressAttributes,
            4 => Self::AttributesAndChildResources,
            5 => Self::AttributesAndChildResourceReferences,
            6 => Self::ChildResourceReferences,
            7 => Self::OriginalResource,
            8 => Self::ChildResources,
            9 => Self::ModifiedAttributes,
            10 => Self::SemanticContent,
            11 => Self::DiscoveryResultReferences,
            _ => {
                return Err(Problem::bad_request(format!(
                    "rcn={n} is not a valid resultContent value"
                )));
            }
        })
    }

    /// The wire value.
    pub fn number(self) -> u8 {
        match self {
            Self::Nothing => 0,
            Self::Attributes => 1,
            Self::HierarchicalAddress => 2,
            Self::HierarchicalAddressAttributes => 3,
            Self::AttributesAndChildResources => 4,
            Self::AttributesAndChildResourceReferences => 5,
            Self::ChildResourceReferences => 6,
            Self::OriginalResource => 7,
            Self::ChildResources => 8,
            Self::ModifiedAttributes => 9,
            Self::SemanticContent => 10,
            Self::DiscoveryResultReferences => 11,
        }
    }

    /// The default when the request has no `rcn` (TS-0001 table 8.1.2-1).
    pub fn default_for(op: Operation) -> Self {
        match op {
            Operation::Delete => Self::Nothing,
            _ => Self::Attributes,
        }
    }

    /// Whether the value is permitted for an operation (TS-0001 table 8.1.2-1).
    pub fn allowed_for(self, op: Operation) -> bool {
        use ResultContent::*;
        match op {
            Operation::Create => matches!(
                self,
                Nothing
                    | Attributes
                    | HierarchicalAddress
                    | HierarchicalAddressAttributes
                    | ModifiedAttributes
            ),
            Operation::Retrieve => matches!(
                self,
                Attributes
                    | AttributesAndChildResources
                    | AttributesAndChildResourceReferences
                    | ChildResourceReferences
                    | OriginalResource
                    | ChildResources
                    | SemanticContent
                    | DiscoveryResultReferences
            ),
            Operation::Update => matches!(self, Nothing | Attributes | ModifiedAttributes),
            Operation::Delete => matches!(
                self,
                Nothing
                    | Attributes
                    | AttributesAndChildResources
                    | AttributesAndChildResourceReferences
                    | ChildResourceReferences
                    | ChildResources
            ),
            Operation::Notify => false,
        }
    }
}

/// Release versions onecse accepts in `X-M2M-RVI` (versions.md §2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ReleaseVersion {
    /// Release 2A.
    V2a,
    /// Release 3.
    V3,
    /// Release 4.
    V4,
    /// Release 5.
    V5,
}

impl ReleaseVersion {
    /// The versions listed in the CSEBase `srv`, in wire form.
    pub const SUPPORTED: [ReleaseVersion; 4] = [Self::V2a, Self::V3, Self::V4, Self::V5];

    /// Parses an `X-M2M-RVI` value; anything onecse does not serve is 4001.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        match s {
            "2a" => Ok(Self::V2a),
            "3" => Ok(Self::V3),
            "4" => Ok(Self::V4),
            "5" => Ok(Self::V5),
            other => Err(Problem::new(
                ResponseStatusCode::ReleaseVersionNotSupported,
                format!(
                    "release version '{other}' is not supported; this CSE supports 2a, 3, 4 and 5"
                ),
            )),
        }
    }

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2a => "2a",
            Self::V3 => "3",
            Self::V4 => "4",
            Self::V5 => "5",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_type_round_trips_through_its_number_and_root_key() {
        for ty in ResourceType::ALL {
            assert_eq!(ResourceType::from_number(ty.number().into()), Ok(ty));
            assert_eq!(ResourceType::from_root_key(&ty.root_key()), Some(ty));
        }
    }

    #[test]
    fn defined_but_unnamed_types_are_not_implemented_and_undefined_are_bad_requests() {
        let err = ResourceType::from_number(12).err().map(|p| p.rsc);
        assert_eq!(err, Some(ResponseStatusCode::NotImplemented));
        let err = ResourceType::from_number(999).err().map(|p| p.rsc);
        assert_eq!(err, Some(ResponseStatusCode::BadRequest));
    }

    #[test]
    fn status_codes_map_to_the_ts_0009_http_statuses() {
        let table = [
            (ResponseStatusCode::Created, 2001, 201),
            (ResponseStatusCode::Deleted, 2002, 200),
            (ResponseStatusCode::ReleaseVersionNotSupported, 4001, 501),
            (ResponseStatusCode::OperationNotAllowed, 4005, 405),
            (ResponseStatusCode::Conflict, 4105, 409),
            (ResponseStatusCode::InvalidChildResourceType, 4108, 403),
            (
                ResponseStatusCode::OriginatorHasAlreadyRegistered,
                4117,
                403,
            ),
            (ResponseStatusCode::NotAcceptable, 5207, 406),
            (ResponseStatusCode::NoMembers, 4109, 403),
            (ResponseStatusCode::GroupMemberTypeInconsistent, 4110, 400),
            (ResponseStatusCode::GroupMembersNotResponded, 5209, 500),
            (ResponseStatusCode::MaxNumberOfMemberExceeded, 6010, 400),
        ];
        for (rsc, code, http) in table {
            assert_eq!((rsc.code(), rsc.http_status()), (code, http), "{rsc:?}");
            assert_eq!(ResponseStatusCode::from_code(code), Some(rsc));
        }
    }

    #[test]
    fn result_content_follows_the_permitted_table() {
        use ResultContent::*;
        assert!(HierarchicalAddress.allowed_for(Operation::Create));
        assert!(!HierarchicalAddress.allowed_for(Operation::Retrieve));
        assert!(!Nothing.allowed_for(Operation::Retrieve));
        assert!(ChildResources.allowed_for(Operation::Delete));
        assert!(!ModifiedAttributes.allowed_for(Operation::Delete));
        assert_eq!(ResultContent::default_for(Operation::Delete), Nothing);
        assert!(ResultContent::from_number(12).is_err());
    }

    #[test]
    fn release_versions_accept_2a_to_5_only() {
        for v in ["2a", "3", "4", "5"] {
            assert_eq!(ReleaseVersion::parse(v).map(|r| r.as_str()), Ok(v));
        }
        for v in ["1", "2", "6", "", "3 "] {
            let rsc = ReleaseVersion::parse(v).err().map(|p| p.rsc);
            assert_eq!(rsc, Some(ResponseStatusCode::ReleaseVersionNotSupported));
        }
    }
}
