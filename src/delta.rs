//! `check --against`: the deploy projected onto the account. The account's
//! inventory (a snapshot or a live read) plus the deploy's functions, with
//! same-named account functions replaced, so rules see the state after apply.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::graph::{EniGraph, Quotas};
use crate::model::{Function, FunctionRemoval, Inventory, Removals};

/// Puts the deploy's functions and capacity providers whose source names no
/// account or region into the ones given (`check --deploy-account`, `--deploy-region`).
pub fn place(deploy: &mut Inventory, account: Option<&str>, region: Option<&str>) {
    for f in &mut deploy.functions {
        if let Some(a) = account.filter(|_| f.account.is_empty()) {
            f.account = a.into();
        }
        if let Some(r) = region.filter(|_| f.region.is_empty()) {
            f.region = r.into();
        }
    }
    for p in &mut deploy.capacity_providers {
        if let Some(a) = account.filter(|_| p.account.is_empty()) {
            p.account = a.to_string();
        }
        if let Some(r) = region.filter(|_| p.region.is_empty()) {
            p.region = r.to_string();
        }
    }
}

/// Merges the deploy into the account. Deploy functions with no account or
/// region take the account's when it has exactly one of each.
pub fn merge(mut account: Inventory, deploy: Inventory) -> Inventory {
    let accounts: BTreeSet<(String, String)> = account
        .functions
        .iter()
        .map(|f| (f.account.to_string(), f.region.to_string()))
        .collect();
    let target = (accounts.len() == 1).then(|| accounts.into_iter().next().unwrap());
    let names: BTreeSet<&str> = deploy.functions.iter().map(|f| &*f.name).collect();
    // A deployed function replaces its `$LATEST`; published versions stay.
    for f in account.functions.iter_mut().filter(|f| names.contains(&*f.name)) {
        f.versions.retain(|v| !v.is_latest());
    }
    remove_what_the_change_removes(&mut account, &deploy.removals);
    account.functions.retain(|f| !f.versions.is_empty());
    account.deploy_start = Some(account.functions.len());
    for mut f in deploy.functions {
        if let Some((a, r)) = &target {
            if f.account.is_empty() {
                f.account = a.as_str().into();
            }
            if f.region.is_empty() {
                f.region = r.as_str().into();
            }
        }
        account.functions.push(f);
    }
    for (k, v) in deploy.subnets {
        account.subnets.entry(k).or_insert(v);
    }
    for (k, v) in deploy.security_groups {
        account.security_groups.entry(k).or_insert(v);
    }
    for (k, v) in deploy.vpcs {
        account.vpcs.entry(k).or_insert(v);
    }
    // A deployed capacity provider replaces the account's of the same name.
    let providers: BTreeSet<&str> = deploy.capacity_providers.iter().map(|p| p.name.as_str()).collect();
    account.capacity_providers.retain(|p| !providers.contains(p.name.as_str()));
    account.capacity_providers.extend(deploy.capacity_providers);
    account.unresolved.extend(deploy.unresolved);
    account.lists.extend(deploy.lists);
    account.sg_references.extend(deploy.sg_references);
    account.removals = deploy.removals;
    account
}

/// The account's functions as the change leaves them: a deleted function goes
/// with every published version (Lambda's DeleteFunction without a
/// qualifier); one the change detaches or moves loses its `$LATEST`, which the
/// deploy holds, and keeps its published versions, which keep their VpcConfig.
fn remove_what_the_change_removes(account: &mut Inventory, removals: &Removals) {
    for r in &removals.functions {
        let b = &r.before;
        let same = |f: &Function| {
            f.name == b.name && (b.account.is_empty() || f.account == b.account) && (b.region.is_empty() || f.region == b.region)
        };
        for f in account.functions.iter_mut().filter(|f| same(f)) {
            match r.how {
                FunctionRemoval::Deleted => f.versions.clear(),
                FunctionRemoval::Detached | FunctionRemoval::Moved => f.versions.retain(|v| !v.is_latest()),
            }
        }
    }
}

#[derive(Debug, Serialize, Default)]
pub struct Delta {
    /// Combinations the deploy creates.
    pub new_combinations: Vec<String>,
    /// Combinations only replaced functions used: their ENIs go away.
    pub freed_combinations: Vec<String>,
    pub vpcs: Vec<VpcDelta>,
    pub subnets: Vec<SubnetDelta>,
}

#[derive(Debug, Serialize)]
pub struct VpcDelta {
    pub vpc: String,
    pub enis_before: usize,
    pub enis_after: usize,
    pub quota: u32,
}

#[derive(Debug, Serialize)]
pub struct SubnetDelta {
    pub subnet: String,
    pub free_ips_before: u64,
    /// Assuming one IP per new ENI; freed ENIs are not counted back (Lambda takes up to 20 minutes to delete them).
    pub free_ips_after: i64,
}

/// Compares the account alone with the merged projection.
pub fn compare(before: &Inventory, after: &EniGraph, quotas: &Quotas) -> Delta {
    let before_graph = EniGraph::build(before, quotas);
    let new: Vec<_> = after.combos.iter().filter(|c| before_graph.find(&c.key).is_none()).collect();
    let freed = before_graph
        .combos
        .iter()
        .filter(|c| after.find(&c.key).is_none())
        .map(|c| c.key.to_string())
        .collect();
    let vpcs = after
        .vpcs
        .values()
        .map(|s| VpcDelta {
            vpc: s.vpc.to_string(),
            enis_before: before_graph.vpcs.get(&s.vpc).map_or(0, |b| b.enis()),
            enis_after: s.enis(),
            quota: s.quota,
        })
        .collect();
    let mut subnets = Vec::new();
    for (id, s) in &after.inv.subnets {
        let Some(free) = s.available_ips else { continue };
        let added = new.iter().filter(|c| &c.key.subnet == id).count();
        subnets.push(SubnetDelta {
            subnet: id.to_string(),
            free_ips_before: free,
            free_ips_after: free as i64 - added as i64,
        });
    }
    Delta {
        new_combinations: new.iter().map(|c| c.key.to_string()).collect(),
        freed_combinations: freed,
        vpcs,
        subnets,
    }
}
