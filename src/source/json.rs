//! JSON → [`Node`] with byte spans, via jsonc-parser.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::doc::{Key, Kind, Node, MAX_DEPTH};
use crate::error::InputError;
use crate::files::SourceFile;

pub fn parse(file: &SourceFile) -> Result<Node, InputError> {
    check_depth(file)?;
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    let parsed = jsonc_parser::parse_to_ast(&file.text, &CollectOptions::default(), &options).map_err(|e| {
        let r = e.range();
        InputError::at(file, r.start..r.end, format!("invalid JSON: {}", e.kind()), "here")
    })?;
    match parsed.value {
        Some(v) => convert(file, v),
        None => Ok(Node::new(0..0, Kind::Null)),
    }
}

fn convert(file: &SourceFile, v: Value<'_>) -> Result<Node, InputError> {
    Ok(match v {
        Value::StringLit(s) => Node::new(s.range.start..s.range.end, Kind::Str(s.value.into_owned())),
        Value::NumberLit(n) => Node::new(n.range.start..n.range.end, Kind::Number(n.value.to_string())),
        Value::BooleanLit(b) => Node::new(b.range.start..b.range.end, Kind::Bool(b.value)),
        Value::NullKeyword(n) => Node::new(n.range.start..n.range.end, Kind::Null),
        Value::Array(a) => {
            let items = a.elements.into_iter().map(|e| convert(file, e)).collect::<Result<_, _>>()?;
            Node::new(a.range.start..a.range.end, Kind::Seq(items))
        }
        Value::Object(o) => {
            let mut entries: Vec<(Key, Node)> = Vec::with_capacity(o.properties.len());
            for p in o.properties {
                let (name, span) = match p.name {
                    ObjectPropName::String(s) => (s.value.into_owned(), s.range.start..s.range.end),
                    ObjectPropName::Word(w) => (w.value.to_string(), w.range.start..w.range.end),
                };
                if entries.iter().any(|(k, _)| k.name == name) {
                    return Err(InputError::at(file, span, format!("duplicate key `{name}`"), "duplicate key"));
                }
                entries.push((Key { name, span }, convert(file, p.value)?));
            }
            Node::new(o.range.start..o.range.end, Kind::Map(entries))
        }
    })
}

/// jsonc-parser recurses per nesting level, so refuse deep input before parsing.
fn check_depth(file: &SourceFile) -> Result<(), InputError> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, b) in file.text.bytes().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(InputError::at(
                        file,
                        i..i + 1,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                        "too deep",
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
