//! Route tables, routes and subnet associations in a plan, so that subnets
//! whose default route goes to an internet gateway count as public (ENI202).
//!
//! `aws_route` and inline `route` blocks of `aws_route_table` and
//! `aws_default_route_table` give default routes;
//! `aws_route_table_association` ties subnets to tables, and a subnet without
//! one uses its VPC's main table (`aws_main_route_table_association`, else
//! the table the VPC was created with). A gateway
//! Terraform knows only after apply counts as an internet gateway when
//! everything its expression references is an `aws_internet_gateway`.
//! Anything ambiguous leaves the subnet's routing unknown, never public.

use super::refs::{expr_at, references};
use super::{any_true, Reader, Target};
use crate::model::Value;
use crate::source::doc::{Kind, Node};
use crate::source::routes::Target as RouteTarget;

/// A route attribute as the plan has it.
enum Attr<'a> {
    Known(&'a str),
    Unknown,
    Absent,
}

/// `unknown` is the route's `after_unknown`: a map, or `true` for a route
/// known only after apply as a whole.
fn attr<'a>(after: Option<&'a Node>, unknown: Option<&'a Node>, key: &str) -> Attr<'a> {
    let whole = unknown.is_some_and(|u| matches!(u.kind, Kind::Bool(true)));
    if whole || unknown.and_then(|u| u.get(key)).is_some_and(any_true) {
        return Attr::Unknown;
    }
    match after.and_then(|a| a.get(key)).and_then(Node::as_str) {
        Some(s) if !s.is_empty() => Attr::Known(s),
        _ => Attr::Absent,
    }
}

impl Reader<'_> {
    /// `aws_route`: one route of a table.
    pub(super) fn route(&mut self, i: usize) {
        let r = &self.resources[i];
        let (after, unknown) = (r.after, r.unknown);
        let destination = attr(after, unknown, "destination_cidr_block");
        if !matches!(destination, Attr::Known("0.0.0.0/0") | Attr::Unknown) {
            return;
        }
        let Some(table) = self.table_id(i, "route_table_id") else { return };
        if matches!(destination, Attr::Unknown) {
            self.routes.unclear.insert(table);
            return;
        }
        let target = self.route_target(i, after, unknown, &["gateway_id"]);
        self.routes.defaults.entry(table).or_default().push(target);
    }

    /// The one table an ID attribute names; when it may name several, or
    /// none the plan knows, every candidate's routes are unclear.
    fn table_id(&mut self, i: usize, key: &str) -> Option<Value> {
        let mut tables = self.id_attr_values(i, key);
        if tables.len() == 1 {
            return tables.pop();
        }
        self.routes.unclear_route(tables);
        None
    }

    /// `aws_route_table`: a table the plan defines, with its inline routes.
    /// `route` is computed: with no inline blocks it is unknown until apply
    /// and holds only the `aws_route`s, which are read on their own.
    pub(super) fn route_table(&mut self, i: usize) {
        let table = self.own_value(i);
        self.table_routes(i, table, true);
    }

    /// `aws_default_route_table`: it takes over a VPC's main table. Without
    /// inline routes it leaves the table's existing routes alone, so those
    /// are known only for a VPC this plan creates (see `vpc_main_table`).
    pub(super) fn default_route_table(&mut self, i: usize) {
        let Some(table) = self.table_id(i, "default_route_table_id") else {
            return;
        };
        let own = self.own_value(i);
        if own != table {
            self.routes.aliases.insert(own, table.clone());
        }
        self.table_routes(i, table, false);
    }

    /// `aws_main_route_table_association`: the table a VPC's subnets without
    /// an association of their own use.
    pub(super) fn main_route_association(&mut self, i: usize) {
        let (vpc, table) = (self.single_id(i, "vpc_id"), self.single_id(i, "route_table_id"));
        self.routes.associate_main(vpc, table);
    }

    /// The main table an `aws_vpc` comes with. One this plan creates has only
    /// the local route, plus the `aws_route`s that reference the VPC's
    /// `main_route_table_id`; its value stands for the table, as those
    /// references resolve to it.
    pub(super) fn vpc_main_table(&mut self, i: usize, vpc: &Value) {
        let r = &self.resources[i];
        match r.get("main_route_table_id").and_then(Node::as_str).filter(|s| !s.is_empty()) {
            Some(id) => {
                self.routes.vpc_main.insert(vpc.clone(), Value::id(id));
            }
            None if r.managed && r.ty == "aws_vpc" && r.is_unknown("main_route_table_id") => {
                self.routes.vpc_main.insert(vpc.clone(), vpc.clone());
                self.routes.tables.insert(vpc.clone());
            }
            None => {}
        }
    }

    /// Reads `table`'s inline routes from resource `i`. When configured inline
    /// routes are unknown, the table is left out and its subnets stay
    /// unknown; with none configured and `route` unknown, the table counts
    /// (with its `aws_route`s only) when `unknown_is_new`.
    fn table_routes(&mut self, i: usize, table: Value, unknown_is_new: bool) {
        let r = &self.resources[i];
        let inline = self.config.expressions(&r.module, &r.config_name).and_then(|e| e.get("route"));
        let unknown_routes = r.unknown.and_then(|u| u.get("route"));
        let mut targets = Vec::new();
        if unknown_routes.is_some_and(|u| matches!(u.kind, Kind::Bool(true))) {
            if inline.is_some() {
                self.routes.unclear.insert(table);
                return;
            }
            if !unknown_is_new {
                return;
            }
        } else {
            // Set elements are not in configuration order: an unknown gateway
            // is looked up in the one inline block that names the default route.
            let block = self.default_route_block(i).map(|n| n.to_string());
            let path = match &block {
                Some(n) => vec!["route", n, "gateway_id"],
                None => vec![],
            };
            let routes = r.get("route").and_then(Node::as_seq).unwrap_or(&[]);
            for (k, route) in routes.iter().enumerate() {
                let unknown = unknown_routes.and_then(Node::as_seq).and_then(|u| u.get(k));
                match attr(Some(route), unknown, "cidr_block") {
                    Attr::Known("0.0.0.0/0") => {}
                    Attr::Unknown => {
                        self.routes.unclear.insert(table);
                        return;
                    }
                    _ => continue,
                }
                targets.push(self.route_target(i, Some(route), unknown, &path));
            }
        }
        self.routes.tables.insert(table.clone());
        self.routes.defaults.entry(table).or_default().extend(targets);
    }

    /// `aws_route_table_association`: a subnet's table (`each.value.id` or a
    /// conditional names no single subnet).
    pub(super) fn route_association(&mut self, i: usize) {
        let (subnet, table) = (self.single_id(i, "subnet_id"), self.single_id(i, "route_table_id"));
        self.routes.associate_subnet(subnet, table);
    }

    /// An ID attribute that names exactly one thing; `None` when the
    /// configuration could mean several (a conditional, an unmatched index).
    pub(super) fn single_id(&mut self, i: usize, key: &str) -> Option<Value> {
        let mut values = self.id_attr_values(i, key);
        (values.len() == 1).then(|| values.remove(0))
    }

    /// Where a default route leads. `gateway_path` is where the configuration
    /// sets its `gateway_id`, for a gateway known only after apply.
    fn route_target(&self, i: usize, after: Option<&Node>, unknown: Option<&Node>, gateway_path: &[&str]) -> RouteTarget {
        if !matches!(attr(after, unknown, "nat_gateway_id"), Attr::Absent) {
            return RouteTarget::Nat;
        }
        match attr(after, unknown, "gateway_id") {
            Attr::Known(id) if id.starts_with("igw-") => RouteTarget::Internet,
            Attr::Unknown if !gateway_path.is_empty() && self.only_internet_gateways(i, gateway_path) => RouteTarget::Internet,
            _ => RouteTarget::Other,
        }
    }

    /// Whether the expression at `path` references `aws_internet_gateway`s
    /// and nothing else.
    fn only_internet_gateways(&self, i: usize, path: &[&str]) -> bool {
        let r = &self.resources[i];
        let Some(expr) = self.config.expressions(&r.module, &r.config_name).and_then(|e| expr_at(e, path)) else {
            return false;
        };
        let mut targets = Vec::new();
        self.resolve(&references(expr), &r.module, r.index.as_deref(), 0, &mut targets);
        !targets.is_empty()
            && targets.iter().all(|t| match t {
                Target::Address(a) => self
                    .by_address
                    .get(a)
                    .is_some_and(|&j| self.resources[j].ty == "aws_internet_gateway"),
                Target::Opaque(..) => false,
            })
    }

    /// The inline `route` block (by position) whose `cidr_block` is the
    /// default route, when exactly one is.
    fn default_route_block(&self, i: usize) -> Option<usize> {
        let r = &self.resources[i];
        let blocks = self.config.expressions(&r.module, &r.config_name)?.get("route")?.as_seq()?;
        let mut found = blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| expr_at(b, &["cidr_block", "constant_value"]).and_then(Node::as_str) == Some("0.0.0.0/0"));
        match (found.next(), found.next()) {
            (Some((k, _)), None) => Some(k),
            _ => None,
        }
    }
}
