//! The syntax of Serverless variables inside a string: where each `${…}`
//! starts and ends, how its comma-separated alternatives split, and which
//! alternatives are literals.

use crate::source::doc::Kind;

pub(super) enum Segment {
    Text(String),
    Var(String),
}

/// Splits a string into text and `${…}` parts, matching nested braces. An
/// unclosed `${` is an error at its byte index.
pub(super) fn segments(s: &str) -> Result<Vec<Segment>, usize> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            out.push(Segment::Text(rest[..start].to_string()));
        }
        let body = &rest[start + 2..];
        let Some(end) = closing_brace(body) else {
            return Err(s.len() - rest.len() + start);
        };
        let inner = &body[..end];
        if is_cloudformation_sub(inner) {
            // `${AWS::Region}` or `${LogicalId.Attr}` in an `Fn::Sub`: not a Serverless variable.
            out.push(Segment::Text(format!("${{{inner}}}")));
        } else {
            out.push(Segment::Var(inner.to_string()));
        }
        rest = &body[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_string()));
    }
    // Merge adjacent texts so `${AWS::Region}` alone stays a plain string.
    let mut merged: Vec<Segment> = Vec::new();
    for seg in out {
        match (merged.last_mut(), seg) {
            (Some(Segment::Text(a)), Segment::Text(b)) => a.push_str(&b),
            (_, seg) => merged.push(seg),
        }
    }
    Ok(merged)
}

/// Index of the `}` closing a variable whose body starts at `s`, honouring
/// nested `${…}` and quotes.
fn closing_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 1usize;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    depth += 1;
                    i += 1;
                }
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Splits on commas outside quotes, parentheses and nested variables.
pub(super) fn split_top_level(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let (mut depth, mut quote, mut start) = (0i32, None::<u8>, 0);
    let mut out = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'{' | b'(' => depth += 1,
                b'}' | b')' => depth -= 1,
                b',' if depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(&s[start..]);
    out
}

/// A literal fallback: `'text'`, `"text"`, a number, `true`, `false` or `null`.
pub(super) fn literal(part: &str) -> Option<Kind> {
    if let Some(lit) = quoted(part) {
        return Some(Kind::Str(lit.to_string()));
    }
    if part.parse::<f64>().is_ok() {
        return Some(Kind::Number(part.to_string()));
    }
    match part {
        "true" | "false" => Some(Kind::Bool(part == "true")),
        "null" => Some(Kind::Null),
        _ => None,
    }
}

/// The inside of an alternative that is one whole variable: `${self:x}` → `self:x`.
pub(super) fn whole_variable(part: &str) -> Option<&str> {
    let body = part.strip_prefix("${")?;
    closing_brace(body).filter(|&end| end + 1 == body.len()).map(|end| &body[..end])
}

fn quoted(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0]).then(|| &s[1..s.len() - 1])
}

/// `${AWS::Region}`, `${MyBucket}`, `${MyRole.Arn}`: `Fn::Sub` syntax, left alone.
fn is_cloudformation_sub(inner: &str) -> bool {
    let t = inner.trim();
    t.starts_with("AWS::") || t.starts_with('!') || !t.contains([':', '(', ',', '$'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_and_commas() {
        assert_eq!(closing_brace("opt:stage, 'd}ev'} x"), Some(17));
        assert_eq!(closing_brace("self:a.${opt:b}.c}"), Some(17));
        assert_eq!(closing_brace("self:a"), None);
        assert_eq!(
            split_top_level("opt:stage, ${self:x, 'a,b'}, 'c,d'"),
            vec!["opt:stage", " ${self:x, 'a,b'}", " 'c,d'"]
        );
        assert!(is_cloudformation_sub("AWS::Region"));
        assert!(is_cloudformation_sub("MyRole.Arn"));
        assert!(!is_cloudformation_sub("self:custom.x"));
        assert_eq!(whole_variable("${self:a.${opt:b}}"), Some("self:a.${opt:b}"));
        assert_eq!(whole_variable("${self:a}.${opt:b}"), None);
        assert_eq!(whole_variable("${"), None);
    }
}
