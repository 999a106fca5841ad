use std::collections::BTreeSet;

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI004",
    name: "per-function-security-group",
    severity: Severity::Warning,
    summary: "Most VPC functions in a VPC each have a security-group set no other function uses",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let t = cx.thresholds;
    // Per VPC: $LATEST of each function. A million versions share a few
    // thousand sets, so what depends only on a set is worked out once per set
    // number, and the rest is counted by number too.
    let mut slots: ahash::AHashMap<Value, usize> = ahash::AHashMap::new();
    let mut vpcs: Vec<(Value, Vec<User>)> = Vec::new();
    // Subnet set → the slot of the VPC its first subnet is known to be in.
    let mut by_subnets: Vec<Option<Option<usize>>> = vec![None; g.set_count()];
    let mut slot = |vpc: Value, vpcs: &mut Vec<(Value, Vec<User>)>| {
        *slots.entry(vpc).or_insert_with_key(|vpc| {
            vpcs.push((vpc.clone(), Vec::new()));
            vpcs.len() - 1
        })
    };
    for u in g.users().filter(|u| g.version(*u).is_latest()) {
        let known = by_subnets[g.set_ids(u).subnets as usize].get_or_insert_with(|| {
            let vpc = g.subnets(u).first().and_then(|s| g.subnet(s)?.vpc.clone());
            vpc.map(|v| slot(v, &mut vpcs))
        });
        let i = match *known {
            Some(i) => i,
            None => slot(g.vpc_of_user(u), &mut vpcs),
        };
        vpcs[i].1.push(u);
    }
    vpcs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // A set with an unresolved group may be another function's set under another name.
    let mut open: Vec<Option<bool>> = vec![None; g.set_count()];
    let mut open = |u: User| {
        let sgs = g.sgs(u);
        *open[g.set_ids(u).sgs as usize].get_or_insert_with(|| sgs.is_empty() || sgs.iter().any(|v| g.inv.unresolved.contains_key(v)))
    };
    let mut out = Vec::new();
    for (vpc, users) in vpcs {
        if users.len() < t.per_function_sg_min_functions {
            continue;
        }
        // SG set → (a function using it, whether another function does too).
        let mut by_set: ahash::AHashMap<u32, (usize, bool)> = ahash::AHashMap::new();
        for u in &users {
            let e = by_set.entry(g.set_ids(*u).sgs).or_insert((u.function, false));
            e.1 |= e.0 != u.function;
        }
        let lonely: Vec<User> = users
            .iter()
            .copied()
            .filter(|u| !by_set[&g.set_ids(*u).sgs].1 && !open(*u))
            .collect();
        let share = lonely.len() as f64 / users.len() as f64;
        if share < t.per_function_sg_share {
            continue;
        }
        let now: usize = lonely.iter().map(|u| g.subnets(*u).len()).sum();
        let subnets: BTreeSet<&Value> = lonely.iter().flat_map(|u| g.subnets(*u)).collect();
        let saved = now.saturating_sub(subnets.len());
        let open = at_least(g, subnets.iter().copied());
        let f = Finding::new(
            &RULE,
            sg_origin(g, lonely[0], None),
            format!(
                "{} of {} VPC functions in {vpc} ({:.0}%) {} a security-group set no other function uses, so they need {open}{}; one shared group would need {open}{} ({open}{saved} fewer: {})",
                lonely.len(),
                users.len(),
                share * 100.0,
                if lonely.len() == 1 { "uses" } else { "each use" },
                crate::plural::count(now, "combination"),
                subnets.len(),
                enis(saved)
            ),
            "create one security group for these functions and pass it to each of them (CDK: `securityGroups: [shared]`; otherwise CDK creates one group per function); keep per-function groups only where rules truly differ".to_string(),
        )
        .cost(saved)
        .users(g, lonely);
        out.push(f);
    }
    out
}
