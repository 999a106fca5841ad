//! Security groups, their rules, subnets, VPCs and route tables in a template.

use std::collections::BTreeSet;

use super::intrinsic::{call, Scalar};
use super::Reader;
use crate::model::*;
use crate::source::doc::Node;
use crate::source::routes::Target;

impl Reader<'_> {
    pub(super) fn security_group(&mut self, id: &str, props: Option<&Node>, origin: Origin, ignore: Vec<Ignore>) {
        let value = self.symbol_for(id);
        let mut sg = SecurityGroup::new(value.clone(), origin);
        sg.ignore = ignore;
        if let Some(p) = props {
            sg.vpc = self.vpc_id(p);
            sg.name = p.get("GroupName").and_then(Node::as_str).map(str::to_string);
            sg.rules = self.rules(p, &value);
        }
        self.inv.security_groups.insert(value, sg);
    }

    /// Inline rules, normalised; `None` when any part cannot be known.
    fn rules(&mut self, props: &Node, own: &Value) -> Option<BTreeSet<SgRule>> {
        let mut rules = BTreeSet::new();
        for (key, direction) in [
            ("SecurityGroupIngress", Direction::Ingress),
            ("SecurityGroupEgress", Direction::Egress),
        ] {
            match props.get(key) {
                None if direction == Direction::Egress => {
                    rules.insert(SgRule::new(Direction::Egress, "-1", None, None, Peer::Cidr("0.0.0.0/0".into())));
                }
                None => {}
                Some(list) => {
                    for r in list.as_seq()? {
                        let rule = self.rule(r, direction.clone(), own)?;
                        rules.insert(rule);
                    }
                }
            }
        }
        Some(rules)
    }

    fn rule(&mut self, r: &Node, direction: Direction, owner: &Value) -> Option<SgRule> {
        // An unresolved value is the same value only where the same expression
        // is written in the same template: it keeps its identity, qualified by
        // the template, and is never taken for a literal. An opaque one (a
        // tag eniplan does not know) has no identity, so the rules are unknown.
        let scope = &self.scope;
        let text = |k: &str| -> Option<Option<String>> {
            match r.get(k) {
                None => Some(None),
                Some(n) => match self.env.scalar(n).ok()? {
                    Scalar::Lit(v) => Some(Some(v)),
                    Scalar::NoValue => Some(None),
                    Scalar::Sym { .. } if self.env.is_opaque(n) => None,
                    Scalar::Sym { expr, .. } => Some(Some(format!("{expr} (unresolved in {scope})"))),
                },
            }
        };
        let protocol = text("IpProtocol")??;
        let literal_protocol = matches!(r.get("IpProtocol").map(|n| self.env.scalar(n)), Some(Ok(Scalar::Lit(_))));
        let port = |v: Option<String>| -> Option<Option<i64>> {
            match v {
                None => Some(None),
                Some(s) => s.parse().ok().map(Some),
            }
        };
        let from = port(text("FromPort")?)?;
        let to = port(text("ToPort")?)?;
        let (group_key, prefix_key) = match direction {
            Direction::Ingress => ("SourceSecurityGroupId", "SourcePrefixListId"),
            Direction::Egress => ("DestinationSecurityGroupId", "DestinationPrefixListId"),
        };
        let peer = if let Some(g) = r.get(group_key) {
            if self.env.is_opaque(g) {
                return None;
            }
            let group = self.value(g)?;
            self.inv.sg_references.push((group.clone(), owner.to_string()));
            Peer::Group(group)
        } else if let Some(p) = text(prefix_key)? {
            Peer::PrefixList(p)
        } else if let Some(c) = text("CidrIp")? {
            Peer::Cidr(c)
        } else if let Some(c) = text("CidrIpv6")? {
            Peer::Cidr(c)
        } else {
            return None;
        };
        let mut rule = SgRule::new(direction, &protocol, from, to, peer);
        // Normalising lower-cases the protocol: an expression keeps its case.
        if !literal_protocol {
            rule.protocol = protocol;
        }
        Some(rule)
    }

    /// `AWS::EC2::SecurityGroupIngress` / `Egress`: a rule added to a group.
    pub(super) fn standalone_rule(&mut self, props: Option<&Node>, direction: Direction) {
        let Some(p) = props else { return };
        let Some(group) = p.get("GroupId").and_then(|g| self.value(g)) else {
            return;
        };
        let rule = self.rule(p, direction, &group);
        self.pending_rules.push((group, rule));
    }

    pub(super) fn apply_standalone_rules(&mut self) {
        for (group, rule) in std::mem::take(&mut self.pending_rules) {
            if let Some(sg) = self.inv.security_groups.get_mut(&group) {
                match (rule, &mut sg.rules) {
                    (Some(r), Some(rules)) => {
                        rules.insert(r);
                    }
                    (None, rules) => *rules = None,
                    (Some(_), None) => {}
                }
            }
        }
    }

    pub(super) fn subnet(&mut self, id: &str, props: Option<&Node>, origin: Origin) {
        let value = self.symbol_for(id);
        let mut subnet = Subnet::new(value.clone(), origin);
        if let Some(p) = props {
            subnet.vpc = self.vpc_id(p);
            if let Some(vpc) = &subnet.vpc {
                self.routes.new_subnets.insert(value.clone(), vpc.clone());
            }
            subnet.az = p.get("AvailabilityZone").and_then(|n| self.availability_zone(n));
            subnet.cidr = p.get("CidrBlock").and_then(|n| match self.env.scalar(n) {
                Ok(Scalar::Lit(c)) => Some(c),
                _ => None,
            });
        }
        self.inv.subnets.insert(value, subnet);
    }

    /// A group's or subnet's `VpcId`; an unresolved one is recorded with what
    /// would resolve it, as the report lists it among unresolved values.
    fn vpc_id(&mut self, props: &Node) -> Option<Value> {
        match self.env.scalar(props.get("VpcId")?).ok()? {
            Scalar::NoValue => None,
            s => Some(self.scalar_value(s)),
        }
    }

    /// A subnet's AZ: its name, or an expression that stands for one AZ in
    /// this template (`!Ref Az`, `!Select [0, !GetAZs ""]`), which rules
    /// compare only with the same expression in the same template. An opaque
    /// expression names no AZ that can be compared.
    fn availability_zone(&self, node: &Node) -> Option<String> {
        match self.env.scalar(node).ok()? {
            Scalar::Lit(v) => Some(v),
            Scalar::Sym { .. } if self.env.is_opaque(node) => None,
            Scalar::Sym { expr, .. } => Some(expr),
            Scalar::NoValue => None,
        }
    }

    pub(super) fn vpc(&mut self, id: &str, props: Option<&Node>, origin: Origin) {
        let value = self.symbol_for(id);
        let mut vpc = Vpc::new(value.clone(), origin);
        vpc.cidr = props.and_then(|p| p.get("CidrBlock")).and_then(|n| match self.env.scalar(n) {
            Ok(Scalar::Lit(c)) => Some(c),
            _ => None,
        });
        // A template cannot name a new VPC's main table, so it keeps the
        // local route only.
        self.routes.vpc_main.insert(value.clone(), value.clone());
        self.routes.tables.insert(value.clone());
        self.inv.vpcs.insert(value, vpc);
    }

    pub(super) fn route(&mut self, props: Option<&Node>) {
        let Some(p) = props else { return };
        let Some(table) = p.get("RouteTableId").and_then(|n| self.value(n)) else {
            self.routes.unclear_route(vec![]);
            return;
        };
        // A destination that is not known may be the default route.
        match p.get("DestinationCidrBlock").map(|n| self.env.scalar(n)) {
            Some(Ok(Scalar::Lit(c))) if c == "0.0.0.0/0" => {}
            Some(Ok(Scalar::Lit(_) | Scalar::NoValue)) | None => return,
            Some(_) => return self.routes.unclear_route(vec![table]),
        }
        let target = if let Some(g) = p.get("GatewayId") {
            let is_igw = match call(g).and_then(|c| c.args.as_str().map(str::to_string)) {
                Some(logical) => self
                    .env
                    .resources
                    .get(logical.split('.').next().unwrap_or(""))
                    .is_some_and(|t| t == "AWS::EC2::InternetGateway"),
                None => g.as_str().is_some_and(|s| s.starts_with("igw-")),
            };
            if is_igw {
                Target::Internet
            } else {
                Target::Other
            }
        } else if p.get("NatGatewayId").is_some() || p.get("InstanceId").is_some() {
            Target::Nat
        } else {
            Target::Other
        };
        self.routes.defaults.entry(table).or_default().push(target);
    }

    pub(super) fn association(&mut self, props: Option<&Node>) {
        let Some(p) = props else { return };
        let subnet = p.get("SubnetId").and_then(|n| self.value(n));
        let table = p.get("RouteTableId").and_then(|n| self.value(n));
        self.routes.associate_subnet(subnet, table);
    }
}
