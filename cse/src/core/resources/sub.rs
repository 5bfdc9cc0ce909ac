//! `<subscription>` rules (TS-0004 §7.4.8, spec digest notifications §2–§3): which
//! parents can be subscribed to, `enc`/`nct`/`bn` validity, targets, and the creator.

use onecse_models::ResourceType;
use onecse_models::resource::sub::{
    check_batch_notify, check_event_criteria, notification_content_type,
};
use serde_json::{Map, Value, json};

use crate::error::{CseError, CseResult};
use crate::notify::target;

/// Types a subscription may be created under (those onecse hosts that have the
/// subscription child in TS-0004).
pub fn subscribable(ty: ResourceType) -> bool {
    matches!(
        ty,
        ResourceType::CseBase | ResourceType::Ae | ResourceType::Container
    )
}

/// TS-0004 §7.4.8.2.1: the subscriber needs RETRIEVE privilege on the subscribed-to
/// resource (else 4103). onecse has no access control policies yet, so every
/// originator passes; when they land, this is the place `security::acp` decides.
pub fn check_subscriber_may_retrieve(
    _parent: &crate::core::resource::Resource,
    _originator: Option<&str>,
) -> CseResult<()> {
    Ok(())
}

/// Checks the subscription's attributes as they will be stored (after CREATE, or after
/// an UPDATE is merged) and fills `nct` and `enc` defaults.
pub fn check_and_complete(attrs: &mut Map<String, Value>) -> CseResult<()> {
    let net = check_event_criteria(attrs.get("enc"))?;
    let nct = notification_content_type(attrs.get("nct").and_then(Value::as_i64), &net)?;
    attrs.insert("nct".into(), json!(nct));
    if !attrs.contains_key("enc") {
        attrs.insert("enc".into(), json!({ "net": [1] }));
    }
    if let Some(bn) = attrs.get("bn") {
        check_batch_notify(bn)?;
    }
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

/// TS-0004 R3: when a notification target is not the originator itself, the CSE records
/// the originator as creator (and a `"cr": null` asks for it explicitly).
pub fn creator(attrs: &Map<String, Value>, originator: Option<&str>) -> Option<String> {
    let originator = originator?;
    let asked = attrs.contains_key("cr");
    let others = attrs
        .get("nu")
        .and_then(Value::as_array)
        .is_some_and(|nu| nu.iter().any(|e| e.as_str() != Some(originator)));
    (asked || others).then(|| originator.to_owned())
}

/// The `nu` entries to verify: new ones that are not the originator itself.
pub fn entries_to_verify(
    requested: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
    originator: Option<&str>,
) -> Vec<String> {
    let list = |attrs: Option<&Map<String, Value>>| -> Vec<String> {
        attrs
            .and_then(|a| a.get("nu"))
            .and_then(Value::as_array)
            .map(|nu| {
                nu.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = list(existing);
    list(Some(requested))
        .into_iter()
        .filter(|e| !before.contains(e) && Some(e.as_str()) != originator)
        .collect()
}
