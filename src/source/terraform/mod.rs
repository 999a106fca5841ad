//! Terraform plan JSON (`terraform show -json PLANFILE`) into the inventory.
//!
//! The inventory is the state the plan leads to: every `resource_changes`
//! entry whose actions do not end in deletion, read from `change.after`.
//! Values Terraform cannot know before apply (`change.after_unknown`) are
//! resolved symbolically through `configuration` references, across module
//! calls, to the canonical address of what they name: two functions whose
//! security group is `aws_security_group.lambda.id` share
//! `Value::symbol(plan path, "aws_security_group.lambda")`, and the group's own
//! resource change registers its rules under that same value. When the plan
//! knows a resource's `id`, the literal ID is used instead, on both sides.

mod capacity;
mod network;
mod plan;
mod refs;
mod removals;
mod routes;
mod warm;

use std::collections::HashMap;

use crate::error::InputError;
use crate::files::{FileId, SourceFile};
use crate::model::*;
use crate::source::doc::{Kind, Node, Span};
use crate::source::Loaded;
use refs::{classify, references, Config, ModulePath, Ref};

#[derive(Debug, Default, Clone)]
pub struct Options {}

/// True when a document looks like a Terraform plan.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some() && (root.get("resource_changes").is_some() || root.get("planned_values").is_some())
}

pub fn read(file_id: FileId, file: &SourceFile, root: &Node, _opts: &Options, loaded: &mut Loaded) -> Result<(), InputError> {
    check_version(file, root)?;
    // A plan is a change run by Terraform even when it deletes nothing, so
    // `check --delete` can tell it from a template.
    loaded.inventory.removals.tool = Some(crate::model::Tool::Terraform);
    let mut reader = Reader {
        file,
        file_id,
        scope: file.path.clone(),
        config: Config::new(root),
        resources: Vec::new(),
        by_address: HashMap::new(),
        by_base: HashMap::new(),
        inv: &mut loaded.inventory,
        pending_rules: Vec::new(),
        routes: Default::default(),
        pending: Default::default(),
    };
    reader.collect(root)?;
    reader.finish_removals();
    reader.index();
    reader.network();
    let first = reader.inv.functions.len();
    for i in 0..reader.resources.len() {
        if reader.resources[i].managed && reader.resources[i].ty == "aws_lambda_function" {
            reader.function(i)?;
            reader.function_provider(i);
        }
        if reader.resources[i].managed && reader.resources[i].ty == "aws_lambda_capacity_provider" {
            reader.capacity_provider(i)?;
        }
    }
    reader.warm(first);
    Ok(())
}

/// `format_version` 1.x: minor versions only add fields.
fn check_version(file: &SourceFile, root: &Node) -> Result<(), InputError> {
    let node = root.get("format_version").expect("is_plan checked it");
    let help = "eniplan reads plan JSON format 1.x, as written by `terraform show -json PLANFILE` (Terraform 1.x and OpenTofu)";
    let Some(v) = node.as_str().filter(|_| matches!(node.kind, Kind::Str(_))) else {
        return Err(InputError::at(
            file,
            node.span.clone(),
            format!(
                "Terraform plan `format_version` must be a string such as \"1.2\", found {}",
                node.type_name()
            ),
            "wrong type",
        )
        .with_help(help));
    };
    let ok = v.split_once('.').map_or(v == "1", |(major, minor)| {
        major == "1" && !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if !ok {
        return Err(InputError::at(
            file,
            node.span.clone(),
            format!("unsupported Terraform plan format_version \"{v}\""),
            "unsupported version",
        )
        .with_help(help));
    }
    Ok(())
}

/// A `.tf` file given to `check`: not a plan.
pub fn read_tf(file: &SourceFile) -> Result<(), InputError> {
    Err(InputError::at(
        file,
        0..0,
        "this is Terraform source (.tf), not a plan: eniplan reads the plan JSON Terraform writes",
        "Terraform source",
    )
    .with_help(
        "make a plan eniplan can read: `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json`, then `eniplan check plan.json`",
    ))
}

/// One resource instance as it will be after apply.
pub(crate) struct Res<'a> {
    pub address: String,
    /// Module prefix plus `type.name` / `data.type.name`, without the index.
    pub base: String,
    /// `type.name` / `data.type.name`, the key in `configuration`.
    pub config_name: String,
    pub module: ModulePath,
    pub index: Option<String>,
    pub managed: bool,
    pub ty: &'a str,
    pub after: Option<&'a Node>,
    /// `after_unknown`; `None` when the source has none (planned_values, prior_state).
    pub unknown: Option<&'a Node>,
    pub span: Span,
}

impl<'a> Res<'a> {
    /// The `after` value of an attribute.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.after?.get(key).filter(|n| !n.is_null())
    }

    /// Whether `after_unknown` marks an attribute, wholly or in part; an
    /// attribute missing from `after` is unknown too (Terraform omits them).
    pub fn is_unknown(&self, key: &str) -> bool {
        let marked = self.unknown.and_then(|u| u.get(key)).is_some_and(any_true);
        marked || self.after.is_some_and(|a| a.get(key).is_none())
    }

    pub fn known_id(&self) -> Option<&'a str> {
        self.get("id").and_then(Node::as_str).filter(|s| !s.is_empty())
    }
}

/// True when `after_unknown` has a `true` anywhere inside.
pub(crate) fn any_true(n: &Node) -> bool {
    match &n.kind {
        Kind::Bool(b) => *b,
        Kind::Seq(items) => items.iter().any(any_true),
        Kind::Map(entries) => entries.iter().any(|(_, v)| any_true(v)),
        _ => false,
    }
}

/// What a reference list resolved to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Target {
    /// A resource instance address (module prefix and index included).
    Address(String),
    /// An expression eniplan keeps as an identity, with what would resolve it.
    Opaque(String, String),
}

pub(crate) struct Reader<'a> {
    file: &'a SourceFile,
    file_id: FileId,
    scope: String,
    config: Config<'a>,
    resources: Vec<Res<'a>>,
    by_address: HashMap<String, usize>,
    by_base: HashMap<String, Vec<usize>>,
    inv: &'a mut Inventory,
    pending_rules: Vec<(Value, Option<Vec<SgRule>>)>,
    routes: crate::source::routes::Routes,
    /// What only the whole plan tells about removals (see `removals.rs`).
    pending: removals::Pending,
}

const AFTER_APPLY_HINT: &str = "Terraform knows it only after apply; eniplan compares it by this expression. Re-check a plan made once what it depends on exists, or use literal IDs";

impl<'a> Reader<'a> {
    fn err(&self, span: Span, msg: impl Into<String>) -> InputError {
        InputError::at(self.file, span, msg, "wrong type")
    }

    fn index(&mut self) {
        for (i, r) in self.resources.iter().enumerate() {
            self.by_address.insert(r.address.clone(), i);
            self.by_base.entry(r.base.clone()).or_default().push(i);
        }
    }

    /// Resolves a `references` list, seen from `module` (whose own instance key
    /// is `self_index`, for `each.key` / `count.index`).
    pub(crate) fn resolve(&self, refs: &[&str], module: &ModulePath, self_index: Option<&str>, depth: usize, out: &mut Vec<Target>) {
        if depth > 32 {
            return;
        }
        let classified = classify(refs, module);
        let keyed = classified.contains(&Ref::InstanceKey);
        for r in classified {
            match r {
                Ref::Resource { base, index: Some(i) } => push(out, Target::Address(format!("{base}{i}"))),
                Ref::Resource { base, index: None } => {
                    if self.by_address.contains_key(&base) {
                        push(out, Target::Address(base));
                    } else if let Some(list) = self.by_base.get(&base) {
                        let own = self_index
                            .map(|k| format!("{base}{k}"))
                            .filter(|a| keyed && self.by_address.contains_key(a));
                        match own {
                            Some(a) => push(out, Target::Address(a)),
                            None => {
                                for &i in list {
                                    push(out, Target::Address(self.resources[i].address.clone()));
                                }
                            }
                        }
                    } else {
                        push(out, Target::Address(base));
                    }
                }
                Ref::Var(name) => {
                    let Some((call_name, call_index)) = module.0.last() else {
                        push(
                            out,
                            Target::Opaque(
                                format!("var.{name}"),
                                format!("pass the variable with `terraform plan -var {name}=…`, or check a plan where it is known"),
                            ),
                        );
                        continue;
                    };
                    let parent = ModulePath(module.0[..module.0.len() - 1].to_vec());
                    let expr = self
                        .config
                        .modules
                        .get(&parent.config_key())
                        .and_then(|m| m.calls.get(call_name))
                        .and_then(|c| c.get("expressions"))
                        .and_then(|e| e.get(&name));
                    let next = expr.map(references).unwrap_or_default();
                    if next.is_empty() {
                        push(
                            out,
                            Target::Opaque(format!("{}var.{name}", module.prefix()), AFTER_APPLY_HINT.into()),
                        );
                    } else {
                        self.resolve(&next, &parent, call_index.as_deref(), depth + 1, out);
                    }
                }
                Ref::ModuleOutput { name, index, output } => {
                    let call = self.config.modules.get(&module.config_key()).and_then(|m| m.calls.get(&name));
                    let repeated = call.is_some_and(|c| c.get("count_expression").is_some() || c.get("for_each_expression").is_some());
                    let expr = call
                        .and_then(|c| c.get("module"))
                        .and_then(|m| m.get("outputs"))
                        .and_then(|o| o.get(&output))
                        .and_then(|o| o.get("expression"));
                    let next = expr.map(references).unwrap_or_default();
                    let rendered = format!("{}module.{name}{}.{output}", module.prefix(), index.as_deref().unwrap_or(""));
                    if next.is_empty() || (repeated && index.is_none()) {
                        push(out, Target::Opaque(rendered, AFTER_APPLY_HINT.into()));
                    } else {
                        self.resolve(&next, &module.child(&name, index), None, depth + 1, out);
                    }
                }
                Ref::InstanceKey => {}
                Ref::Opaque(expr) => push(out, Target::Opaque(expr, AFTER_APPLY_HINT.into())),
            }
        }
    }

    /// The identity of a resolved target; symbols that nothing in the plan
    /// defines are recorded as unresolved.
    pub(crate) fn target_value(&mut self, t: &Target) -> Value {
        match t {
            Target::Address(a) => match self.by_address.get(a).map(|&i| &self.resources[i]) {
                Some(r) => match r.known_id() {
                    Some(id) => Value::id(id),
                    None => {
                        let v = Value::symbol(&self.scope, a);
                        if !r.managed {
                            self.inv.unresolved.insert(
                                v.clone(),
                                "a data source Terraform reads only during apply; run the plan again once it can be read".into(),
                            );
                        }
                        v
                    }
                },
                None => {
                    let v = Value::symbol(&self.scope, a);
                    self.inv.unresolved.insert(
                        v.clone(),
                        "the plan names this resource but has no change or state for it; check the complete plan".into(),
                    );
                    v
                }
            },
            Target::Opaque(expr, hint) => {
                let v = Value::symbol(&self.scope, expr);
                self.inv.unresolved.insert(v.clone(), hint.clone());
                v
            }
        }
    }

    /// The identity of a resource instance itself: its ID when the plan knows it.
    pub(crate) fn own_value(&self, i: usize) -> Value {
        let r = &self.resources[i];
        match r.known_id() {
            Some(id) => Value::id(id),
            None => Value::symbol(&self.scope, &r.address),
        }
    }

    /// Values of a configuration expression (`expressions` of resource `i` at `path`).
    pub(crate) fn config_values(&mut self, i: usize, path: &[&str]) -> (Vec<Value>, Option<Span>) {
        let r = &self.resources[i];
        let Some((expr, span)) = self
            .config
            .expressions(&r.module, &r.config_name)
            .and_then(|e| refs::entry_at(e, path))
        else {
            return (vec![], None);
        };
        let mut targets = Vec::new();
        self.resolve(&references(expr), &r.module, r.index.as_deref(), 0, &mut targets);
        let mut values: Vec<Value> = Vec::new();
        for t in &targets {
            let v = self.target_value(t);
            if !values.contains(&v) {
                values.push(v);
            }
        }
        (values, Some(span))
    }
}

/// The span of a mapping's `key: value` entry, from the key to the end of the
/// value's first line: the line a reader looks for, not the object around it.
pub(crate) fn entry_span(obj: &Node, key: &str) -> Option<Span> {
    let (k, v) = obj.entry(key)?;
    Some(k.span.start..v.span.end.max(k.span.end))
}

fn push(out: &mut Vec<Target>, t: Target) {
    if !out.contains(&t) {
        out.push(t);
    }
}
