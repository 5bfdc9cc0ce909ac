//! The member subscriptions of a crossResourceSubscription (TS-0004 §7.4.58.2.1,
//! spec digest notifications-advanced §13): at creation the CSE subscribes to every
//! regular target (`rrat`) for the originator, with `nu` and `acrs` naming the
//! crossResourceSubscription, and adds itself to `nu`/`acrs` of every subscription
//! target (`srat`). It does so in the creating request's transaction, so a failure
//! anywhere (5221 CROSS_RESOURCE_OPERATION_FAILURE) leaves nothing behind. At
//! deletion it removes what it created and detaches from the rest.

use onecse_models::primitive::{FilterCriteria, Request};
use onecse_models::resource::crs::criteria_per_target;
use onecse_models::{Operation, ReleaseVersion, ResourceType, ResponseStatusCode, ResultContent};
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Destination, Target};
use crate::core::ids::new_resource_id;
use crate::core::notification::{cross_resource, stats, subscriber};
use crate::core::operations::create::create;
use crate::core::record::{Resource, string_items};
use crate::core::removal::{self, Cause};
use crate::core::resources::check_child_allowed;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::{self, Access};
use crate::store::resource_table;

/// The 5221 answer for a target the crossResourceSubscription cannot use.
fn failure(what: &str, id: &str, why: &str) -> CseError {
    CseError::new(
        ResponseStatusCode::CrossResourceOperationFailure,
        format!("{what} '{id}': {why}"),
    )
}

/// Loads a target of this CSE, authorizing `access` for the crossResourceSubscription's
/// creator. A target on another CSE is not supported (5001).
fn load(
    tx: &mut Txn<'_>,
    crs: &Resource,
    what: &str,
    id: &str,
    op: Operation,
    access: Access,
) -> CseResult<Target> {
    let address = match addressing::parse(id, tx.cse) {
        Ok(Destination::Local(address)) => address,
        Ok(Destination::Remote { cse, .. }) => {
            return Err(CseError::new(
                ResponseStatusCode::NotImplemented,
                format!(
                    "{what} '{id}' is on CSE {cse}: crossResourceSubscription targets on other CSEs are not supported"
                ),
            ));
        }
        Err(err) => return Err(failure(what, id, &err.message)),
    };
    let target =
        addressing::load(tx, &address, op, false).map_err(|e| failure(what, id, &e.message))?;
    let owner = crs.owner.clone().unwrap_or_default();
    let who = subscriber::requester(tx, &owner);
    security::authorize(tx.cse.site(), tx, &target.question(&who, access))
        .map_err(|e| failure(what, id, &e.message))?;
    Ok(target)
}

/// Subscribes to every regular target and joins every subscription target; fills
/// `rrats` with the subscriptions it created.
pub fn attach(tx: &mut Txn<'_>, crs: &mut Resource) -> CseResult<()> {
    let rrat = string_items(&crs.attrs, "rrat");
    let criteria = criteria_per_target(crs.attrs.get("encs"), rrat.len())?;
    let mut rrats = Vec::with_capacity(rrat.len());
    for (target, enc) in rrat.iter().zip(criteria) {
        rrats.push(subscribe(tx, crs, target, enc)?);
    }
    if !rrats.is_empty() {
        crs.attrs.insert("rrats".into(), json!(rrats));
    }
    for target in string_items(&crs.attrs, "srat") {
        join(tx, crs, &target)?;
    }
    Ok(())
}

/// Creates the subscription on one regular target, as its creator would: the same
/// checks and defaults as a CREATE request (but no verification: its only target is
/// this crossResourceSubscription). Returns its SP-relative ID.
fn subscribe(tx: &mut Txn<'_>, crs: &Resource, id: &str, enc: Option<Value>) -> CseResult<String> {
    let what = "rrat target";
    let ty = ResourceType::Subscription;
    let target = load(tx, crs, what, id, Operation::Create, Access::Create(ty))?;
    check_child_allowed(target.resource.kind(), ty).map_err(|e| failure(what, id, &e.message))?;
    let crs_id = cross_resource::id_of(tx, crs);
    let mut content = Map::new();
    content.insert("nu".into(), json!([crs_id]));
    for name in ["et", "nec"] {
        if let Some(value) = crs.attrs.get(name) {
            content.insert(name.into(), value.clone());
        }
    }
    if let Some(enc) = enc {
        content.insert("enc".into(), enc);
    }
    let ri = new_resource_id(ty);
    let req = Request {
        op: Operation::Create,
        to: target.resource.ri.clone(),
        from: crs.owner.clone(),
        rqi: String::new(),
        rvi: ReleaseVersion::V4,
        vsi: None,
        ty: Some(ty),
        content: Some(json!({ "m2m:sub": content })),
        rcn: Some(ResultContent::Nothing),
        filter: FilterCriteria::default(),
        attribute_list: Vec::new(),
        drt: None,
        timing: Default::default(),
        response_type: Default::default(),
        query: String::new(),
    };
    create(tx, &req, ty, target.resource, Some(&ri)).map_err(|e| failure(what, id, &e.message))?;
    let mut sub = reload(tx, &ri)?;
    sub.attrs.insert("acrs".into(), json!([crs_id]));
    resource_table::update(tx.conn, &sub.to_row())?;
    Ok(format!("{}/{ri}", tx.cse.cse_id))
}

/// Adds the crossResourceSubscription to `nu` and `acrs` of a subscription target
/// (needs UPDATE on it).
fn join(tx: &mut Txn<'_>, crs: &Resource, id: &str) -> CseResult<()> {
    let what = "srat target";
    let target = load(tx, crs, what, id, Operation::Update, Access::Update)?;
    let mut sub = target.resource;
    if sub.ty != ResourceType::Subscription {
        return Err(failure(
            what,
            id,
            &format!("it is {}, not a subscription", sub.ty.with_article()),
        ));
    }
    let crs_id = cross_resource::id_of(tx, crs);
    for name in ["nu", "acrs"] {
        let mut items = string_items(&sub.attrs, name);
        if !items.contains(&crs_id) {
            items.push(crs_id.clone());
        }
        sub.attrs.insert(name.into(), json!(items));
    }
    stats::follow_targets(&mut sub.attrs);
    resource_table::update(tx.conn, &sub.to_row())?;
    Ok(())
}

/// Removes the subscriptions created on the regular targets and leaves the
/// subscription targets as they were; members already gone are skipped.
pub fn detach(tx: &mut Txn<'_>, crs: &Resource) -> CseResult<()> {
    let crs_id = cross_resource::id_of(tx, crs);
    let own = format!("{}/", tx.cse.cse_id);
    for id in string_items(&crs.attrs, "rrats") {
        let ri = id.strip_prefix(&own).unwrap_or(&id).to_owned();
        let Some(mut sub) = find(tx, &ri)? else {
            continue;
        };
        // No longer a member: its removal must not come back to this one.
        sub.attrs.remove("acrs");
        resource_table::update(tx.conn, &sub.to_row())?;
        removal::remove(tx, &sub, Cause::Request)?;
    }
    for id in string_items(&crs.attrs, "srat") {
        let Ok(Destination::Local(address)) = addressing::parse(&id, tx.cse) else {
            continue;
        };
        let Some(mut sub) = addressing::find(tx, &address)? else {
            continue;
        };
        for name in ["nu", "acrs"] {
            let items: Vec<String> = string_items(&sub.attrs, name)
                .into_iter()
                .filter(|i| *i != crs_id)
                .collect();
            if items.is_empty() && name == "acrs" {
                sub.attrs.remove(name);
            } else {
                sub.attrs.insert(name.into(), json!(items));
            }
        }
        stats::follow_targets(&mut sub.attrs);
        resource_table::update(tx.conn, &sub.to_row())?;
    }
    Ok(())
}

fn find(tx: &mut Txn<'_>, ri: &str) -> CseResult<Option<Resource>> {
    resource_table::find_by_ri(tx.conn, ri, &tx.now_text)?
        .map(Resource::from_row)
        .transpose()
}

fn reload(tx: &mut Txn<'_>, ri: &str) -> CseResult<Resource> {
    find(tx, ri)?.ok_or_else(|| CseError::internal(format!("subscription {ri} vanished")))
}
