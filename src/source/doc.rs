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
/// Most mappings are small: those are scanned, and only a wide one builds
/// the index, so a plan's many 2-key objects allocate no map.
#[derive(Default)]
pub struct Entries {
    slots: Vec<Option<(Key, Node)>>,
    index: Option<HashMap<String, usize>>,
}

/// Mappings with more entries than this are indexed.
const SCAN_UP_TO: usize = 16;

impl Entries {
    pub fn insert(&mut self, key: Key, value: Node) {
        if self.index.is_none() && self.slots.len() >= SCAN_UP_TO {
            let live = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.as_ref()?.0.name.clone(), i)));
            self.index = Some(live.collect());
        }
        let old = match &mut self.index {
            Some(index) => index.insert(key.name.clone(), self.slots.len()),
            None => self.position(&key.name),
        };
        if let Some(old) = old {
            self.slots[old] = None;
        }
        self.slots.push(Some((key, value)));
    }

    pub fn contains(&self, name: &str) -> bool {
        match &self.index {
            Some(index) => index.contains_key(name),
            None => self.position(name).is_some(),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.as_ref().is_some_and(|(k, _)| k.name == name))
    }

    pub fn into_vec(self) -> Vec<(Key, Node)> {
        self.slots.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(entries: Entries) -> Vec<String> {
        entries.into_vec().into_iter().map(|(k, _)| k.name).collect()
    }

    #[test]
    fn a_repeated_key_wins_and_goes_last_in_small_and_wide_mappings() {
        for wide in [4, 40] {
            let mut e = Entries::default();
            let mut expected = vec![];
            for i in 0..wide {
                let name = if i % 3 == 0 { "dup".to_string() } else { format!("k{i}") };
                e.insert(
                    Key {
                        name: name.clone(),
                        span: i..i,
                    },
                    Node::new(i..i, Kind::Null),
                );
                expected.retain(|n| *n != name);
                expected.push(name);
            }
            assert!(e.contains("dup") && e.contains("k1") && !e.contains("k0"));
            assert_eq!(names(e), expected, "{wide} keys");
        }
    }
}
