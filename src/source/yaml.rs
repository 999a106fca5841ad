//! YAML → [`Node`], on saphyr-parser's event stream.
//!
//! Building the tree ourselves (rather than with a YAML DOM) lets us keep byte
//! spans, keep CloudFormation tags, bound alias expansion and nesting depth, and
//! reject duplicate keys with a location.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span as YSpan, Tag};

use super::doc::{Entries, Key, Kind, Node, Span, MAX_DEPTH, MAX_NODES};
use crate::error::InputError;
use crate::files::SourceFile;

pub fn parse(file: &SourceFile) -> Result<Node, InputError> {
    match load(file, &file.text) {
        Err(e) if e.message.contains("invalid indentation") => {
            // PyYAML, and so CloudFormation, accept flow collections whose
            // continuation lines are not indented; saphyr follows the spec.
            // Joining those lines keeps every byte offset, so spans stay right.
            let joined = join_flow_lines(&file.text);
            load(file, &joined).map_err(|_| e)
        }
        other => other,
    }
}

fn load<'a>(file: &'a SourceFile, text: &'a str) -> Result<Node, InputError> {
    let mut loader = Loader {
        file,
        parser: Parser::new_from_str(text),
        offsets: CharOffsets::new(text),
        anchors: HashMap::new(),
        nodes: 0,
    };
    loader.document()
}

struct Loader<'a> {
    file: &'a SourceFile,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    offsets: CharOffsets,
    anchors: HashMap<usize, Node>,
    nodes: usize,
}

impl<'a> Loader<'a> {
    fn next(&mut self) -> Result<(Event<'a>, YSpan), InputError> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(self.scan_error(&e)),
            None => Err(self.error(self.file.text.len()..self.file.text.len(), "unexpected end of YAML", "here")),
        }
    }

    fn document(&mut self) -> Result<Node, InputError> {
        let mut root = None;
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) if root.is_some() => {
                    let s = self.span(&span);
                    return Err(self.error(s, "a template holds one YAML document; this file has several", "second document"));
                }
                Event::DocumentStart(_) => {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::DocumentEnd) {
                        root = Some(Node::new(self.span(&span), Kind::Null));
                    } else {
                        root = Some(self.node(ev, span, 0)?);
                    }
                }
                _ => {
                    let s = self.span(&span);
                    return Err(self.error(s, "unexpected YAML content", "here"));
                }
            }
        }
        Ok(root.unwrap_or_else(|| Node::new(0..0, Kind::Null)))
    }

    fn node(&mut self, ev: Event<'a>, span: YSpan, depth: usize) -> Result<Node, InputError> {
        let at = self.span(&span);
        if depth > MAX_DEPTH {
            return Err(self.error(at, format!("nesting deeper than {MAX_DEPTH} levels"), "too deep"));
        }
        self.count(1, &at)?;
        let (node, anchor) = match ev {
            Event::Scalar(value, style, anchor, tag) => (scalar(value, style, tag.as_deref(), at), anchor),
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                let end = loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break self.span(&span).end;
                    }
                    items.push(self.node(ev, span, depth + 1)?);
                };
                let node = Node::new(at.start..end.max(at.start), Kind::Seq(items));
                (wrap_tag(tag.as_deref(), node), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let node = self.mapping(at, depth)?;
                (wrap_tag(tag.as_deref(), node), anchor)
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some(n) => n.clone(),
                    None => return Err(self.error(at, "alias to an unknown anchor", "unknown anchor")),
                };
                let size = count_nodes(&node);
                self.count(size, &at)?;
                (Node { span: at, ..node }, 0)
            }
            _ => return Err(self.error(at, "unexpected YAML event", "here")),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn mapping(&mut self, at: Span, depth: usize) -> Result<Node, InputError> {
        let mut entries = Entries::default();
        let mut merged = Entries::default();
        let end = loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                break self.span(&span).end;
            }
            let key_node = self.node(ev, span, depth + 1)?;
            let name = match &key_node.kind {
                Kind::Str(s) | Kind::Number(s) => s.clone(),
                Kind::Bool(b) => b.to_string(),
                Kind::Null => "null".to_string(),
                Kind::Tagged(tag, _) => {
                    let e = self.error(key_node.span, format!("a mapping key cannot carry the tag `!{tag}`"), "tagged key");
                    return Err(e.with_help(
                        "in a flow list, `!Tag Key: value` is a one-entry mapping whose key is tagged; write `!Tag {Key: value}` or `{Key: !Tag value}`",
                    ));
                }
                _ => return Err(self.error(key_node.span, "mapping keys must be plain scalars", "complex key")),
            };
            let (ev, span) = self.next()?;
            let value = self.node(ev, span, depth + 1)?;
            if name == "<<" && matches!(key_node.kind, Kind::Str(_)) {
                self.merge_key(&value, &mut merged)?;
                continue;
            }
            // Duplicate keys: the last one wins, as in PyYAML and CloudFormation.
            entries.insert(Key { name, span: key_node.span }, value);
        };
        for (k, v) in merged.into_vec() {
            if !entries.contains(&k.name) {
                entries.insert(k, v);
            }
        }
        Ok(Node::new(at.start..end.max(at.start), Kind::Map(entries.into_vec())))
    }

    /// YAML 1.1 merge keys (`<<: *defaults`), common in serverless.yml.
    fn merge_key(&self, value: &Node, into: &mut Entries) -> Result<(), InputError> {
        let sources: Vec<&Node> = match &value.kind {
            Kind::Map(_) => vec![value],
            Kind::Seq(items) => items.iter().collect(),
            _ => return Err(self.error(value.span.clone(), "`<<` must merge a mapping", "not a mapping")),
        };
        for source in sources {
            let Some(entries) = source.entries() else {
                return Err(self.error(source.span.clone(), "`<<` must merge a mapping", "not a mapping"));
            };
            for (k, v) in entries {
                if !into.contains(&k.name) {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: &Span) -> Result<(), InputError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.error(
                at.clone(),
                format!("document expands to more than {MAX_NODES} nodes (alias bomb?)"),
                "expansion limit reached here",
            ));
        }
        Ok(())
    }

    fn span(&self, s: &YSpan) -> Span {
        let start = self.offsets.byte(&s.start);
        let end = self.offsets.byte(&s.end).max(start);
        start..end
    }

    fn scan_error(&self, e: &ScanError) -> InputError {
        let at = self.offsets.byte(e.marker());
        self.error(at..at, format!("invalid YAML: {}", e.info()), "here")
    }

    fn error(&self, span: Span, message: impl Into<String>, label: impl Into<String>) -> InputError {
        InputError::at(self.file, span, message, label)
    }
}

/// A tag as CloudFormation reads it.
enum TagMeaning {
    None,
    /// The non-specific tag `!`.
    NonSpecific,
    /// A YAML core-schema tag (`!!str`, `!<tag:yaml.org,2002:int>`), by its suffix.
    Core(String),
    /// Any other tag, such as `!Ref`, by its name without the `!`.
    Custom(String),
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

fn meaning(tag: Option<&Tag>) -> TagMeaning {
    let Some(t) = tag else { return TagMeaning::None };
    if t.is_yaml_core_schema() {
        return TagMeaning::Core(t.suffix.clone());
    }
    match (t.handle.as_str(), t.suffix.as_str()) {
        ("", "!") => TagMeaning::NonSpecific,
        // Verbatim tags: `!<tag:yaml.org,2002:str>`, `!<!Ref>`.
        ("", s) if s.starts_with(CORE_PREFIX) => TagMeaning::Core(s[CORE_PREFIX.len()..].to_string()),
        ("", s) => TagMeaning::Custom(s.strip_prefix('!').unwrap_or(s).to_string()),
        ("!", s) => TagMeaning::Custom(s.to_string()),
        (h, s) => TagMeaning::Custom(format!("{h}{s}")),
    }
}

fn scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>, at: Span) -> Node {
    let kind = match meaning(tag) {
        // YAML's non-specific `!` makes a scalar a string, as in PyYAML
        // (`! "Ref": X` is the key "Ref"). CloudFormation reads it the same way.
        TagMeaning::NonSpecific => Kind::Str(value.into_owned()),
        TagMeaning::Core(core) => core_scalar(&core, value.into_owned()),
        TagMeaning::None if style != ScalarStyle::Plain => Kind::Str(value.into_owned()),
        TagMeaning::None => plain_scalar(&value),
        TagMeaning::Custom(name) => {
            let inner = if style == ScalarStyle::Plain {
                plain_scalar(&value)
            } else {
                Kind::Str(value.into_owned())
            };
            return Node::new(at.clone(), Kind::Tagged(name, Box::new(Node::new(at, inner))));
        }
    };
    Node::new(at, kind)
}

fn wrap_tag(tag: Option<&Tag>, node: Node) -> Node {
    match meaning(tag) {
        TagMeaning::Custom(name) => {
            let span = node.span.clone();
            Node::new(span, Kind::Tagged(name, Box::new(node)))
        }
        // `!!seq`, `!!map` and the non-specific `!` on a collection change nothing.
        _ => node,
    }
}

/// A scalar under an explicit core-schema tag: the tag decides its type, not its text.
fn core_scalar(tag: &str, value: String) -> Kind {
    match tag {
        "int" | "float" => Kind::Number(value),
        "null" => Kind::Null,
        "bool" => match plain_scalar(&value) {
            Kind::Bool(b) => Kind::Bool(b),
            _ => Kind::Str(value),
        },
        _ => Kind::Str(value),
    }
}

fn plain_scalar(v: &str) -> Kind {
    match v {
        "~" | "null" | "Null" | "NULL" | "" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if looks_numeric(v) => Kind::Number(v.to_string()),
        _ => Kind::Str(v.to_string()),
    }
}

fn looks_numeric(v: &str) -> bool {
    let t = v.strip_prefix(['-', '+']).unwrap_or(v);
    !t.is_empty() && t.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.') && v.parse::<f64>().is_ok()
}

fn count_nodes(n: &Node) -> usize {
    1 + match &n.kind {
        Kind::Seq(items) => items.iter().map(count_nodes).sum(),
        Kind::Map(entries) => entries.iter().map(|(_, v)| 1 + count_nodes(v)).sum(),
        Kind::Tagged(_, inner) => count_nodes(inner),
        _ => 0,
    }
}

/// saphyr counts positions in characters; miette and our spans use bytes.
struct CharOffsets {
    /// Byte offset of each character, or `None` when the text is ASCII.
    table: Option<Vec<usize>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        CharOffsets { table, len: text.len() }
    }

    fn byte(&self, m: &Marker) -> usize {
        match &self.table {
            None => m.index().min(self.len),
            Some(t) => t.get(m.index()).copied().unwrap_or(self.len),
        }
    }
}

/// Replaces line breaks inside flow collections (`{...}`, `[...]`) with spaces.
fn join_flow_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut quote, mut comment) = (0usize, None::<char>, false);
    let mut prev = '\n';
    for c in text.chars() {
        match c {
            '\n' => {
                comment = false;
                out.push(if depth > 0 && quote.is_none() { ' ' } else { '\n' });
                prev = c;
                continue;
            }
            _ if comment => {}
            '#' if quote.is_none() && (prev == ' ' || prev == '\t' || prev == '\n') => comment = true,
            '"' | '\'' if depth > 0 => match quote {
                None => quote = Some(c),
                Some(q) if q == c && prev != '\\' => quote = None,
                _ => {}
            },
            '{' | '[' if quote.is_none() => depth += 1,
            '}' | ']' if quote.is_none() => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(c);
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, InputError> {
        parse(&SourceFile::new("t.yaml", text))
    }

    fn kinds(text: &str) -> Vec<Kind> {
        load(text).unwrap().as_seq().unwrap().iter().map(|n| n.kind.clone()).collect()
    }

    fn str(s: &str) -> Kind {
        Kind::Str(s.into())
    }

    #[test]
    fn the_non_specific_tag_makes_a_scalar_a_string() {
        // As PyYAML: `!` resolves a scalar to a string whatever its text.
        let got = kinds(r#"[! 12, ! true, ! "Ref": X, ! [a]]"#);
        assert_eq!(got[..2], [str("12"), str("true")]);
        let Kind::Map(entries) = &got[2] else { panic!("{:?}", got[2]) };
        assert_eq!((entries[0].0.name.as_str(), &entries[0].1.kind), ("Ref", &str("X")));
        assert!(matches!(&got[3], Kind::Seq(items) if items.len() == 1));
    }

    #[test]
    fn core_verbatim_and_named_tags() {
        let text = "%TAG !e! tag:example.com,2000:\n---\n[!!int \"7\", !!null \"\", !!str 12, !!seq [a], !<tag:yaml.org,2002:bool> true, !<!Ref> X, !e!thing y]";
        let got = kinds(text);
        assert_eq!(got[..3], [Kind::Number("7".into()), Kind::Null, str("12")]);
        assert!(matches!(&got[3], Kind::Seq(_)));
        assert_eq!(got[4], Kind::Bool(true));
        let tag = |k: &Kind| match k {
            Kind::Tagged(t, _) => t.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(tag(&got[5]), "Ref");
        assert_eq!(tag(&got[6]), "tag:example.com,2000:thing");
    }

    #[test]
    fn a_tagged_key_is_refused_where_it_is() {
        let err = load("[!ImportValue Fn::Sub: x]").unwrap_err().to_string();
        assert!(
            err.starts_with("t.yaml:1:2: a mapping key cannot carry the tag `!ImportValue`"),
            "{err}"
        );
    }
}
