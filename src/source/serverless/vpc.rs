//! The VpcConfig the Framework compiles for each function, and the
//! CloudFormation template eniplan synthesises from serverless.yml.
//!
//! Framework (lib/plugins/aws/package/compile/functions.js): when a
//! function's `vpc` is not `null`/`false`, `SecurityGroupIds` is the
//! function's `securityGroupIds || provider.vpc.securityGroupIds`, `SubnetIds`
//! likewise, and the VpcConfig is dropped unless both are set.
//! serverless-vpc-discovery fills the function's missing keys before that;
//! serverless-plugin-warmup adds a `warmUpPlugin<Name>` function.

use std::collections::HashMap;

use super::variables::{symbol_expr, symbol_node, Ctx, Resolver};
use super::Options;
use crate::error::InputError;
use crate::files::SourceFile;
use crate::source::doc::{Key, Kind, Node, Span};

pub(crate) struct Synth {
    pub template: Node,
    /// Logical ID → function name in serverless.yml.
    pub names: HashMap<String, String>,
}

/// The Framework's logical ID for a function: `my-fn_1` → `MyDashfnUnderscore1LambdaFunction`.
pub fn logical_id(function: &str) -> String {
    let normalised = function.replace('-', "Dash").replace('_', "Underscore");
    let mut chars = normalised.chars();
    let capitalised = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    format!("{capitalised}LambdaFunction")
}

/// A function's own `vpc:` setting.
enum OwnVpc {
    Absent,
    OptOut,
    Map(Node),
}

/// What serverless-vpc-discovery would look up, as symbols.
#[derive(Default)]
struct Discovered {
    subnets: Option<Node>,
    security_groups: Option<Node>,
}

struct Reader<'a, 'r> {
    file: &'a SourceFile,
    r: Resolver<'r>,
    ctx: Ctx,
    vars: &'a [(String, String)],
}

pub(crate) fn synthesize(file: &SourceFile, root: &Node, opts: &Options) -> Result<Synth, InputError> {
    let mut r = Resolver::new(file, root, opts.stage.clone(), &opts.vars);
    let ctx = r.main_ctx();
    let stage = r.stage()?;
    let mut rd = Reader {
        file,
        r,
        ctx,
        vars: &opts.vars,
    };

    let provider = rd.section(root, "provider")?;
    let provider_vpc = match provider.as_ref().and_then(|p| p.entry("vpc")) {
        Some((k, v)) => {
            let v = rd.r.shallow(v, &rd.ctx.clone())?;
            match &v.kind {
                Kind::Null => None,
                Kind::Map(_) => Some((k.clone(), v)),
                _ if symbol_expr(&v).is_some() => Some((k.clone(), symbolic_vpc(&v))),
                _ => return Err(rd.type_err(&v, "provider.vpc", "a mapping with securityGroupIds and subnetIds")),
            }
        }
        None => None,
    };
    let custom = rd.section(root, "custom")?;
    // Plugin settings count only when the plugin is listed, as in the Framework.
    let plugins = match root.get("plugins") {
        Some(p) => rd.r.deep(p, &rd.ctx.clone())?,
        None => Node::new(0..0, Kind::Null),
    };
    let discovery_on = has_plugin(&plugins, "serverless-vpc-discovery");
    let warmup_on = has_plugin(&plugins, "serverless-plugin-warmup");
    let base_discovery = match custom
        .as_ref()
        .filter(|_| discovery_on)
        .and_then(|c| c.entry("vpcDiscovery").or_else(|| c.entry("vpc")))
    {
        Some((k, v)) => {
            let v = rd.r.deep(v, &rd.ctx.clone())?;
            match &v.kind {
                Kind::Null => None,
                Kind::Map(_) => Some((k.clone(), v)),
                _ => return Err(rd.type_err(&v, "custom.vpcDiscovery", "a mapping")),
            }
        }
        None => None,
    };

    let functions = match root.get("functions") {
        None => None,
        Some(f) => {
            let f = rd.r.shallow(f, &rd.ctx.clone())?;
            match &f.kind {
                Kind::Null => None,
                Kind::Map(_) => Some(f),
                _ => {
                    return Err(rd
                        .type_err(&f, "functions", "a mapping of function names to their settings")
                        .with_help("write `functions:` then `  hello:` and the function's settings, indented"))
                }
            }
        }
    };
    let mut resolved_functions = Vec::new();
    for (k, v) in functions.as_ref().and_then(Node::entries).unwrap_or(&[]) {
        let f = rd.r.shallow(v, &rd.ctx.clone())?;
        if f.entries().is_none() {
            return Err(rd.type_err(&f, &format!("functions.{}", k.name), "a mapping (handler, vpc, events, …)"));
        }
        resolved_functions.push((k.clone(), f));
    }

    let mut resources: Vec<(Key, Node)> = Vec::new();
    let mut names = HashMap::new();
    for (key, f) in &resolved_functions {
        let own = rd.own_vpc(f, &key.name)?;
        let discovered = match discovery_on {
            true => rd.discovery(f, &key.name, base_discovery.as_ref())?,
            false => Discovered::default(),
        };
        let vpc_key = f.entry("vpc").map(|(k, _)| k.clone());
        let mut ignore = ignores(file, &key.span);
        if let Some(k) = &vpc_key {
            ignore.extend(ignores(file, &k.span));
        }
        let config = rd.vpc_config(&key.name, own, discovered, provider_vpc.as_ref())?;
        let config_span = vpc_key
            .as_ref()
            .map(|k| k.span.clone())
            .or_else(|| provider_vpc.as_ref().map(|(k, _)| k.span.clone()))
            .or_else(|| f.entry("vpcDiscovery").map(|(k, _)| k.span.clone()))
            .or_else(|| base_discovery.as_ref().map(|(k, _)| k.span.clone()))
            .unwrap_or_else(|| key.span.clone());
        let condition = match f.get("condition") {
            Some(c) => Some(rd.r.deep(c, &rd.ctx.clone())?),
            None => None,
        };
        let id = logical_id(&key.name);
        names.insert(id.clone(), key.name.clone());
        resources.push(function_resource(&id, key, config.map(|c| (config_span, c)), condition, ignore));
    }

    // serverless-plugin-warmup: one warmer per `custom.warmup.<name>` that some function enables.
    let warmup = match custom.as_ref().filter(|_| warmup_on).and_then(|c| c.get("warmup")) {
        Some(w) => Some(rd.r.shallow(w, &rd.ctx.clone())?),
        None => None,
    };
    for (wkey, wconf) in warmup.as_ref().and_then(Node::entries).unwrap_or(&[]) {
        let wconf = rd.r.shallow(wconf, &rd.ctx.clone())?;
        if wconf.entries().is_none() {
            return Err(rd.type_err(&wconf, &format!("custom.warmup.{}", wkey.name), "a mapping (enabled, vpc, …)"));
        }
        let default_enabled = match wconf.get("enabled") {
            Some(e) => Some(rd.r.deep(e, &rd.ctx.clone())?),
            None => None,
        };
        let mut any = false;
        for (_, f) in &resolved_functions {
            let own = match f.get("warmup") {
                Some(w) => {
                    let w = rd.r.deep(w, &rd.ctx.clone())?;
                    w.get(&wkey.name).and_then(|c| c.get("enabled")).cloned()
                }
                None => None,
            };
            if is_enabled(own.as_ref().or(default_enabled.as_ref()), &stage) {
                any = true;
                break;
            }
        }
        if !any {
            continue;
        }
        let name = format!("warmUpPlugin{}", capitalise(&wkey.name));
        let own = match wconf.entry("vpc") {
            None => OwnVpc::Absent,
            Some((_, v)) => {
                let v = rd.r.shallow(v, &rd.ctx.clone())?;
                match &v.kind {
                    Kind::Bool(false) | Kind::Null => OwnVpc::OptOut,
                    Kind::Map(_) => OwnVpc::Map(v),
                    _ => return Err(rd.type_err(&v, &format!("custom.warmup.{}.vpc", wkey.name), "`false` or a mapping")),
                }
            }
        };
        let config = rd.vpc_config(&name, own, Discovered::default(), provider_vpc.as_ref())?;
        let config_span = wconf
            .entry("vpc")
            .map(|(k, _)| k.span.clone())
            .or_else(|| provider_vpc.as_ref().map(|(k, _)| k.span.clone()))
            .unwrap_or_else(|| wkey.span.clone());
        let id = logical_id(&name);
        names.insert(id.clone(), name);
        resources.push(function_resource(
            &id,
            wkey,
            config.map(|c| (config_span, c)),
            None,
            ignores(file, &wkey.span),
        ));
    }

    // `resources:` — a mapping, or a list of them (often `${file(…)}`s).
    let mut extra: HashMap<&str, Vec<(Key, Node)>> = HashMap::new();
    if let Some(res) = root.get("resources") {
        let res = rd.r.shallow(res, &rd.ctx.clone())?;
        let parts = match &res.kind {
            Kind::Null => vec![],
            Kind::Map(_) => vec![res.clone()],
            Kind::Seq(items) => items.clone(),
            _ => return Err(rd.type_err(&res, "resources", "a mapping with `Resources`")),
        };
        for part in parts {
            let part = rd.r.shallow(&part, &rd.ctx.clone())?;
            if part.entries().is_none() {
                return Err(rd.type_err(&part, "resources", "a mapping with `Resources`"));
            }
            for section in ["Resources", "Parameters", "Conditions", "Mappings"] {
                let Some(n) = part.get(section) else { continue };
                let n = rd.r.deep(n, &rd.ctx.clone())?;
                match n.entries() {
                    Some(e) => extra.entry(section).or_default().extend(e.iter().cloned()),
                    None if n.is_null() => {}
                    None => return Err(rd.type_err(&n, &format!("resources.{section}"), "a mapping")),
                }
            }
        }
    }
    for (k, v) in extra.remove("Resources").unwrap_or_default() {
        match resources.iter_mut().find(|(rk, _)| rk.name == k.name) {
            // The Framework merges `resources` over what it compiled.
            Some((_, existing)) => merge(existing, v),
            None => resources.push((k, v)),
        }
    }
    let span = root.span.clone();
    let mut top = vec![(key("Resources", &span), Node::new(span.clone(), Kind::Map(resources)))];
    for section in ["Parameters", "Conditions", "Mappings"] {
        if let Some(e) = extra.remove(section) {
            top.push((key(section, &span), Node::new(span.clone(), Kind::Map(e))));
        }
    }
    Ok(Synth {
        template: Node::new(span, Kind::Map(top)),
        names,
    })
}

impl Reader<'_, '_> {
    fn section(&mut self, root: &Node, name: &str) -> Result<Option<Node>, InputError> {
        let Some(n) = root.get(name) else { return Ok(None) };
        let n = self.r.shallow(n, &self.ctx.clone())?;
        match &n.kind {
            Kind::Null => Ok(None),
            Kind::Map(_) => Ok(Some(n)),
            _ => Err(self.type_err(&n, name, "a mapping")),
        }
    }

    fn type_err(&self, n: &Node, what: &str, expected: &str) -> InputError {
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

    fn own_vpc(&mut self, f: &Node, name: &str) -> Result<OwnVpc, InputError> {
        let Some(v) = f.get("vpc") else { return Ok(OwnVpc::Absent) };
        let v = self.r.shallow(v, &self.ctx.clone())?;
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
    fn discovery(&mut self, f: &Node, name: &str, base: Option<&(Key, Node)>) -> Result<Discovered, InputError> {
        let own = match f.entry("vpcDiscovery") {
            Some((k, v)) => Some((k.clone(), self.r.deep(v, &self.ctx.clone())?)),
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
    fn vpc_config(
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
                let v = this.r.deep(raw, &this.ctx.clone())?;
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
            let v = rd.r.deep(raw, &rd.ctx.clone())?;
            if !falsy(&v) {
                return Ok(Some(v));
            }
        }
    }
    Ok(None)
}

/// `vpc: ${ssm:/net/vpc}` (an object eniplan cannot read): each list is one symbol.
fn symbolic_vpc(v: &Node) -> Node {
    let (expr, hint) = symbol_expr(v).unwrap_or_default();
    let list = |field: &str| {
        let sym = symbol_node(v.span.clone(), format!("{field} of {expr}"), hint.clone());
        (key(field, &v.span), sym)
    };
    Node::new(v.span.clone(), Kind::Map(vec![list("securityGroupIds"), list("subnetIds")]))
}

/// `plugins: [a, b]` or `plugins: {modules: [a, b]}` lists `name` (or a local path ending in it).
fn has_plugin(plugins: &Node, name: &str) -> bool {
    let list = plugins.get("modules").unwrap_or(plugins);
    list.as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .any(|p| p == name || p.ends_with(&format!("/{name}")))
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

fn function_resource(
    id: &str,
    at: &Key,
    config: Option<(Span, Node)>,
    condition: Option<Node>,
    ignore: Vec<(String, Span)>,
) -> (Key, Node) {
    let s = at.span.clone();
    let str_node = |v: &str| Node::new(s.clone(), Kind::Str(v.to_string()));
    let mut entries = vec![(key("Type", &s), str_node("AWS::Lambda::Function"))];
    if let Some(c) = condition {
        entries.push((key("Condition", &s), c));
    }
    if !ignore.is_empty() {
        let items = ignore.into_iter().map(|(rule, span)| Node::new(span, Kind::Str(rule))).collect();
        let list = Node::new(s.clone(), Kind::Seq(items));
        let eniplan = Node::new(s.clone(), Kind::Map(vec![(key("ignore", &s), list)]));
        entries.push((
            key("Metadata", &s),
            Node::new(s.clone(), Kind::Map(vec![(key("eniplan", &s), eniplan)])),
        ));
    }
    let mut props = vec![];
    if let Some((span, c)) = config {
        props.push((
            Key {
                name: "VpcConfig".into(),
                span,
            },
            c,
        ));
    }
    entries.push((key("Properties", &s), Node::new(s.clone(), Kind::Map(props))));
    (
        Key {
            name: id.to_string(),
            span: s.clone(),
        },
        Node::new(s, Kind::Map(entries)),
    )
}

fn key(name: &str, span: &Span) -> Key {
    Key {
        name: name.to_string(),
        span: span.clone(),
    }
}

/// Deep merge of mappings, `b` over `a`, as lodash `_.merge`.
fn merge(a: &mut Node, b: Node) {
    match (&mut a.kind, b.kind) {
        (Kind::Map(ae), Kind::Map(be)) => {
            for (k, v) in be {
                match ae.iter_mut().find(|(ak, _)| ak.name == k.name) {
                    Some((_, slot)) => merge(slot, v),
                    None => ae.push((k, v)),
                }
            }
        }
        (_, kind) => {
            a.kind = kind;
            a.span = b.span;
        }
    }
}

/// serverless-plugin-warmup's `isEnabled`: `true`, `"true"`, the stage, or a list holding it.
fn is_enabled(v: Option<&Node>, stage: &str) -> bool {
    match v.map(|v| &v.kind) {
        Some(Kind::Bool(b)) => *b,
        Some(Kind::Str(s)) => s == "true" || s == stage,
        Some(Kind::Seq(items)) => items.iter().any(|i| i.as_str() == Some(stage)),
        _ => false,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
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

/// Rule IDs from `# eniplan: ignore[ENI001, ENI003]` on the line of `span`,
/// each with where it is written.
fn ignores(file: &SourceFile, span: &Span) -> Vec<(String, Span)> {
    let (line, _) = file.line_col(span.start);
    let text = file.line_text(line);
    // `text` is a slice of the file: where each ID sits in it is its place in the file.
    let at = |s: &str| {
        let start = s.as_ptr() as usize - file.text.as_ptr() as usize;
        start..start + s.len()
    };
    let mut out = vec![];
    for (i, _) in text.match_indices('#') {
        let rest = text[i + 1..].trim_start();
        let Some(rest) = rest.strip_prefix("eniplan:") else { continue };
        let Some(rest) = rest.trim_start().strip_prefix("ignore[") else {
            continue;
        };
        let Some(end) = rest.find(']') else { continue };
        out.extend(
            rest[..end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| (s.to_string(), at(s))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_logical_ids() {
        assert_eq!(logical_id("hello"), "HelloLambdaFunction");
        assert_eq!(logical_id("my-fn_1"), "MyDashfnUnderscore1LambdaFunction");
        assert_eq!(logical_id("warmUpPluginDefault"), "WarmUpPluginDefaultLambdaFunction");
    }

    #[test]
    fn suppression_comments() {
        let f = SourceFile::new(
            "s.yml",
            "  hello: # eniplan: ignore[ENI001, ENI003]\n  vpc: #eniplan:ignore[ENI002]\n",
        );
        assert_eq!(ignores(&f, &(2..3)), vec![("ENI001".into(), 27..33), ("ENI003".into(), 35..41)]);
        assert_eq!(ignores(&f, &(45..46)), vec![("ENI002".into(), 66..72)]);
    }
}
