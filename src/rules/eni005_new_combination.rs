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
    let mut out = Vec::new();
    for (fi, combos) in new_combinations(g) {
        let users = users_of(&combos, fi);
        let nearest = nearest(g, combos[0]);
        let n = combos.len();
        out.push(
            Finding::new(
                &RULE,
                sg_origin(g, users[0], combos[0].key.sgs.first()),
                format!(
                    "{} needs {n} combination{} the account does not have ({}): creating or updating it leaves the function Pending for up to several minutes while Lambda creates the ENI, and each costs an IP address and a slot in the VPC's ENI quota; {}",
                    g.user_name(users[0]),
                    if n == 1 { "" } else { "s" },
                    keys(&combos),
                    reuse(g, nearest)
                ),
                reuse_fix(nearest),
            )
            .cost(n)
            .users(g, users)
            .combinations(combos.iter().map(|c| &c.key)),
        );
    }
    out
}

/// For each of the deploy's functions, the combinations it needs that the
/// account does not have: no account function or observed ENI uses them.
/// Empty without an account to compare with. A combination with an unresolved
/// value may be one the account has: it is left out (ENI302 says so). So is a
/// combination of a function whose account is unknown when the inventory
/// holds several accounts: it may be in any of them (`--deploy-account` says which).
pub(super) fn new_combinations<'g>(g: &'g crate::graph::EniGraph) -> BTreeMap<usize, Vec<&'g Combo>> {
    let mut by_function: BTreeMap<usize, Vec<&Combo>> = BTreeMap::new();
    let Some(start) = g.inv.deploy_start else {
        return by_function;
    };
    let several = g.inv.accounts(start).len() > 1;
    let placed = |c: &&Combo| !(several && c.key.account.is_empty());
    for c in g.combos.iter().filter(|c| !existing(g, c) && !unresolved(g, &c.key)).filter(placed) {
        for u in c.users.iter().filter(|u| g.inv.is_deploy(u.function)) {
            by_function.entry(u.function).or_default().push(c);
        }
    }
    by_function
}

/// The versions of `function` that use `combos`.
pub(super) fn users_of(combos: &[&Combo], function: usize) -> Vec<User> {
    combos
        .iter()
        .flat_map(|c| c.users.iter().copied())
        .filter(|u| u.function == function)
        .collect()
}

/// `key; key`, for messages.
pub(super) fn keys(combos: &[&Combo]) -> String {
    combos.iter().map(|c| c.key.to_string()).collect::<Vec<_>>().join("; ")
}

/// True when the account already has `c`: a function outside the deploy uses it, or its ENI exists.
fn existing(g: &crate::graph::EniGraph, c: &Combo) -> bool {
    c.users.iter().any(|u| !g.inv.is_deploy(u.function)) || !c.observed.is_empty()
}

/// The existing combination most like `c`: same subnet first, then the most shared groups.
pub(super) fn nearest<'a>(g: &'a crate::graph::EniGraph, c: &Combo) -> Option<&'a Combo> {
    g.combos
        .iter()
        .filter(|o| existing(g, o) && o.vpc == c.vpc && o.key.account == c.key.account)
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

/// The message's advice: the nearest existing combination, or that none shares the subnet.
pub(super) fn reuse(g: &crate::graph::EniGraph, nearest: Option<&Combo>) -> String {
    match nearest {
        Some(c) => format!(
            "the nearest existing combination is {} (used by {}); reusing its security groups avoids the new ENI",
            c.key,
            user_names(g, &c.users, 3)
        ),
        None => {
            "no existing combination shares its subnet; attach it to subnets and groups that other functions already use".to_string()
        }
    }
}

/// The fix: the nearest combination's groups, or any set the account already has.
pub(super) fn reuse_fix(nearest: Option<&Combo>) -> String {
    match nearest {
        Some(c) => format!("use {} for this function if its rules allow it", set(&c.key.sgs)),
        None => "reuse a subnet and security-group set already in the account".to_string(),
    }
}
