//! Route tables, routes and subnet associations in a plan, so that subnets
//! whose default route goes to an internet gateway count as public (ENI202).
//!
//! `aws_route` and inline `route` blocks of `aws_route_table` give default
//! routes; `aws_route_table_association` ties subnets to tables. A gateway
//! Terraform knows only after apply is recognised through what the
//! configuration references: an `aws_internet_gateway`.

use super::refs::{expr_at, references};
use super::{any_true, Reader, Target};
use crate::source::doc::{Kind, Node};
use crate::source::routes::Target as Route;

/// A route attribute as the plan has it.
enum Attr<'a> {
    Known(&'a str),
    Unknown,
    Absent,
}

fn attr<'a>(after: Option<&'a Node>, unknown: Option<&'a Node>, key: &str) -> Attr<'a> {
    if unknown.and_then(|u| u.get(key)).is_some_and(any_true) {
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
        if !matches!(attr(after, unknown, "destination_cidr_block"), Attr::Known("0.0.0.0/0")) {
            return;
        }
        let Some(table) = self.id_attr(i, "route_table_id") else { return };
        let target = self.route_target(i, after, unknown, &["gateway_id"]);
        self.routes.defaults.entry(table).or_default().push(target);
    }

    /// `aws_route_table`: a table the plan defines, with its inline routes.
    /// When those routes are known only after apply, the table is left out
    /// and its subnets stay unknown.
    pub(super) fn route_table(&mut self, i: usize) {
        let table = self.own_value(i);
        let r = &self.resources[i];
        let unknown_routes = r.unknown.and_then(|u| u.get("route"));
        if unknown_routes.is_some_and(|u| matches!(u.kind, Kind::Bool(true))) {
            return;
        }
        let routes = r.get("route").and_then(Node::as_seq).unwrap_or(&[]);
        let mut targets = Vec::new();
        for (k, route) in routes.iter().enumerate() {
            let unknown = unknown_routes.and_then(Node::as_seq).and_then(|u| u.get(k));
            match attr(Some(route), unknown, "cidr_block") {
                Attr::Known("0.0.0.0/0") => {}
                Attr::Unknown => return,
                _ => continue,
            }
            // Set elements are not in configuration order: an unknown gateway
            // is looked up in every inline block that names the default route.
            let block = self.default_route_block(i).map(|n| n.to_string());
            let path = match &block {
                Some(n) => vec!["route", n, "gateway_id"],
                None => vec![],
            };
            targets.push(self.route_target(i, Some(route), unknown, &path));
        }
        self.routes.tables.insert(table.clone());
        self.routes.defaults.entry(table).or_default().extend(targets);
    }

    /// `aws_route_table_association`: a subnet's table.
    pub(super) fn route_association(&mut self, i: usize) {
        if let (Some(subnet), Some(table)) = (self.id_attr(i, "subnet_id"), self.id_attr(i, "route_table_id")) {
            self.routes.associations.insert(subnet, table);
        }
    }

    /// Where a default route leads. `gateway_path` is where the configuration
    /// sets its `gateway_id`, for a gateway known only after apply.
    fn route_target(&mut self, i: usize, after: Option<&Node>, unknown: Option<&Node>, gateway_path: &[&str]) -> Route {
        if !matches!(attr(after, unknown, "nat_gateway_id"), Attr::Absent) {
            return Route::Nat;
        }
        match attr(after, unknown, "gateway_id") {
            Attr::Known(id) if id.starts_with("igw-") => Route::Internet,
            Attr::Unknown if !gateway_path.is_empty() && self.names_internet_gateway(i, gateway_path) => Route::Internet,
            _ => Route::Other,
        }
    }

    /// Whether the expression at `path` references an `aws_internet_gateway`.
    fn names_internet_gateway(&self, i: usize, path: &[&str]) -> bool {
        let r = &self.resources[i];
        let Some(expr) = self.config.expressions(&r.module, &r.config_name).and_then(|e| expr_at(e, path)) else {
            return false;
        };
        let mut targets = Vec::new();
        self.resolve(&references(expr), &r.module, r.index.as_deref(), 0, &mut targets);
        targets.iter().any(|t| match t {
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
