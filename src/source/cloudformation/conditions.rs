//! Conditions: evaluating them when every value they test is known, and
//! saying what would decide them when not.

use std::collections::BTreeSet;

use super::intrinsic::{call, Call, Env, Param, Scalar, FUNCTIONS};
use crate::source::doc::{Kind, Node};

/// Why a condition is not known: the values it tests that eniplan lacks.
#[derive(Default)]
struct Unknowns {
    parameters: BTreeSet<String>,
    pseudo: BTreeSet<String>,
    functions: BTreeSet<String>,
    undefined: BTreeSet<String>,
}

impl Env<'_> {
    /// What would decide `Fn::If [Condition, ...]`'s condition.
    pub(super) fn if_hint(&self, args: &Node) -> String {
        let name = args.as_seq().and_then(|s| s.first()).and_then(Node::as_str).unwrap_or("?");
        format!("it depends on {}", self.condition_hint(name))
    }

    /// "condition `C`, ...": what eniplan would need to evaluate it.
    pub fn condition_hint(&self, name: &str) -> String {
        let mut why = Unknowns::default();
        let mut seen = BTreeSet::new();
        self.unknowns_of(name, &mut why, &mut seen);
        let mut parts = Vec::new();
        if !why.parameters.is_empty() {
            let pass: Vec<String> = why.parameters.iter().map(|p| format!("`--parameter {p}=<value>`")).collect();
            let (noun, verb) = if why.parameters.len() == 1 {
                ("parameter", "has")
            } else {
                ("parameters", "have")
            };
            parts.push(format!(
                "it tests {noun} {}, which {verb} no value (pass {})",
                quoted(&why.parameters),
                pass.join(" and ")
            ));
        }
        if !why.pseudo.is_empty() {
            parts.push(format!("it tests {}, known only at deploy time", quoted(&why.pseudo)));
        }
        if !why.functions.is_empty() {
            parts.push(format!(
                "it uses {}, which eniplan does not evaluate (see the processed template: \
                 `aws cloudformation get-template --template-stage Processed`)",
                quoted(&why.functions)
            ));
        }
        if !why.undefined.is_empty() {
            parts.push(format!("it names {}, not defined in this template", quoted(&why.undefined)));
        }
        let why = if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        };
        format!("condition `{name}`, which eniplan cannot evaluate{why}; or check the deployed functions with `eniplan audit`")
    }

    fn unknowns_of(&self, condition: &str, why: &mut Unknowns, seen: &mut BTreeSet<String>) {
        if !seen.insert(condition.to_string()) {
            return;
        }
        match self.conditions.get(condition) {
            Some(node) => self.unknowns_in(node, why, seen),
            None => {
                why.undefined.insert(format!("condition {condition}"));
            }
        }
    }

    fn unknowns_in(&self, node: &Node, why: &mut Unknowns, seen: &mut BTreeSet<String>) {
        let condition_key = node
            .entries()
            .filter(|e| e.len() == 1 && e[0].0.name == "Condition")
            .and_then(|e| e[0].1.as_str());
        if let Some(name) = condition_key {
            return self.unknowns_of(name, why, seen);
        }
        if let Some(c) = call(node) {
            let short = c.name.strip_prefix("Fn::").unwrap_or(&c.name);
            match short {
                "Condition" => return c.args.as_str().map_or((), |n| self.unknowns_of(n, why, seen)),
                "Ref" => return c.args.as_str().map_or((), |n| self.unknown_ref(n, why)),
                "Sub" => {
                    let template = c.args.as_str().or_else(|| c.args.as_seq()?.first()?.as_str());
                    for name in template.map(sub_variables).unwrap_or_default() {
                        self.unknown_ref(name, why);
                    }
                }
                "Transform" => {
                    why.functions.insert("Fn::Transform".into());
                    return;
                }
                _ if !FUNCTIONS.contains(&short) => {
                    why.functions.insert(format!("!{short}"));
                    return;
                }
                _ => {}
            }
            return self.unknowns_in(c.args, why, seen);
        }
        match &node.kind {
            Kind::Seq(items) => items.iter().for_each(|n| self.unknowns_in(n, why, seen)),
            Kind::Map(entries) => entries.iter().for_each(|(_, v)| self.unknowns_in(v, why, seen)),
            Kind::Tagged(_, inner) => self.unknowns_in(inner, why, seen),
            _ => {}
        }
    }

    fn unknown_ref(&self, name: &str, why: &mut Unknowns) {
        match self.params.get(name) {
            Some(Param::Known(_)) => {}
            Some(Param::Unknown) => {
                why.parameters.insert(name.to_string());
            }
            None if name.starts_with("AWS::") => {
                why.pseudo.insert(name.to_string());
            }
            None if self.resources.contains_key(name) => {}
            None => {
                why.undefined.insert(format!("parameter {name}"));
            }
        }
    }

    /// Evaluates a named condition when every parameter it tests is known.
    pub fn condition(&self, name: &str) -> Option<bool> {
        if let Some(v) = self.cond_cache.borrow().get(name) {
            return *v;
        }
        // Mark as unknown first, so a cycle evaluates to unknown instead of recursing forever.
        self.cond_cache.borrow_mut().insert(name.to_string(), None);
        let value = self.conditions.get(name).and_then(|n| self.eval(n, 0));
        self.cond_cache.borrow_mut().insert(name.to_string(), value);
        value
    }

    fn eval(&self, node: &Node, depth: usize) -> Option<bool> {
        if depth > 64 {
            return None;
        }
        let c = call(node).or_else(|| {
            let (k, v) = node.entries().filter(|e| e.len() == 1).map(|e| &e[0])?;
            (k.name == "Condition").then_some(Call {
                name: k.name.clone(),
                args: v,
            })
        })?;
        let args = c.args.as_seq();
        match c.name.as_str() {
            "Condition" => self.condition(c.args.as_str()?),
            "Fn::Equals" => {
                let [a, b] = <&[Node; 2]>::try_from(args?).ok()?;
                match (self.scalar(a).ok()?, self.scalar(b).ok()?) {
                    (Scalar::Lit(x), Scalar::Lit(y)) => Some(x == y),
                    _ => None,
                }
            }
            "Fn::Not" => Some(!self.eval(args?.first()?, depth + 1)?),
            "Fn::And" => {
                let vals: Vec<Option<bool>> = args?.iter().map(|n| self.eval(n, depth + 1)).collect();
                if vals.contains(&Some(false)) {
                    Some(false)
                } else {
                    vals.into_iter().collect::<Option<Vec<_>>>().map(|_| true)
                }
            }
            "Fn::Or" => {
                let vals: Vec<Option<bool>> = args?.iter().map(|n| self.eval(n, depth + 1)).collect();
                if vals.contains(&Some(true)) {
                    Some(true)
                } else {
                    vals.into_iter().collect::<Option<Vec<_>>>().map(|_| false)
                }
            }
            _ => None,
        }
    }
}

/// `${Name}` variables of a `Fn::Sub` string, without `${!Literal}` and `${A.B}`.
fn sub_variables(template: &str) -> Vec<&str> {
    template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.starts_with('!') && !name.contains('.'))
        .collect()
}

fn quoted(items: &BTreeSet<String>) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
