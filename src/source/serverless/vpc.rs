//! The VpcConfig the Framework compiles for each function.
//!
//! Framework (lib/plugins/aws/package/compile/functions.js): when a
//! function's `vpc` is not `null`/`false`, `SecurityGroupIds` is the
//! function's `securityGroupIds || provider.vpc.securityGroupIds`, `SubnetIds`
//! likewise, and the VpcConfig is dropped unless both are set.
//! serverless-vpc-discovery fills the function's missing keys before that.

use super::variables::{symbol_expr, symbol_node, Ctx, Resolver};
use super::Options;
use crate::error::InputError;
use crate::files::SourceFile;
use crate::source::doc::{Key, Kind, Node, Span};

/// A function's own `vpc:` setting.
pub(super) enum OwnVpc {
    Absent,
    OptOut,
    Map(Node),
}

/// What serverless-vpc-discovery would look up, as symbols.
#[derive(Default)]
pub(super) struct Discovered {
    subnets: Option<Node>,
    security_groups: Option<Node>,
}

/// Reads serverless.yml, resolving variables in the main file's context.
pub(super) struct Reader<'a> {
    pub file: &'a SourceFile,
    pub r: Resolver<'a>,
    ctx: Ctx,
    vars: &'a [(String, String)],
}

impl<'a> Reader<'a> {
    pub fn new(file: &'a SourceFile, root: &'a Node, opts: &'a Options) -> Self {
        let r = Resolver::new(file, root, opts.stage.clone(), &opts.vars);
        let ctx = r.main_ctx();
        Reader {
            file,
            r,
            ctx,
            vars: &opts.vars,
        }
    }

    pub fn shallow(&mut self, n: &Node) -> Result<Node, InputError> {
        self.r.shallow(n, &self.ctx)
    }

    pub fn deep(&mut self, n: &Node) -> Result<Node, InputError> {
        self.r.deep(n, &self.ctx)
    }

    /// A top-level mapping such as `provider` or `custom`; `None` when absent or null.
    pub fn section(&mut self, root: &Node, name: &str) -> Result<Option<Node>, InputError> {
        let Some(n) = root.get(name) else { return Ok(None) };
        let n = self.shallow(n)?;
        match &n.kind {
            Kind::Null => Ok(None),
            Kind::Map(_) => Ok(Some(n)),
            _ => Err(self.type_err(&n, name, "a mapping")),
        }
    }

    pub fn type_err(&self, n: &Node, what: &str, expected: &str) -> InputError {
        let found = match symbol_expr(n) {
            Some((expr, _)) => format!("`{expr}`, a value eniplan cannot know"),
            None => n.type_name().to_string(),
        };
        InputError::at(
            self.file,
            n.span.clone(),
            format!("{what}: expected {expected}, found {found}"),
            "wrong type",
        )
    }

    pub fn own_vpc(&mut self, f: &Node, name: &str) -> Result<OwnVpc, InputError> {
        let Some(v) = f.get("vpc") else { return Ok(OwnVpc::Absent) };
        let v = self.shallow(v)?;
        Ok(match &v.kind {
            Kind::Null | Kind::Bool(false) => OwnVpc::OptOut,
            Kind::Map(_) => OwnVpc::Map(v),
            _ if symbol_expr(&v).is_some() => OwnVpc::Map(symbolic_vpc(&v)),
            _ => return Err(self
                .type_err(&v, &format!("functions.{name}.vpc"), "a mapping, `~` or `false`")
                .with_help(
                "`vpc: {securityGroupIds: [...], subnetIds: [...]}` overrides provider.vpc key by key; `vpc: ~` or `vpc: false` opts out",
            )),
        })
    }

    /// serverless-vpc-discovery: `custom.vpcDiscovery` shallow-merged with the
    /// function's `vpcDiscovery`; `vpcDiscovery: false` opts out.
    pub fn discovery(&mut self, f: &Node, name: &str, base: Option<&(Key, Node)>) -> Result<Discovered, InputError> {
        let own = match f.entry("vpcDiscovery") {
            Some((k, v)) => Some((k.clone(), self.deep(v)?)),
            None => None,
        };
        let mut merged: Vec<(Key, Node)> = base.and_then(|(_, b)| b.entries()).map(<[_]>::to_vec).unwrap_or_default();
        let mut at = base.map(|(k, _)| k.span.clone());
        match &own {
            Some((_, n)) if matches!(n.kind, Kind::Bool(false)) => return Ok(Discovered::default()),
            Some((_, n)) if n.is_null() => {}
            Some((k, n)) => {
                let Some(entries) = n.entries() else {
                    return Err(self.type_err(n, &format!("functions.{name}.vpcDiscovery"), "a mapping or `false`"));
                };
                for (ek, ev) in entries {
                    match merged.iter_mut().find(|(mk, _)| mk.name == ek.name) {
                        Some(slot) => *slot = (ek.clone(), ev.clone()),
                        None => merged.push((ek.clone(), ev.clone())),
                    }
                }
                at = Some(k.span.clone());
            }
            None => {}
        }
        if merged.is_empty() {
            return Ok(Discovered::default());
        }
        let at = at.unwrap_or_default();
        let get = |k: &str| merged.iter().find(|(mk, _)| mk.name == k).map(|(_, v)| v).filter(|v| !v.is_null());
        let invalid = |msg: &str| {
            InputError::at(
                self.file,
                at.clone(),
                format!("function `{name}`: vpcDiscovery is not configured correctly: {msg}"),
                "vpcDiscovery",
            )
            .with_help("serverless-vpc-discovery needs `vpcName` and at least one of `subnets` or `securityGroups`")
        };
        let Some(vpc_name) = get("vpcName") else {
            return Err(invalid("`vpcName` is not specified"));
        };
        let vpc_name = text(vpc_name);
        // Version 2.x names, converted as the plugin does.
        let subnets = get("subnets").cloned().or_else(|| {
            get("subnetNames").map(|n| {
                let entry = vec![
                    (key("tagKey", &n.span), Node::new(n.span.clone(), Kind::Str("Name".into()))),
                    (key("tagValues", &n.span), n.clone()),
                ];
                Node::new(n.span.clone(), Kind::Seq(vec![Node::new(n.span.clone(), Kind::Map(entry))]))
            })
        });
        let groups = get("securityGroups").cloned().or_else(|| {
            get("securityGroupNames").map(|n| {
                let entry = vec![(key("names", &n.span), n.clone())];
                Node::new(n.span.clone(), Kind::Seq(vec![Node::new(n.span.clone(), Kind::Map(entry))]))
            })
        });
        if subnets.is_none() && groups.is_none() {
            return Err(invalid("give `subnets` or `securityGroups`"));
        }
        let mut out = Discovered::default();
        if let Some(s) = subnets {
            let items = s.as_seq().ok_or_else(|| invalid("`subnets` must be a list"))?;
            let mut specs = vec![];
            for i in items {
                let (Some(k), Some(vals)) = (i.get("tagKey"), i.get("tagValues").and_then(Node::as_seq)) else {
                    return Err(invalid("each of `subnets` needs `tagKey` and a list `tagValues`"));
                };
                specs.push(format!("tag {}={}", text(k), list_text(vals)));
            }
            let expr = format!("vpcDiscovery(vpcName={vpc_name}, subnets {})", specs.join("; "));
            out.subnets = Some(self.discovered(expr, s.span.clone(), "subnet"));
        }
        if let Some(g) = groups {
            let items = g.as_seq().ok_or_else(|| invalid("`securityGroups` must be a list"))?;
            let mut specs = vec![];
            for i in items {
                let mut parts = vec![];
                if let Some(names) = i.get("names").and_then(Node::as_seq) {
                    parts.push(format!("names={}", list_text(names)));
                }
                if let (Some(k), Some(vals)) = (i.get("tagKey"), i.get("tagValues").and_then(Node::as_seq)) {
                    parts.push(format!("tag {}={}", text(k), list_text(vals)));
                }
                if parts.is_empty() {
                    return Err(invalid("each of `securityGroups` needs `names` or `tagKey` with `tagValues`"));
                }
                specs.push(parts.join(" "));
            }
            let expr = format!("vpcDiscovery(vpcName={vpc_name}, securityGroups {})", specs.join("; "));
            out.security_groups = Some(self.discovered(expr, g.span.clone(), "security group"));
        }
        Ok(out)
    }

    /// A discovered list: a symbol, or the IDs given with `--var 'EXPR=id,id'`.
    fn discovered(&self, expr: String, span: Span, what: &str) -> Node {
        // The spec holds `=` itself, so `--var SPEC=IDS` was split at the wrong `=`: rejoin it.
        let prefix = format!("{expr}=");
        for (k, v) in self.vars.iter().rev() {
            let whole = format!("{}={v}", k.trim());
            if let Some(ids) = whole.strip_prefix(&prefix) {
                return split_ids(ids, &span);
            }
        }
        let hint = format!(
            "serverless-vpc-discovery looks up the {what} IDs when packaging: check against a snapshot, or pass `--var '{expr}=<id>,<id>'`"
        );
        symbol_node(span, expr, hint)
    }

    /// The VpcConfig the Framework compiles, or `None` when the function has no VPC.
    pub fn vpc_config(
        &mut self,
        name: &str,
        own: OwnVpc,
        discovered: Discovered,
        provider: Option<&(Key, Node)>,
    ) -> Result<Option<Node>, InputError> {
        let discovering = discovered.subnets.is_some() || discovered.security_groups.is_some();
        let own = match own {
            // The plugin sets `func.vpc = func.vpc || {}` before filling it.
            OwnVpc::OptOut | OwnVpc::Absent if discovering => OwnVpc::Map(Node::new(0..0, Kind::Map(vec![]))),
            OwnVpc::OptOut => return Ok(None),
            other => other,
        };
        let own_map = match &own {
            OwnVpc::Map(m) => Some(m),
            _ => None,
        };
        let provider_map = provider.map(|(_, p)| p);
        let pick = |this: &mut Self, field: &str, disc: Option<Node>| -> Result<Option<Node>, InputError> {
            for (scope, map) in [("functions", own_map), ("provider", provider_map)] {
                let Some(raw) = map.and_then(|m| m.get(field)) else {
                    if scope == "functions" {
                        if let Some(d) = &disc {
                            return Ok(Some(d.clone()));
                        }
                    }
                    continue;
                };
                let from_variable = matches!(&raw.kind, Kind::Str(s) if s.contains("${"));
                let v = this.deep(raw)?;
                if falsy(&v) {
                    if scope == "functions" {
                        if let Some(d) = &disc {
                            return Ok(Some(d.clone()));
                        }
                    }
                    continue;
                }
                let what = if scope == "functions" {
                    format!("functions.{name}.vpc.{field}")
                } else {
                    format!("provider.vpc.{field}")
                };
                return this.list(v, from_variable, &what).map(Some);
            }
            Ok(None)
        };
        let sgs = pick(self, "securityGroupIds", discovered.security_groups)?;
        let subnets = pick(self, "subnetIds", discovered.subnets)?;
        let ipv6 = pick_scalar(self, own_map, provider_map, "ipv6AllowedForDualStack")?;
        let (Some(sgs), Some(subnets)) = (sgs, subnets) else {
            // The Framework drops a VpcConfig that lacks either list.
            return Ok(None);
        };
        let span = subnets.span.clone();
        let mut entries = vec![
            (key("SubnetIds", &subnets.span), subnets),
            (key("SecurityGroupIds", &sgs.span), sgs),
        ];
        if let Some(v) = ipv6 {
            entries.push((key("Ipv6AllowedForDualStack", &v.span), v));
        }
        Ok(Some(Node::new(span, Kind::Map(entries))))
    }

    /// A list of IDs as CloudFormation reads it.
    fn list(&self, v: Node, from_variable: bool, what: &str) -> Result<Node, InputError> {
        if symbol_expr(&v).is_some() || is_intrinsic(&v) || v.as_seq().is_some() {
            return Ok(v);
        }
        match &v.kind {
            // A variable that gives a comma-separated string (an SSM StringList, `--var`).
            Kind::Str(s) if from_variable => Ok(split_ids(s, &v.span)),
            _ => Err(self
                .type_err(&v, what, "a list")
                .with_help("write a YAML list: `- sg-0123…` on its own line, or `[sg-1, sg-2]`")),
        }
    }
}

fn pick_scalar(rd: &mut Reader, own: Option<&Node>, provider: Option<&Node>, field: &str) -> Result<Option<Node>, InputError> {
    for map in [own, provider] {
        if let Some(raw) = map.and_then(|m| m.get(field)) {
            let v = rd.deep(raw)?;
            if !falsy(&v) {
                return Ok(Some(v));
            }
        }
    }
    Ok(None)
}

/// `vpc: ${ssm:/net/vpc}` (an object eniplan cannot read): each list is one symbol.
pub(super) fn symbolic_vpc(v: &Node) -> Node {
    let (expr, hint) = symbol_expr(v).unwrap_or_default();
    let list = |field: &str| {
        let sym = symbol_node(v.span.clone(), format!("{field} of {expr}"), hint.clone());
        (key(field, &v.span), sym)
    };
    Node::new(v.span.clone(), Kind::Map(vec![list("securityGroupIds"), list("subnetIds")]))
}

/// JavaScript falsiness, for the Framework's `a || b`.
fn falsy(v: &Node) -> bool {
    match &v.kind {
        Kind::Null | Kind::Bool(false) => true,
        Kind::Str(s) => s.is_empty(),
        Kind::Number(n) => n.parse::<f64>().is_ok_and(|x| x == 0.0),
        _ => false,
    }
}

fn is_intrinsic(v: &Node) -> bool {
    match &v.kind {
        Kind::Tagged(..) => true,
        Kind::Map(e) if e.len() == 1 => e[0].0.name == "Ref" || e[0].0.name.starts_with("Fn::"),
        _ => false,
    }
}

fn split_ids(s: &str, span: &Span) -> Node {
    let items = s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Node::new(span.clone(), Kind::Str(s.to_string())))
        .collect();
    Node::new(span.clone(), Kind::Seq(items))
}

pub(super) fn key(name: &str, span: &Span) -> Key {
    Key {
        name: name.to_string(),
        span: span.clone(),
    }
}

fn text(n: &Node) -> String {
    match symbol_expr(n) {
        Some((expr, _)) => expr,
        None => n.as_str().map(str::to_string).unwrap_or_else(|| match &n.kind {
            Kind::Bool(b) => b.to_string(),
            _ => n.type_name().to_string(),
        }),
    }
}

fn list_text(items: &[Node]) -> String {
    format!("[{}]", items.iter().map(text).collect::<Vec<_>>().join(", "))
}
