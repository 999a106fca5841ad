//! Small operations on the document tree that the resolver needs: stepping
//! into a child, finding text in a span, the symbol nodes it produces, and
//! giving a node from another file the span of its reference.

use super::Ctx;
use crate::files::SourceFile;
use crate::source::cloudformation::SYMBOL_TAG;
use crate::source::doc::{Kind, Node, Span};

pub(super) fn child<'n>(n: &'n Node, seg: &str) -> Option<&'n Node> {
    match &n.kind {
        Kind::Map(_) => n.get(seg),
        Kind::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

/// The narrowest span of `needle` inside `span` of the file, when the text is there as written.
pub(super) fn locate(file: &SourceFile, span: &Span, needle: &str) -> Span {
    let span = file.clamp(span);
    match file.text.get(span.clone()).and_then(|t| t.find(needle)) {
        Some(i) => span.start + i..span.start + i + needle.len(),
        None => span,
    }
}

pub(crate) fn symbol_node(span: Span, expr: String, hint: String) -> Node {
    let parts = vec![Node::new(span.clone(), Kind::Str(expr)), Node::new(span.clone(), Kind::Str(hint))];
    Node::new(
        span.clone(),
        Kind::Tagged(SYMBOL_TAG.into(), Box::new(Node::new(span, Kind::Seq(parts)))),
    )
}

/// The expression and hint of a symbol node.
pub(crate) fn symbol_expr(n: &Node) -> Option<(String, String)> {
    let Kind::Tagged(tag, inner) = &n.kind else { return None };
    if tag != SYMBOL_TAG {
        return None;
    }
    let parts = inner.as_seq()?;
    Some((
        parts.first()?.as_str()?.to_string(),
        parts.get(1).and_then(Node::as_str).unwrap_or("").to_string(),
    ))
}

pub(super) fn scalar_text(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn respan_shallow(node: &Node, ctx: &Ctx) -> Node {
    match &ctx.respan {
        None => node.clone(),
        Some(_) => respan_deep(node.clone(), ctx),
    }
}

/// Gives a node from another file the span of its reference in serverless.yml.
pub(super) fn respan_deep(mut node: Node, ctx: &Ctx) -> Node {
    if let Some(span) = &ctx.respan {
        set_span(&mut node, span);
    }
    node
}

fn set_span(node: &mut Node, span: &Span) {
    node.span = span.clone();
    match &mut node.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|i| set_span(i, span)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            k.span = span.clone();
            set_span(v, span)
        }),
        Kind::Tagged(_, inner) => set_span(inner, span),
        _ => {}
    }
}
