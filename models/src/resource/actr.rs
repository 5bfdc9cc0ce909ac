//! `<action>` (ty 65, R4) and `<dependency>` (ty 66, R4) attributes (TS-0001 §9.6.61,
//! §9.6.62; TS-0004 §7.4.61, §7.4.62; ACME for the short names `actr`/`depr`): an
//! action evaluates criteria on a subject resource and, when they hold, sends its
//! request primitive (`apv`) as its creator; dependencies are conditions on other
//! resources the action waits for.

use serde_json::{Map, Value};

use super::policy::{AttributePolicy as A, ValueKind::*};
use super::spec::TypeSpec;
use crate::problem::Problem;
use crate::types::{Operation, ResourceType};

/// `evm` 0: never evaluated.
pub const EVAL_OFF: i64 = 0;
/// `evm` 1: executed the first time the criteria hold, then `evm` turns off.
pub const EVAL_ONCE: i64 = 1;
/// `evm` 2: evaluated every `ecp` milliseconds.
pub const EVAL_PERIODIC: i64 = 2;
/// `evm` 3: executed each time the subject changes and the criteria hold, at most
/// `ecp` times.
pub const EVAL_CONTINUOUS: i64 = 3;

/// The action: under the CSEBase, an AE, a container, a flexContainer or a node.
pub const ACTION: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(
        ResourceType::Action,
        ACTION_ATTRIBUTES,
        &[CseBase, Ae, Container, FlexContainer, Node],
    )
};

/// The dependency: under an action.
pub const DEPENDENCY: TypeSpec = {
    use crate::types::ResourceType::*;
    TypeSpec::new(ResourceType::Dependency, DEPENDENCY_ATTRIBUTES, &[Action])
};

/// action attribute table. `ipu` (input, given to the primitive before it is sent) is
/// answered 5001; `air` (actionResult) is the response of the last execution.
pub(crate) const ACTION_ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("apy", Integer { min: 1 }),
    A::read_write("sri", Text),
    A::read_write("evc", Object).mandatory(),
    A::read_write(
        "evm",
        Enumerated(&[EVAL_OFF, EVAL_ONCE, EVAL_PERIODIC, EVAL_CONTINUOUS]),
    )
    .mandatory(),
    A::read_write("ecp", Integer { min: 1 }),
    A::update_only("dep", TextList),
    A::read_write("orc", Text),
    A::read_write("apv", Object).mandatory(),
    A::read_write("ipu", Object).unsupported(),
    A::read_only("air", Object),
];

/// dependency attribute table.
pub(crate) const DEPENDENCY_ATTRIBUTES: &[A] = &[
    A::read_write("et", Timestamp).always_present(),
    A::read_write("acpi", TextList),
    A::custodian(),
    A::read_write("lbl", TextList),
    A::read_write("at", TextList).unsupported(),
    A::read_write("aa", TextList).unsupported(),
    A::read_write("daci", TextList).unsupported(),
    A::creator(),
    A::read_write("sfc", Boolean).mandatory(),
    A::read_write("evc", Object).mandatory(),
    A::read_write("rri", Text).mandatory(),
];

/// The parts of an action primitive (`apv`, an `m2m:requestPrimitive`) the CSE needs,
/// checked once: 4000 naming the member that is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionPrimitive {
    /// `op`.
    pub op: Operation,
    /// `to`.
    pub to: String,
    /// `fr`: must be the action's creator.
    pub from: String,
    /// `ty` of a CREATE.
    pub ty: Option<ResourceType>,
    /// `pc`.
    pub content: Option<Value>,
}

impl ActionPrimitive {
    /// Reads `apv`.
    pub fn parse(apv: &Value) -> Result<Self, Problem> {
        let bad = |what: &str| Problem::bad_request(format!("apv: {what}"));
        let map: &Map<String, Value> = apv
            .as_object()
            .ok_or_else(|| bad("must be a request primitive object (op, to, fr, …)"))?;
        let op = match map.get("op").and_then(Value::as_i64) {
            Some(1) => Operation::Create,
            Some(2) => Operation::Retrieve,
            Some(3) => Operation::Update,
            Some(4) => Operation::Delete,
            Some(5) => Operation::Notify,
            _ => return Err(bad("op must be an operation from 1 to 5")),
        };
        let to = map
            .get("to")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("to must name the target"))?
            .to_owned();
        let from = map
            .get("fr")
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| bad("fr must name the originator"))?
            .to_owned();
        let ty = match (op, map.get("ty")) {
            (Operation::Create, Some(ty)) => Some(ResourceType::from_number(
                ty.as_i64()
                    .ok_or_else(|| bad("ty must be a resource type number"))?,
            )?),
            (Operation::Create, None) => return Err(bad("a CREATE (op 1) needs ty")),
            (_, Some(_)) => return Err(bad("ty is only allowed with op 1")),
            (_, None) => None,
        };
        let content = map.get("pc").filter(|pc| !pc.is_null()).cloned();
        if matches!(
            op,
            Operation::Create | Operation::Update | Operation::Notify
        ) && content.is_none()
        {
            return Err(bad(&format!("{} needs pc", op.name())));
        }
        Ok(Self {
            op,
            to,
            from,
            ty,
            content,
        })
    }
}
