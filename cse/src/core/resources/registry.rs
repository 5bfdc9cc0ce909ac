//! The registry of hosted kinds and what is derived from it: the kind of a type, the
//! CSEBase `srt`, the instance-keeping types and the child rules of CREATE.

use onecse_models::resource::TypeSpec;
use onecse_models::{Operation, ResourceType, ResponseStatusCode};

use crate::core::resources::{
    ResourceKind, acp, actr, ae, annc, cin, cnt, crs, cse_base, csr, dac, depr, fcin, fcnt, grp,
    lcp, mgo, nod, ntp, pch, pdr, req, sch, smd, sub, ts, tsb, tsi, with_article,
};
use crate::error::{CseError, CseResult};

/// Every hosted type's kind, one line each: the one line a new type adds outside its
/// own files. The CSEBase `srt` lists exactly these.
static REGISTRY: &[&dyn ResourceKind] = &[
    &cse_base::CseBase,
    &acp::AccessControlPolicy,
    &ae::Ae,
    &cnt::Container,
    &cin::ContentInstance,
    &sub::Subscription,
    &smd::SemanticDescriptor,
    &crs::CrossResourceSubscription,
    &ntp::NotificationTargetPolicy,
    &ntp::NotificationTargetMgmtPolicyRef,
    &pdr::PolicyDeletionRules,
    &nod::Node,
    &mgo::MgmtObj,
    &fcnt::FlexContainer,
    &fcin::FlexContainerInstance,
    &grp::Group,
    &lcp::LocationPolicy,
    &ts::TimeSeries,
    &tsi::TimeSeriesInstance,
    &req::RequestKind,
    &sch::Schedule,
    &actr::Action,
    &depr::Dependency,
    &tsb::TimeSyncBeacon,
    &dac::DynamicAuthorizationConsultation,
    &pch::PollingChannel,
    &csr::RemoteCse,
    &annc::Announced(&onecse_models::resource::annc::ACP),
    &annc::Announced(&onecse_models::resource::annc::AE),
    &annc::Announced(&onecse_models::resource::annc::CNT),
    &annc::Announced(&onecse_models::resource::annc::CIN),
    &annc::Announced(&onecse_models::resource::annc::CB),
    &annc::Announced(&onecse_models::resource::annc::GRP),
    &annc::Announced(&onecse_models::resource::annc::MGO),
    &annc::Announced(&onecse_models::resource::annc::NOD),
    &annc::Announced(&onecse_models::resource::annc::TS),
    &annc::Announced(&onecse_models::resource::annc::FCNT),
];

/// Stands in for the kind of a resource whose type is not hosted, which the core
/// never builds: every operation on it is refused as an internal error.
pub struct Unhosted;

/// The spec [`Unhosted`] answers with: only reached through a bug, so the type
/// named in messages is irrelevant then.
static UNHOSTED: TypeSpec = TypeSpec::new(ResourceType::CseBase, &[], &[]);

impl ResourceKind for Unhosted {
    fn spec(&self) -> &'static TypeSpec {
        &UNHOSTED
    }

    fn children(&self) -> &'static [ResourceType] {
        &[]
    }

    fn refuse(&self, op: Operation) -> CseResult<()> {
        Err(CseError::internal(format!(
            "{} reached a resource of a type this CSE does not host",
            op.name()
        )))
    }
}

/// The kind of a hosted type, `None` for types onecse does not host.
pub fn kind(ty: ResourceType) -> Option<&'static dyn ResourceKind> {
    REGISTRY.iter().copied().find(|k| k.ty() == ty)
}

/// (parent type, instance type) for every hosted type that keeps instances: what
/// a single-statement `la`/`ol` lookup needs to know before it has read the parent.
pub fn instance_types() -> &'static [(ResourceType, ResourceType)] {
    static KEPT: std::sync::OnceLock<Vec<(ResourceType, ResourceType)>> =
        std::sync::OnceLock::new();
    KEPT.get_or_init(|| {
        REGISTRY
            .iter()
            .filter_map(|k| k.instances().map(|p| (k.ty(), p.instance_type)))
            .collect()
    })
}

/// The hosted types, for the CSEBase `srt`.
pub fn supported_types() -> impl Iterator<Item = ResourceType> {
    REGISTRY.iter().map(|k| k.ty())
}

/// The kind of a type a client names: 5001 for types onecse does not host.
pub fn hosted(ty: ResourceType) -> CseResult<&'static dyn ResourceKind> {
    kind(ty).ok_or_else(|| {
        CseError::new(
            ResponseStatusCode::NotImplemented,
            format!(
                "{} resources (ty {}) are not supported by this CSE",
                ty.long_name(),
                ty.number()
            ),
        )
    })
}

/// Refuses a CREATE of `child` under `parent`: 5001 for types onecse does not host,
/// 4005 for types the CSE creates itself, 5203 for a subscription under a type that
/// cannot be subscribed to, 4108 for a type that cannot be a child of this parent.
pub fn check_child_allowed(
    parent: &dyn ResourceKind,
    child: ResourceType,
) -> CseResult<&'static dyn ResourceKind> {
    let child_kind = hosted(child)?;
    if !child_kind.created_by_request() {
        return Err(CseError::not_allowed(format!(
            "{} cannot be created by a request",
            with_article(child.long_name())
        )));
    }
    if parent.children().contains(&child) {
        return Ok(child_kind);
    }
    let parent_name = with_article(parent.ty().long_name());
    if child == ResourceType::Subscription {
        // TS-0004 gives a refused subscription its own code.
        return Err(CseError::new(
            ResponseStatusCode::TargetNotSubscribable,
            format!("{parent_name} cannot be subscribed to"),
        ));
    }
    Err(CseError::new(
        ResponseStatusCode::InvalidChildResourceType,
        format!(
            "a {} cannot be created under {parent_name}",
            child.long_name()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsc(parent: ResourceType, child: ResourceType) -> Option<ResponseStatusCode> {
        let parent = kind(parent)?;
        check_child_allowed(parent, child).err().map(|e| e.rsc)
    }

    #[test]
    fn child_rules_give_the_spec_codes() {
        assert_eq!(rsc(ResourceType::CseBase, ResourceType::Ae), None);
        assert_eq!(
            rsc(ResourceType::Ae, ResourceType::Ae),
            Some(ResponseStatusCode::InvalidChildResourceType)
        );
        assert_eq!(
            rsc(ResourceType::CseBase, ResourceType::CseBase),
            Some(ResponseStatusCode::OperationNotAllowed)
        );
        assert_eq!(rsc(ResourceType::CseBase, ResourceType::RemoteCse), None);
        assert_eq!(
            rsc(ResourceType::Ae, ResourceType::RemoteCse),
            Some(ResponseStatusCode::InvalidChildResourceType)
        );
        assert_eq!(
            rsc(ResourceType::ContentInstance, ResourceType::Subscription),
            Some(ResponseStatusCode::TargetNotSubscribable)
        );
    }

    /// The parent → children table as it stood before the child rules were derived
    /// from each type's `parents` (issue 24): the derivation must give exactly this,
    /// plus the remoteCSE and its children added since (issue 27) and the announced
    /// types (announcement).
    const CHILD_RULES_BEFORE_ISSUE_24: &[(ResourceType, &[ResourceType])] = {
        use ResourceType::*;
        &[
            (AccessControlPolicy, &[Subscription]),
            (
                Ae,
                &[
                    AccessControlPolicy,
                    Container,
                    FlexContainer,
                    Group,
                    LocationPolicy,
                    PollingChannel,
                    Subscription,
                    SemanticDescriptor,
                    TimeSeries,
                    Action,
                    TimeSyncBeacon,
                    DynamicAuthorizationConsultation,
                    CrossResourceSubscription,
                ],
            ),
            (ContentInstance, &[SemanticDescriptor]),
            (SemanticDescriptor, &[Subscription]),
            (LocationPolicy, &[Subscription]),
            (
                Container,
                &[
                    Container,
                    ContentInstance,
                    FlexContainer,
                    Subscription,
                    SemanticDescriptor,
                    TimeSeries,
                    Action,
                ],
            ),
            (
                CseBase,
                &[
                    AccessControlPolicy,
                    Ae,
                    Container,
                    Node,
                    FlexContainer,
                    Group,
                    LocationPolicy,
                    Subscription,
                    TimeSeries,
                    RemoteCse,
                    Schedule,
                    Action,
                    TimeSyncBeacon,
                    DynamicAuthorizationConsultation,
                    CrossResourceSubscription,
                    NotificationTargetPolicy,
                    AccessControlPolicyAnnc,
                    AeAnnc,
                    ContainerAnnc,
                    CseBaseAnnc,
                    GroupAnnc,
                    NodeAnnc,
                    TimeSeriesAnnc,
                    FlexContainerAnnc,
                ],
            ),
            (
                RemoteCse,
                &[
                    AccessControlPolicy,
                    Container,
                    FlexContainer,
                    Group,
                    Subscription,
                    TimeSeries,
                    TimeSyncBeacon,
                    DynamicAuthorizationConsultation,
                    CrossResourceSubscription,
                    AccessControlPolicyAnnc,
                    AeAnnc,
                    ContainerAnnc,
                    GroupAnnc,
                    NodeAnnc,
                    TimeSeriesAnnc,
                    FlexContainerAnnc,
                ],
            ),
            (
                CrossResourceSubscription,
                &[NotificationTargetMgmtPolicyRef],
            ),
            (FlexContainerInstance, &[]),
            (
                FlexContainer,
                &[
                    Container,
                    FlexContainer,
                    Subscription,
                    SemanticDescriptor,
                    FlexContainerInstance,
                    Action,
                ],
            ),
            (Group, &[Subscription, SemanticDescriptor]),
            (MgmtObj, &[Subscription, SemanticDescriptor]),
            (
                Node,
                &[MgmtObj, Subscription, Schedule, Action, SemanticDescriptor],
            ),
            (PollingChannel, &[]),
            (Request, &[Subscription]),
            (Subscription, &[Schedule, NotificationTargetMgmtPolicyRef]),
            (Schedule, &[Subscription]),
            (Action, &[Subscription, Dependency]),
            (Dependency, &[Subscription]),
            (TimeSyncBeacon, &[Subscription]),
            (DynamicAuthorizationConsultation, &[Subscription]),
            (NotificationTargetMgmtPolicyRef, &[]),
            (NotificationTargetPolicy, &[PolicyDeletionRules]),
            (PolicyDeletionRules, &[]),
            (
                TimeSeries,
                &[TimeSeriesInstance, Subscription, SemanticDescriptor],
            ),
            (TimeSeriesInstance, &[]),
            (AccessControlPolicyAnnc, &[]),
            (
                AeAnnc,
                &[
                    AccessControlPolicyAnnc,
                    Container,
                    ContainerAnnc,
                    GroupAnnc,
                    TimeSeriesAnnc,
                    FlexContainerAnnc,
                ],
            ),
            (
                ContainerAnnc,
                &[
                    Container,
                    ContainerAnnc,
                    ContentInstanceAnnc,
                    TimeSeriesAnnc,
                    FlexContainerAnnc,
                ],
            ),
            (ContentInstanceAnnc, &[]),
            (
                CseBaseAnnc,
                &[
                    AccessControlPolicyAnnc,
                    AeAnnc,
                    ContainerAnnc,
                    GroupAnnc,
                    NodeAnnc,
                    TimeSeriesAnnc,
                    FlexContainerAnnc,
                ],
            ),
            (GroupAnnc, &[]),
            (MgmtObjAnnc, &[]),
            (NodeAnnc, &[MgmtObjAnnc]),
            (TimeSeriesAnnc, &[]),
            (FlexContainerAnnc, &[FlexContainerAnnc]),
        ]
    };

    fn numbers(types: &[ResourceType]) -> Vec<u16> {
        let mut numbers: Vec<u16> = types.iter().map(|t| t.number()).collect();
        numbers.sort_unstable();
        numbers
    }

    #[test]
    fn child_rules_are_exactly_the_ones_before_issue_24() {
        let mut parents: Vec<u16> = CHILD_RULES_BEFORE_ISSUE_24
            .iter()
            .map(|(p, _)| p.number())
            .collect();
        parents.sort_unstable();
        assert_eq!(parents, numbers(&supported_types().collect::<Vec<_>>()));
        for (parent, children) in CHILD_RULES_BEFORE_ISSUE_24 {
            let derived = kind(*parent).map(|k| numbers(k.children()));
            assert_eq!(derived, Some(numbers(children)), "{parent:?}");
        }
    }

    #[test]
    fn every_registered_kind_has_an_attribute_policy_and_one_entry() {
        for ty in supported_types() {
            assert!(onecse_models::resource::policy_for(ty).is_some(), "{ty:?}");
            assert_eq!(supported_types().filter(|t| *t == ty).count(), 1);
        }
    }

    #[test]
    fn every_type_with_a_spec_is_registered_and_every_kind_serves_its_spec() {
        let with_spec: Vec<ResourceType> = onecse_models::resource::specs()
            .map(|spec| spec.ty)
            .collect();
        assert_eq!(
            numbers(&supported_types().collect::<Vec<_>>()),
            numbers(&with_spec)
        );
        for ty in supported_types() {
            let served = kind(ty).map(|k| (k.ty(), k.spec().ty));
            assert_eq!(served, Some((ty, ty)));
        }
    }

    #[test]
    fn every_parent_a_spec_names_is_a_registered_type() {
        for spec in onecse_models::resource::specs() {
            for parent in spec.parents {
                assert!(kind(*parent).is_some(), "{:?} under {parent:?}", spec.ty);
            }
        }
    }
}
