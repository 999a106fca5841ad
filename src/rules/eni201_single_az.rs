use super::*;

pub static RULE: Rule = Rule {
    id: "ENI201",
    name: "single-az",
    severity: Severity::Warning,
    summary: "All of a function's or capacity provider's subnets are in one Availability Zone",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let min = cx.thresholds.min_availability_zones;
    let mut out = Vec::new();
    // One buffer for every version: most pass, and need no allocation.
    let mut known: Vec<&str> = Vec::new();
    // Judged once per subnet set: an organisation has a million versions and a few thousand sets.
    let mut judged: Vec<Option<Option<(String, usize)>>> = vec![None; g.set_count()];
    serving_groups(g, |group| {
        let u = group[0];
        let subnets = g.subnets(u);
        let verdict = judged[g.set_ids(u).subnets as usize].get_or_insert_with(|| too_few_azs(g, subnets, min, &mut known));
        let Some((where_, most)) = verdict.clone() else {
            return;
        };
        let outage = outage(most, min, group.len());
        // Both AWS checks want two AZs unless told otherwise.
        let checks = if min == 2 {
            " (Security Hub Lambda.5 and AWS Config lambda-vpc-multi-az-check expect at least 2 AZs)"
        } else {
            ""
        };
        out.push(
            Finding::new(
                &RULE,
                subnet_origin(g, u, &subnets[0]),
                format!(
                    "{} run{} in {where_} only; {outage}{checks}",
                    user_names(g, group, 5),
                    if group.len() == 1 { "s" } else { "" },
                ),
                "add a subnet in another AZ, ideally one the function's security-group set already uses, so no new combination is needed".to_string(),
            )
            .users(g, group.iter().copied()),
        );
    });
    // A capacity provider launches its instances only in its own subnets.
    for p in &g.providers.list {
        let Some((where_, most)) = too_few_azs(g, &p.subnets, min, &mut known) else {
            continue;
        };
        let outage = outage(most, min, 2);
        out.push(
            Finding::new(
                &RULE,
                p.subnet_origin(g, &p.subnets[0]),
                format!("{} launches its instances in {where_} only; {outage}", p.label(g)),
                "add a subnet in another AZ to the capacity provider's VpcConfig".to_string(),
            )
            .provider(g, p),
        );
    }
    out
}

/// Where the subnets are, and in at most how many AZs, when that is fewer
/// than `min`; `None` when they may span enough.
fn too_few_azs<'a>(g: &'a EniGraph, subnets: &[Value], min: usize, known: &mut Vec<&'a str>) -> Option<(String, usize)> {
    // A list of unknown length may hold subnets in any number of AZs.
    if subnets.is_empty() || subnets.iter().any(|s| g.inv.is_list(s)) {
        return None;
    }
    known.clear();
    let mut unknown = 0;
    for s in subnets {
        match g.subnet(s).and_then(|s| s.az.as_deref()) {
            Some(az) => known.push(az),
            None => unknown += 1,
        }
    }
    known.sort_unstable();
    known.dedup();
    // The most AZs the subnets can span: a subnet whose AZ is unknown may
    // be in an AZ of its own.
    let most = known.len() + unknown;
    if most >= min {
        return None;
    }
    let where_ = match (unknown, subnets.len()) {
        (0, _) => format!("{} ({})", known.join(", "), set(subnets)),
        (_, 1) => format!("one subnet ({})", subnets[0]),
        _ => format!("at most {most} AZs ({})", set(subnets)),
    };
    Some((where_, most))
}

/// What an AZ outage does to subnets in at most `most` AZs; `users` picks "it" or "them".
fn outage(most: usize, min: usize, users: usize) -> String {
    if most == 1 {
        format!("an AZ outage stops {}", if users == 1 { "it" } else { "them" })
    } else {
        format!("fewer than the {min} AZs set in min_availability_zones")
    }
}
