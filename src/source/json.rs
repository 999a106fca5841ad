//! JSON → [`Node`] with byte spans.
//!
//! A small recursive-descent parser that builds the tree directly: serde_json
//! keeps no positions, and jsonc-parser builds its own AST first, which took
//! most of the run time on a 1,000-function Terraform plan.

use super::doc::{Entries, Key, Kind, Node, MAX_DEPTH};
use crate::error::InputError;
use crate::files::SourceFile;

pub fn parse(file: &SourceFile) -> Result<Node, InputError> {
    let mut p = Parser {
        file,
        text: file.text.as_bytes(),
        // A UTF-8 byte order mark, as Windows editors write, is not content (RFC 8259 §8.1).
        pos: if file.text.starts_with('\u{feff}') { 3 } else { 0 },
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos < p.text.len() {
        return Err(p.error("invalid JSON: unexpected content after the value"));
    }
    Ok(node)
}

struct Parser<'a> {
    file: &'a SourceFile,
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> InputError {
        let at = self.pos.min(self.text.len());
        let end = (at + 1).min(self.text.len());
        if at == self.text.len() {
            return InputError::at(
                self.file,
                at..end,
                format!("{message}, found the end of the file"),
                "the file ends here",
            );
        }
        InputError::at(self.file, at..end, message, "here")
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, InputError> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        let kind = match self.text.get(self.pos) {
            Some(b'{') => return self.object(depth),
            Some(b'[') => return self.array(depth),
            Some(b'"') => Kind::Str(self.string()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(_) => return Err(self.error("invalid JSON: expected a value")),
            None => return Err(self.error("invalid JSON: unexpected end of input")),
        };
        Ok(Node::new(start..self.pos, kind))
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind, InputError> {
        if self.text[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("invalid JSON: expected a value"))
        }
    }

    fn number(&mut self) -> Result<String, InputError> {
        let start = self.pos;
        if self.text[self.pos] == b'-' {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.text.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > s
        };
        let mut ok = digits(self);
        if self.text.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            ok &= digits(self);
        }
        if let Some(b'e' | b'E') = self.text.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.text.get(self.pos) {
                self.pos += 1;
            }
            ok &= digits(self);
        }
        if !ok {
            return Err(self.error("invalid JSON: malformed number"));
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.pos]).into_owned())
    }

    fn string(&mut self) -> Result<String, InputError> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        while let Some(&b) = self.text.get(self.pos) {
            match b {
                b'"' => {
                    let s = std::str::from_utf8(&self.text[start..self.pos]).expect("source files are UTF-8");
                    self.pos += 1;
                    return Ok(s.to_string());
                }
                b'\\' => break,
                0..=0x1f => return Err(self.error("invalid JSON: control character in a string")),
                _ => self.pos += 1,
            }
        }
        let mut out: Vec<u8> = self.text[start..self.pos].to_vec();
        loop {
            match self.text.get(self.pos) {
                None => return Err(self.error("invalid JSON: unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| self.error("invalid JSON: invalid escape"));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.text.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode()?,
                        _ => return Err(self.error("invalid JSON: invalid escape")),
                    };
                    self.pos += 1;
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                Some(0..=0x1f) => return Err(self.error("invalid JSON: control character in a string")),
                Some(&b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// `\uXXXX`, with surrogate pairs; leaves `pos` on the last hex digit.
    fn unicode(&mut self) -> Result<char, InputError> {
        let hex = |p: &Self, at: usize| -> Option<u32> {
            let digits = p.text.get(at..at + 4)?;
            u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
        };
        let bad = |p: &Self| p.error("invalid JSON: invalid \\u escape");
        let first = hex(self, self.pos + 1).ok_or_else(|| bad(self))?;
        self.pos += 4;
        if (0xD800..0xDC00).contains(&first) && self.text.get(self.pos + 1..self.pos + 3) == Some(b"\\u") {
            let second = hex(self, self.pos + 3).ok_or_else(|| bad(self))?;
            if (0xDC00..0xE000).contains(&second) {
                self.pos += 6;
                return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)).ok_or_else(|| bad(self));
            }
        }
        char::from_u32(first).ok_or_else(|| bad(self))
    }

    fn array(&mut self, depth: usize) -> Result<Node, InputError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.text.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Node::new(start..self.pos, Kind::Seq(items)));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::new(start..self.pos, Kind::Seq(items)));
                }
                _ => return Err(self.error("invalid JSON: expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, InputError> {
        let start = self.pos;
        self.pos += 1;
        let mut entries = Entries::default();
        self.ws();
        if self.text.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Node::new(start..self.pos, Kind::Map(vec![])));
        }
        loop {
            self.ws();
            if self.text.get(self.pos) != Some(&b'"') {
                return Err(self.error("invalid JSON: expected a property name in double quotes"));
            }
            let key_start = self.pos;
            let name = self.string()?;
            let span = key_start..self.pos;
            self.ws();
            if self.text.get(self.pos) != Some(&b':') {
                return Err(self.error("invalid JSON: expected `:`"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            // Duplicate keys: the last one wins, as in most JSON readers.
            entries.insert(Key { name, span }, value);
            self.ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::new(start..self.pos, Kind::Map(entries.into_vec())));
                }
                _ => return Err(self.error("invalid JSON: expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_value(n: &Node) -> serde_json::Value {
        match &n.kind {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool(b) => (*b).into(),
            Kind::Number(s) => serde_json::from_str(s).unwrap(),
            Kind::Str(s) => s.clone().into(),
            Kind::Seq(items) => items.iter().map(to_value).collect(),
            Kind::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.clone(), to_value(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            Kind::Tagged(..) => unreachable!(),
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        let cases = [
            r#"{"a": [1, -2.5e3, 0.1, true, false, null], "b": {"c": "d"}}"#,
            r#"["\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", "caf\u00e9 ü", ""]"#,
            " [ ] ",
            r#"{"dup": 1, "dup": 2}"#,
        ];
        for text in cases {
            let file = SourceFile::new("t.json", text);
            assert_eq!(
                to_value(&parse(&file).unwrap()),
                serde_json::from_str::<serde_json::Value>(text).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = "\u{feff}{\"k\": 1}";
        let root = parse(&SourceFile::new("t.json", text)).unwrap();
        assert_eq!(&text[root.span.clone()], "{\"k\": 1}");
        assert!(parse(&SourceFile::new("t.json", "{\"k\": \u{feff}1}")).is_err());
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        for text in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01x",
            "\"\\x\"",
            "\"a\nb\"",
            "[1] 2",
            "{a: 1}",
            "-",
            "1.",
            "\"\\ud800\\u0041\"x",
        ] {
            let file = SourceFile::new("t.json", text);
            assert!(parse(&file).is_err(), "{text:?} should fail");
        }
    }

    #[test]
    fn spans_cover_values() {
        let text = r#"{"k": ["v", 12]}"#;
        let root = parse(&SourceFile::new("t.json", text)).unwrap();
        let (key, list) = &root.entries().unwrap()[0];
        assert_eq!(&text[key.span.clone()], "\"k\"");
        assert_eq!(&text[list.span.clone()], r#"["v", 12]"#);
        assert_eq!(&text[list.as_seq().unwrap()[1].span.clone()], "12");
    }
}
