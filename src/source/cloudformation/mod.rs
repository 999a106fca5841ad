//! CloudFormation and SAM templates (YAML or JSON) into the inventory.

mod capacity;
mod conditions;
mod intrinsic;
mod network;
mod sam;
mod warm;

use std::collections::{HashMap, HashSet};

use crate::source::routes::Routes;
use intrinsic::{Env, List, Param, Scalar, TypeError};

use crate::error::InputError;
use crate::files::{FileId, SourceFile};
use crate::model::*;
use crate::source::doc::{Key, Node};

/// Options shared by every template in one run.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// `--parameter KEY=VALUE` overrides.
    pub parameters: Vec<(String, String)>,
    pub account: String,
    pub region: String,
    /// Known values of variables, e.g. `ssm:/net/lambda-sg` → `sg-123`, from
    /// `--var` or a snapshot's `values`: they resolve SSM parameter types.
    pub values: Vec<(String, String)>,
}

/// True when a document looks like a CloudFormation or SAM template.
pub fn is_template(root: &Node) -> bool {
    root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some()
}

pub fn read(file_id: FileId, file: &SourceFile, root: &Node, opts: &Options, inv: &mut Inventory) -> Result<(), InputError> {
    read_template(file_id, file, root, opts, inv, false)
}

/// The tag of a value another source could not resolve, in a template that
/// source synthesised (serverless.yml): `!eniplan.Symbol [expr, hint]`.
/// Templates read from files may not use it.
pub(crate) use intrinsic::SYMBOL_TAG;

/// Reads a template synthesised by another reader, whose spans point into
/// `file` and which may hold [`SYMBOL_TAG`] values.
pub(crate) fn read_synthesized(
    file_id: FileId,
    file: &SourceFile,
    root: &Node,
    opts: &Options,
    inv: &mut Inventory,
) -> Result<(), InputError> {
    read_template(file_id, file, root, opts, inv, true)
}

fn read_template(
    file_id: FileId,
    file: &SourceFile,
    root: &Node,
    opts: &Options,
    inv: &mut Inventory,
    synthesized: bool,
) -> Result<(), InputError> {
    let err = |span: std::ops::Range<usize>, msg: String| InputError::at(file, span, msg, "here");
    let Some(resources) = root.get("Resources") else {
        return Err(err(
            root.span.clone(),
            "not a CloudFormation template: no `Resources` section".into(),
        ));
    };
    let Some(entries) = resources.entries() else {
        return Err(err(
            resources.span.clone(),
            format!("`Resources` must be a mapping, found {}", resources.type_name()),
        ));
    };
    let (params, list_params) = parameters(root, opts);
    let conditions = root
        .get("Conditions")
        .and_then(Node::entries)
        .map(|e| e.iter().map(|(k, v)| (k.name.clone(), v)).collect())
        .unwrap_or_default();
    let types: HashMap<String, String> = entries
        .iter()
        .filter_map(|(k, v)| Some((k.name.clone(), v.get("Type")?.as_str()?.to_string())))
        .collect();
    let mut env = Env::new(params, list_params, conditions, root.get("Mappings"), types);
    env.synthesized = synthesized;
    let mut reader = Reader {
        file,
        file_id,
        scope: file.path.clone(),
        env,
        opts,
        inv,
        routes: Routes::default(),
        pending_rules: Vec::new(),
        sam_globals: root.get("Globals"),
    };
    let function_globals = root.get("Globals").and_then(|g| g.get("Function"));
    let globals = function_globals.and_then(|f| f.get("VpcConfig"));
    let first = reader.inv.functions.len();
    for (key, resource) in entries {
        reader.resource(key, resource, globals)?;
    }
    reader.warm(entries, function_globals, first);
    reader.apply_standalone_rules();
    reader.routes.apply(reader.inv);
    Ok(())
}

fn parameters(root: &Node, opts: &Options) -> (HashMap<String, Param>, HashSet<String>) {
    let mut params = HashMap::new();
    let mut lists = HashSet::new();
    for (k, def) in root.get("Parameters").and_then(Node::entries).unwrap_or(&[]) {
        let ty = def.get("Type").and_then(Node::as_str).unwrap_or("String");
        let is_list = ty.starts_with("List<") || ty == "CommaDelimitedList";
        if is_list {
            lists.insert(k.name.clone());
        }
        let split = |v: &str| -> Vec<String> {
            if is_list {
                v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
            } else {
                vec![v.to_string()]
            }
        };
        let overridden = opts
            .parameters
            .iter()
            .rev()
            .find(|(name, _)| *name == k.name)
            .map(|(_, v)| split(v));
        // An SSM parameter type's Default is the parameter's path, not its value;
        // a known value for `ssm:<path>` resolves it.
        let default = if ty.starts_with("AWS::SSM::Parameter") {
            let path = def.get("Default").and_then(Node::as_str).unwrap_or_default();
            opts.values
                .iter()
                .rev()
                .find(|(k, _)| k.strip_prefix("ssm:") == Some(path))
                .map(|(_, v)| split(v))
        } else {
            def.get("Default").and_then(|d| match d.as_seq() {
                Some(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
                None => d.as_str().map(split),
            })
        };
        // A list's Default such as `SUBNET_IDS` or `<subnet-id>` stands for the
        // IDs the deployer enters: it is no value, least of all a one-item list.
        let default = default.filter(|items| !(is_list && items.iter().all(|i| is_placeholder(i))));
        params.insert(k.name.clone(), overridden.or(default).map_or(Param::Unknown, Param::Known));
    }
    for (name, value) in &opts.parameters {
        params.entry(name.clone()).or_insert_with(|| Param::Known(vec![value.clone()]));
    }
    (params, lists)
}

/// `SUBNET_IDS`, `<subnet-id>`, `{sg}`: text to be replaced, not an ID.
fn is_placeholder(s: &str) -> bool {
    let upper = !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    upper || s.contains(['<', '>', '{', '}'])
}

pub(crate) struct Reader<'a> {
    file: &'a SourceFile,
    file_id: FileId,
    scope: String,
    env: Env<'a>,
    opts: &'a Options,
    inv: &'a mut Inventory,
    routes: Routes,
    pending_rules: Vec<(Value, Option<SgRule>)>,
    /// SAM `Globals`, for the sections other than `Function.VpcConfig`.
    sam_globals: Option<&'a Node>,
}

impl<'a> Reader<'a> {
    fn resource(&mut self, key: &Key, resource: &'a Node, globals: Option<&Node>) -> Result<(), InputError> {
        let Some(ty) = resource.get("Type").and_then(Node::as_str) else {
            return Ok(());
        };
        if let Some(cond) = resource.get("Condition").and_then(Node::as_str) {
            if self.env.condition(cond) == Some(false) {
                return Ok(());
            }
        }
        let metadata = resource.get("Metadata");
        let name = metadata
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Node::as_str)
            .map_or_else(|| key.name.clone(), |p| format!("{} ({p})", key.name));
        let origin = Origin::in_file(name, self.file_id, key.span.clone());
        let ignore = self.ignore_list(metadata, &origin)?;
        let props = resource.get("Properties");
        match ty {
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                let sam = ty == "AWS::Serverless::Function";
                let role = self.role(&key.name, props, sam);
                let vpc = props.and_then(|p| p.entry("VpcConfig"));
                self.function(origin, ignore, vpc, globals.filter(|_| sam), role)?;
                self.function_provider(props, sam)?;
            }
            "AWS::Lambda::CapacityProvider" => self.capacity_provider(&key.name, origin, ignore, props, false)?,
            "AWS::Serverless::CapacityProvider" => self.capacity_provider(&key.name, origin, ignore, props, true)?,
            "AWS::EC2::SecurityGroup" => self.security_group(&key.name, props, origin, ignore),
            "AWS::EC2::SecurityGroupIngress" => self.standalone_rule(props, Direction::Ingress),
            "AWS::EC2::SecurityGroupEgress" => self.standalone_rule(props, Direction::Egress),
            "AWS::EC2::Subnet" => self.subnet(&key.name, props, origin),
            "AWS::EC2::VPC" => self.vpc(&key.name, props, origin),
            "AWS::EC2::RouteTable" => {
                let v = self.symbol_for(&key.name);
                self.routes.tables.insert(v);
            }
            "AWS::EC2::Route" => self.route(props),
            "AWS::EC2::SubnetRouteTableAssociation" => self.association(props),
            _ => {}
        }
        Ok(())
    }

    /// `Metadata: { eniplan: { ignore: [ENI001] } }`, each entry where it is written.
    fn ignore_list(&self, metadata: Option<&Node>, resource: &Origin) -> Result<Vec<Ignore>, InputError> {
        let Some(list) = metadata.and_then(|m| m.get("eniplan")).and_then(|e| e.get("ignore")) else {
            return Ok(vec![]);
        };
        let items = list.as_seq().ok_or_else(|| {
            InputError::at(
                self.file,
                list.span.clone(),
                format!("`eniplan.ignore` must be a list of rule IDs, found {}", list.type_name()),
                "here",
            )
        })?;
        items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|rule| Ignore {
                        rule: rule.to_string(),
                        origin: resource.at(self.file_id, i.span.clone()),
                    })
                    .ok_or_else(|| InputError::at(self.file, i.span.clone(), "rule IDs are strings such as ENI001", "here"))
            })
            .collect()
    }

    /// The execution role. SAM creates `<LogicalId>Role` for a function that names none.
    fn role(&mut self, logical: &str, props: Option<&Node>, sam: bool) -> Option<Value> {
        match props.and_then(|p| p.get("Role")) {
            Some(role) => self.value(role),
            None if sam => Some(Value::symbol(&self.scope, format!("!GetAtt {logical}Role.Arn"))),
            None => None,
        }
    }

    fn function(
        &mut self,
        origin: Origin,
        ignore: Vec<Ignore>,
        vpc: Option<&(Key, Node)>,
        globals: Option<&Node>,
        role: Option<Value>,
    ) -> Result<(), InputError> {
        let merged;
        let (config_node, config_span) = match (vpc, globals) {
            (Some((k, local)), Some(g)) => {
                merged = sam::merge(g, local);
                (Some(&merged), k.span.clone())
            }
            (Some((k, local)), None) => (Some(local), k.span.clone()),
            (None, Some(g)) => (Some(g), g.span.clone()),
            (None, None) => (None, 0..0),
        };
        let config = match config_node {
            Some(node) => self.vpc_config(node, origin.at(self.file_id, config_span))?,
            None => None,
        };
        self.inv.functions.push(Function {
            name: origin.resource.clone(),
            account: self.opts.account.as_str().into(),
            region: self.opts.region.as_str().into(),
            origin,
            ignore: ignore.into(),
            versions: thin_vec![Version::latest(config)],
            role: role.map(Box::new),
            ..Default::default()
        });
        Ok(())
    }

    fn vpc_config(&mut self, node: &Node, origin: Origin) -> Result<Option<VpcConfig>, InputError> {
        if let Some(c) = intrinsic::call(node) {
            if c.name == "Ref" && c.args.as_str() == Some("AWS::NoValue") {
                return Ok(None);
            }
            if c.name == "Fn::If" {
                return self.conditional_vpc_config(node, c.args, origin);
            }
            if intrinsic::may_be_mapping(&c.name) {
                let hint = intrinsic::unevaluated_hint(&c.name);
                return Ok(Some(self.unresolved_vpc_config(node, hint, origin)));
            }
            return Err(self.type_error(
                TypeError {
                    span: node.span.clone(),
                    message: format!("expected a mapping, found `{}`", self.env.render(node)),
                },
                "VpcConfig",
            ));
        }
        if node.is_null() {
            return Ok(None);
        }
        if node.entries().is_none() {
            return Err(self.type_error(
                TypeError {
                    span: node.span.clone(),
                    message: format!("expected a mapping, found {}", node.type_name()),
                },
                "VpcConfig",
            ));
        }
        let subnets = match node.get("SubnetIds") {
            Some(n) => self.items(n, "VpcConfig.SubnetIds", &origin)?,
            None => vec![],
        };
        let security_groups = match node.get("SecurityGroupIds") {
            Some(n) => self.items(n, "VpcConfig.SecurityGroupIds", &origin)?,
            None => vec![],
        };
        for item in &security_groups {
            self.default_group(item);
        }
        let ipv6_dual_stack = node.get("Ipv6AllowedForDualStack").and_then(|n| match self.env.scalar(n) {
            Ok(Scalar::Lit(v)) => Some(v == "true"),
            _ => None,
        });
        Ok(Some(VpcConfig {
            subnets: subnets.into(),
            security_groups: security_groups.into(),
            vpc_id: None,
            ipv6_dual_stack,
            origin,
        }))
    }

    /// `VpcConfig: !If [Cond, {...}, ...]`: the chosen branch when the condition
    /// is known; otherwise both lists become one symbol each, flagged by ENI302.
    fn conditional_vpc_config(&mut self, node: &Node, args: &Node, origin: Origin) -> Result<Option<VpcConfig>, InputError> {
        let branches = args.as_seq().filter(|s| s.len() == 3).ok_or_else(|| {
            self.type_error(
                TypeError {
                    span: args.span.clone(),
                    message: "`Fn::If` takes [Condition, ValueIfTrue, ValueIfFalse]".into(),
                },
                "VpcConfig",
            )
        })?;
        if let Some(known) = branches[0].as_str().and_then(|c| self.env.condition(c)) {
            return self.vpc_config(if known { &branches[1] } else { &branches[2] }, origin);
        }
        let cond = branches[0].as_str().unwrap_or("?");
        let hint = format!("VpcConfig depends on {}", self.env.condition_hint(cond));
        Ok(Some(self.unresolved_vpc_config(node, hint, origin)))
    }

    /// A `VpcConfig` eniplan cannot see into: each list becomes one symbol, flagged by ENI302.
    fn unresolved_vpc_config(&mut self, node: &Node, hint: String, origin: Origin) -> VpcConfig {
        let expr = self.env.render(node);
        let mut item = |what: &str| {
            let value = Value::symbol(&self.scope, format!("{what} of {expr}"));
            self.inv.unresolved.insert(value.clone(), hint.clone());
            Item::at(value, origin.at(self.file_id, node.span.clone()))
        };
        let subnets = vec![item("SubnetIds")];
        let security_groups = vec![item("SecurityGroupIds")];
        for i in subnets.iter().chain(&security_groups) {
            self.inv.mark_list(&i.value);
        }
        VpcConfig {
            subnets: subnets.into(),
            security_groups: security_groups.into(),
            vpc_id: None,
            ipv6_dual_stack: None,
            origin,
        }
    }

    fn items(&mut self, node: &Node, what: &str, origin: &Origin) -> Result<Vec<Item>, InputError> {
        let list = self.env.list(node).map_err(|e| self.type_error(e, what))?;
        Ok(match list {
            List::NoValue => vec![],
            // One symbol for the whole list: how many IDs it holds is not known.
            List::Sym { expr, hint } => {
                let item = self.item(Scalar::Sym { expr, hint }, node.span.clone(), origin);
                self.inv.mark_list(&item.value);
                vec![item]
            }
            List::Items(items) => items
                .into_iter()
                .filter(|(s, _)| *s != Scalar::NoValue)
                .map(|(s, span)| {
                    // A list parameter without a value, written as an item, is still a list.
                    let list = matches!(&s, Scalar::Sym { expr, .. } if self.env.is_list_param_ref(expr));
                    let item = self.item(s, span, origin);
                    if list {
                        self.inv.mark_list(&item.value);
                    }
                    item
                })
                .collect(),
        })
    }

    fn item(&mut self, s: Scalar, span: std::ops::Range<usize>, origin: &Origin) -> Item {
        let value = self.scalar_value(s);
        Item::at(value, origin.at(self.file_id, span))
    }

    fn scalar_value(&mut self, s: Scalar) -> Value {
        match s {
            Scalar::Lit(v) => Value::Id(v.into()),
            Scalar::Sym { expr, hint } => {
                let value = Value::symbol(&self.scope, expr);
                if let Some(h) = hint {
                    self.inv.unresolved.insert(value.clone(), h);
                }
                value
            }
            Scalar::NoValue => Value::symbol(&self.scope, "AWS::NoValue"),
        }
    }

    /// The value a reference resolves to, for IDs named outside VpcConfig.
    fn value(&mut self, node: &Node) -> Option<Value> {
        match self.env.scalar(node).ok()? {
            Scalar::NoValue => None,
            Scalar::Lit(v) => Some(Value::Id(v.into())),
            Scalar::Sym { expr, .. } => Some(Value::symbol(&self.scope, expr)),
        }
    }

    /// `!GetAtt MyVpc.DefaultSecurityGroup` names the VPC's default group.
    fn default_group(&mut self, item: &Item) {
        let Value::Symbol(symbol) = &item.value else { return };
        let Some(vpc) = symbol
            .expr
            .strip_prefix("!GetAtt ")
            .and_then(|e| e.strip_suffix(".DefaultSecurityGroup"))
        else {
            return;
        };
        if self.inv.security_groups.contains_key(&item.value) {
            return;
        }
        let mut sg = SecurityGroup::new(item.value.clone(), item.at.as_deref().cloned().unwrap_or_default());
        sg.is_default = true;
        sg.vpc = Some(self.symbol_for(vpc));
        self.inv.security_groups.insert(item.value.clone(), sg);
    }

    fn symbol_for(&self, logical_id: &str) -> Value {
        Value::symbol(&self.scope, format!("!Ref {logical_id}"))
    }

    fn type_error(&self, e: TypeError, what: &str) -> InputError {
        InputError::at(self.file, e.span, format!("{what}: {}", e.message), "wrong type").with_help(
            "SubnetIds and SecurityGroupIds take a list of IDs, a `!Ref` to a list parameter, or an intrinsic that returns a list",
        )
    }
}
