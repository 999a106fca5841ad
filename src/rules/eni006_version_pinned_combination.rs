use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI006",
    name: "version-pinned-combination",
    severity: Severity::Warning,
    summary: "Published versions keep a combination (and its ENI) alive that no $LATEST uses",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    // The functions whose published versions pin a combination → those combinations.
    let mut pinned: BTreeMap<BTreeSet<usize>, Vec<usize>> = BTreeMap::new();
    for (i, c) in g.combos.iter().enumerate() {
        if c.users.is_empty() || c.users.iter().any(|u| g.version(*u).is_latest()) {
            continue;
        }
        pinned.entry(c.users.iter().map(|u| u.function).collect()).or_default().push(i);
    }
    let mut out = Vec::new();
    for combos in pinned.into_values() {
        let users: BTreeSet<User> = combos.iter().flat_map(|&i| g.combos[i].users.iter().copied()).collect();
        let versions: Vec<String> = users.iter().map(|u| g.user_name(*u)).collect();
        let aliases: Vec<String> = users
            .iter()
            .flat_map(|u| g.version(*u).aliases.iter().map(move |a| format!("{}:{a}", g.function(*u).name)))
            .collect();
        let alias_text = if aliases.is_empty() {
            "no alias points to them".to_string()
        } else {
            format!(
                "alias{} {} still point{} to them",
                if aliases.len() == 1 { "" } else { "es" },
                aliases.join(", "),
                if aliases.len() == 1 { "s" } else { "" }
            )
        };
        let n = combos.len();
        let keys: Vec<String> = combos.iter().map(|&i| g.combos[i].key.to_string()).collect();
        let first = *users.iter().next().unwrap();
        let move_aliases = if aliases.is_empty() {
            String::new()
        } else {
            format!("point {} at a version with the current VpcConfig, then ", aliases.join(", "))
        };
        let f = Finding::new(
            &RULE,
            g.config(first).origin.clone(),
            format!(
                "published version{} {} keep{} {n} combination{} alive that no $LATEST uses ({}); {alias_text}. Each costs {} until the versions are deleted",
                if users.len() == 1 { "" } else { "s" },
                names(&versions, 6),
                if users.len() == 1 { "s" } else { "" },
                if n == 1 { "" } else { "s" },
                names(&keys, 3),
                enis(1),
            ),
            format!(
                "{move_aliases}delete {} once nothing invokes them (`{}`); Lambda then removes the ENIs within about 20 minutes",
                names(&versions, 6),
                users
                    .iter()
                    .take(3)
                    .map(|u| format!("aws lambda delete-function --function-name {} --qualifier {}", g.function(*u).name, g.version(*u).version))
                    .collect::<Vec<_>>()
                    .join("`, `")
            ),
        )
        .cost(n)
        .users(g, users)
        .combinations(keys);
        out.push(f);
    }
    out
}
