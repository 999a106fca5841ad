use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::model::Egress;

pub static RULE: Rule = Rule {
    id: "ENI003",
    name: "subnet-drift",
    severity: Severity::Warning,
    summary: "The same security-group set is attached to different subnets in the same AZ of one VPC",
    check,
};

/// (account, VPC, SG set, AZ): combinations that differ only in subnet.
type Place<'a> = (&'a str, &'a Value, &'a [Value], &'a str);
/// The same, with numbers for the first three parts, and the scope an AZ
/// expression is evaluated in (empty for an AZ name).
type PlaceIds<'a> = (u32, u32, u32, &'a str, &'a str);

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    // Combinations by place, as numbers: sorting brings each group together
    // without a map entry per combination.
    let mut rows: Vec<(PlaceIds, usize)> = Vec::with_capacity(g.combos.len());
    rows.extend(g.combos.iter().enumerate().filter_map(|(i, c)| {
        let az = g.subnet(&c.key.subnet)?.az.as_deref()?;
        // `!Ref Az` in two templates may be two AZs: an expression is one AZ only within its scope.
        let name = az.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-');
        let scope = match &c.key.subnet {
            Value::Symbol(s) if !name => &*s.scope,
            _ => "",
        };
        Some(((c.ids.account, c.ids.vpc, c.ids.sgs, az, scope), i))
    }));
    rows.sort_unstable();
    // Place → subnet → combination, for places with more than one subnet.
    let mut groups: Vec<(Place, BTreeMap<&Value, usize>)> = rows
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|rows| rows.len() > 1)
        .map(|rows| {
            let c = &g.combos[rows[0].1];
            let key = (&*c.key.account, &c.vpc, &*c.key.sgs, rows[0].0 .3);
            (key, rows.iter().map(|&(_, i)| (&g.combos[i].key.subnet, i)).collect())
        })
        .collect();
    // Sorting by the values keeps the report stable.
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
        let known_egress = egress(into).filter(|&e| e != Egress::Unknown);
        for (from, _) in movers {
            // Only a move between subnets known to route the same way keeps behaviour.
            if known_egress.is_some() && egress(from) == known_egress {
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
