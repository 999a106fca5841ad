use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI302",
    name: "unresolved-value",
    severity: Severity::Note,
    summary: "A subnet or security-group value could not be resolved and is compared by identity",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut uses: BTreeMap<&Value, (Origin, BTreeSet<User>)> = BTreeMap::new();
    for u in g.users() {
        let cfg = g.config(u);
        for item in cfg.subnets.iter().chain(&cfg.security_groups) {
            if g.inv.unresolved.contains_key(&item.value) {
                uses.entry(&item.value)
                    .or_insert_with(|| (cfg.origin_of(item).clone(), BTreeSet::new()))
                    .1
                    .insert(u);
            }
        }
    }
    uses.into_iter()
        .map(|(value, (origin, users))| {
            let hint = &g.inv.unresolved[value];
            Finding::new(
                &RULE,
                origin,
                format!(
                    "`{value}` could not be resolved to an ID; eniplan counts it by identity, so functions that name the same expression share it ({} here)",
                    user_names(g, &users, 4)
                ),
                format!("to resolve it: {hint}"),
            )
            .users(g, users)
        })
        .collect()
}
