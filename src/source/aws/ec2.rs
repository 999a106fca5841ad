//! EC2: the observed Lambda ENIs, and the subnets, security groups and route
//! tables of the VPCs involved. Filters carry at most [`BATCH`] values; pages
//! are fetched one after the other.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt::Debug;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, IpPermission, NetworkInterface, RouteTable};
use aws_sdk_ec2::Client;
use aws_smithy_async::future::pagination_stream::PaginationStream;

use super::errors::describe;
use super::progress::Progress;
use crate::model::{Direction, Egress, ObservedEni, Origin, Peer, SecurityGroup, SgRule, Subnet, Value};

/// Values per filter in one request.
pub(crate) const BATCH: usize = 200;
/// Page size for the describe calls that accept `MaxResults` up to 1000.
pub(crate) const MAX_RESULTS: i32 = 1000;
/// `DescribeRouteTables` accepts at most 100.
const MAX_ROUTE_TABLES: i32 = 100;

pub(crate) fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

/// One describe call per [`BATCH`] of filter values, each followed page by
/// page: every page goes to `take` and ticks the progress bar; the first
/// error ends the read.
pub(crate) async fn describe_in_batches<P, E, R>(
    values: &[String],
    progress: &Progress,
    mut pages: impl FnMut(&[String]) -> PaginationStream<Result<P, SdkError<E, R>>>,
    mut take: impl FnMut(P),
) -> Result<(), String>
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    for batch in values.chunks(BATCH) {
        let mut stream = pages(batch);
        while let Some(page) = stream.next().await {
            let page = page.map_err(|e| describe(&e))?;
            progress.page();
            take(page);
        }
    }
    Ok(())
}

/// The `InterfaceType` of Lambda's Hyperplane ENIs.
const LAMBDA_INTERFACE: &str = "lambda";

/// Whether an ENI is one of Lambda's Hyperplane ENIs (the ones
/// [`lambda_enis`] reads).
pub(crate) fn is_lambda(n: &NetworkInterface) -> bool {
    n.interface_type().map(|t| t.as_str()) == Some(LAMBDA_INTERFACE)
}

/// `DescribeNetworkInterfaces` with `interface-type=lambda`, region-wide: an
/// orphaned ENI may sit in a VPC no current function uses.
pub(crate) async fn lambda_enis(client: &Client, account: &str, region: &str, progress: &Progress) -> Result<Vec<ObservedEni>, String> {
    let mut out = Vec::new();
    let pages = |types: &[String]| {
        client
            .describe_network_interfaces()
            .filters(filter("interface-type", types))
            .max_results(MAX_RESULTS)
            .into_paginator()
            .send()
    };
    describe_in_batches(&[LAMBDA_INTERFACE.to_string()], progress, pages, |page| {
        for n in page.network_interfaces() {
            let Some(id) = n.network_interface_id() else { continue };
            let mut groups: Vec<Value> = n.groups().iter().filter_map(|g| g.group_id()).map(Value::id).collect();
            groups.sort();
            groups.dedup();
            out.push(ObservedEni {
                id: id.to_string(),
                account: account.to_string(),
                region: region.to_string(),
                subnet: Value::id(n.subnet_id().unwrap_or_default()),
                security_groups: groups,
                vpc: n.vpc_id().map(Value::id),
                status: n.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                description: n.description().unwrap_or_default().to_string(),
            });
        }
    })
    .await?;
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// `DescribeSubnets` by `vpc-id` (or, with `by_id`, by `subnet-id`).
pub(crate) async fn subnets(
    client: &Client,
    filter_name: &str,
    values: &[String],
    progress: &Progress,
) -> Result<Vec<aws_sdk_ec2::types::Subnet>, String> {
    let mut out = Vec::new();
    let pages = |batch: &[String]| {
        client
            .describe_subnets()
            .filters(filter(filter_name, batch))
            .max_results(MAX_RESULTS)
            .into_paginator()
            .send()
    };
    describe_in_batches(values, progress, pages, |page| out.extend(page.subnets.unwrap_or_default())).await?;
    Ok(out)
}

/// `DescribeSecurityGroups` by `vpc-id`: every group of the VPCs, so that
/// references from other groups are visible.
pub(crate) async fn security_groups(client: &Client, vpcs: &[String], progress: &Progress) -> Result<Vec<SecurityGroup>, String> {
    let mut out = Vec::new();
    let pages = |batch: &[String]| {
        client
            .describe_security_groups()
            .filters(filter("vpc-id", batch))
            .max_results(MAX_RESULTS)
            .into_paginator()
            .send()
    };
    describe_in_batches(vpcs, progress, pages, |page| {
        for g in page.security_groups() {
            let Some(id) = g.group_id() else { continue };
            let mut sg = SecurityGroup::new(Value::id(id), Origin::resource(id));
            sg.name = g.group_name().map(str::to_string);
            sg.vpc = g.vpc_id().map(Value::id);
            sg.is_default = g.group_name() == Some("default");
            let mut rules = BTreeSet::new();
            normalise(&mut rules, Direction::Ingress, g.ip_permissions());
            normalise(&mut rules, Direction::Egress, g.ip_permissions_egress());
            sg.rules = Some(rules);
            out.push(sg);
        }
    })
    .await?;
    Ok(out)
}

/// One [`SgRule`] per (permission, peer); descriptions are dropped.
pub(crate) fn normalise(into: &mut BTreeSet<SgRule>, direction: Direction, perms: &[IpPermission]) {
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1");
        let (from, to) = (p.from_port().map(i64::from), p.to_port().map(i64::from));
        let mut rule = |peer: Peer| {
            into.insert(SgRule::new(direction.clone(), protocol, from, to, peer));
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                rule(Peer::Cidr(c.to_string()));
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                rule(Peer::Cidr(c.to_string()));
            }
        }
        for r in p.prefix_list_ids() {
            if let Some(c) = r.prefix_list_id() {
                rule(Peer::PrefixList(c.to_string()));
            }
        }
        for r in p.user_id_group_pairs() {
            if let Some(g) = r.group_id() {
                rule(Peer::Group(Value::id(g)));
            }
        }
    }
}

/// `DescribeRouteTables` by `vpc-id`.
pub(crate) async fn route_tables(client: &Client, vpcs: &[String], progress: &Progress) -> Result<Vec<RouteTable>, String> {
    let mut out = Vec::new();
    let pages = |batch: &[String]| {
        client
            .describe_route_tables()
            .filters(filter("vpc-id", batch))
            .max_results(MAX_ROUTE_TABLES)
            .into_paginator()
            .send()
    };
    describe_in_batches(vpcs, progress, pages, |page| out.extend(page.route_tables.unwrap_or_default())).await?;
    Ok(out)
}

/// Where a route table sends `0.0.0.0/0`: a NAT gateway or NAT instance →
/// `Nat`; an `igw-` → `InternetGateway`; no default route → `Private`; a
/// default route to anything else (transit gateway, peering, VPN) → `Unknown`,
/// since what lies behind it is not visible from here.
pub(crate) fn table_egress(table: &RouteTable) -> Egress {
    let default = table
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && r.state().map(|s| s.as_str()) != Some("blackhole"));
    match default {
        None => Egress::Private,
        Some(r) if r.nat_gateway_id().is_some() => Egress::Nat,
        Some(r) if r.instance_id().is_some() || r.network_interface_id().is_some() => Egress::Nat,
        Some(r) if r.gateway_id().is_some_and(|g| g.starts_with("igw-")) => Egress::InternetGateway,
        Some(_) => Egress::Unknown,
    }
}

/// Turns described subnets into the model, with the egress of each: its
/// explicitly associated table, else its VPC's main table.
pub(crate) fn build_subnets(subnets: &[aws_sdk_ec2::types::Subnet], tables: Option<&[RouteTable]>) -> Vec<Subnet> {
    let mut explicit: BTreeMap<&str, Egress> = BTreeMap::new();
    let mut main: BTreeMap<&str, Egress> = BTreeMap::new();
    for t in tables.unwrap_or_default() {
        let egress = table_egress(t);
        for a in t.associations() {
            if let Some(s) = a.subnet_id() {
                explicit.insert(s, egress);
            }
            if a.main() == Some(true) {
                if let Some(v) = t.vpc_id() {
                    main.insert(v, egress);
                }
            }
        }
    }
    subnets
        .iter()
        .filter_map(|s| {
            let id = s.subnet_id()?;
            let mut subnet = Subnet::new(Value::id(id), Origin::resource(id));
            subnet.vpc = s.vpc_id().map(Value::id);
            subnet.az = s.availability_zone().map(str::to_string);
            subnet.cidr = s.cidr_block().map(str::to_string);
            subnet.available_ips = s.available_ip_address_count().and_then(|n| u64::try_from(n).ok());
            subnet.egress = match tables {
                None => Egress::Unknown,
                Some(_) => explicit
                    .get(id)
                    .or_else(|| s.vpc_id().and_then(|v| main.get(v)))
                    .copied()
                    .unwrap_or(Egress::Unknown),
            };
            Some(subnet)
        })
        .collect()
}

/// `DescribeRegions`: the regions enabled for the account.
pub(crate) async fn enabled_regions(client: &Client) -> Result<Vec<String>, String> {
    let out = client.describe_regions().send().await.map_err(|e| describe(&e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status() != Some("not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}
