use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI003",
    name: "subnet-drift",
    severity: Severity::Warning,
    summary: "The same security-group set is attached to different subnets in the same AZ of one VPC",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    // (account, vpc, SG set, AZ) → subnet → combination.
    let mut groups: ahash::AHashMap<(&str, &Value, &[Value], &str), BTreeMap<&Value, usize>> = ahash::AHashMap::new();
    for (i, c) in g.combos.iter().enumerate() {
        let Some(az) = g.subnet(&c.key.subnet).and_then(|s| s.az.as_deref()) else {
            continue;
        };
        groups
            .entry((&c.key.account, &c.vpc, &c.key.sgs, az))
            .or_default()
            .insert(&c.key.subnet, i);
    }
    // Hash maps are fast; sorting keeps the report stable.
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, s)| s.len() > 1).collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for ((_, vpc, sgs, az), subnets) in groups {
        let into = *subnets
            .iter()
            .max_by_key(|(s, &i)| (g.combos[i].users.len(), std::cmp::Reverse(**s)))
            .unwrap()
            .0;
        let egress = |s: &Value| g.subnet(s).map(|s| s.egress);
        let users: BTreeSet<User> = subnets.values().flat_map(|&i| g.combos[i].users.iter().copied()).collect();
        let movers: Vec<(&Value, usize)> = subnets.iter().filter(|(s, _)| **s != into).map(|(s, &i)| (*s, i)).collect();
        let moved: BTreeSet<User> = movers.iter().flat_map(|(_, i)| g.combos[*i].users.iter().copied()).collect();
        let first = *moved.iter().next().unwrap();
        let n = movers.len();
        let list: Vec<String> = subnets.keys().map(|s| s.to_string()).collect();
        let mut f = Finding::new(
            &RULE,
            subnet_origin(g, first, movers[0].0),
            format!(
                "security-group set {} is attached to {} subnets in {az} of {vpc} ({}); each subnet is its own combination, costing {} more than one subnet per AZ",
                set(sgs),
                subnets.len(),
                list.join(", "),
                enis(n)
            ),
            format!("use {into} in {az} for {}", user_names(g, &moved, 5)),
        )
        .cost(n)
        .users(g, users)
        .combinations(subnets.values().map(|&i| &g.combos[i].key));
        for (from, _) in movers {
            // Only a move between subnets with the same routing keeps behaviour.
            if egress(from) == egress(into) {
                f.merges.push(Merge::Subnet {
                    vpc: vpc.clone(),
                    sgs: sgs.to_vec(),
                    from: from.clone(),
                    into: into.clone(),
                });
            }
        }
        out.push(f);
    }
    out
}
