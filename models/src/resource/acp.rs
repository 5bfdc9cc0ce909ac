//! `<accessControlPolicy>` (ty 1) attributes and its privileges (`pv`, `pvs`) as typed
//! rules (TS-0001 §9.6.2, TS-0003 §7.1, spec digest access-control §1–§6).
//!
//! Parsing validates every field once, with a message naming it, so a stored policy
//! is always one the decision can evaluate; the matching here is pure (the caller
//! supplies the request's time, address and authentication), which keeps the server's
//! decision a loop over loaded rules.

use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::{Governance, TypeSpec};
use crate::problem::Problem;
use crate::types::ResourceType;

/// The attributes of a resource that say who governs it (`acpi`, and the R4
/// custodian `cstn`): an UPDATE changing one changes them alone and is decided by the
/// selfPrivileges of the current policies (or by the custodian or creator when there
/// are none), not by the privileges that govern the other attributes.
pub const ACCESS_ATTRIBUTES: [&str; 2] = ["acpi", "cstn"];

/// The accessControlPolicy: under the CSEBase or an AE; access to it is decided by its own `pvs`.
pub const SPEC: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::AccessControlPolicy,
        ATTRIBUTES,
        &[CseBase, Ae, RemoteCse],
    )
    .governed_by(Governance::SelfPrivileges)
    .announced_as(&super::annc::ACP_ANNOUNCEMENT)
};

/// accessControlPolicy attribute table (distributed authorization is answered 5001).
pub(crate) const ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList),
    A::read_write("aa", TextList),
    A::read_write("pv", Object).mandatory(),
    A::read_write("pvs", Object).mandatory(),
    A::read_write("adri", TextList).unsupported(),
    A::read_write("apri", TextList).unsupported(),
    A::read_write("airi", TextList).unsupported(),
];

/// The `acop` bits (TS-0001 Table 9.6.2.1-2).
pub mod operation {
    /// CREATE a child.
    pub const CREATE: u8 = 1;
    /// RETRIEVE.
    pub const RETRIEVE: u8 = 2;
    /// UPDATE.
    pub const UPDATE: u8 = 4;
    /// DELETE.
    pub const DELETE: u8 = 8;
    /// NOTIFY.
    pub const NOTIFY: u8 = 16;
    /// DISCOVERY.
    pub const DISCOVER: u8 = 32;
    /// Every operation.
    pub const ALL: u8 = 63;

    /// The privilege's name, for messages.
    pub fn name(bit: u8) -> &'static str {
        match bit {
            CREATE => "CREATE",
            RETRIEVE => "RETRIEVE",
            UPDATE => "UPDATE",
            DELETE => "DELETE",
            NOTIFY => "NOTIFY",
            DISCOVER => "DISCOVERY",
            _ => "unknown",
        }
    }
}

/// A set of access control rules (`m2m:setOfAcrs`): the content of `pv` or `pvs`.
#[derive(Debug, Clone, Default)]
pub struct Privileges {
    /// The rules, in order; any one of them may permit.
    pub rules: Vec<Rule>,
}

/// One `m2m:accessControlRule`.
#[derive(Debug, Clone)]
pub struct Rule {
    originators: Vec<String>,
    operations: u8,
    contexts: Vec<Context>,
    authenticated_only: bool,
    object_details: Vec<ObjectDetails>,
}

/// One `acco` entry: every present element must hold (an absent one holds).
#[derive(Debug, Clone, Default)]
struct Context {
    windows: Option<Vec<cron::Schedule>>,
    addresses: Option<Vec<IpNet>>,
    /// A location region is validated but cannot hold: onecse does not know where an
    /// originator is, and a rule that depends on it must not grant by guesswork.
    region: bool,
}

/// One `acod` entry.
#[derive(Debug, Clone)]
struct ObjectDetails {
    ty: Option<u16>,
    specialization: bool,
    child_types: Vec<u16>,
}

/// What a rule is matched against: the facts of one request.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// The originator in canonical SP-relative form (see [`canonical_originator`]).
    pub originator: &'a str,
    /// This CSE's SP-relative CSE-ID (`/id-in`).
    pub cse_id: &'a str,
    /// This CSE's SP-ID with its leading `//` (`//acme.example.com`).
    pub sp_id: &'a str,
    /// The `acop` bit the request needs.
    pub operation: u8,
    /// For a CREATE, the type of the new child and the type of the target.
    pub create: Option<(u16, u16)>,
    /// The request time.
    pub time: DateTime<Utc>,
    /// The peer's address, if known.
    pub ip: Option<IpAddr>,
    /// Whether the originator was authenticated by the binding.
    pub authenticated: bool,
}

impl Privileges {
    /// Parses and validates `value` as the attribute `field` (`pv` or `pvs`).
    pub fn parse(value: &Value, field: &str) -> Result<Self, Problem> {
        let object = value
            .as_object()
            .ok_or_else(|| bad(field, "must be an object {\"acr\": [...]}"))?;
        if let Some(other) = object.keys().find(|k| *k != "acr") {
            return Err(bad(field, &format!("has unknown member '{other}'")));
        }
        let rules = list_of(object.get("acr"), &format!("{field}.acr"), Rule::parse)?;
        Ok(Self { rules })
    }

    /// Whether some rule permits the request, no `acor` entry naming a group.
    pub fn permits(&self, situation: &Situation<'_>) -> bool {
        self.permits_with(situation, &mut |_| false)
    }

    /// Whether some rule permits the request, `member_of` saying whether the
    /// originator is a member of a group an `acor` entry names. It is asked only for
    /// entries that name a group (see [`names_group`]), and only when the rest of the
    /// rule (operation, contexts, object details) already holds: a rule that names no
    /// group costs no lookup.
    pub fn permits_with(
        &self,
        situation: &Situation<'_>,
        member_of: &mut dyn FnMut(&str) -> bool,
    ) -> bool {
        self.rules
            .iter()
            .any(|rule| rule.permits(situation, member_of))
    }
}

impl Rule {
    fn parse(value: &Value, at: &str) -> Result<Self, Problem> {
        let rule = value
            .as_object()
            .ok_or_else(|| bad(at, "must be an object"))?;
        const KNOWN: [&str; 6] = ["acor", "acop", "acco", "acaf", "acod", "aca"];
        if let Some(other) = rule.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(bad(at, &format!("has unknown member '{other}'")));
        }
        if rule.contains_key("aca") {
            return Err(Problem::not_implemented(format!(
                "{at}.aca: attribute-level access control is not supported"
            )));
        }
        let originators = text_list(rule.get("acor"), &format!("{at}.acor"))?
            .ok_or_else(|| bad(&format!("{at}.acor"), "is mandatory"))?;
        if originators.is_empty() || originators.iter().any(String::is_empty) {
            return Err(bad(
                &format!("{at}.acor"),
                "must list at least one non-empty originator",
            ));
        }
        let operations = match rule.get("acop").and_then(Value::as_u64) {
            Some(bits @ 1..=63) => u8::try_from(bits).unwrap_or(operation::ALL),
            _ => {
                return Err(bad(
                    &format!("{at}.acop"),
                    "must be an operation bit mask from 1 to 63",
                ));
            }
        };
        let contexts = list_of(rule.get("acco"), &format!("{at}.acco"), Context::parse)?;
        let authenticated_only = match rule.get("acaf") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => return Err(bad(&format!("{at}.acaf"), "must be true or false")),
        };
        let object_details = list_of(
            rule.get("acod"),
            &format!("{at}.acod"),
            ObjectDetails::parse,
        )?;
        Ok(Self {
            originators,
            operations,
            contexts,
            authenticated_only,
            object_details,
        })
    }

    fn permits(&self, s: &Situation<'_>, member_of: &mut dyn FnMut(&str) -> bool) -> bool {
        self.operations & s.operation != 0
            && (!self.authenticated_only || s.authenticated)
            && (self.contexts.is_empty() || self.contexts.iter().any(|c| c.holds(s)))
            && self.object_details_allow(s)
            && (self
                .originators
                .iter()
                .any(|entry| originator_matches(entry, s.originator, s.cse_id, s.sp_id))
                || self
                    .originators
                    .iter()
                    .filter(|entry| names_group(entry))
                    .any(|group| member_of(group)))
    }

    /// `acod` restricts CREATE to some child types (and, with `ty`, to some parents);
    /// other operations are not restricted by it.
    fn object_details_allow(&self, s: &Situation<'_>) -> bool {
        let Some((child, parent)) = s.create else {
            return true;
        };
        self.object_details.is_empty()
            || self.object_details.iter().any(|d| {
                !d.specialization
                    && d.ty.is_none_or(|ty| ty == parent)
                    && d.child_types.contains(&child)
            })
    }
}

impl Context {
    fn parse(value: &Value, at: &str) -> Result<Self, Problem> {
        let context = value
            .as_object()
            .ok_or_else(|| bad(at, "must be an object"))?;
        const KNOWN: [&str; 3] = ["actw", "acip", "aclr"];
        if let Some(other) = context.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(Problem::not_implemented(format!(
                "{at}.{other}: this access control context is not supported"
            )));
        }
        let windows = text_list(context.get("actw"), &format!("{at}.actw"))?
            .map(|windows| {
                windows
                    .iter()
                    .enumerate()
                    .map(|(i, w)| time_window(w, &format!("{at}.actw[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let addresses = match context.get("acip") {
            None | Some(Value::Null) => None,
            Some(Value::Object(acip)) => Some(ip_ranges(acip, &format!("{at}.acip"))?),
            Some(_) => {
                return Err(bad(
                    &format!("{at}.acip"),
                    "must be an object {\"ipv4\": [...], \"ipv6\": [...]}",
                ));
            }
        };
        let region = match context.get("aclr") {
            None | Some(Value::Null) => false,
            Some(aclr) => {
                check_region(aclr, &format!("{at}.aclr"))?;
                true
            }
        };
        Ok(Self {
            windows,
            addresses,
            region,
        })
    }

    fn holds(&self, s: &Situation<'_>) -> bool {
        let in_window = self
            .windows
            .as_ref()
            .is_none_or(|windows| windows.iter().any(|w| w.includes(s.time)));
        let from_address = self.addresses.as_ref().is_none_or(|ranges| {
            s.ip.is_some_and(|ip| {
                let ip = ip.to_canonical();
                ranges.iter().any(|range| range.contains(&ip))
            })
        });
        in_window && from_address && !self.region
    }
}

impl ObjectDetails {
    fn parse(value: &Value, at: &str) -> Result<Self, Problem> {
        let details = value
            .as_object()
            .ok_or_else(|| bad(at, "must be an object"))?;
        const KNOWN: [&str; 3] = ["ty", "spty", "chty"];
        if let Some(other) = details.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(bad(at, &format!("has unknown member '{other}'")));
        }
        let ty = match details.get("ty") {
            None | Some(Value::Null) => None,
            Some(v) => Some(resource_type(v, &format!("{at}.ty"))?),
        };
        let child_types = match details.get("chty") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| resource_type(v, &format!("{at}.chty")))
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(bad(
                    &format!("{at}.chty"),
                    "is mandatory: a non-empty list of resource types",
                ));
            }
        };
        Ok(Self {
            ty,
            specialization: details.get("spty").is_some_and(|v| !v.is_null()),
            child_types,
        })
    }
}

/// Whether the `acor` entry `entry` names `originator` (canonical SP-relative form,
/// see [`canonical_originator`]): `all`; an SP-ID `//domain` (every originator of that
/// service provider); otherwise an AE-ID or CSE-ID in any of its forms, compared in
/// canonical form, where `*` matches any characters within one path segment
/// (TS-0003 §7.1.3).
pub fn originator_matches(entry: &str, originator: &str, cse_id: &str, sp_id: &str) -> bool {
    if entry == "all" {
        return true;
    }
    if let Some(domain) = entry.strip_prefix("//")
        && !domain.contains('/')
    {
        return if originator.starts_with("//") {
            originator
                .strip_prefix(entry)
                .is_some_and(|rest| rest.starts_with('/'))
        } else {
            // An SP-relative originator belongs to this service provider.
            wildcard_matches(entry, sp_id)
        };
    }
    wildcard_matches(&canonical_originator(entry, cse_id, sp_id), originator)
}

/// Whether the `acor` entry is the resourceID of a `<group>` of this CSE (`grp` and 32
/// hexadecimal digits, as onecse makes them): its members are granted what the rule
/// grants. Decided from the text alone, so only such entries cost a lookup.
pub fn names_group(entry: &str) -> bool {
    entry
        .strip_prefix(ResourceType::Group.short_name())
        .is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An originator (or an `acor` entry) in the form they are compared in: SP-relative
/// (`/id-in/Cabc`). A CSE-relative AE-ID (`Cabc`) is one registered here, so it gets
/// this CSE's ID; an absolute ID of this SP (`//sp/id-in/Cabc`) loses the SP-ID; other
/// SP-relative and absolute forms are kept.
pub fn canonical_originator(originator: &str, cse_id: &str, sp_id: &str) -> String {
    if let Some(rest) = originator.strip_prefix(sp_id)
        && rest.starts_with('/')
    {
        return rest.to_owned();
    }
    if originator.starts_with('/') {
        return originator.to_owned();
    }
    format!("{cse_id}/{originator}")
}

/// `*` matches any run of characters other than `/`; everything else literally. The
/// pattern and the text must have the same `/`-separated segments, each matched on
/// its own.
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let (mut patterns, mut texts) = (pattern.split('/'), text.split('/'));
    loop {
        match (patterns.next(), texts.next()) {
            (None, None) => return true,
            (Some(p), Some(t)) if crate::wildcard::matches(p, t) => {}
            _ => return false,
        }
    }
}

/// A oneM2M time window: a schedule entry (see [`crate::schedule_entry`]).
fn time_window(window: &str, at: &str) -> Result<cron::Schedule, Problem> {
    crate::schedule_entry::parse(window).map_err(|e| bad(at, &e))
}

/// `acip`: `ipv4` and `ipv6` lists of addresses or CIDR ranges of that family.
fn ip_ranges(acip: &Map<String, Value>, at: &str) -> Result<Vec<IpNet>, Problem> {
    if let Some(other) = acip.keys().find(|k| *k != "ipv4" && *k != "ipv6") {
        return Err(bad(at, &format!("has unknown member '{other}'")));
    }
    let mut ranges = Vec::new();
    for (family, v4) in [("ipv4", true), ("ipv6", false)] {
        let field = format!("{at}.{family}");
        for entry in text_list(acip.get(family), &field)?.unwrap_or_default() {
            let range = IpNet::from_str(&entry)
                .or_else(|_| IpAddr::from_str(&entry).map(IpNet::from))
                .ok()
                .filter(|range| matches!(range, IpNet::V4(_)) == v4)
                .ok_or_else(|| {
                    bad(
                        &field,
                        &format!("'{entry}' is not an {family} address or CIDR range"),
                    )
                })?;
            ranges.push(range);
        }
    }
    Ok(ranges)
}

/// `aclr`: exactly one of `accc` (country codes) or `accr` ([lat, lon, radius]).
fn check_region(aclr: &Value, at: &str) -> Result<(), Problem> {
    let region = aclr
        .as_object()
        .ok_or_else(|| bad(at, "must be an object with accc or accr"))?;
    match (region.get("accc"), region.get("accr")) {
        (Some(codes), None) => {
            let codes = text_list(Some(codes), &format!("{at}.accc"))?.unwrap_or_default();
            if codes.is_empty() || codes.iter().any(|c| c.len() != 2) {
                return Err(bad(
                    &format!("{at}.accc"),
                    "must list two-letter country codes",
                ));
            }
            Ok(())
        }
        (None, Some(Value::Array(circle)))
            if circle.len() == 3 && circle.iter().all(Value::is_number) =>
        {
            Ok(())
        }
        _ => Err(bad(
            at,
            "must hold exactly one of accc (country codes) or accr ([latitude, longitude, radius])",
        )),
    }
}

/// An optional list whose items `parse` reads, each named `at[i]` in messages.
fn list_of<T>(
    value: Option<&Value>,
    at: &str,
    parse: fn(&Value, &str) -> Result<T, Problem>,
) -> Result<Vec<T>, Problem> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse(item, &format!("{at}[{i}]")))
            .collect(),
        Some(_) => Err(bad(at, "must be a list")),
    }
}

fn resource_type(value: &Value, at: &str) -> Result<u16, Problem> {
    value
        .as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| bad(at, "must hold resource type numbers"))
}

fn text_list(value: Option<&Value>, at: &str) -> Result<Option<Vec<String>>, Problem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(at, "must be a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad(at, "must be a list of strings")),
    }
}

fn bad(at: &str, what: &str) -> Problem {
    Problem::bad_request(format!("{at} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn rules(value: Value) -> Result<Privileges, Problem> {
        Privileges::parse(&value, "pv")
    }

    fn situation(originator: &str, operation: u8) -> Situation<'_> {
        Situation {
            originator,
            cse_id: "/id-in",
            sp_id: "//sp.example",
            operation,
            create: None,
            time: Utc
                .with_ymd_and_hms(2026, 12, 2, 10, 30, 0)
                .single()
                .unwrap_or_default(),
            ip: Some(IpAddr::from([192, 168, 1, 7])),
            authenticated: false,
        }
    }

    #[test]
    fn wildcards_stay_within_one_segment() {
        assert!(wildcard_matches("/id-in/C*", "/id-in/Cabc"));
        assert!(wildcard_matches("/id-*", "/id-mn"));
        assert!(!wildcard_matches("/id-*", "/id-mn/Cabc"));
        assert!(wildcard_matches("/id-in/C*x", "/id-in/Cabx"));
        assert!(!wildcard_matches("/id-in/C*", "/id-in/Sabc"));
        assert!(wildcard_matches("//*/myCSE*", "//sp/myCSE1"));
        assert!(!wildcard_matches("Cabc", "Cabcd"));
        assert!(wildcard_matches("C*b*c", "Cxxbyybc"));
        assert!(wildcard_matches("**", ""));
        assert!(!wildcard_matches("C*d", "Cabc"));
        assert!(wildcard_matches("/*/C*", "/id-in/Cx"));
        assert!(!wildcard_matches("/*/C*", "/id-in/x/Cx"));
    }

    #[test]
    fn many_stars_cannot_make_matching_slow() {
        let pattern = format!("{}b", "*a".repeat(40));
        let text = "a".repeat(4000);
        let started = std::time::Instant::now();
        assert!(!wildcard_matches(&pattern, &text));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn originator_forms_are_compared_canonically() {
        let canon = |o| canonical_originator(o, "/id-in", "//sp.example");
        assert_eq!(canon("Cabc"), "/id-in/Cabc");
        assert_eq!(canon("/id-in/Cabc"), "/id-in/Cabc");
        assert_eq!(canon("//sp.example/id-in/Cabc"), "/id-in/Cabc");
        assert_eq!(canon("//other/id-x/Cabc"), "//other/id-x/Cabc");
        let matches = |e, o| originator_matches(e, o, "/id-in", "//sp.example");
        for e in [
            "Cabc",
            "/id-in/Cabc",
            "//sp.example/id-in/Cabc",
            "C*",
            "/id-in/C*",
            "all",
        ] {
            assert!(matches(e, "/id-in/Cabc"), "{e}");
        }
        assert!(matches("//sp.example", "/id-in/Cabc"));
        assert!(!matches("//other", "/id-in/Cabc"));
        assert!(matches("//other", "//other/id-x/C1"));
        assert!(!matches("Cab", "/id-in/Cabc"));
        assert!(!matches("/id-mn/Cabc", "/id-in/Cabc"));
        assert!(matches("/id-*", "/id-mn"));
    }

    #[test]
    fn operations_contexts_and_details_decide() {
        let pv = rules(json!({"acr": [
            {"acor": ["/id-in/Ca"], "acop": 2},
            {"acor": ["/id-in/Cb"], "acop": 63, "acco": [{"acip": {"ipv4": ["10.0.0.0/8"]}}, {"actw": ["* * 8-17 * * 1-5 *"]}]},
            {"acor": ["/id-in/Cc"], "acop": 1, "acod": [{"chty": [3]}]},
            {"acor": ["/id-in/Cd"], "acop": 2, "acaf": true}
        ]}))
        .unwrap_or_default();
        assert!(pv.permits(&situation("/id-in/Ca", operation::RETRIEVE)));
        assert!(!pv.permits(&situation("/id-in/Ca", operation::UPDATE)));
        // Wednesday 10:30 is in the working-hours window (second context).
        assert!(pv.permits(&situation("/id-in/Cb", operation::DELETE)));
        let mut sunday = situation("/id-in/Cb", operation::DELETE);
        sunday.time = Utc
            .with_ymd_and_hms(2026, 12, 6, 10, 30, 0)
            .single()
            .unwrap_or_default();
        assert!(!pv.permits(&sunday));
        sunday.ip = Some(IpAddr::from([10, 1, 2, 3]));
        assert!(pv.permits(&sunday));
        let mut create = situation("/id-in/Cc", operation::CREATE);
        create.create = Some((3, 2));
        assert!(pv.permits(&create));
        create.create = Some((4, 3));
        assert!(!pv.permits(&create));
        let mut unauthenticated = situation("/id-in/Cd", operation::RETRIEVE);
        assert!(!pv.permits(&unauthenticated));
        unauthenticated.authenticated = true;
        assert!(pv.permits(&unauthenticated));
    }

    #[test]
    fn bad_fields_are_refused_naming_them() {
        let cases = [
            (json!([]), "pv must be an object"),
            (json!({"acr": [{"acop": 2}]}), "pv.acr[0].acor is mandatory"),
            (
                json!({"acr": [{"acor": [], "acop": 2}]}),
                "pv.acr[0].acor must list",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 0}]}),
                "pv.acr[0].acop",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 64}]}),
                "pv.acr[0].acop",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": "x"}]}),
                "pv.acr[0].acop",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"actw": ["* * *"]}]}]}),
                "pv.acr[0].acco[0].actw[0]",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"actw": ["* * 25 * * * *"]}]}]}),
                "pv.acr[0].acco[0].actw[0]",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"acip": {"ipv4": ["10.0.0.0/33"]}}]}]}),
                "pv.acr[0].acco[0].acip.ipv4",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"acip": {"ipv4": ["::1"]}}]}]}),
                "pv.acr[0].acco[0].acip.ipv4",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"acip": {"ipv6": ["abc"]}}]}]}),
                "pv.acr[0].acco[0].acip.ipv6",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"aclr": {"accc": ["DE"], "accr": [1, 2, 3]}}]}]}),
                "pv.acr[0].acco[0].aclr",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 1, "acod": [{"ty": 2}]}]}),
                "pv.acr[0].acod[0].chty",
            ),
            (
                json!({"acr": [{"acor": ["all"], "acop": 2, "x": 1}]}),
                "unknown member 'x'",
            ),
        ];
        for (value, expected) in cases {
            let message = rules(value.clone())
                .err()
                .map(|p| p.message)
                .unwrap_or_default();
            assert!(message.contains(expected), "{value}: {message}");
        }
        assert!(rules(json!({"acr": []})).is_ok());
        assert!(
            rules(json!({"acr": [{"acor": ["all"], "acop": 2, "acco": [{"acip": {"ipv4": ["192.0.2.1"], "ipv6": ["2001:db8::/32"]}, "aclr": {"accr": [52.5, 13.4, 1000]}}]}]}))
                .is_ok()
        );
    }

    #[test]
    fn a_location_context_never_holds_and_ipv4_mapped_peers_match() {
        let pv = rules(json!({"acr": [
            {"acor": ["all"], "acop": 2, "acco": [{"aclr": {"accc": ["DE"]}}]},
            {"acor": ["all"], "acop": 4, "acco": [{"acip": {"ipv4": ["127.0.0.1"]}}]}
        ]}))
        .unwrap_or_default();
        assert!(!pv.permits(&situation("/id-in/Ca", operation::RETRIEVE)));
        let mut mapped = situation("/id-in/Ca", operation::UPDATE);
        mapped.ip = IpAddr::from_str("::ffff:127.0.0.1").ok();
        assert!(pv.permits(&mapped));
        mapped.ip = None;
        assert!(!pv.permits(&mapped));
    }

    #[test]
    fn only_a_group_resource_id_names_a_group() {
        assert!(names_group(&format!("grp{}", "0a".repeat(16))));
        for entry in [
            "grp",
            "grp123",
            "Cgrp",
            "all",
            "/id-in/grp0",
            &format!("grp{}", "x".repeat(32)),
        ] {
            assert!(!names_group(entry), "{entry}");
        }
    }
}
