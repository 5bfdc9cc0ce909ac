//! `<timeSeries>` rules (TS-0004 §7.4.35, spec digest resources §10 and
//! notifications-advanced §8): it keeps timeSeriesInstances under `mni`/`mbs`/`mia`
//! exactly as a container keeps contentInstances (see [`super::instances`]), checks
//! its periodic settings, and runs missing-data detection on the row's `due` timer
//! (see [`super::missing_data`]).

use onecse_models::resource::TypeSpec;
use onecse_models::resource::cin::check_content_info;
use onecse_models::resource::ts::{FROZEN_WHILE_DETECTING, Periodic};
use onecse_models::resource::tsi::data_generation_time;
use onecse_models::time::Timestamp;
use onecse_models::{ReleaseVersion, ResourceType};
use serde_json::{Map, Value, json};

use crate::core::notification::{Event, matcher};
use crate::core::record::Resource;
use crate::core::resources::missing_data::{self, Detection, Placement};
use crate::core::resources::{InstancePolicy, ResourceKind, instances};
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::store::resource_table;

/// The timeSeries kind.
pub struct TimeSeries;

static INSTANCES: InstancePolicy = InstancePolicy {
    instance_type: ResourceType::TimeSeriesInstance,
};

impl ResourceKind for TimeSeries {
    fn spec(&self) -> &'static TypeSpec {
        &onecse_models::resource::ts::SPEC
    }

    fn instances(&self) -> Option<&'static InstancePolicy> {
        Some(&INSTANCES)
    }

    fn check_values(&self, attrs: &Map<String, Value>, _rvi: ReleaseVersion) -> CseResult<()> {
        if let Some(cnf) = attrs.get("cnf").and_then(Value::as_str) {
            check_content_info(cnf)?;
        }
        Ok(())
    }

    fn on_create(
        &self,
        _tx: &mut Txn<'_>,
        _parent: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        instances::start_counters(&mut resource.attrs);
        resource.attrs.insert("mdc".into(), json!(0));
        complete_periodic(&mut resource.attrs, None)?;
        // Detection starts with the first instance, which sets `due`.
        resource.due = None;
        Ok(())
    }

    /// While `mdd` stays true the detection settings are frozen (4000); turning it
    /// off stops the timer and keeps the list (setting it true restarts detection, see
    /// `after_update`).
    fn on_update(
        &self,
        _tx: &mut Txn<'_>,
        before: &Resource,
        resource: &mut Resource,
    ) -> CseResult<()> {
        let was_on = detecting(&before.attrs);
        let is_on = detecting(&resource.attrs);
        let changed = FROZEN_WHILE_DETECTING
            .iter()
            .find(|n| before.attrs.get(**n) != resource.attrs.get(**n));
        if was_on != is_on
            && let Some(name) = changed
        {
            return Err(CseError::bad_request(format!(
                "mdd cannot be switched in the same UPDATE that changes {name}; change the settings while detection is off"
            )));
        }
        if was_on
            && is_on
            && let Some(name) = FROZEN_WHILE_DETECTING
                .iter()
                .find(|n| before.attrs.get(**n) != resource.attrs.get(**n))
        {
            return Err(CseError::bad_request(format!(
                "{name} cannot be changed while missing-data detection (mdd) is on; set mdd to false first"
            )));
        }
        complete_periodic(&mut resource.attrs, Some(&before.attrs))?;
        if !is_on {
            resource.due = None;
            // TS-0001 §9.6.36: new detection settings while detection is paused
            // clear what the old settings found.
            if changed.is_some() && resource.attrs.contains_key("mdlt") {
                resource.attrs.insert("mdlt".into(), json!([]));
                resource.attrs.insert("mdc".into(), json!(0));
            }
        }
        Ok(())
    }

    /// An UPDATE setting `mdd` to true (even when it was true already) clears
    /// `mdlt`/`mdc` and restarts detection at the next instance (digest §8); it is
    /// stored again, which only such an administrative UPDATE pays for.
    fn after_update(
        &self,
        tx: &mut Txn<'_>,
        _before: &Resource,
        resource: &mut Resource,
        request: &Map<String, Value>,
    ) -> CseResult<()> {
        if request.get("mdd").and_then(Value::as_bool) == Some(true) {
            resource.attrs.insert("mdlt".into(), json!([]));
            resource.attrs.insert("mdc".into(), json!(0));
            resource.due = None;
            resource_table::update(tx.conn, &resource.to_row())?;
        }
        instances::apply_changed_limits(tx, resource, request)
    }

    /// An instance more than `peid` before the expected time leaves the timer as it
    /// is: the expected instance is still awaited.
    fn due_after_instance(&self, parent: &Resource, instance: &Resource) -> Option<String> {
        let detection = Detection::of(&parent.attrs)?;
        let dgt = instance.attrs.get("dgt").and_then(Value::as_str)?;
        let dgt = data_generation_time(dgt).ok()?;
        let due = parent.due.as_deref().and_then(|d| Timestamp::parse(d).ok());
        if let Some(due) = due
            && detection.place(due, dgt) == Placement::TooEarly
        {
            return None;
        }
        Some(detection.due_after(dgt).to_string())
    }

    /// One run of the missing-data timer: records the expected instances whose
    /// `mdt` has passed, tells the net 8 subscriptions, and sets the next `due`.
    fn on_due(&self, tx: &mut Txn<'_>, series: &mut Resource) -> CseResult<()> {
        let due = series.due.as_deref().and_then(|d| Timestamp::parse(d).ok());
        let (Some(detection), Some(due)) = (Detection::of(&series.attrs), due) else {
            series.due = None;
            return Ok(());
        };
        let found = detection.run(due, tx.now);
        missing_data::record(&mut series.attrs, &found, detection.mdn);
        series.due = Some(found.next_due.to_string());
        let points: Vec<String> = found.newest_first.iter().map(|t| t.to_string()).collect();
        matcher::raise(
            tx,
            &Event::MissingData {
                series,
                points: &points,
            },
        )
    }
}

/// Records the expected instances an arriving instance of `series` jumped over (its
/// `dgt` more than `peid` after the expected time) at once, and tells the net 8
/// subscriptions, instead of leaving them unnoticed when the timer moves on.
pub(crate) fn record_skipped(
    tx: &mut Txn<'_>,
    series: &Resource,
    instance: &Resource,
) -> CseResult<()> {
    let Some(detection) = Detection::of(&series.attrs) else {
        return Ok(());
    };
    let due = series.due.as_deref().and_then(|d| Timestamp::parse(d).ok());
    let dgt = instance
        .attrs
        .get("dgt")
        .and_then(Value::as_str)
        .and_then(|d| data_generation_time(d).ok());
    let (Some(due), Some(dgt)) = (due, dgt) else {
        return Ok(());
    };
    if !matches!(detection.place(due, dgt), Placement::TooLate(_)) {
        return Ok(());
    }
    // Decide again on the row as it is now, held until the end of the request, so
    // a timer run or another instance in between is neither lost nor counted twice.
    let Some(row) = resource_table::lock_and_reload(tx.conn, &series.ri)? else {
        return Ok(());
    };
    let mut series = Resource::from_row(row)?;
    let due = series.due.as_deref().and_then(|d| Timestamp::parse(d).ok());
    let (Some(detection), Some(due)) = (Detection::of(&series.attrs), due) else {
        return Ok(());
    };
    let Placement::TooLate(found) = detection.place(due, dgt) else {
        return Ok(());
    };
    missing_data::record(&mut series.attrs, &found, detection.mdn);
    resource_table::update(tx.conn, &series.to_row())?;
    let points: Vec<String> = found.newest_first.iter().map(|t| t.to_string()).collect();
    matcher::raise(
        tx,
        &Event::MissingData {
            series: &series,
            points: &points,
        },
    )
}

/// Whether missing-data detection is switched on.
fn detecting(attrs: &Map<String, Value>) -> bool {
    attrs.get("mdd").and_then(Value::as_bool) == Some(true)
}

/// Fills the default `peid` (half of `pei`; kept following `pei` while it was the
/// default) and checks the periodic settings as they will be stored; detection
/// needs `pei` and `mdt`.
fn complete_periodic(
    attrs: &mut Map<String, Value>,
    before: Option<&Map<String, Value>>,
) -> CseResult<()> {
    let periodic = |a: &Map<String, Value>| {
        let int = |n: &str| a.get(n).and_then(Value::as_i64);
        Periodic {
            pei: int("pei"),
            peid: int("peid"),
            mdt: int("mdt"),
        }
    };
    let now = periodic(attrs);
    let peid_was_default = before.is_some_and(|b| {
        let old = periodic(b);
        old.peid.is_some() && old.peid == old.default_delta() && now.peid == old.peid
    });
    if now.peid.is_none() || peid_was_default {
        match now.default_delta() {
            Some(peid) => attrs.insert("peid".into(), json!(peid)),
            None => attrs.remove("peid"),
        };
    }
    periodic(attrs).check()?;
    if detecting(attrs) && (now.pei.is_none() || now.mdt.is_none()) {
        return Err(CseError::bad_request(
            "missing-data detection (mdd true) needs pei and mdt",
        ));
    }
    Ok(())
}
