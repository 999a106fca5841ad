//! The CloudFormation template eniplan synthesises from serverless.yml: one
//! function per section the Framework compiles (`provider.vpc`, `plugins`,
//! `custom.vpcDiscovery`, `functions`, `custom.warmup`, `resources`).
//! serverless-plugin-warmup adds a `warmUpPlugin<Name>` function per warmer.

mod capacity;

use std::collections::HashMap;

use super::variables::symbol_expr;
use super::vpc::{key, symbolic_vpc, Discovered, OwnVpc, Reader};
use super::Options;
use crate::error::InputError;
use crate::files::SourceFile;
use crate::source::doc::{Key, Kind, Node, Span};

pub(crate) struct Synth {
    pub template: Node,
    /// Logical ID → function name in serverless.yml.
    pub names: HashMap<String, String>,
    pub warm: Vec<super::warm::WarmSetting>,
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

/// What every function inherits: `provider.vpc`, and `custom.vpcDiscovery`
/// when serverless-vpc-discovery is listed.
struct Defaults {
    provider_vpc: Option<(Key, Node)>,
    discovery_on: bool,
    discovery: Option<(Key, Node)>,
}

/// Template sections by name (`Resources`, `Parameters`, `Conditions`, `Mappings`).
type Sections = HashMap<&'static str, Vec<(Key, Node)>>;

/// The functions compiled so far, and the function name each logical ID stands for.
#[derive(Default)]
struct Compiled {
    resources: Vec<(Key, Node)>,
    names: HashMap<String, String>,
}

impl Compiled {
    fn add(&mut self, name: &str, at: &Key, config: Option<(Span, Node)>, condition: Option<Node>, ignore: Vec<(String, Span)>) {
        let id = logical_id(name);
        self.names.insert(id.clone(), name.to_string());
        self.resources.push(function_resource(&id, at, config, condition, ignore));
    }
}

pub(crate) fn synthesize(file: &SourceFile, root: &Node, opts: &Options) -> Result<Synth, InputError> {
    let mut rd = Reader::new(file, root, opts);
    let stage = rd.r.stage()?;
    let provider_vpc = provider_vpc(&mut rd, root)?;
    let custom = rd.section(root, "custom")?;
    let (discovery_on, warmup_on) = plugins(&mut rd, root)?;
    let discovery = base_discovery(&mut rd, custom.as_ref().filter(|_| discovery_on))?;
    let defaults = Defaults {
        provider_vpc,
        discovery_on,
        discovery,
    };
    let functions = functions(&mut rd, root)?;
    let mut compiled = Compiled::default();
    for (key, f) in &functions {
        function(&mut rd, key, f, &defaults, &mut compiled)?;
        if let Some(resource) = compiled.resources.last_mut() {
            capacity::attach(&mut rd, f, resource)?;
        }
    }
    let providers = capacity::providers(&mut rd, root, &defaults, &functions)?;
    compiled.resources.extend(providers);
    let warmup = custom.as_ref().filter(|_| warmup_on);
    warmers(&mut rd, warmup, &functions, &stage, &defaults, &mut compiled)?;
    let warm = super::warm::settings(&mut rd, &functions, warmup, &stage)?;
    let extra = resources(&mut rd, root)?;
    Ok(Synth {
        template: template(root, compiled.resources, extra),
        names: compiled.names,
        warm,
    })
}

/// `provider.vpc`: a mapping, or one symbol standing for the whole object.
fn provider_vpc(rd: &mut Reader, root: &Node) -> Result<Option<(Key, Node)>, InputError> {
    let provider = rd.section(root, "provider")?;
    let Some((k, v)) = provider.as_ref().and_then(|p| p.entry("vpc")) else {
        return Ok(None);
    };
    let v = rd.shallow(v)?;
    match &v.kind {
        Kind::Null => Ok(None),
        Kind::Map(_) => Ok(Some((k.clone(), v))),
        _ if symbol_expr(&v).is_some() => Ok(Some((k.clone(), symbolic_vpc(&v)))),
        _ => Err(rd.type_err(&v, "provider.vpc", "a mapping with securityGroupIds and subnetIds")),
    }
}

/// Whether serverless-vpc-discovery and serverless-plugin-warmup are listed:
/// their settings count only then, as in the Framework.
fn plugins(rd: &mut Reader, root: &Node) -> Result<(bool, bool), InputError> {
    let plugins = match root.get("plugins") {
        Some(p) => rd.deep(p)?,
        None => Node::new(0..0, Kind::Null),
    };
    Ok((
        has_plugin(&plugins, "serverless-vpc-discovery"),
        has_plugin(&plugins, "serverless-plugin-warmup"),
    ))
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

/// `custom.vpcDiscovery` (or `custom.vpc`), which each function's own `vpcDiscovery` merges over.
fn base_discovery(rd: &mut Reader, custom: Option<&Node>) -> Result<Option<(Key, Node)>, InputError> {
    let Some((k, v)) = custom.and_then(|c| c.entry("vpcDiscovery").or_else(|| c.entry("vpc"))) else {
        return Ok(None);
    };
    let v = rd.deep(v)?;
    match &v.kind {
        Kind::Null => Ok(None),
        Kind::Map(_) => Ok(Some((k.clone(), v))),
        _ => Err(rd.type_err(&v, "custom.vpcDiscovery", "a mapping")),
    }
}

/// `functions:`, each function resolved one level deep.
fn functions(rd: &mut Reader, root: &Node) -> Result<Vec<(Key, Node)>, InputError> {
    let Some(f) = root.get("functions") else { return Ok(vec![]) };
    let functions = rd.shallow(f)?;
    match &functions.kind {
        Kind::Null => return Ok(vec![]),
        Kind::Map(_) => {}
        _ => {
            return Err(rd
                .type_err(&functions, "functions", "a mapping of function names to their settings")
                .with_help("write `functions:` then `  hello:` and the function's settings, indented"))
        }
    }
    let mut out = Vec::new();
    for (k, v) in functions.entries().unwrap_or(&[]) {
        let f = rd.shallow(v)?;
        if f.entries().is_none() {
            return Err(rd.type_err(&f, &format!("functions.{}", k.name), "a mapping (handler, vpc, events, …)"));
        }
        out.push((k.clone(), f));
    }
    Ok(out)
}

/// One function: its VpcConfig as the Framework compiles it, its condition and suppressions.
fn function(rd: &mut Reader, key: &Key, f: &Node, defaults: &Defaults, out: &mut Compiled) -> Result<(), InputError> {
    let own = rd.own_vpc(f, &key.name)?;
    let discovered = match defaults.discovery_on {
        true => rd.discovery(f, &key.name, defaults.discovery.as_ref())?,
        false => Discovered::default(),
    };
    let vpc_key = f.entry("vpc").map(|(k, _)| k.clone());
    let mut ignore = ignores(rd.file, &key.span);
    if let Some(k) = &vpc_key {
        ignore.extend(ignores(rd.file, &k.span));
    }
    let config = rd.vpc_config(&key.name, own, discovered, defaults.provider_vpc.as_ref())?;
    let config_span = vpc_key
        .as_ref()
        .map(|k| k.span.clone())
        .or_else(|| defaults.provider_vpc.as_ref().map(|(k, _)| k.span.clone()))
        .or_else(|| f.entry("vpcDiscovery").map(|(k, _)| k.span.clone()))
        .or_else(|| defaults.discovery.as_ref().map(|(k, _)| k.span.clone()))
        .unwrap_or_else(|| key.span.clone());
    let condition = match f.get("condition") {
        Some(c) => Some(rd.deep(c)?),
        None => None,
    };
    out.add(&key.name, key, config.map(|c| (config_span, c)), condition, ignore);
    Ok(())
}

/// serverless-plugin-warmup: one warmer per `custom.warmup.<name>` that some function enables.
fn warmers(
    rd: &mut Reader,
    custom: Option<&Node>,
    functions: &[(Key, Node)],
    stage: &str,
    defaults: &Defaults,
    out: &mut Compiled,
) -> Result<(), InputError> {
    let Some(w) = custom.and_then(|c| c.get("warmup")) else {
        return Ok(());
    };
    let warmup = rd.shallow(w)?;
    for (wkey, wconf) in warmup.entries().unwrap_or(&[]) {
        let wconf = rd.shallow(wconf)?;
        if wconf.entries().is_none() {
            return Err(rd.type_err(&wconf, &format!("custom.warmup.{}", wkey.name), "a mapping (enabled, vpc, …)"));
        }
        if !warmer_enabled(rd, &wkey.name, &wconf, functions, stage)? {
            continue;
        }
        let name = format!("warmUpPlugin{}", capitalise(&wkey.name));
        let own = match wconf.entry("vpc") {
            None => OwnVpc::Absent,
            Some((_, v)) => {
                let v = rd.shallow(v)?;
                match &v.kind {
                    Kind::Bool(false) | Kind::Null => OwnVpc::OptOut,
                    Kind::Map(_) => OwnVpc::Map(v),
                    _ => return Err(rd.type_err(&v, &format!("custom.warmup.{}.vpc", wkey.name), "`false` or a mapping")),
                }
            }
        };
        let config = rd.vpc_config(&name, own, Discovered::default(), defaults.provider_vpc.as_ref())?;
        let config_span = wconf
            .entry("vpc")
            .map(|(k, _)| k.span.clone())
            .or_else(|| defaults.provider_vpc.as_ref().map(|(k, _)| k.span.clone()))
            .unwrap_or_else(|| wkey.span.clone());
        out.add(&name, wkey, config.map(|c| (config_span, c)), None, ignores(rd.file, &wkey.span));
    }
    Ok(())
}

/// Whether some function enables the warmer: its own `warmup.<name>.enabled`, else the warmer's.
fn warmer_enabled(rd: &mut Reader, name: &str, conf: &Node, functions: &[(Key, Node)], stage: &str) -> Result<bool, InputError> {
    let default_enabled = match conf.get("enabled") {
        Some(e) => Some(rd.deep(e)?),
        None => None,
    };
    for (_, f) in functions {
        let own = match f.get("warmup") {
            Some(w) => rd.deep(w)?.get(name).and_then(|c| c.get("enabled")).cloned(),
            None => None,
        };
        if is_enabled(own.as_ref().or(default_enabled.as_ref()), stage) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `resources:` — a mapping, or a list of them (often `${file(…)}`s) — by section.
fn resources(rd: &mut Reader, root: &Node) -> Result<Sections, InputError> {
    let mut extra = Sections::new();
    let Some(res) = root.get("resources") else { return Ok(extra) };
    let res = rd.shallow(res)?;
    let parts = match &res.kind {
        Kind::Null => vec![],
        Kind::Map(_) => vec![res.clone()],
        Kind::Seq(items) => items.clone(),
        _ => return Err(rd.type_err(&res, "resources", "a mapping with `Resources`")),
    };
    for part in parts {
        let part = rd.shallow(&part)?;
        if part.entries().is_none() {
            return Err(rd.type_err(&part, "resources", "a mapping with `Resources`"));
        }
        for section in ["Resources", "Parameters", "Conditions", "Mappings"] {
            let Some(n) = part.get(section) else { continue };
            let n = rd.deep(n)?;
            match n.entries() {
                Some(e) => extra.entry(section).or_default().extend(e.iter().cloned()),
                None if n.is_null() => {}
                None => return Err(rd.type_err(&n, &format!("resources.{section}"), "a mapping")),
            }
        }
    }
    Ok(extra)
}

/// The compiled functions with `resources.Resources` merged over them, then the other sections.
fn template(root: &Node, mut resources: Vec<(Key, Node)>, mut extra: Sections) -> Node {
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
    Node::new(span, Kind::Map(top))
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
pub(super) fn is_enabled(v: Option<&Node>, stage: &str) -> bool {
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
