//! Terraform addresses and expression references, and the `configuration`
//! section that says what an unknown value is made of.
//!
//! A plan only knows an attribute's value when it does not depend on anything
//! created by the same apply. Otherwise `after_unknown` marks it and
//! `configuration…expressions.<attr>.references` lists what it was computed
//! from, e.g. `["aws_security_group.lambda.id", "aws_security_group.lambda"]`
//! or, inside a module, `["var.sg_ids"]`, which the module call's own
//! `expressions.sg_ids.references` continue in the caller's scope.

use std::collections::HashMap;

use crate::source::doc::{Node, Span};

/// One step of an address: `name`, or an index such as `[0]` / `["a"]`
/// (kept as Terraform renders it, brackets included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Name(String),
    Index(String),
}

/// Splits `module.api["a"].aws_security_group.x[0].id` into its steps.
/// `None` for text that is not an address (a reference Terraform would never emit).
pub fn parse(text: &str) -> Option<Vec<Seg>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut need_name = true;
    while i < b.len() {
        match b[i] {
            b'.' if !need_name => {
                need_name = true;
                i += 1;
            }
            b'[' if !need_name => {
                let start = i;
                i += 1;
                if b.get(i) == Some(&b'"') {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                } else {
                    while i < b.len() && b[i] != b']' {
                        i += 1;
                    }
                }
                if b.get(i) != Some(&b']') {
                    return None;
                }
                i += 1;
                out.push(Seg::Index(text.get(start..i)?.to_string()));
            }
            _ if need_name => {
                let start = i;
                while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                out.push(Seg::Name(text[start..i].to_string()));
                need_name = false;
            }
            _ => return None,
        }
    }
    (!need_name).then_some(out)
}

pub fn render(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Name(n) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(n);
            }
            Seg::Index(i) => s.push_str(i),
        }
    }
    s
}

/// A resource's or module's `index` from the plan, rendered as in addresses.
pub fn render_index(index: &Node) -> Option<String> {
    use crate::source::doc::Kind;
    match &index.kind {
        Kind::Number(n) => Some(format!("[{n}]")),
        Kind::Str(s) => Some(format!("[{}]", quote(s))),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A module instance: `module.api["a"].module.inner` as [(api, ["a"]), (inner, None)].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModulePath(pub Vec<(String, Option<String>)>);

impl ModulePath {
    pub fn parse(address: &str) -> Option<Self> {
        if address.is_empty() {
            return Some(ModulePath::default());
        }
        let mut out = Vec::new();
        let mut segs = parse(address)?.into_iter().peekable();
        while let Some(seg) = segs.next() {
            if seg != Seg::Name("module".into()) {
                return None;
            }
            let Some(Seg::Name(name)) = segs.next() else { return None };
            let index = match segs.peek() {
                Some(Seg::Index(_)) => match segs.next() {
                    Some(Seg::Index(i)) => Some(i),
                    _ => None,
                },
                _ => None,
            };
            out.push((name, index));
        }
        Some(ModulePath(out))
    }

    /// `module.api["a"].` (empty for the root module), to put before a resource.
    pub fn prefix(&self) -> String {
        let mut s = String::new();
        for (name, index) in &self.0 {
            s.push_str("module.");
            s.push_str(name);
            if let Some(i) = index {
                s.push_str(i);
            }
            s.push('.');
        }
        s
    }

    /// The module's key in `configuration`: call names without instance keys.
    pub fn config_key(&self) -> String {
        self.0.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(".")
    }

    pub fn child(&self, name: &str, index: Option<String>) -> Self {
        let mut p = self.clone();
        p.0.push((name.to_string(), index));
        p
    }
}

/// One module of `configuration`: its resources by `type.name` / `data.type.name`
/// and its module calls (whose `module.outputs` say what outputs are made of).
#[derive(Default)]
pub struct ConfigModule<'a> {
    pub resources: HashMap<String, &'a Node>,
    pub calls: HashMap<String, &'a Node>,
}

/// Every module of `configuration`, by [`ModulePath::config_key`].
#[derive(Default)]
pub struct Config<'a> {
    pub modules: HashMap<String, ConfigModule<'a>>,
}

impl<'a> Config<'a> {
    pub fn new(root: &'a Node) -> Self {
        let mut c = Config::default();
        if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
            c.add(String::new(), m, 0);
        }
        c
    }

    fn add(&mut self, key: String, module: &'a Node, depth: usize) {
        if depth > 64 {
            return;
        }
        let mut cm = ConfigModule::default();
        for r in module.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
            let (Some(ty), Some(name)) = (r.get("type").and_then(Node::as_str), r.get("name").and_then(Node::as_str)) else {
                continue;
            };
            let data = r.get("mode").and_then(Node::as_str) == Some("data");
            let k = if data {
                format!("data.{ty}.{name}")
            } else {
                format!("{ty}.{name}")
            };
            cm.resources.insert(k, r);
        }
        for (k, call) in module.get("module_calls").and_then(Node::entries).unwrap_or(&[]) {
            cm.calls.insert(k.name.clone(), call);
            if let Some(child) = call.get("module") {
                let child_key = if key.is_empty() {
                    k.name.clone()
                } else {
                    format!("{key}.{}", k.name)
                };
                self.add(child_key, child, depth + 1);
            }
        }
        self.modules.insert(key, cm);
    }

    /// The `expressions` of a resource (`type.name`) in a module.
    pub fn expressions(&self, module: &ModulePath, resource: &str) -> Option<&'a Node> {
        self.modules.get(&module.config_key())?.resources.get(resource)?.get("expressions")
    }
}

/// Walks an `expressions` tree: `vpc_config` → `[0]` → `security_group_ids`.
/// Blocks are lists of objects; `[n]` steps pick one.
pub fn expr_at<'a>(mut node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    for step in path {
        node = match step.parse::<usize>() {
            Ok(i) => node.as_seq()?.get(i)?,
            Err(_) => node.get(step)?,
        };
    }
    Some(node)
}

/// Like [`expr_at`], with the span of the last step: its `key: value` entry,
/// or the list item.
pub fn entry_at<'a>(node: &'a Node, path: &[&str]) -> Option<(&'a Node, Span)> {
    let (last, parents) = path.split_last()?;
    let parent = expr_at(node, parents)?;
    match last.parse::<usize>() {
        Ok(i) => parent.as_seq()?.get(i).map(|n| (n, n.span.clone())),
        Err(_) => Some((parent.get(last)?, super::entry_span(parent, last)?)),
    }
}

/// An expression's `references` as strings.
pub fn references(expr: &Node) -> Vec<&str> {
    expr.get("references")
        .and_then(Node::as_seq)
        .map(|r| r.iter().filter_map(Node::as_str).collect())
        .unwrap_or_default()
}

/// What one reference stands for once the more general forms Terraform adds
/// (`aws_security_group.lambda` after `aws_security_group.lambda.id`) are dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ref {
    /// `type.name[idx]` or `data.type.name[idx]`: the base address (with the
    /// module prefix) and the index when the reference names one.
    Resource {
        base: String,
        index: Option<String>,
    },
    Var(String),
    ModuleOutput {
        name: String,
        index: Option<String>,
        output: String,
    },
    /// `each.key`, `count.index`: the referring instance's own key.
    InstanceKey,
    /// `local.x`, `path.module`, a whole module: kept as an identity.
    Opaque(String),
}

const CONTEXT: &[&str] = &["each", "count", "path", "terraform", "self"];

/// The distinct things a reference list names, in order.
pub fn classify(refs: &[&str], module: &ModulePath) -> Vec<Ref> {
    let parsed: Vec<Vec<Seg>> = refs.iter().filter_map(|r| parse(r)).collect();
    let mut out: Vec<Ref> = Vec::new();
    for (i, segs) in parsed.iter().enumerate() {
        let is_prefix = parsed
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && o.len() > segs.len() && o[..segs.len()] == segs[..]);
        if is_prefix {
            continue;
        }
        let r = classify_one(segs, module);
        if let Some(r) = r {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

fn classify_one(segs: &[Seg], module: &ModulePath) -> Option<Ref> {
    let name = |i: usize| match segs.get(i) {
        Some(Seg::Name(n)) => Some(n.as_str()),
        _ => None,
    };
    let index = |i: usize| match segs.get(i) {
        Some(Seg::Index(x)) => Some(x.clone()),
        _ => None,
    };
    let first = name(0)?;
    let prefix = module.prefix();
    Some(match first {
        "var" => Ref::Var(name(1)?.to_string()),
        "local" => Ref::Opaque(format!("{prefix}local.{}", name(1)?)),
        "module" => {
            let m = name(1)?.to_string();
            let idx = index(2);
            let out_at = if idx.is_some() { 3 } else { 2 };
            match name(out_at) {
                Some(o) => Ref::ModuleOutput {
                    name: m,
                    index: idx,
                    output: o.to_string(),
                },
                None => Ref::Opaque(format!("{prefix}{}", render(segs))),
            }
        }
        c if CONTEXT.contains(&c) => {
            if matches!((c, name(1)), ("each", _) | ("count", Some("index"))) {
                Ref::InstanceKey
            } else {
                return None;
            }
        }
        "data" => Ref::Resource {
            base: format!("{prefix}data.{}.{}", name(1)?, name(2)?),
            index: index(3),
        },
        ty => Ref::Resource {
            base: format!("{prefix}{ty}.{}", name(1)?),
            index: index(2),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        let segs = parse(r#"module.api["a.b"].aws_security_group.x[0].id"#).unwrap();
        assert_eq!(segs.len(), 7);
        assert_eq!(segs[2], Seg::Index(r#"["a.b"]"#.into()));
        assert_eq!(render(&segs), r#"module.api["a.b"].aws_security_group.x[0].id"#);
        assert!(parse("a..b").is_none());
        assert!(parse("a[").is_none());
        let m = ModulePath::parse(r#"module.api["a"].module.inner"#).unwrap();
        assert_eq!(m.config_key(), "api.inner");
        assert_eq!(m.prefix(), r#"module.api["a"].module.inner."#);
    }

    #[test]
    fn drops_general_forms() {
        let m = ModulePath::default();
        let r = classify(
            &[
                "aws_security_group.lambda.id",
                "aws_security_group.lambda",
                "aws_subnet.a[0].id",
                "aws_subnet.a[0]",
                "aws_subnet.a",
            ],
            &m,
        );
        assert_eq!(
            r,
            vec![
                Ref::Resource {
                    base: "aws_security_group.lambda".into(),
                    index: None
                },
                Ref::Resource {
                    base: "aws_subnet.a".into(),
                    index: Some("[0]".into())
                },
            ]
        );
    }
}
