//! CloudFormation intrinsic functions: recognising them in either form
//! (`!Ref X` ≡ `{"Ref": "X"}`), rendering them for messages, and resolving
//! what can be resolved from parameters, conditions and mappings.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::source::doc::{Kind, Node, Span};

/// A value another source could not resolve: `!eniplan.Symbol [expr, hint]`.
/// Only templates synthesised inside eniplan carry it (see `read_synthesized`).
pub const SYMBOL_TAG: &str = "eniplan.Symbol";

/// CloudFormation's functions by short name: intrinsic functions, condition
/// functions and the functions of the `Rules` section. eniplan evaluates a few
/// of them; any other, and any tag not listed here, leaves its value unresolved.
pub const FUNCTIONS: &[&str] = &[
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Split",
    "Select",
    "If",
    "ImportValue",
    "FindInMap",
    "GetAZs",
    "Base64",
    "Cidr",
    "Equals",
    "And",
    "Or",
    "Not",
    "Transform",
    "Length",
    "ToJsonString",
    "ForEach",
    "GetStackOutput",
    "Contains",
    "EachMemberEquals",
    "EachMemberIn",
    "RefAll",
    "ValueOf",
    "ValueOfAll",
];

/// Whether a call may stand for a whole mapping, such as a `VpcConfig`:
/// a macro's tag, `Fn::Transform` or `Fn::Select`. The others return a
/// string, a list or a boolean.
pub fn may_be_mapping(name: &str) -> bool {
    let short = name.strip_prefix("Fn::").unwrap_or(name);
    matches!(short, "Transform" | "Select") || !FUNCTIONS.contains(&short)
}

/// What would resolve a call eniplan does not evaluate.
pub fn unevaluated_hint(name: &str) -> String {
    let short = name.strip_prefix("Fn::").unwrap_or(name);
    if FUNCTIONS.contains(&short) {
        format!("`{name}` is not evaluated by eniplan; check the deployed functions with `eniplan audit`")
    } else {
        format!(
            "`{short}` is not a CloudFormation function eniplan knows (a macro's?); check the processed template \
             (`aws cloudformation get-template --template-stage Processed`) or the deployed functions with `eniplan audit`"
        )
    }
}

/// The expression and hint of a [`SYMBOL_TAG`] value.
fn symbol(node: &Node) -> Option<(String, Option<String>)> {
    let Kind::Tagged(tag, inner) = &node.kind else { return None };
    if tag != SYMBOL_TAG {
        return None;
    }
    let parts = inner.as_seq()?;
    let expr = parts.first()?.as_str()?.to_string();
    let hint = parts.get(1).and_then(Node::as_str).map(str::to_string);
    Some((expr, hint))
}

/// An intrinsic function call, whatever its syntax.
pub struct Call<'a> {
    /// `Ref`, `Condition` or `Fn::Name`.
    pub name: String,
    pub args: &'a Node,
}

/// Recognises `!Tag arg` and `{ "Fn::Name": arg }` / `{ "Ref": arg }`.
pub fn call(node: &Node) -> Option<Call<'_>> {
    match &node.kind {
        Kind::Tagged(tag, inner) => {
            let name = match tag.as_str() {
                "Ref" | "Condition" => tag.clone(),
                t => format!("Fn::{t}"),
            };
            Some(Call { name, args: inner })
        }
        Kind::Map(entries) if entries.len() == 1 => {
            let (k, v) = &entries[0];
            (k.name == "Ref" || k.name.starts_with("Fn::")).then(|| Call {
                name: k.name.clone(),
                args: v,
            })
        }
        _ => None,
    }
}

/// `!GetAtt A.B` and `{"Fn::GetAtt": ["A", "B"]}` both give `("A", "B")`.
pub fn get_att(args: &Node) -> Option<(String, String)> {
    match &args.kind {
        Kind::Str(s) => s.split_once('.').map(|(a, b)| (a.to_string(), b.to_string())),
        Kind::Seq(items) if items.len() == 2 => Some((items[0].as_str()?.to_string(), items[1].as_str()?.to_string())),
        _ => None,
    }
}

/// Compact short-form rendering, for symbols and messages; `symbols` as in [`Env::synthesized`].
fn render(node: &Node, symbols: bool) -> String {
    if let Some((expr, _)) = symbol(node).filter(|_| symbols) {
        return expr;
    }
    let render = |n: &Node| render(n, symbols);
    if let Some(c) = call(node) {
        let short = c.name.strip_prefix("Fn::").unwrap_or(&c.name);
        if short == "GetAtt" {
            if let Some((a, b)) = get_att(c.args) {
                return format!("!GetAtt {a}.{b}");
            }
        }
        return format!("!{short} {}", render(c.args));
    }
    match &node.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.clone(),
        Kind::Str(s) if s.is_empty() || s.contains([' ', ',', '[', ']', '{', '}', ':']) => format!("{s:?}"),
        Kind::Str(s) => s.clone(),
        Kind::Seq(items) => format!("[{}]", items.iter().map(&render).collect::<Vec<_>>().join(", ")),
        Kind::Map(entries) => {
            format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.name, render(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Kind::Tagged(t, inner) => format!("!{t} {}", render(inner)),
    }
}

/// A scalar after resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Lit(String),
    /// Could not be resolved: its canonical expression and what would resolve it.
    /// `None` as hint means it names a resource in this template (known, not an ID yet).
    Sym {
        expr: String,
        hint: Option<String>,
    },
    /// `AWS::NoValue`: the item is dropped.
    NoValue,
}

/// A list after resolution: items, or one symbol standing for the whole list.
#[derive(Debug, Clone)]
pub enum List {
    Items(Vec<(Scalar, Span)>),
    Sym { expr: String, hint: Option<String> },
    NoValue,
}

#[derive(Debug, Clone)]
pub enum Param {
    Known(Vec<String>),
    Unknown,
}

/// What resolution may look up in a template.
pub struct Env<'a> {
    pub params: HashMap<String, Param>,
    pub list_params: std::collections::HashSet<String>,
    pub conditions: HashMap<String, &'a Node>,
    pub mappings: Option<&'a Node>,
    /// Logical ID → resource type.
    pub resources: HashMap<String, String>,
    /// Whether [`SYMBOL_TAG`] values stand for symbols: only in templates
    /// eniplan synthesised; elsewhere the tag is one more unknown tag.
    pub synthesized: bool,
    pub(super) cond_cache: RefCell<HashMap<String, Option<bool>>>,
}

/// A value where a different type is required: the caller turns it into a located error.
pub struct TypeError {
    pub span: Span,
    pub message: String,
}

impl<'a> Env<'a> {
    pub fn new(
        params: HashMap<String, Param>,
        list_params: std::collections::HashSet<String>,
        conditions: HashMap<String, &'a Node>,
        mappings: Option<&'a Node>,
        resources: HashMap<String, String>,
    ) -> Self {
        Env {
            params,
            list_params,
            conditions,
            mappings,
            resources,
            synthesized: false,
            cond_cache: RefCell::new(HashMap::new()),
        }
    }

    /// Canonical symbol for a resource reference, so `!Ref SG` ≡ `!GetAtt SG.GroupId`.
    fn resource_symbol(&self, id: &str, attr: Option<&str>) -> Option<Scalar> {
        let ty = self.resources.get(id)?;
        let identity_attr = match ty.as_str() {
            "AWS::EC2::SecurityGroup" => ["GroupId"].as_slice(),
            "AWS::EC2::Subnet" => ["SubnetId"].as_slice(),
            "AWS::EC2::VPC" => ["VpcId"].as_slice(),
            "AWS::Lambda::CapacityProvider" | "AWS::Serverless::CapacityProvider" => ["Arn"].as_slice(),
            _ => [].as_slice(),
        };
        match attr {
            None => Some(Scalar::Sym {
                expr: format!("!Ref {id}"),
                hint: None,
            }),
            Some(a) if identity_attr.contains(&a) => Some(Scalar::Sym {
                expr: format!("!Ref {id}"),
                hint: None,
            }),
            Some(a) => Some(Scalar::Sym {
                expr: format!("!GetAtt {id}.{a}"),
                hint: None,
            }),
        }
    }

    fn symbol(&self, node: &Node) -> Option<(String, Option<String>)> {
        symbol(node).filter(|_| self.synthesized)
    }

    /// True when `node` calls a function eniplan does not know (a macro's tag,
    /// `Fn::Transform`): such a value may differ at each place it is written,
    /// so even the same expression twice is not known to be one value.
    pub fn is_opaque(&self, node: &Node) -> bool {
        if self.symbol(node).is_some() {
            return false;
        }
        if let Some(c) = call(node) {
            let short = c.name.strip_prefix("Fn::").unwrap_or(&c.name);
            if short == "Transform" || !FUNCTIONS.contains(&short) {
                return true;
            }
        }
        match &node.kind {
            Kind::Seq(items) => items.iter().any(|n| self.is_opaque(n)),
            Kind::Map(entries) => entries.iter().any(|(_, v)| self.is_opaque(v)),
            Kind::Tagged(_, inner) => self.is_opaque(inner),
            _ => false,
        }
    }

    /// Compact short-form rendering, for symbols and messages.
    pub fn render(&self, node: &Node) -> String {
        render(node, self.synthesized)
    }

    pub fn scalar(&self, node: &Node) -> Result<Scalar, TypeError> {
        if let Some((expr, hint)) = self.symbol(node) {
            return Ok(Scalar::Sym { expr, hint });
        }
        let Some(c) = call(node) else {
            return match &node.kind {
                Kind::Str(s) | Kind::Number(s) => Ok(Scalar::Lit(s.clone())),
                Kind::Bool(b) => Ok(Scalar::Lit(b.to_string())),
                _ => Err(TypeError {
                    span: node.span.clone(),
                    message: format!("expected a string, found {}", node.type_name()),
                }),
            };
        };
        let sym = |hint: &str| Scalar::Sym {
            expr: self.render(node),
            hint: Some(hint.to_string()),
        };
        Ok(match c.name.as_str() {
            "Ref" => {
                let Some(name) = c.args.as_str() else {
                    return Ok(sym("`Ref` takes a logical ID"));
                };
                if name == "AWS::NoValue" {
                    return Ok(Scalar::NoValue);
                }
                if let Some(s) = self.resource_symbol(name, None) {
                    return Ok(s);
                }
                match self.params.get(name) {
                    Some(Param::Known(v)) if v.len() == 1 && !self.list_params.contains(name) => Scalar::Lit(v[0].clone()),
                    Some(Param::Known(v)) => Scalar::Lit(v.join(",")),
                    Some(Param::Unknown) => sym(&format!("pass `--parameter {name}=<value>` or give the parameter a Default")),
                    None if name.starts_with("AWS::") => sym("a pseudo parameter known only at deploy time"),
                    None => sym(&format!("`{name}` is neither a parameter nor a resource of this template")),
                }
            }
            "Fn::GetAtt" => match get_att(c.args) {
                Some((id, attr)) => self
                    .resource_symbol(&id, Some(&attr))
                    .unwrap_or_else(|| sym("an attribute of a resource outside this template")),
                None => sym("`Fn::GetAtt` takes [LogicalId, Attribute]"),
            },
            "Fn::If" => match self.branch(c.args)? {
                Some(chosen) => self.scalar(chosen)?,
                None => sym(&self.if_hint(c.args)),
            },
            "Fn::Sub" => self
                .sub(c.args)
                .unwrap_or_else(|| sym("a `Fn::Sub` variable with no known value; pass `--parameter`")),
            "Fn::Join" => self.join(c.args)?.unwrap_or_else(|| sym("a `Fn::Join` part with no known value")),
            "Fn::Select" => self
                .select(c.args)?
                .unwrap_or_else(|| sym("a `Fn::Select` over values that are not known")),
            "Fn::FindInMap" => self
                .find_in_map(c.args)?
                .unwrap_or_else(|| sym("a `Fn::FindInMap` key that is not known")),
            "Fn::ImportValue" => sym("an export of another stack; pass the ID with `--parameter` or check against a snapshot"),
            _ => sym(&unevaluated_hint(&c.name)),
        })
    }

    pub fn list(&self, node: &Node) -> Result<List, TypeError> {
        if let Some((expr, hint)) = self.symbol(node) {
            return Ok(List::Sym { expr, hint });
        }
        if let Some(items) = node.as_seq() {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // A list parameter referenced inside a list expands in place.
                if let Some(List::Items(inner)) = self.list_param_ref(item) {
                    out.extend(inner);
                    continue;
                }
                match self.scalar(item)? {
                    Scalar::NoValue => {}
                    s => out.push((s, item.span.clone())),
                }
            }
            return Ok(List::Items(out));
        }
        let Some(c) = call(node) else {
            return Err(TypeError {
                span: node.span.clone(),
                message: format!("expected a list, found {}", node.type_name()),
            });
        };
        let sym = |hint: &str| List::Sym {
            expr: self.render(node),
            hint: Some(hint.to_string()),
        };
        Ok(match c.name.as_str() {
            "Ref" => {
                if let Some(l) = self.list_param_ref(node) {
                    return Ok(l);
                }
                match self.scalar(node)? {
                    Scalar::Lit(v) => List::Items(split_list(&v, &node.span)),
                    Scalar::NoValue => List::NoValue,
                    Scalar::Sym { expr, hint } => List::Sym { expr, hint },
                }
            }
            "Fn::If" => match self.branch(c.args)? {
                Some(chosen) => self.list(chosen)?,
                None => sym(&self.if_hint(c.args)),
            },
            "Fn::Split" => match self.split(c.args)? {
                Some(items) => List::Items(items.into_iter().map(|s| (Scalar::Lit(s), node.span.clone())).collect()),
                None => sym("a `Fn::Split` over a value that is not known"),
            },
            "Fn::FindInMap" => match self.find_in_map_node(c.args)? {
                Some(found) => self.list(found)?,
                None => sym("a `Fn::FindInMap` key that is not known"),
            },
            "Fn::GetAtt" | "Fn::ImportValue" | "Fn::Select" | "Fn::Join" | "Fn::Sub" => match self.scalar(node)? {
                Scalar::Lit(v) => List::Items(split_list(&v, &node.span)),
                Scalar::NoValue => List::NoValue,
                Scalar::Sym { expr, hint } => List::Sym { expr, hint },
            },
            _ => sym(&unevaluated_hint(&c.name)),
        })
    }

    /// True for `!Ref P` where `P` is a list parameter.
    pub fn is_list_param_ref(&self, expr: &str) -> bool {
        expr.strip_prefix("!Ref ").is_some_and(|name| self.list_params.contains(name))
    }

    fn list_param_ref(&self, node: &Node) -> Option<List> {
        let c = call(node).filter(|c| c.name == "Ref")?;
        let name = c.args.as_str()?;
        if !self.list_params.contains(name) {
            return None;
        }
        Some(match self.params.get(name)? {
            Param::Known(v) => List::Items(v.iter().map(|s| (Scalar::Lit(s.clone()), node.span.clone())).collect()),
            Param::Unknown => List::Sym {
                expr: format!("!Ref {name}"),
                hint: Some(format!("pass `--parameter {name}=<id>,<id>` or give the parameter a Default")),
            },
        })
    }

    /// `[Condition, then, else]`: the chosen branch, or `None` when the condition is unknown.
    fn branch<'n>(&self, args: &'n Node) -> Result<Option<&'n Node>, TypeError> {
        let Some([cond, then, other]) = args.as_seq().and_then(|s| <&[Node; 3]>::try_from(s).ok()) else {
            return Err(TypeError {
                span: args.span.clone(),
                message: "`Fn::If` takes [Condition, ValueIfTrue, ValueIfFalse]".into(),
            });
        };
        let Some(name) = cond.as_str() else { return Ok(None) };
        Ok(self.condition(name).map(|b| if b { then } else { other }))
    }

    fn sub(&self, args: &Node) -> Option<Scalar> {
        let (template, vars) = match &args.kind {
            Kind::Str(s) => (s.as_str(), None),
            Kind::Seq(items) if !items.is_empty() => (items[0].as_str()?, items.get(1)),
            _ => return None,
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}')?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.and_then(|v| v.get(name)) {
                    Some(n) => self.scalar(n).ok()?,
                    None if name.contains('.') => {
                        let (id, attr) = name.split_once('.')?;
                        self.resource_symbol(id, Some(attr))?
                    }
                    None => self
                        .scalar(&Node::new(
                            0..0,
                            Kind::Tagged("Ref".into(), Box::new(Node::new(0..0, Kind::Str(name.into())))),
                        ))
                        .ok()?,
                };
                match value {
                    Scalar::Lit(v) => out.push_str(&v),
                    _ => return None,
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(Scalar::Lit(out))
    }

    fn join(&self, args: &Node) -> Result<Option<Scalar>, TypeError> {
        let Some([sep, parts]) = args.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return Ok(None);
        };
        let Some(sep) = sep.as_str() else { return Ok(None) };
        let List::Items(items) = self.list(parts)? else { return Ok(None) };
        let mut out = Vec::new();
        for (s, _) in items {
            match s {
                Scalar::Lit(v) => out.push(v),
                _ => return Ok(None),
            }
        }
        Ok(Some(Scalar::Lit(out.join(sep))))
    }

    fn split(&self, args: &Node) -> Result<Option<Vec<String>>, TypeError> {
        let Some([sep, value]) = args.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return Ok(None);
        };
        let Some(sep) = sep.as_str().filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        Ok(match self.scalar(value)? {
            Scalar::Lit(v) => Some(v.split(sep).map(str::to_string).collect()),
            _ => None,
        })
    }

    fn select(&self, args: &Node) -> Result<Option<Scalar>, TypeError> {
        let Some([index, list]) = args.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return Ok(None);
        };
        let Ok(Scalar::Lit(i)) = self.scalar(index) else { return Ok(None) };
        let Ok(i) = i.parse::<usize>() else { return Ok(None) };
        Ok(match self.list(list)? {
            List::Items(items) => items.into_iter().nth(i).map(|(s, _)| s),
            _ => None,
        })
    }

    fn find_in_map_node(&self, args: &Node) -> Result<Option<&'a Node>, TypeError> {
        let Some(keys) = args.as_seq().filter(|s| s.len() >= 3) else {
            return Ok(None);
        };
        let mut node = match self.mappings {
            Some(m) => m,
            None => return Ok(None),
        };
        for key in &keys[..3] {
            let Scalar::Lit(k) = self.scalar(key)? else { return Ok(None) };
            match node.get(&k) {
                Some(n) => node = n,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    fn find_in_map(&self, args: &Node) -> Result<Option<Scalar>, TypeError> {
        match self.find_in_map_node(args)? {
            Some(n) => self.scalar(n).map(Some),
            None => Ok(None),
        }
    }
}

/// Splits a comma-delimited value the way CloudFormation list parameters do.
pub fn split_list(v: &str, span: &Span) -> Vec<(Scalar, Span)> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (Scalar::Lit(s.to_string()), span.clone()))
        .collect()
}
