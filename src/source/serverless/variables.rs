//! Serverless Framework variables: `${source:address, fallback, 'literal'}`.
//!
//! Resolution works on the [`Node`] tree and is lazy: only the parts of the
//! file eniplan needs are resolved, as the Framework would resolve them.
//! Values that come from the same file keep their spans; values read from a
//! `${file(…)}` take the span of the reference. Values eniplan cannot know
//! (`${ssm:…}`, `${cf:…}`, `${aws:…}`, `${s3:…}`, an unset `${env:…}`, …)
//! become one symbol each: a `!eniplan.Symbol [expr, hint]` node that the
//! CloudFormation reader turns into a [`crate::model::Value::Symbol`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

mod lexer;
mod tree;

use lexer::{literal, split_top_level, whole_variable, Segment};
use tree::{child, locate, respan_deep, respan_shallow, scalar_text};
pub(crate) use tree::{symbol_expr, symbol_node};

use crate::error::InputError;
use crate::files::SourceFile;
use crate::files::MAX_FILE_BYTES;
use crate::source::doc::{Key, Kind, Node, Span, MAX_NODES};

/// How many variables may be resolving inside one another at once.
const MAX_NESTING: usize = 64;

/// Where a node came from: the file (for error messages) and, for values read
/// from another file, the span in serverless.yml they are reported at.
#[derive(Clone)]
pub(crate) struct Ctx {
    file: Rc<SourceFile>,
    respan: Option<Span>,
}

/// The outcome of one variable source.
enum Found {
    Value(Node),
    /// Not there; the next fallback is tried. The text says what was missing
    /// and whether that is fatal when no fallback is left.
    Missing {
        why: String,
        fatal: bool,
        hint: String,
    },
    /// Exists only at deploy time (`${ssm:…}`): a symbol, and fallbacks are not tried.
    Unknown {
        expr: String,
        hint: String,
    },
}

pub(crate) struct Resolver<'a> {
    main: Rc<SourceFile>,
    root: &'a Node,
    vars: &'a [(String, String)],
    opt_stage: Option<String>,
    /// The effective stage, once known.
    stage: Option<String>,
    computing_stage: bool,
    base: PathBuf,
    included: HashMap<PathBuf, Rc<(Rc<SourceFile>, Node)>>,
    /// Variables being resolved, outermost first, for cycle messages.
    stack: Vec<String>,
    produced: usize,
    /// Bytes of text joined so far: strings made of variables that repeat one
    /// another double at each level, which a count of values does not bound.
    joined: usize,
}

impl<'a> Resolver<'a> {
    pub fn new(file: &SourceFile, root: &'a Node, stage: Option<String>, vars: &'a [(String, String)]) -> Self {
        let base = Path::new(&file.path).parent().map(Path::to_path_buf).unwrap_or_default();
        Resolver {
            main: Rc::new(file.clone()),
            root,
            vars,
            opt_stage: stage,
            stage: None,
            computing_stage: false,
            base,
            included: HashMap::new(),
            stack: Vec::new(),
            produced: 0,
            joined: 0,
        }
    }

    pub fn main_ctx(&self) -> Ctx {
        Ctx {
            file: self.main.clone(),
            respan: None,
        }
    }

    fn err(&self, ctx: &Ctx, span: Span, msg: impl Into<String>, label: &str) -> InputError {
        InputError::at(&ctx.file, span, msg, label)
    }

    /// The stage: `--stage`, else `provider.stage`, else `dev`.
    pub fn stage(&mut self) -> Result<String, InputError> {
        if let Some(s) = &self.stage {
            return Ok(s.clone());
        }
        let stage = match &self.opt_stage {
            Some(s) => s.clone(),
            None => {
                self.computing_stage = true;
                let ctx = self.main_ctx();
                let provider = match self.root.get("provider") {
                    Some(p) => Some(self.shallow(p, &ctx)?),
                    None => None,
                };
                let found = match provider.as_ref().and_then(|p| p.get("stage")) {
                    Some(s) => Some(self.deep(s, &ctx)?),
                    None => None,
                };
                self.computing_stage = false;
                match found.as_ref().map(|n| (n, n.as_str())) {
                    Some((_, Some(s))) => s.to_string(),
                    Some((n, None)) if !n.is_null() && symbol_expr(n).is_none() => {
                        return Err(self.err(
                            &ctx,
                            n.span.clone(),
                            format!("provider.stage must be a string, found {}", n.type_name()),
                            "here",
                        ))
                    }
                    _ => "dev".to_string(),
                }
            }
        };
        self.stage = Some(stage.clone());
        Ok(stage)
    }

    fn count(&mut self, ctx: &Ctx, span: &Span) -> Result<(), InputError> {
        self.produced += 1;
        if self.produced > MAX_NODES {
            return Err(self.err(
                ctx,
                span.clone(),
                format!("variables expand to more than {MAX_NODES} values"),
                "expanding here",
            ));
        }
        Ok(())
    }

    /// Resolves a node's own value when it is a string holding variables;
    /// its children are left as written.
    pub fn shallow(&mut self, node: &Node, ctx: &Ctx) -> Result<Node, InputError> {
        match &node.kind {
            Kind::Str(s) if s.contains("${") => self.string(node, s, ctx),
            _ => Ok(respan_shallow(node, ctx)),
        }
    }

    /// Like [`Resolver::shallow`], without copying a node that has no variable.
    fn shallow_ref<'n>(&mut self, node: &'n Node, ctx: &Ctx) -> Result<Cow<'n, Node>, InputError> {
        match &node.kind {
            Kind::Str(s) if s.contains("${") => Ok(Cow::Owned(self.string(node, s, ctx)?)),
            _ => Ok(Cow::Borrowed(node)),
        }
    }

    /// Resolves a node and everything below it.
    pub fn deep(&mut self, node: &Node, ctx: &Ctx) -> Result<Node, InputError> {
        self.count(ctx, &node.span)?;
        if symbol_expr(node).is_some() {
            return Ok(respan_shallow(node, ctx));
        }
        let span = ctx.respan.clone().unwrap_or_else(|| node.span.clone());
        Ok(match &node.kind {
            // A variable's value was resolved in its own context already.
            Kind::Str(s) if s.contains("${") => self.string(node, s, ctx)?,
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.deep(i, ctx)?);
                }
                Node::new(span, Kind::Seq(out))
            }
            Kind::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = Key {
                        name: k.name.clone(),
                        span: ctx.respan.clone().unwrap_or_else(|| k.span.clone()),
                    };
                    out.push((key, self.deep(v, ctx)?));
                }
                Node::new(span, Kind::Map(out))
            }
            Kind::Tagged(t, inner) => Node::new(span, Kind::Tagged(t.clone(), Box::new(self.deep(inner, ctx)?))),
            other => Node::new(span, other.clone()),
        })
    }

    /// A string with `${…}` in it: one whole variable keeps its value's type;
    /// variables inside text must be scalars and are joined into one string.
    fn string(&mut self, node: &Node, s: &str, ctx: &Ctx) -> Result<Node, InputError> {
        let segments = lexer::segments(s).map_err(|start| self.unclosed(node, &s[start..], ctx))?;
        let span = ctx.respan.clone().unwrap_or_else(|| node.span.clone());
        if let [Segment::Var(inner)] = segments.as_slice() {
            let at = locate(&ctx.file, &node.span, &format!("${{{inner}}}"));
            return self.variable(inner, at, ctx);
        }
        let mut text = String::new();
        let mut symbolic: Option<String> = None;
        for seg in &segments {
            match seg {
                Segment::Text(t) => text.push_str(t),
                Segment::Var(inner) => {
                    let at = locate(&ctx.file, &node.span, &format!("${{{inner}}}"));
                    let v = self.variable(inner, at.clone(), ctx)?;
                    if let Some((expr, hint)) = symbol_expr(&v) {
                        text.push_str(&expr);
                        symbolic.get_or_insert(hint);
                        continue;
                    }
                    match scalar_text(&v) {
                        Some(t) => {
                            self.joined += t.len();
                            if self.joined as u64 > MAX_FILE_BYTES {
                                let message = format!("variables expand to more than {MAX_FILE_BYTES} bytes of text");
                                return Err(self.err(ctx, at, message, "expanding here"));
                            }
                            text.push_str(&t);
                        }
                        None => {
                            return Err(self.err(
                                ctx,
                                at,
                                format!("`${{{inner}}}` is {} and cannot be part of a string", v.type_name()),
                                "used inside a string",
                            ))
                        }
                    }
                }
            }
        }
        Ok(match symbolic {
            Some(hint) => symbol_node(span, text, hint),
            None => Node::new(span, Kind::Str(text)),
        })
    }

    /// An error for a `${` without its `}`: `rest` is the text from the `${` on.
    fn unclosed(&self, node: &Node, rest: &str, ctx: &Ctx) -> InputError {
        let at = locate(&ctx.file, &node.span, rest);
        let at = at.start..(at.start + 2).min(at.end.max(at.start + 2));
        self.err(ctx, at, format!("unclosed variable `{rest}`: no matching `}}`"), "opened here")
            .with_help("Serverless variables look like `${source:address}` or `${source:address, 'fallback'}`")
    }

    /// One `${…}`: each comma-separated alternative in turn, first found wins.
    fn variable(&mut self, inner: &str, at: Span, ctx: &Ctx) -> Result<Node, InputError> {
        if self.stack.len() >= MAX_NESTING {
            return Err(self.err(ctx, at, format!("variables nested more than {MAX_NESTING} deep"), "resolving this"));
        }
        let parts = split_top_level(inner);
        let mut last_missing = None;
        for part in &parts {
            let part = part.trim();
            if part.is_empty() {
                return Err(self
                    .err(ctx, at, format!("empty variable part in `${{{inner}}}`"), "here")
                    .with_help("write `${source:address, 'fallback'}`"));
            }
            match self.alternative(part, &at, ctx)? {
                Found::Value(v) => return Ok(v),
                Found::Unknown { expr, hint } => {
                    let span = ctx.respan.clone().unwrap_or_else(|| at.clone());
                    return Ok(symbol_node(span, expr, hint));
                }
                missing => last_missing = Some((part.to_string(), missing)),
            }
        }
        let span = ctx.respan.clone().unwrap_or_else(|| at.clone());
        match last_missing {
            Some((_, Found::Missing { why, fatal: true, hint })) => Err(self.err(ctx, at, why, "not found").with_help(hint)),
            Some((part, Found::Missing { hint, .. })) => Ok(symbol_node(span, format!("${{{part}}}"), hint)),
            _ => Ok(Node::new(span, Kind::Null)),
        }
    }

    fn alternative(&mut self, part: &str, at: &Span, ctx: &Ctx) -> Result<Found, InputError> {
        let span = ctx.respan.clone().unwrap_or_else(|| at.clone());
        if let Some(kind) = literal(part) {
            return Ok(Found::Value(Node::new(span, kind)));
        }
        // A whole nested variable as an alternative: `${opt:stage, ${self:custom.stage}}`.
        if let Some(inner) = whole_variable(part) {
            let v = self.variable(inner, at.clone(), ctx)?;
            return Ok(if v.is_null() {
                Found::Missing {
                    why: format!("`{part}` has no value"),
                    fatal: false,
                    hint: String::new(),
                }
            } else {
                Found::Value(v)
            });
        }
        // Nested variables inside the address: `self:custom.${sls:stage}.sg`.
        let text = if part.contains("${") {
            let tmp = Node::new(at.clone(), Kind::Str(part.to_string()));
            let v = self.string(&tmp, part, ctx)?;
            if let Some((expr, hint)) = symbol_expr(&v) {
                return Ok(Found::Unknown {
                    expr: format!("${{{expr}}}"),
                    hint,
                });
            }
            match v.as_str() {
                Some(s) => s.to_string(),
                None => {
                    return Err(self.err(
                        ctx,
                        at.clone(),
                        format!("`${{{part}}}`: a nested variable gave {}, not a string", v.type_name()),
                        "here",
                    ))
                }
            }
        } else {
            part.to_string()
        };
        // `--var NAME=VALUE` wins over everything eniplan could read itself.
        let var_name = |k: &str| k.trim().trim_start_matches("${").trim_end_matches('}').trim().to_string();
        if let Some((_, value)) = self.vars.iter().rev().find(|(k, _)| var_name(k) == text) {
            return Ok(Found::Value(Node::new(span, Kind::Str(value.clone()))));
        }
        let key = format!("${{{text}}}");
        if let Some(pos) = self.stack.iter().position(|s| *s == key) {
            let mut chain: Vec<&str> = self.stack[pos..].iter().map(String::as_str).collect();
            chain.push(&key);
            return Err(self
                .err(
                    ctx,
                    at.clone(),
                    format!("variable cycle: {}", chain.join(" → ")),
                    "this refers back to itself",
                )
                .with_help("each variable in the chain depends on the next; break the cycle"));
        }
        self.stack.push(key);
        let result = self.source(&text, at, ctx);
        self.stack.pop();
        result
    }

    fn source(&mut self, text: &str, at: &Span, ctx: &Ctx) -> Result<Found, InputError> {
        let name_end = text.find([':', '(']).unwrap_or(text.len());
        let (source, rest) = text.split_at(name_end);
        let address = rest.strip_prefix(':').unwrap_or(rest);
        let span = ctx.respan.clone().unwrap_or_else(|| at.clone());
        let var_hint = format!("pass `--var {text}=<value>`");
        match source {
            "self" => self.self_ref(address, text, at, ctx),
            "opt" => Ok(match (address, &self.opt_stage) {
                ("stage", Some(s)) => Found::Value(Node::new(span, Kind::Str(s.clone()))),
                ("stage", None) => Found::Missing {
                    why: "no `--stage` given".into(),
                    fatal: false,
                    hint: "pass `--stage`".into(),
                },
                _ => Found::Missing {
                    why: format!("no value for the CLI option `{address}`"),
                    fatal: false,
                    hint: var_hint,
                },
            }),
            "sls" => match address {
                "stage" => {
                    if self.computing_stage {
                        return Err(self.err(
                            ctx,
                            at.clone(),
                            "variable cycle: provider.stage → ${sls:stage} → provider.stage",
                            "the stage depends on itself",
                        ));
                    }
                    let s = self.stage()?;
                    Ok(Found::Value(Node::new(span, Kind::Str(s))))
                }
                _ => Ok(Found::Unknown {
                    expr: format!("${{{text}}}"),
                    hint: var_hint,
                }),
            },
            "env" => Ok(match std::env::var(address) {
                Ok(v) => Found::Value(Node::new(span, Kind::Str(v))),
                Err(_) => Found::Missing {
                    why: format!("environment variable {address} is not set"),
                    fatal: false,
                    hint: format!("set {address} in the environment or pass `--var {text}=<value>`"),
                },
            }),
            "param" => self.param(address, text, ctx),
            "file" => self.file_ref(rest, text, at, ctx),
            "ssm" | "cf" | "aws" | "s3" => Ok(Found::Unknown {
                expr: format!("${{{text}}}"),
                hint: format!("read from AWS at deploy time: pass `--var {text}=<value>` or check against a snapshot that records it"),
            }),
            _ => Ok(Found::Unknown {
                expr: format!("${{{text}}}"),
                hint: format!("variable source `{source}` is not evaluated by eniplan: {var_hint}"),
            }),
        }
    }

    /// `${self:a.b.0}`: a property path into serverless.yml.
    fn self_ref(&mut self, address: &str, text: &str, at: &Span, ctx: &Ctx) -> Result<Found, InputError> {
        let main = self.main_ctx();
        if address == "provider.stage" {
            // The Framework sets provider.stage to the stage in use.
            let s = self.stage()?;
            let span = ctx.respan.clone().unwrap_or_else(|| at.clone());
            return Ok(Found::Value(Node::new(span, Kind::Str(s))));
        }
        let root = self.root;
        let found = self.lookup(root, address, &main)?;
        Ok(match found {
            Some(n) => Found::Value(respan_deep(n, ctx)),
            None => Found::Missing {
                why: format!("`${{{text}}}`: serverless.yml has no value at `{address}`"),
                fatal: true,
                hint: "check the property path, or give a fallback: `${self:a.b, 'default'}`".into(),
            },
        })
    }

    /// Follows a dotted path, resolving variables on the way, then resolves the value.
    fn lookup(&mut self, root: &Node, address: &str, ctx: &Ctx) -> Result<Option<Node>, InputError> {
        let mut cur = self.shallow_ref(root, ctx)?;
        for seg in address.split('.').filter(|s| !s.is_empty()) {
            cur = match cur {
                Cow::Borrowed(n) => match child(n, seg) {
                    Some(c) => self.shallow_ref(c, ctx)?,
                    None => return Ok(None),
                },
                Cow::Owned(n) => match child(&n, seg) {
                    Some(c) => Cow::Owned(self.shallow_ref(c, ctx)?.into_owned()),
                    None => return Ok(None),
                },
            };
        }
        let v = self.deep(&cur, ctx)?;
        Ok((!v.is_null()).then_some(v))
    }

    /// `${param:x}`: `params.<stage>.x`, then `params.default.x`.
    fn param(&mut self, name: &str, text: &str, ctx: &Ctx) -> Result<Found, InputError> {
        let stage = self.stage()?;
        let main = self.main_ctx();
        let root = self.root;
        for scope in [stage.as_str(), "default"] {
            if let Some(v) = self.lookup(root, &format!("params.{scope}.{name}"), &main)? {
                return Ok(Found::Value(respan_deep(v, ctx)));
            }
        }
        Ok(Found::Missing {
            why: format!("no `params.{stage}.{name}` or `params.default.{name}`"),
            fatal: false,
            hint: format!("add it under `params:` or pass `--var {text}=<value>` (Dashboard parameters are not read)"),
        })
    }

    /// `${file(./x.yml):a.b}`, relative to serverless.yml.
    fn file_ref(&mut self, rest: &str, text: &str, at: &Span, ctx: &Ctx) -> Result<Found, InputError> {
        let bad = || format!("`${{{text}}}`: expected `file(PATH)` or `file(PATH):address`");
        let Some(inner) = rest.strip_prefix('(') else {
            return Err(self.err(ctx, at.clone(), bad(), "here"));
        };
        let Some(close) = inner.find(')') else {
            return Err(self.err(ctx, at.clone(), bad(), "here"));
        };
        let raw_path = inner[..close].trim().trim_matches(['\'', '"']);
        let raw_path = raw_path.trim_start_matches("./");
        let after = &inner[close + 1..];
        let address = match after.strip_prefix(':') {
            Some(a) => a.trim(),
            None if after.trim().is_empty() => "",
            None => return Err(self.err(ctx, at.clone(), bad(), "here")),
        };
        let path = self.base.join(raw_path);
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if matches!(ext.as_str(), "js" | "cjs" | "mjs" | "ts") {
            return Ok(Found::Unknown {
                expr: format!("${{{text}}}"),
                hint: format!("eniplan does not run JavaScript; pass `--var {text}=<value>`"),
            });
        }
        if !path.is_file() {
            return Ok(Found::Missing {
                why: format!("`${{{text}}}`: file {} not found", path.display()),
                fatal: true,
                hint: "the path is relative to the directory of serverless.yml".into(),
            });
        }
        let key = path.canonicalize().unwrap_or(path.clone());
        let doc = match self.included.get(&key) {
            Some(d) => d.clone(),
            None => {
                let file = SourceFile::read(&path)?;
                let node = crate::source::parse(&file)?;
                let d = Rc::new((Rc::new(file), node));
                self.included.insert(key, d.clone());
                d
            }
        };
        // Values from the other file are reported at the reference in serverless.yml.
        let respan = ctx.respan.clone().unwrap_or_else(|| at.clone());
        let fctx = Ctx {
            file: doc.0.clone(),
            respan: Some(respan),
        };
        let found = self.lookup(&doc.1, address, &fctx)?;
        Ok(match found {
            Some(v) => Found::Value(v),
            None => Found::Missing {
                why: format!("`${{{text}}}`: {} has no value at `{address}`", path.display()),
                fatal: true,
                hint: "check the property path, or give a fallback".into(),
            },
        })
    }
}
