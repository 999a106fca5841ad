use super::eni005_new_combination::{keys, nearest, new_combinations, reuse, reuse_fix, users_of};
use super::*;
use crate::graph::EniGraph;
use crate::model::{Function, Warm, WarmBy};

pub static RULE: Rule = Rule {
    id: "ENI007",
    name: "provisioned-concurrency-new-combination",
    severity: Severity::Warning,
    summary: "The deploy moves a function with provisioned concurrency or a warmer onto a combination the account does not have",
    check,
};

/// ENI005's new combinations, for the functions that keep environments warm.
fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for (fi, combos) in new_combinations(g) {
        let warm = warm_of(g, fi);
        let Some(first) = warm.first() else { continue };
        let users = users_of(&combos, fi);
        let nearest = nearest(g, combos[0]);
        let n = combos.len();
        let mut finding = Finding::new(
            &RULE,
            first.origin.clone(),
            format!(
                "{} keeps {} warm ({}) and the deploy moves it onto {n} combination{} the account does not have ({}): they wait for the new ENI{}, which Lambda can take several minutes to create; {}",
                g.user_name(users[0]),
                environments(warm.iter().copied()),
                warm.iter().map(|w| describe(w)).collect::<Vec<_>>().join("; "),
                if n == 1 { "" } else { "s" },
                keys(&combos),
                if n == 1 { "" } else { "s" },
                reuse(g, nearest)
            ),
            format!(
                "{}; if the function needs the new combination, create it first (deploy the network change, or another function on it, before publishing the version the alias points to) or shift traffic gradually (a CodeDeploy DeploymentPreference or weighted alias routing)",
                reuse_fix(nearest)
            ),
        )
        .cost(n)
        .users(g, users)
        .combinations(combos.iter().map(|c| &c.key));
        for w in &warm[1..] {
            finding = finding.related(w.origin.clone(), describe(w));
        }
        out.push(finding);
    }
    out
}

/// The function's warm environments: its own, else those the account's
/// same-named function has (a live read), which a deploy keeps.
fn warm_of<'g>(g: &'g EniGraph, function: usize) -> Vec<&'g Warm> {
    let f = &g.inv.functions[function];
    if !f.warm.is_empty() {
        return f.warm.iter().collect();
    }
    let same = |a: &Function| a.name == f.name && a.account == f.account && a.region == f.region;
    g.inv
        .functions
        .iter()
        .enumerate()
        .filter(|(i, a)| !g.inv.is_deploy(*i) && same(a))
        .flat_map(|(_, a)| a.warm.iter())
        .collect()
}

/// "5 environments", "an unresolved number of environments".
fn environments<'a>(warm: impl Iterator<Item = &'a Warm>) -> String {
    let mut total = 0u64;
    for w in warm {
        match w.environments {
            Some(n) => total += u64::from(n),
            None => return "an unresolved number of environments".into(),
        }
    }
    format!("{total} environment{}", if total == 1 { "" } else { "s" })
}

/// "provisioned concurrency on `live`: 5", "serverless-plugin-warmup warmer on `$LATEST`: 1".
fn describe(w: &Warm) -> String {
    let n = w.environments.map_or_else(|| "unresolved".to_string(), |n| n.to_string());
    match w.by {
        WarmBy::ProvisionedConcurrency => format!("provisioned concurrency on `{}`: {n}", w.qualifier),
        WarmBy::Warmer => format!("serverless-plugin-warmup warmer on `{}`: {n}", w.qualifier),
    }
}
