//! Before and after: combinations, ENIs, IPs and headroom per account, VPC and subnet.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::Thresholds;
use crate::graph::{Consolidation, EniGraph};
use crate::model::Value;

#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub combinations: usize,
    /// Observed ENIs that stay, plus one for each combination that has none.
    pub enis: usize,
    /// Assumed one per ENI.
    pub ips: usize,
    pub accounts: Vec<AccountSize>,
}

#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
pub struct AccountSize {
    pub account: String,
    pub combinations: usize,
    pub enis: usize,
    pub ips: usize,
}

#[derive(Debug, Serialize, Clone)]
pub struct VpcPlan {
    /// As the report names it: two VPCs written alike carry their file.
    pub vpc: String,
    pub quota: u32,
    pub before: VpcSize,
    pub after: VpcSize,
    pub subnets: Vec<SubnetPlan>,
}

#[derive(Debug, Serialize, Default, Clone, Copy)]
pub struct VpcSize {
    pub combinations: usize,
    pub enis: usize,
    pub ips: usize,
    /// More combinations the VPC takes before ENI101 warns; negative: it warns already.
    pub headroom_warning: i64,
    /// More combinations before ENI101 reports the quota reached; negative: over it.
    pub headroom_quota: i64,
}

#[derive(Debug, Serialize, Clone)]
pub struct SubnetPlan {
    pub subnet: Value,
    pub availability_zone: Option<String>,
    pub before: SubnetSize,
    pub after: SubnetSize,
}

#[derive(Debug, Serialize, Default, Clone, Copy)]
pub struct SubnetSize {
    pub combinations: usize,
    pub enis: usize,
    /// Free addresses once the ENIs still to be created take theirs and the released ones are back.
    pub free_ips: Option<i64>,
    /// More new combinations before ENI102 fires; negative: it fires already. Unknown without free IPs.
    pub headroom: Option<i64>,
}

/// One side of the plan.
pub struct Measure<'g> {
    pub totals: Totals,
    pub vpcs: BTreeMap<Value, VpcSize>,
    pub subnets: BTreeMap<(Value, Value), SubnetSize>,
    /// (account, group) pairs some combination uses.
    pub used_groups: BTreeSet<(&'g str, &'g Value)>,
    /// For each combination of the graph: whether this side still uses it.
    pub kept: Vec<bool>,
}

/// (account, VPC, subnet, groups) of a combination, and its index in the graph if it has one.
type Key<'g> = (&'g str, &'g Value, &'g Value, &'g [Value], Option<usize>);

/// Today's combinations: each of the graph's, which are distinct already.
pub fn before<'g>(g: &'g EniGraph, t: &Thresholds) -> Measure<'g> {
    let keys = g
        .combos
        .iter()
        .enumerate()
        .map(|(i, c)| (&*c.key.account, &c.vpc, &c.key.subnet, &c.key.sgs[..], Some(i)));
    measure(g, t, keys.collect())
}

/// The combinations the merges leave: where they take each of the graph's.
pub fn after<'g>(g: &'g EniGraph, t: &Thresholds, planned: &Consolidation<'g>) -> Measure<'g> {
    let keys: ahash::AHashSet<(&str, &Value, &Value, &[Value])> = g
        .combos
        .iter()
        .map(|c| {
            let (subnet, sgs) = planned.target(c);
            (&*c.key.account, &c.vpc, subnet, sgs)
        })
        .collect();
    let keys = keys
        .into_iter()
        .map(|(account, vpc, subnet, sgs)| (account, vpc, subnet, sgs, g.find_parts(account, subnet, sgs)));
    measure(g, t, keys.collect())
}

/// Sizes the distinct combinations `keys`.
fn measure<'g>(g: &'g EniGraph, t: &Thresholds, keys: Vec<Key<'g>>) -> Measure<'g> {
    // Counted under borrowed keys; the few rows are made into owned, sorted ones at the end.
    let mut subnets: ahash::AHashMap<(&Value, &Value), SubnetSize> = ahash::AHashMap::new();
    let mut vpcs: ahash::AHashMap<&Value, VpcSize> = ahash::AHashMap::new();
    let mut accounts: BTreeMap<&str, AccountSize> = BTreeMap::new();
    let mut groups: ahash::AHashSet<(&str, &Value)> = ahash::AHashSet::new();
    // Per subnet: ENIs still to be created, and observed ENIs no key keeps.
    let mut added: ahash::AHashMap<(&Value, &Value), i64> = ahash::AHashMap::new();
    let mut kept = vec![false; g.combos.len()];
    for &(account, vpc, subnet, sgs, existing) in &keys {
        if let Some(i) = existing {
            kept[i] = true;
        }
        let observed = existing.map_or(0, |i| g.combos[i].observed.len());
        let enis = observed.max(1);
        let unresolved = std::iter::once(subnet).chain(sgs).any(|v| g.inv.unresolved.contains_key(v));
        *added.entry((vpc, subnet)).or_default() += i64::from(observed == 0 && !unresolved);
        let s = subnets.entry((vpc, subnet)).or_default();
        s.combinations += 1;
        s.enis += enis;
        let v = vpcs.entry(vpc).or_default();
        v.combinations += 1;
        v.enis += enis;
        let a = accounts.entry(account).or_insert_with(|| AccountSize {
            account: account.to_string(),
            ..Default::default()
        });
        a.combinations += 1;
        a.enis += enis;
        groups.extend(sgs.iter().map(|sg| (account, sg)));
    }
    // Observed ENIs of combinations no longer used return their addresses once Lambda deletes them.
    let mut released: ahash::AHashMap<(&Value, &Value), i64> = ahash::AHashMap::new();
    for (c, _) in g.combos.iter().zip(&kept).filter(|(_, k)| !**k) {
        *released.entry((&c.vpc, &c.key.subnet)).or_default() += c.observed.len() as i64;
    }
    // Every subnet and VPC used on either side gets a row, even when nothing lands there.
    for c in &g.combos {
        subnets.entry((&c.vpc, &c.key.subnet)).or_default();
        vpcs.entry(&c.vpc).or_default();
    }
    // ENIs that match no combination stay as they are on both sides.
    let orphans: Vec<(Value, &Value, &str)> = g
        .orphans
        .iter()
        .map(|&i| {
            let eni = &g.inv.enis[i];
            (g.vpc_of_eni(eni), &eni.subnet, &*eni.account)
        })
        .collect();
    for (vpc, subnet, account) in &orphans {
        subnets.entry((vpc, subnet)).or_default().enis += 1;
        vpcs.entry(vpc).or_default().enis += 1;
        if let Some(a) = accounts.get_mut(account) {
            a.enis += 1;
        }
    }
    for (vpc, v) in &mut vpcs {
        v.ips = v.enis;
        let quota = g.vpcs.get(*vpc).map_or(crate::model::DEFAULT_ENI_QUOTA, |s| s.quota).max(1) as i64;
        let warn_at = (t.quota_warning * quota as f64 - 1e-9).ceil() as i64;
        v.headroom_warning = warn_at - 1 - v.enis as i64;
        v.headroom_quota = quota - 1 - v.enis as i64;
    }
    for (place, s) in &mut subnets {
        let Some(known) = g.subnet(place.1) else { continue };
        let Some(free) = known.available_ips else { continue };
        let left = free as i64 + released.get(place).copied().unwrap_or(0) - added.get(place).copied().unwrap_or(0);
        s.free_ips = Some(left);
        let by_count = left - t.subnet_min_free_ips as i64;
        let by_share = known
            .size()
            .map(|n| (left as f64 - n as f64 * t.subnet_min_free_percent / 100.0).floor() as i64);
        s.headroom = Some(by_share.map_or(by_count, |p| p.min(by_count)));
    }
    let vpcs: BTreeMap<Value, VpcSize> = vpcs.into_iter().map(|(v, s)| (v.clone(), s)).collect();
    let enis = vpcs.values().map(|v| v.enis).sum();
    Measure {
        totals: Totals {
            combinations: keys.len(),
            enis,
            ips: enis,
            accounts: accounts
                .into_values()
                .map(|mut a| {
                    a.ips = a.enis;
                    a
                })
                .collect(),
        },
        vpcs,
        subnets: subnets.into_iter().map(|((v, s), size)| ((v.clone(), s.clone()), size)).collect(),
        used_groups: groups.into_iter().collect(),
        kept,
    }
}

/// The per-VPC rows, with each subnet either side uses.
pub fn vpcs(g: &EniGraph, before: &Measure, after: &Measure) -> Vec<VpcPlan> {
    let names = g.vpc_names();
    let mut out = Vec::new();
    for (vpc, b) in &before.vpcs {
        let a = after.vpcs.get(vpc).copied().unwrap_or_default();
        let subnets: BTreeSet<&Value> = before
            .subnets
            .keys()
            .chain(after.subnets.keys())
            .filter(|(v, _)| v == vpc)
            .map(|(_, s)| s)
            .collect();
        out.push(VpcPlan {
            vpc: names.get(vpc).cloned().unwrap_or_else(|| vpc.to_string()),
            quota: g.vpcs.get(vpc).map_or(crate::model::DEFAULT_ENI_QUOTA, |s| s.quota),
            before: *b,
            after: a,
            subnets: subnets
                .into_iter()
                .map(|s| {
                    let place = (vpc.clone(), s.clone());
                    SubnetPlan {
                        subnet: s.clone(),
                        availability_zone: g.subnet(s).and_then(|x| x.az.clone()),
                        before: before.subnets.get(&place).copied().unwrap_or_default(),
                        after: after.subnets.get(&place).copied().unwrap_or_default(),
                    }
                })
                .collect(),
        });
    }
    out
}
