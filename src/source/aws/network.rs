//! The network a region's functions use: the subnets, security groups and
//! route tables of the VPCs involved, and how many other ENIs each VPC holds. VPCs are read in batches as the
//! function listing and the ENI list reveal them, so the EC2 reads overlap
//! the listing instead of following it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::RouteTable;
use tokio::sync::mpsc::UnboundedReceiver;

use super::clients::Clients;
use super::progress::Progress;
use super::{ec2, gap, other_enis};
use crate::model::{Gap, SecurityGroup, Subnet, Value};

/// What the region's listings reveal, as it arrives.
pub(crate) enum Found {
    /// The VPC IDs on one `ListFunctions` page.
    Page(Vec<String>),
    /// The VPC IDs of the observed Lambda ENIs (empty if they could not be read).
    Enis(Vec<String>),
}

pub(crate) struct Network<'a> {
    c: &'a Clients,
    account: &'a str,
    region: &'a str,
    progress: &'a Progress,
    raw_subnets: Vec<aws_sdk_ec2::types::Subnet>,
    groups: Vec<SecurityGroup>,
    tables: Vec<RouteTable>,
    tables_ok: bool,
    /// Non-Lambda ENIs per VPC; a VPC whose count failed is absent.
    other_enis: BTreeMap<String, u64>,
    /// VPCs already read (or tried).
    done: BTreeSet<String>,
    gaps: Vec<Gap>,
}

/// What the network reads found, and what they could not read.
pub(crate) struct NetworkData {
    /// With their egress.
    pub subnets: Vec<Subnet>,
    pub groups: Vec<SecurityGroup>,
    /// Every VPC involved.
    pub vpcs: BTreeSet<String>,
    /// Non-Lambda ENIs per VPC, for the VPCs whose count was read.
    pub other_enis: BTreeMap<String, u64>,
    pub gaps: Vec<Gap>,
}

impl<'a> Network<'a> {
    pub(crate) fn new(c: &'a Clients, account: &'a str, region: &'a str, progress: &'a Progress) -> Self {
        Network {
            c,
            account,
            region,
            progress,
            raw_subnets: vec![],
            groups: vec![],
            tables: vec![],
            tables_ok: true,
            other_enis: BTreeMap::new(),
            done: BTreeSet::new(),
            gaps: vec![],
        }
    }

    /// Reads VPCs while the listings run. The first batch waits for the ENI
    /// list and the first page, so when every VPC shows up by then (the usual
    /// case) one batch covers the region; VPCs found later are read in further
    /// batches, each gathering what arrived while the previous one ran.
    pub(crate) async fn follow(&mut self, mut found: UnboundedReceiver<Found>) {
        let mut pending = BTreeSet::new();
        let (mut seen_enis, mut seen_page) = (false, false);
        while let Some(first) = found.recv().await {
            let mut next = Some(first);
            while let Some(f) = next {
                pending.extend(match f {
                    Found::Page(vpcs) => {
                        seen_page = true;
                        vpcs
                    }
                    Found::Enis(vpcs) => {
                        seen_enis = true;
                        vpcs
                    }
                });
                next = found.try_recv().ok();
            }
            if seen_enis && seen_page {
                self.read(std::mem::take(&mut pending)).await;
            }
        }
        self.read(pending).await;
    }

    async fn read(&mut self, vpcs: BTreeSet<String>) {
        let batch: Vec<String> = vpcs.into_iter().filter(|v| !self.done.contains(v)).collect();
        if batch.is_empty() {
            return;
        }
        let (c, progress) = (self.c, self.progress);
        let (s, g, t, o) = tokio::join!(
            ec2::subnets(&c.ec2, "vpc-id", &batch, progress),
            ec2::security_groups(&c.ec2, &batch, progress),
            ec2::route_tables(&c.ec2, &batch, progress),
            other_enis::count_by_vpc(&c.ec2, &batch, progress),
        );
        match o {
            Ok(o) => self.other_enis.extend(o),
            Err(e) => self.gaps.push(gap(
                self.account,
                self.region,
                "ec2:DescribeNetworkInterfaces",
                format!("counting the other ENIs in {}: {e}", crate::plural::count(batch.len(), "VPC")),
            )),
        }
        match s {
            Ok(s) => self.raw_subnets.extend(s),
            Err(e) => self.gaps.push(gap(self.account, self.region, "ec2:DescribeSubnets", e)),
        }
        match g {
            Ok(g) => self.groups.extend(g),
            Err(e) => self.gaps.push(gap(self.account, self.region, "ec2:DescribeSecurityGroups", e)),
        }
        match t {
            Ok(t) => self.tables.extend(t),
            Err(e) => {
                self.tables_ok = false;
                self.gaps.push(gap(self.account, self.region, "ec2:DescribeRouteTables", e))
            }
        }
        self.done.extend(batch);
    }

    /// Subnets a function names that no VPC read returned (a function without
    /// a `VpcId`) are looked up by ID once, and their VPCs read too.
    pub(crate) async fn finish(mut self, wanted_subnets: BTreeSet<String>) -> NetworkData {
        if !self.gaps.iter().any(|g| g.operation == "ec2:DescribeSubnets") {
            let have: BTreeSet<&str> = self.raw_subnets.iter().filter_map(|s| s.subnet_id()).collect();
            let missing: Vec<String> = wanted_subnets.iter().filter(|s| !have.contains(s.as_str())).cloned().collect();
            if !missing.is_empty() {
                match ec2::subnets(&self.c.ec2, "subnet-id", &missing, self.progress).await {
                    Ok(found) => {
                        let vpcs = found.iter().filter_map(|s| s.vpc_id()).map(str::to_string).collect();
                        self.read(vpcs).await;
                        // A VPC read that failed still leaves the subnets found by ID.
                        self.raw_subnets.extend(found);
                    }
                    Err(e) => self.gaps.push(gap(self.account, self.region, "ec2:DescribeSubnets", e)),
                }
            }
        }
        let mut subnets = ec2::build_subnets(&self.raw_subnets, self.tables_ok.then_some(self.tables.as_slice()));
        subnets.sort_by(|a, b| a.id.cmp(&b.id));
        subnets.dedup_by(|a, b| a.id == b.id);
        let mut vpcs = self.done;
        for s in &subnets {
            if let Some(Value::Id(v)) = &s.vpc {
                vpcs.insert(v.to_string());
            }
        }
        NetworkData {
            subnets,
            groups: self.groups,
            vpcs,
            other_enis: self.other_enis,
            gaps: self.gaps,
        }
    }
}
