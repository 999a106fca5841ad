use std::collections::BTreeMap;

use super::*;
use crate::graph::Combo;

pub static RULE: Rule = Rule {
    id: "ENI005",
    name: "new-combination",
    severity: Severity::Warning,
    summary: "The deploy creates an ENI combination the account does not have yet",
    check,
};

/// Fires only with `check --against` / `--live`, where the account is known.
fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    if g.inv.deploy_start.is_none() {
        return vec![];
    }
    let existing = |c: &Combo| c.users.iter().any(|u| !g.inv.is_deploy(u.function)) || !c.observed.is_empty();
    let mut by_function: BTreeMap<usize, Vec<&Combo>> = BTreeMap::new();
    // A combination with an unresolved value may be one the account has: say nothing (ENI302 does).
    for c in g.combos.iter().filter(|c| !existing(c) && !unresolved(g, &c.key)) {
        for u in c.users.iter().filter(|u| g.inv.is_deploy(u.function)) {
            by_function.entry(u.function).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (fi, combos) in by_function {
        let users: Vec<User> = combos
            .iter()
            .flat_map(|c| c.users.iter().copied())
            .filter(|u| u.function == fi)
            .collect();
        let u = users[0];
        let nearest = nearest(g, combos[0], &existing);
        let reuse = match nearest {
            Some(c) => format!(
                "the nearest existing combination is {} (used by {}); reusing its security groups avoids the new ENI",
                c.key,
                user_names(g, &c.users, 3)
            ),
            None => {
                "no existing combination shares its subnet; attach it to subnets and groups that other functions already use".to_string()
            }
        };
        let n = combos.len();
        out.push(
            Finding::new(
                &RULE,
                sg_origin(g, u, combos[0].key.sgs.first()),
                format!(
                    "{} needs {n} combination{} the account does not have ({}): creating or updating it leaves the function Pending for up to several minutes while Lambda creates the ENI, and each costs an IP address and a slot in the VPC's ENI quota; {reuse}",
                    g.user_name(u),
                    if n == 1 { "" } else { "s" },
                    combos.iter().map(|c| c.key.to_string()).collect::<Vec<_>>().join("; ")
                ),
                match nearest {
                    Some(c) => format!("use {} for this function if its rules allow it", set(&c.key.sgs)),
                    None => "reuse a subnet and security-group set already in the account".to_string(),
                },
            )
            .cost(n)
            .users(g, users)
            .combinations(combos.iter().map(|c| &c.key)),
        );
    }
    out
}

/// The existing combination most like `c`: same subnet first, then the most shared groups.
fn nearest<'a>(g: &'a crate::graph::EniGraph, c: &Combo, existing: &dyn Fn(&Combo) -> bool) -> Option<&'a Combo> {
    g.combos
        .iter()
        .filter(|o| existing(o) && o.vpc == c.vpc && o.key.account == c.key.account)
        .max_by_key(|o| {
            let shared = o.key.sgs.iter().filter(|s| c.key.sgs.contains(s)).count();
            (
                o.key.subnet == c.key.subnet,
                shared,
                std::cmp::Reverse(o.key.sgs.len()),
                o.users.len(),
            )
        })
}
