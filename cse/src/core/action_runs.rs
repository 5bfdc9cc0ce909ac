//! Runs `<action>` resources (TS-0001 §9.6.61, TS-0004 §7.4.61; R4): on the action's
//! timer (the row's `due`, claimed like every timer, so one process runs it), the
//! criteria are evaluated on the subject resource (`sri`, else the parent) and the
//! dependencies it lists (`dep`); when they hold, the action primitive (`apv`) is kept
//! in the request queue and run by the non-blocking request worker through the normal
//! dispatch, as the action's creator, so access control decides it like any request.
//! Its response becomes `air`.
//!
//! The last execution is remembered in `air`: while its request waits, `air` is an
//! `m2m:responsePrimitive` with rsc 1000 (accepted) whose `rqi` is
//! `<action>:<executions>:<fingerprint of the subject>`; the response that replaces it keeps that
//! `rqi`. So a continuous action knows how often it ran and whether its subject
//! changed since, without state outside the resource.

use onecse_models::ReleaseVersion;
use onecse_models::ResourceType;
use onecse_models::eval_criteria::EvalCriteria;
use onecse_models::primitive::Request;
use onecse_models::resource::actr::{
    ActionPrimitive, EVAL_CONTINUOUS, EVAL_OFF, EVAL_ONCE, EVAL_PERIODIC,
};
use serde_json::{Map, Value, json};

use crate::core::addressing::{self, Destination};
use crate::core::nonblocking_requests;
use crate::core::record::Resource;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Caller;
use crate::store::resource_table;

/// How often an action in mode once or continuous looks at its subject.
pub const WATCH_PERIOD_MS: i64 = 200;

/// The period of a periodic action without `ecp`.
pub const DEFAULT_PERIOD_MS: i64 = 1000;

/// The resource an address (`sri`, `rri`) names on this CSE, if it exists.
pub fn resolve(tx: &mut Txn<'_>, id: &str) -> CseResult<Option<Resource>> {
    match addressing::parse(id, tx.cse)? {
        Destination::Local(address) => addressing::find(tx, &address),
        Destination::Remote { reason, .. } => Err(CseError::bad_request(format!(
            "'{id}' is not a resource of this CSE: {reason}"
        ))),
    }
}

/// When the action's timer is next due after `now`, by its mode.
pub fn next_due(tx: &Txn<'_>, attrs: &Map<String, Value>) -> Option<String> {
    let evm = attrs.get("evm").and_then(Value::as_i64).unwrap_or(EVAL_OFF);
    let period = match evm {
        EVAL_ONCE | EVAL_CONTINUOUS => WATCH_PERIOD_MS,
        EVAL_PERIODIC => attrs
            .get("ecp")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_PERIOD_MS),
        _ => return None,
    };
    Some(tx.now.plus_millis(period).to_string())
}

/// One run of the action's timer: evaluates, executes when due to, and sets the next
/// `due` (or none once the action is done).
pub fn run(tx: &mut Txn<'_>, action: &mut Resource) -> CseResult<()> {
    let evm = action
        .attrs
        .get("evm")
        .and_then(Value::as_i64)
        .unwrap_or(EVAL_OFF);
    if evm == EVAL_OFF {
        action.due = None;
        return Ok(());
    }
    let subject = subject_of(tx, action)?;
    let criteria = action
        .attrs
        .get("evc")
        .and_then(|evc| EvalCriteria::parse(evc, "evc").ok());
    let holds = match (&subject, &criteria) {
        (Some(subject), Some(criteria)) => {
            criteria.holds(&subject.attrs) && dependencies_hold(tx, action)?
        }
        _ => false,
    };
    let mark = subject.as_ref().map(fingerprint).unwrap_or_default();
    let (runs, last_mark) = last_execution(action);
    let fire = holds && (evm != EVAL_CONTINUOUS || last_mark.as_deref() != Some(mark.as_str()));
    let mut runs_now = runs;
    if fire && execute(tx, action, runs + 1, &mark)? {
        runs_now += 1;
    }
    let limit = action.attrs.get("ecp").and_then(Value::as_i64);
    let done = match evm {
        EVAL_ONCE => runs_now > runs,
        EVAL_CONTINUOUS => limit.is_some_and(|n| i64::from(runs_now) >= n),
        _ => false,
    };
    if done {
        action.attrs.insert("evm".into(), json!(EVAL_OFF));
        action.due = None;
    } else {
        action.due = next_due(tx, &action.attrs);
    }
    Ok(())
}

/// A short fingerprint of the subject's attributes (FNV-1a over its JSON), which
/// changes whenever the subject does (a new instance changes a container's `cni`
/// without changing its `lt`).
fn fingerprint(subject: &Resource) -> String {
    let text = Value::Object(subject.attrs.clone()).to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The subject: `sri`, else the action's parent.
fn subject_of(tx: &mut Txn<'_>, action: &Resource) -> CseResult<Option<Resource>> {
    match action.attrs.get("sri").and_then(Value::as_str) {
        Some(sri) => resolve(tx, sri).or(Ok(None)),
        None => Ok(resource_table::find_by_ri(
            tx.conn,
            action.pi.as_deref().unwrap_or_default(),
            &tx.now_text,
        )?
        .map(Resource::from_row)
        .transpose()?),
    }
}

/// Whether the dependencies `dep` lists allow the action (TS-0001 §9.6.62): one
/// sufficient (`sfc` true) dependency that holds is enough; otherwise every necessary
/// one must hold, and there must be one. No `dep`: nothing to wait for.
pub fn dependencies_hold(tx: &mut Txn<'_>, action: &Resource) -> CseResult<bool> {
    let listed = crate::core::record::string_items(&action.attrs, "dep");
    if listed.is_empty() {
        return Ok(true);
    }
    let (mut necessary, mut all_necessary_hold) = (0, true);
    for ri in listed {
        let Some(dep) = resolve(tx, &ri).ok().flatten() else {
            all_necessary_hold = false;
            continue;
        };
        let sufficient = dep.attrs.get("sfc").and_then(Value::as_bool) == Some(true);
        let holds = condition_holds(tx, &dep)?;
        if sufficient && holds {
            return Ok(true);
        }
        if !sufficient {
            necessary += 1;
            all_necessary_hold &= holds;
        }
    }
    Ok(necessary > 0 && all_necessary_hold)
}

/// A dependency's `evc` on its `rri` resource.
fn condition_holds(tx: &mut Txn<'_>, dep: &Resource) -> CseResult<bool> {
    let criteria = dep
        .attrs
        .get("evc")
        .and_then(|evc| EvalCriteria::parse(evc, "evc").ok());
    let target = match dep.attrs.get("rri").and_then(Value::as_str) {
        Some(rri) => resolve(tx, rri).ok().flatten(),
        None => None,
    };
    Ok(matches!((criteria, target), (Some(c), Some(t)) if c.holds(&t.attrs)))
}

/// (executions so far, subject `lt` at the last one) from `air`'s `rqi`.
fn last_execution(action: &Resource) -> (u32, Option<String>) {
    let rqi = action
        .attrs
        .get("air")
        .and_then(|air| air.get("rqi"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut parts = rqi.splitn(3, ':').skip(1);
    let runs = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    (runs, parts.next().map(str::to_owned))
}

/// Keeps the action primitive for the request worker, as the action's creator; false
/// when the previous execution still waits (it is not queued twice).
fn execute(tx: &mut Txn<'_>, action: &mut Resource, run: u32, mark: &str) -> CseResult<bool> {
    let Some(apv) = action
        .attrs
        .get("apv")
        .and_then(|a| ActionPrimitive::parse(a).ok())
    else {
        return Ok(false);
    };
    let rqi = format!("{}:{run}:{mark}", action.ri);
    let request = Request {
        op: apv.op,
        to: apv.to,
        from: Some(apv.from.clone()),
        rqi: rqi.clone(),
        rvi: ReleaseVersion::parse("4")?,
        vsi: None,
        ty: apv.ty,
        content: apv.content,
        rcn: None,
        filter: Default::default(),
        attribute_list: Vec::new(),
        drt: None,
        timing: Default::default(),
        response_type: Default::default(),
        query: String::new(),
    };
    let caller = Caller {
        ip: None,
        authenticated: tx.cse.site().settings.originators_verified,
    };
    if !nonblocking_requests::keep_for(tx, &action.ri, &apv.from, &request, caller)? {
        return Ok(false);
    }
    action.attrs.insert(
        "air".into(),
        json!({"rsc": 1000, "rqi": rqi, "fr": tx.cse.cse_id, "ot": tx.now_text}),
    );
    Ok(true)
}

/// The checks an action gets on CREATE and UPDATE that need the database: `apv` sent
/// as the requester (4000 otherwise), `sri` naming a resource, `dep` naming its own
/// dependency children, `ecp` only for modes that use it.
pub fn check(tx: &mut Txn<'_>, action: &Resource) -> CseResult<()> {
    let apv = action
        .attrs
        .get("apv")
        .map(ActionPrimitive::parse)
        .transpose()?
        .ok_or_else(|| CseError::bad_request("apv is missing"))?;
    if let Some(originator) = tx.requester.as_ref().and_then(|r| r.originator.clone())
        && apv.from != originator
    {
        return Err(CseError::bad_request(format!(
            "apv.fr '{}' must be the originator of this request ('{originator}'): an action acts only as its creator",
            apv.from
        )));
    }
    let evm = action
        .attrs
        .get("evm")
        .and_then(Value::as_i64)
        .unwrap_or(EVAL_OFF);
    if action.attrs.get("ecp").is_some_and(|e| !e.is_null()) && matches!(evm, EVAL_OFF | EVAL_ONCE)
    {
        return Err(CseError::bad_request(format!(
            "ecp is only allowed with evm 2 (periodic) or 3 (continuous), not {evm}"
        )));
    }
    if let Some(evc) = action.attrs.get("evc") {
        EvalCriteria::parse(evc, "evc")?;
    }
    if let Some(sri) = action.attrs.get("sri").and_then(Value::as_str)
        && resolve(tx, sri)?.is_none()
    {
        return Err(CseError::bad_request(format!(
            "sri '{sri}' does not name a resource of this CSE"
        )));
    }
    for dep in crate::core::record::string_items(&action.attrs, "dep") {
        let found = resolve(tx, &dep).ok().flatten();
        if !found.is_some_and(|d| {
            d.ty == ResourceType::Dependency && d.pi.as_deref() == Some(&action.ri)
        }) {
            return Err(CseError::bad_request(format!(
                "dep '{dep}' is not a dependency child of this action"
            )));
        }
    }
    Ok(())
}
