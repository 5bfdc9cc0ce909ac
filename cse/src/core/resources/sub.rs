//! `<subscription>` rules (TS-0004 §7.4.8, spec digest notifications §2–§3): `enc`/
//! `nct`/`bn` validity, targets, the creator, and which new targets must be verified
//! before the subscription is stored.

use onecse_models::primitive::Request;
use onecse_models::resource::TypeSpec;
use onecse_models::resource::sub::{
    BLOCKING_UPDATE, MISSING_DATA, check_batch_notify, check_event_criteria,
    notification_content_type,
};
use onecse_models::resource::{check_attributes, content_for_type};
use onecse_models::{Operation, ResourceType, ResponseStatusCode};
use serde_json::{Map, Value, json};

use crate::core::ids::new_resource_id;
use crate::core::notification::Verification;
use crate::core::notification::target;
use crate::core::notification::{stats, watch};
use crate::core::record::{Resource, string_items};
use crate::core::resources::ResourceKind;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Requester;
use crate::store::resource_table;

/// The subscription kind.
pub struct Subscription;

impl ResourceKind for Subscription {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::sub::SPEC
    }

    /// TS-0004 §7.4.8.2.1 Recv-6.5: "if the notificationURI is not the Originator" the
    /// CSE records the Originator as creator; `"cr": null` asks for it explicitly (ACME
    /// sets it only then). Only an entry naming another oneM2M entity by resource ID is
    /// known not to be the Originator: a URL may well be the Originator's own receiver,
    /// so it sets no creator (and no `cr` in every notification; docs/conformance.md).
    fn creator(&self, attrs: &Map<String, Value>, originator: Option<&str>) -> Option<String> {
        let originator = originator?;
        let asked = attrs.contains_key("cr");
        let others = string_items(attrs, "nu")
            .iter()
            .any(|entry| names_another_entity(entry, originator));
        (asked || others).then(|| originator.to_owned())
    }

    fn on_create(
        &self,
        tx: &mut Txn<'_>,
        parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_and_complete(&mut resource.attrs, tx.cse.limits.max_targets)?;
        check_events_fit(parent, &resource.attrs)?;
        if watch::bits_of(&resource.attrs) & watch::BLOCKING != 0
            && parent.watch & watch::BLOCKING != 0
        {
            return Err(CseError::new(
                ResponseStatusCode::BlockingSubscriptionAlreadyExists,
                format!(
                    "{} already has a blocking-update subscription (net 7); only one is allowed",
                    super::with_article(parent.ty.long_name())
                ),
            ));
        }
        Ok(())
    }

    fn after_create(&self, tx: &mut Txn<'_>, resource: &mut Resource) -> CseResult<()> {
        match resource.pi.as_deref() {
            Some(pi) if watch::bits_of(&resource.attrs) != 0 => watch::refresh(tx, pi, None),
            _ => Ok(()),
        }
    }

    fn on_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        check_and_complete(&mut resource.attrs, tx.cse.limits.max_targets)?;
        let (now_blocking, was_blocking) = (
            watch::bits_of(&resource.attrs) & watch::BLOCKING != 0,
            watch::bits_of(&before.attrs) & watch::BLOCKING != 0,
        );
        if now_blocking && !was_blocking {
            return Err(CseError::bad_request(
                "net 7 (blocking update) can only be chosen when the subscription is created (TS-0004 §7.4.8.2.3)",
            ));
        }
        if was_blocking && !now_blocking {
            return Err(CseError::bad_request(
                "the event type of a blocking-update subscription (net 7) cannot be changed; delete it and subscribe anew",
            ));
        }
        stats::follow_targets(&mut resource.attrs);
        if !needs_parent_check(&resource.attrs) {
            return Ok(());
        }
        // Rare: only net 8 and chty need the parent's type.
        let parent = match resource.pi.as_deref() {
            Some(pi) => resource_table::find_by_ri(tx.conn, pi, &tx.now_text)?
                .map(Resource::from_row)
                .transpose()?,
            None => None,
        };
        match parent {
            Some(parent) => check_events_fit(&parent, &resource.attrs),
            None => Ok(()),
        }
    }

    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if stats::apply_reset(request, &mut resource.attrs) {
            resource_table::update(tx.conn, &resource.to_row())?;
        }
        match resource.pi.as_deref() {
            Some(pi) if watch::bits_of(&resource.attrs) != watch::bits_of(&before.attrs) => {
                watch::refresh(tx, pi, None)
            }
            _ => Ok(()),
        }
    }

    fn on_remove(&self, tx: &mut Txn<'_>, resource: &Resource) -> CseResult<()> {
        match resource.pi.as_deref() {
            Some(pi) if watch::bits_of(&resource.attrs) != 0 => {
                watch::refresh(tx, pi, Some(&resource.ri))
            }
            _ => Ok(()),
        }
    }

    fn verifies_targets(&self) -> bool {
        true
    }

    /// TS-0004 §7.4.8.2.1, §7.5.1.2.3: new `nu` entries that are not the originator
    /// itself get a verification request before the subscription is stored. Errors
    /// are the ones the request itself would get (invalid content).
    /// A target named by resource ID also needs the NOTIFY privilege of the
    /// subscriber on that resource (spec digest access-control §3), so nobody can
    /// point notifications at an AE that did not allow it.
    fn verification(
        &self,
        tx: &mut Txn<'_>,
        req: &Request,
        who: &Requester,
        target: &Resource,
    ) -> CseResult<Option<Verification>> {
        verification_of(self, tx, req, who, target, |tx, attrs, parent| {
            check_and_complete(attrs, tx.cse.limits.max_targets)?;
            check_events_fit(parent, attrs)
        })
    }
}

/// Whether `entry` names, by resource ID, an entity other than `originator` (the
/// originator itself may be written CSE-relative or with a CSE-ID before it).
fn names_another_entity(entry: &str, originator: &str) -> bool {
    let Ok(target::Entry::Resource(id)) = target::parse(entry) else {
        return false;
    };
    let own = id == originator
        || (id.starts_with('/')
            && id.rsplit('/').next() == Some(originator.trim_start_matches('/')));
    !own
}

/// The verification a CREATE or UPDATE of a type with notification targets (a
/// subscription, a crossResourceSubscription) needs: its new `nu` entries that are
/// not the originator itself, and the NOTIFY privilege on a new `su`. `check` is the
/// type's own check of a CREATE's content as it will be stored (its parent given), so
/// a request refused anyway sends nothing. Errors are the ones the request itself
/// would get (invalid content).
pub(crate) fn verification_of(
    kind: &dyn ResourceKind,
    tx: &mut Txn<'_>,
    req: &Request,
    who: &Requester,
    target: &Resource,
    check: impl FnOnce(&mut Txn<'_>, &mut Map<String, Value>, &Resource) -> CseResult<()>,
) -> CseResult<Option<Verification>> {
    let ty = kind.ty();
    let Some(content) = req.content.clone() else {
        return Ok(None);
    };
    let existing = (req.op == Operation::Update).then_some(target);
    let (sub_ri, creator, entries) = match existing {
        None => {
            let attrs = content_for_type(content, ty)?;
            check_attributes(ty, Operation::Create, &attrs)?;
            let mut complete = attrs.clone();
            check(tx, &mut complete, target)?;
            let entries = entries_to_verify(&attrs, None, req.from.as_deref());
            // The verification names who subscribes, so the target can check
            // that one's NOTIFY privilege, whether or not `cr` is stored.
            (new_resource_id(ty), req.from.clone(), entries)
        }
        Some(existing) => {
            // Invalid content is refused by the UPDATE itself, with its message.
            let Ok(attrs) = content_for_type(content, ty) else {
                return Ok(None);
            };
            if let Some(nu) = attrs.get("nu").and_then(Value::as_array) {
                check_target_count(nu.len(), tx.cse.limits.max_targets)?;
            }
            let entries = entries_to_verify(&attrs, Some(&existing.attrs), req.from.as_deref());
            let creator = existing
                .attrs
                .get("cr")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| req.from.clone());
            (existing.ri.clone(), creator, entries)
        }
    };
    if let Some(su) = new_subscriber(req.content.as_ref(), existing, req.from.as_deref()) {
        // Not verified (TS-0004 §7.4.8.2.1 verifies `nu` only), but it names where
        // the CSE sends the deletion notification: the NOTIFY privilege on an AE
        // it names, as for a `nu` entry; a URL meets the egress policy when sent.
        let _reach = target::named_by(tx, &su, who, "su")?;
    }
    if entries.is_empty() {
        return Ok(None);
    }
    let mut targets = Vec::with_capacity(entries.len());
    for entry in entries {
        let urls = target::named_by(tx, &entry, who, "nu entry")?;
        targets.push((entry, urls));
    }
    Ok(Some(Verification {
        sub_ri,
        creator,
        targets,
    }))
}

/// Checks the subscription's attributes as they will be stored (after CREATE, or after
/// an UPDATE is merged) and fills `nct` and `enc` defaults.
fn check_and_complete(attrs: &mut Map<String, Value>, max_targets: usize) -> CseResult<()> {
    let net = check_event_criteria(attrs.get("enc"))?;
    let nct = notification_content_type(attrs.get("nct").and_then(Value::as_i64), &net)?;
    attrs.insert("nct".into(), json!(nct));
    if !attrs.contains_key("enc") {
        attrs.insert("enc".into(), json!({ "net": [1] }));
    }
    if let Some(bn) = attrs.get("bn") {
        check_batch_notify(bn)?;
    }
    if net.contains(&BLOCKING_UPDATE) {
        check_blocking_policies(attrs)?;
    }
    if let Some(nec) = attrs.get("nec").and_then(Value::as_i64)
        && !matches!(nec, 2..=4 | 100..=999)
    {
        return Err(CseError::bad_request(format!(
            "nec {nec} is not an event category: 2 immediate, 3 best effort, 4 latest, or 100-999"
        )));
    }
    check_targets(attrs, max_targets)
}

/// Checks the notification targets (`nu`, at least one and at most `max_targets`)
/// and `su` of a subscription or crossResourceSubscription.
pub(crate) fn check_targets(attrs: &Map<String, Value>, max_targets: usize) -> CseResult<()> {
    let nu = attrs
        .get("nu")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if nu.is_empty() {
        return Err(CseError::bad_request(
            "nu must list at least one notification target",
        ));
    }
    check_target_count(nu.len(), max_targets)?;
    for entry in &nu {
        target::parse(entry.as_str().unwrap_or_default())?;
    }
    if let Some(su) = attrs.get("su") {
        let su = su
            .as_str()
            .ok_or_else(|| CseError::bad_request("su must be a string"))?;
        target::parse(su)?;
    }
    Ok(())
}

/// Notification policies a blocking-update subscription cannot have (spec digest
/// notifications §6): its one notification is sent while the UPDATE waits.
const NOT_WITH_BLOCKING: [&str; 8] = ["bn", "rl", "exc", "ln", "pn", "nsp", "psn", "nec"];

/// A blocking-update subscription has exactly one `nu`, a resource ID (the
/// subscriber answers for it), and none of [`NOT_WITH_BLOCKING`].
fn check_blocking_policies(attrs: &Map<String, Value>) -> CseResult<()> {
    if let Some(policy) = NOT_WITH_BLOCKING.iter().find(|p| attrs.contains_key(**p)) {
        return Err(CseError::bad_request(format!(
            "{policy} is not allowed in a blocking-update subscription (net 7)"
        )));
    }
    let nu = string_items(attrs, "nu");
    match nu.as_slice() {
        [one] if matches!(target::parse(one)?, target::Entry::Resource(_)) => Ok(()),
        [one] => Err(CseError::bad_request(format!(
            "the nu of a blocking-update subscription must be a resource ID, not the URL '{one}'"
        ))),
        _ => Err(CseError::bad_request(format!(
            "a blocking-update subscription (net 7) needs exactly one nu entry, not {}",
            nu.len()
        ))),
    }
}

/// A subscription names at most `max` targets (`notify_max_targets`): each is a
/// verification request now and a delivery stream later.
fn check_target_count(count: usize, max: usize) -> CseResult<()> {
    if count > max {
        return Err(CseError::bad_request(format!(
            "nu lists {count} notification targets; this CSE accepts at most {max} per subscription"
        )));
    }
    Ok(())
}

/// Whether the subscription asks for missing-data reports (net 8).
fn selects_missing_data(attrs: &Map<String, Value>) -> bool {
    attrs
        .get("enc")
        .and_then(|enc| enc.get("net"))
        .and_then(Value::as_array)
        .is_some_and(|net| net.iter().any(|n| n.as_i64() == Some(MISSING_DATA)))
}

/// Whether checking `enc` needs the subscribed-to resource (net 8, chty).
fn needs_parent_check(attrs: &Map<String, Value>) -> bool {
    selects_missing_data(attrs) || attrs.get("enc").is_some_and(|e| e.get("chty").is_some())
}

/// Net 8 (and its `enc/md`) only exists for a `<timeSeries>` (spec digest
/// notifications-advanced §8), and `chty` may only name types the subscribed-to
/// resource can have as children (notifications §2, the same child rules as CREATE):
/// 4000 otherwise.
fn check_events_fit(parent: &Resource, attrs: &Map<String, Value>) -> CseResult<()> {
    let parent_name = || super::with_article(parent.ty.long_name());
    if selects_missing_data(attrs) && parent.ty != ResourceType::TimeSeries {
        return Err(CseError::bad_request(format!(
            "net 8 (missing data) and enc/md apply only to a timeSeries, not to {}",
            parent_name()
        )));
    }
    let chty = attrs
        .get("enc")
        .and_then(|e| e.get("chty"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64);
    for ty in chty {
        let child = ResourceType::from_number(ty).ok();
        if !child.is_some_and(|c| parent.kind().children().contains(&c)) {
            return Err(CseError::bad_request(format!(
                "enc/chty names resource type {ty}, which cannot be a child of {}",
                parent_name()
            )));
        }
    }
    Ok(())
}

/// The `nu` entries to verify: new ones that are not the originator itself.
/// The `su` a CREATE or UPDATE `content` sets, when it is new and not the originator
/// itself (whose own AE it may always name, as a `nu` entry).
fn new_subscriber(
    content: Option<&Value>,
    existing: Option<&Resource>,
    originator: Option<&str>,
) -> Option<String> {
    let su = content?.as_object()?.values().next()?.get("su")?.as_str()?;
    let before = existing
        .and_then(|e| e.attrs.get("su"))
        .and_then(Value::as_str);
    (before != Some(su) && Some(su) != originator).then(|| su.to_owned())
}

fn entries_to_verify(
    requested: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
    originator: Option<&str>,
) -> Vec<String> {
    let list = |attrs: Option<&Map<String, Value>>| -> Vec<String> {
        attrs.map(|a| string_items(a, "nu")).unwrap_or_default()
    };
    let before = list(existing);
    list(Some(requested))
        .into_iter()
        .filter(|e| !before.contains(e) && Some(e.as_str()) != originator)
        .collect()
}
