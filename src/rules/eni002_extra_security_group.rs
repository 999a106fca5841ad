use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI002",
    name: "extra-security-group",
    severity: Severity::Note,
    summary: "A function's security-group set is a strict superset of another set used in the same subnets",
    check,
};

/// Sets larger than this are not searched for subsets (the API allows 5).
const MAX_SET: usize = 8;

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    // (superset, subset) → combinations of the superset that sit beside the subset.
    let mut pairs: BTreeMap<(&[Value], Vec<Value>), Vec<usize>> = BTreeMap::new();
    for (i, c) in g.combos.iter().enumerate() {
        let n = c.key.sgs.len();
        if !(2..=MAX_SET).contains(&n) {
            continue;
        }
        // The largest proper subset present in the same subnet is the nearest
        // one; ties go to the smallest set. One buffer serves every subset.
        let mut sub: Vec<Value> = Vec::with_capacity(n);
        let mut best: Option<Vec<Value>> = None;
        for mask in 1..(1u32 << n) - 1 {
            sub.clear();
            sub.extend(
                c.key
                    .sgs
                    .iter()
                    .enumerate()
                    .filter(|(b, _)| mask & (1 << b) != 0)
                    .map(|(_, v)| v.clone()),
            );
            if g.find_beside(c, &sub).is_none() {
                continue;
            }
            let better = match &best {
                None => true,
                Some(b) => sub.len() > b.len() || (sub.len() == b.len() && sub < *b),
            };
            if better {
                best = Some(sub.clone());
            }
        }
        if let Some(sub) = best {
            pairs.entry((&c.key.sgs, sub)).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for ((sup, sub), combos) in pairs {
        let users: BTreeSet<User> = combos.iter().flat_map(|&i| g.combos[i].users.iter().copied()).collect();
        let extra: Vec<Value> = sup.iter().filter(|v| !sub.contains(v)).cloned().collect();
        let others: BTreeSet<User> = combos
            .iter()
            .filter_map(|&i| g.find_beside(&g.combos[i], &sub).map(|j| &g.combos[j]))
            .flat_map(|c| c.users.iter().copied())
            .collect();
        let first = *users.iter().next().unwrap();
        let n = combos.len();
        let mut f = Finding::new(
            &RULE,
            sg_origin(g, first, extra.first()),
            format!(
                "{} use{} {}, which adds {} to the set {} that {} use{} in the same subnets; the extra group costs {}{}",
                user_names(g, &users, 3),
                if users.len() == 1 { "s" } else { "" },
                set(sup),
                set(&extra),
                set(&sub),
                user_names(g, &others, 3),
                if others.len() == 1 { "s" } else { "" },
                at_least(g, combos.iter().map(|&i| &g.combos[i].key.subnet)),
                enis(n),
            ),
            format!(
                "if {} is only needed for extra rules, add those rules to a group already in {} (or drop it) so these functions share its ENIs",
                set(&extra),
                set(&sub)
            ),
        )
        .cost(n)
        .users(g, users)
        .combinations(combos.iter().map(|&i| &g.combos[i].key));
        let vpcs: BTreeSet<&Value> = combos.iter().map(|&i| &g.combos[i].vpc).collect();
        f.review = vpcs
            .into_iter()
            .map(|vpc| Merge::SecurityGroups {
                vpc: vpc.clone(),
                from: sup.to_vec(),
                into: sub.clone(),
            })
            .collect();
        out.push(f);
    }
    out
}
