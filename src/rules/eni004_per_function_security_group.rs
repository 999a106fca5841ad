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
    // Per VPC: $LATEST of each function, and which functions use each SG set.
    let mut vpcs: ahash::AHashMap<Value, Vec<User>> = ahash::AHashMap::new();
    for u in g.users().filter(|u| g.version(*u).is_latest()) {
        vpcs.entry(g.vpc_of_user(u)).or_default().push(u);
    }
    let mut vpcs: Vec<(Value, Vec<User>)> = vpcs.into_iter().collect();
    vpcs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (vpc, users) in vpcs {
        if users.len() < t.per_function_sg_min_functions {
            continue;
        }
        // SG set → (a function using it, whether another function does too).
        let mut by_set: ahash::AHashMap<&[Value], (usize, bool)> = ahash::AHashMap::new();
        for u in &users {
            let e = by_set.entry(g.sgs(*u)).or_insert((u.function, false));
            e.1 |= e.0 != u.function;
        }
        // A set with an unresolved group may be another function's set under another name.
        let open = |u: &User| g.sgs(*u).iter().any(|v| g.inv.unresolved.contains_key(v));
        let lonely: Vec<User> = users
            .iter()
            .copied()
            .filter(|u| !by_set[g.sgs(*u)].1 && !g.sgs(*u).is_empty() && !open(u))
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
