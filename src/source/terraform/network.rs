//! Security groups and their rules, subnets, VPCs and route tables in a plan.
//!
//! Terraform's `aws_security_group` has no egress rule unless one is declared
//! (the provider removes the allow-all rule AWS adds), unlike CloudFormation.
//! Rules come from inline `ingress`/`egress` blocks and from
//! `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` and
//! `aws_vpc_security_group_egress_rule` resources.

use std::collections::BTreeSet;

use super::{any_true, Reader};
use crate::model::*;
use crate::source::doc::{Kind, Node};

fn number(n: Option<&Node>) -> Option<i64> {
    match &n?.kind {
        Kind::Number(s) => s.parse::<f64>().ok().map(|f| f as i64),
        Kind::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn strings(n: Option<&Node>) -> Vec<&str> {
    n.and_then(Node::as_seq)
        .map(|s| s.iter().filter_map(Node::as_str).collect())
        .unwrap_or_default()
}

/// A `constant_value` from a configuration expression.
fn constant(expr: Option<&Node>) -> Option<&Node> {
    expr?.get("constant_value")
}

impl<'a> Reader<'a> {
    /// Every security group, rule, subnet and VPC, before functions are read.
    pub(super) fn network(&mut self) {
        for i in 0..self.resources.len() {
            let r = &self.resources[i];
            match (r.managed, r.ty) {
                (true, "aws_security_group") => self.security_group(i, false),
                (true, "aws_default_security_group") => self.security_group(i, true),
                (false, "aws_security_group") => self.data_security_group(i),
                (true, "aws_security_group_rule") => self.security_group_rule(i),
                (true, "aws_vpc_security_group_ingress_rule") => self.vpc_rule(i, Direction::Ingress),
                (true, "aws_vpc_security_group_egress_rule") => self.vpc_rule(i, Direction::Egress),
                (_, "aws_subnet" | "aws_default_subnet") => self.subnet(i),
                (_, "aws_vpc" | "aws_default_vpc") => self.vpc(i),
                (true, "aws_route_table") => self.route_table(i),
                (true, "aws_route") => self.route(i),
                (true, "aws_route_table_association") => self.route_association(i),
                (true, "aws_default_route_table") => self.default_route_table(i),
                (true, "aws_main_route_table_association") => self.main_route_association(i),
                _ => {}
            }
        }
        for (group, rules) in std::mem::take(&mut self.pending_rules) {
            if let Some(sg) = self.inv.security_groups.get_mut(&group) {
                match (rules, &mut sg.rules) {
                    (Some(new), Some(existing)) => existing.extend(new),
                    (None, rules) => *rules = None,
                    (Some(_), None) => {}
                }
            }
        }
        self.routes.apply(self.inv);
    }

    /// An ID-valued attribute (`vpc_id`, `security_group_id`): the known ID, or
    /// what the configuration references.
    fn id_attr(&mut self, i: usize, key: &str) -> Option<Value> {
        self.id_attr_values(i, key).into_iter().next()
    }

    /// Every value an ID attribute may hold: the known ID, or each thing the
    /// configuration references (several for a conditional).
    pub(super) fn id_attr_values(&mut self, i: usize, key: &str) -> Vec<Value> {
        let r = &self.resources[i];
        if let Some(s) = r.get(key).and_then(Node::as_str).filter(|s| !s.is_empty()) {
            return vec![Value::id(s)];
        }
        if !r.is_unknown(key) {
            return vec![];
        }
        self.config_values(i, &[key]).0
    }

    fn security_group(&mut self, i: usize, is_default: bool) {
        let value = self.own_value(i);
        let r = &self.resources[i];
        let mut sg = SecurityGroup::new(value.clone(), Origin::in_file(r.address.clone(), self.file_id, r.span.clone()));
        sg.is_default = is_default;
        sg.name = r.get("name").and_then(Node::as_str).map(str::to_string);
        sg.vpc = self.id_attr(i, "vpc_id");
        let mut rules = Some(BTreeSet::new());
        for (key, direction) in [("ingress", Direction::Ingress), ("egress", Direction::Egress)] {
            match self.inline_rules(i, key, direction, &value) {
                Some(list) => {
                    if let Some(set) = &mut rules {
                        set.extend(list);
                    }
                }
                None => rules = None,
            }
        }
        sg.rules = rules;
        self.inv.security_groups.insert(value, sg);
    }

    /// `data "aws_security_group"`: an existing group, rules not visible.
    fn data_security_group(&mut self, i: usize) {
        let Some(id) = self.resources[i].known_id() else { return };
        let value = Value::id(id);
        if self.inv.security_groups.contains_key(&value) {
            return;
        }
        let r = &self.resources[i];
        let mut sg = SecurityGroup::new(value.clone(), Origin::in_file(r.address.clone(), self.file_id, r.span.clone()));
        sg.name = r.get("name").and_then(Node::as_str).map(str::to_string);
        sg.vpc = r.get("vpc_id").and_then(Node::as_str).map(Value::id);
        self.inv.security_groups.insert(value, sg);
    }

    /// Inline `ingress` / `egress` of a group; `None` when they cannot be known.
    fn inline_rules(&mut self, i: usize, key: &str, direction: Direction, owner: &Value) -> Option<Vec<SgRule>> {
        let r = &self.resources[i];
        let after = r.get(key);
        let marked = r.unknown.and_then(|u| u.get(key)).is_some_and(any_true) || after.is_none();
        let has_config = self
            .config
            .expressions(&r.module, &r.config_name)
            .is_some_and(|e| e.get(key).is_some());
        // Groups the configuration names in these rules: they are referenced
        // even when the plan cannot say by which rule yet.
        let (groups, _) = if marked && has_config {
            self.config_values(i, &[key])
        } else {
            (vec![], None)
        };
        let groups: Vec<Value> = groups.into_iter().filter(|g| g != owner).collect();
        for g in &groups {
            self.inv.sg_references.push((g.clone(), owner.to_string()));
        }
        let r = &self.resources[i];
        let whole = r
            .unknown
            .and_then(|u| u.get(key))
            .is_some_and(|u| matches!(u.kind, Kind::Bool(true)));
        match after {
            Some(n) if !whole => {
                let mut out = Vec::new();
                for b in n.as_seq()? {
                    out.extend(self.block_rules(b, direction.clone(), owner, &groups)?);
                }
                Some(out)
            }
            // Not declared: none. (Computed on create because other rule
            // resources may add to it; those are read separately.)
            _ if !has_config => Some(vec![]),
            _ => {
                let expr = self.config.expressions(&r.module, &r.config_name).and_then(|e| e.get(key))?;
                let blocks = constant(Some(expr))?.as_seq()?;
                let mut out = Vec::new();
                for b in blocks {
                    out.extend(self.block_rules(b, direction.clone(), owner, &groups)?);
                }
                Some(out)
            }
        }
    }

    /// One inline rule block: one rule per peer. Unknown peers (`null` in
    /// `security_groups`) take the one group the configuration names, if one.
    fn block_rules(&mut self, b: &Node, direction: Direction, owner: &Value, groups: &[Value]) -> Option<Vec<SgRule>> {
        let protocol = b.get("protocol").and_then(Node::as_str)?;
        let from = number(b.get("from_port"));
        let to = number(b.get("to_port"));
        let mut peers = Vec::new();
        for c in strings(b.get("cidr_blocks")).into_iter().chain(strings(b.get("ipv6_cidr_blocks"))) {
            peers.push(Peer::Cidr(c.to_string()));
        }
        for p in strings(b.get("prefix_list_ids")) {
            peers.push(Peer::PrefixList(p.to_string()));
        }
        for g in b.get("security_groups").and_then(Node::as_seq).unwrap_or(&[]) {
            let value = match (g.as_str(), groups) {
                (Some(id), _) => Value::id(id),
                (None, [only]) => only.clone(),
                _ => return None,
            };
            peers.push(Peer::Group(value));
        }
        if matches!(b.get("self").map(|n| &n.kind), Some(Kind::Bool(true))) {
            peers.push(Peer::Group(owner.clone()));
        }
        Some(
            peers
                .into_iter()
                .map(|peer| {
                    if let Peer::Group(g) = &peer {
                        self.inv.sg_references.push((g.clone(), owner.to_string()));
                    }
                    SgRule::new(direction.clone(), protocol, from, to, peer)
                })
                .collect(),
        )
    }

    /// `aws_security_group_rule`: `type`, ports, and CIDRs, prefix lists, a
    /// source group or `self`.
    fn security_group_rule(&mut self, i: usize) {
        let Some(group) = self.id_attr(i, "security_group_id") else {
            return;
        };
        let r = &self.resources[i];
        let direction = match r.get("type").and_then(Node::as_str) {
            Some("ingress") => Direction::Ingress,
            Some("egress") => Direction::Egress,
            _ => {
                self.pending_rules.push((group, None));
                return;
            }
        };
        let source = if r.get("source_security_group_id").is_some() || r.is_unknown("source_security_group_id") {
            self.id_attr(i, "source_security_group_id")
        } else {
            None
        };
        let r = &self.resources[i];
        let mut peers: Vec<Peer> = strings(r.get("cidr_blocks"))
            .into_iter()
            .chain(strings(r.get("ipv6_cidr_blocks")))
            .map(|c| Peer::Cidr(c.to_string()))
            .collect();
        peers.extend(
            strings(r.get("prefix_list_ids"))
                .into_iter()
                .map(|p| Peer::PrefixList(p.to_string())),
        );
        if let Some(s) = source {
            peers.push(Peer::Group(s));
        }
        if matches!(r.get("self").map(|n| &n.kind), Some(Kind::Bool(true))) {
            peers.push(Peer::Group(group.clone()));
        }
        let protocol = r.get("protocol").and_then(Node::as_str);
        let (from, to) = (number(r.get("from_port")), number(r.get("to_port")));
        let peers_unknown = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"]
            .iter()
            .any(|k| r.unknown.and_then(|u| u.get(k)).is_some_and(any_true));
        let rules = match protocol {
            Some(p) if !peers_unknown && !peers.is_empty() => Some(
                peers
                    .into_iter()
                    .map(|peer| {
                        if let Peer::Group(g) = &peer {
                            self.inv.sg_references.push((g.clone(), group.to_string()));
                        }
                        SgRule::new(direction.clone(), p, from, to, peer)
                    })
                    .collect(),
            ),
            _ => {
                for p in peers {
                    if let Peer::Group(g) = p {
                        self.inv.sg_references.push((g, group.to_string()));
                    }
                }
                None
            }
        };
        self.pending_rules.push((group, rules));
    }

    /// `aws_vpc_security_group_ingress_rule` / `_egress_rule`: one peer each.
    fn vpc_rule(&mut self, i: usize, direction: Direction) {
        let Some(group) = self.id_attr(i, "security_group_id") else {
            return;
        };
        let referenced = {
            let r = &self.resources[i];
            if r.get("referenced_security_group_id").is_some()
                || (r.is_unknown("referenced_security_group_id") && self.config_has(i, "referenced_security_group_id"))
            {
                self.id_attr(i, "referenced_security_group_id")
            } else {
                None
            }
        };
        let r = &self.resources[i];
        let text = |k: &str| r.get(k).and_then(Node::as_str).map(str::to_string);
        let peer = if let Some(g) = referenced {
            self.inv.sg_references.push((g.clone(), group.to_string()));
            Some(Peer::Group(g))
        } else if let Some(c) = text("cidr_ipv4").or_else(|| text("cidr_ipv6")) {
            Some(Peer::Cidr(c))
        } else {
            text("prefix_list_id").map(Peer::PrefixList)
        };
        let rule = match (peer, text("ip_protocol")) {
            (Some(peer), Some(p)) => Some(vec![SgRule::new(
                direction,
                &p,
                number(r.get("from_port")),
                number(r.get("to_port")),
                peer,
            )]),
            _ => None,
        };
        self.pending_rules.push((group, rule));
    }

    fn config_has(&self, i: usize, key: &str) -> bool {
        let r = &self.resources[i];
        self.config
            .expressions(&r.module, &r.config_name)
            .is_some_and(|e| e.get(key).is_some())
    }

    fn subnet(&mut self, i: usize) {
        let r = &self.resources[i];
        if !r.managed && r.known_id().is_none() {
            return;
        }
        let value = self.own_value(i);
        if !r.managed && self.inv.subnets.contains_key(&value) {
            return;
        }
        let mut s = Subnet::new(value.clone(), Origin::in_file(r.address.clone(), self.file_id, r.span.clone()));
        s.az = r.get("availability_zone").and_then(Node::as_str).map(str::to_string);
        s.cidr = r.get("cidr_block").and_then(Node::as_str).map(str::to_string);
        s.available_ips = r
            .get("available_ip_address_count")
            .and_then(|n| number(Some(n)))
            .map(|n| n.max(0) as u64);
        let created = r.managed && r.known_id().is_none();
        s.vpc = self.id_attr(i, "vpc_id");
        if created {
            if let Some(vpc) = self.single_id(i, "vpc_id") {
                self.routes.new_subnets.insert(value.clone(), vpc);
            }
        }
        self.inv.subnets.insert(value, s);
    }

    fn vpc(&mut self, i: usize) {
        let r = &self.resources[i];
        if !r.managed && r.known_id().is_none() {
            return;
        }
        let value = self.own_value(i);
        let mut v = Vpc::new(value.clone(), Origin::in_file(r.address.clone(), self.file_id, r.span.clone()));
        v.cidr = r.get("cidr_block").and_then(Node::as_str).map(str::to_string);
        self.vpc_main_table(i, &value);
        self.inv.vpcs.entry(value).or_insert(v);
    }
}
