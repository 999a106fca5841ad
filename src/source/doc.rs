//! A format-neutral document tree with byte spans on every node.
//! YAML and JSON loaders both produce it; the IaC readers only see this.

use std::collections::HashMap;

pub use crate::files::{Span, MAX_DEPTH, MAX_NODES};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// Numbers keep their source text; nothing here does arithmetic on them.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
    /// A YAML tag such as `!Ref`, with the tag name without the `!`.
    Tagged(String, Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    pub fn new(span: Span, kind: Kind) -> Self {
        Node { span, kind }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<&(Key, Node)> {
        self.entries()?.iter().find(|(k, _)| k.name == key)
    }

    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            Kind::Number(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// What a user would call this node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Tagged(..) => "a tagged value",
        }
    }
}

/// A mapping's entries as a parser reads them: a repeated key drops the
/// earlier entry and goes to the end (the last one wins). Indexed, so a wide
/// mapping costs linear time, not a scan per key.
#[derive(Default)]
pub struct Entries {
    slots: Vec<Option<(Key, Node)>>,
    index: HashMap<String, usize>,
}

impl Entries {
    pub fn insert(&mut self, key: Key, value: Node) {
        if let Some(old) = self.index.insert(key.name.clone(), self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some((key, value)));
    }

    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    pub fn into_vec(self) -> Vec<(Key, Node)> {
        self.slots.into_iter().flatten().collect()
    }
}
