use super::*;

pub static RULE: Rule = Rule {
    id: "ENI201",
    name: "single-az",
    severity: Severity::Warning,
    summary: "All of a function's subnets are in one Availability Zone",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let min = cx.thresholds.min_availability_zones;
    let mut out = Vec::new();
    // One buffer for every version: most pass, and need no allocation.
    let mut known: Vec<&str> = Vec::new();
    serving_groups(g, |group| {
        let u = group[0];
        let subnets = g.subnets(u);
        if subnets.is_empty() {
            return;
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
        // With no AZ information, each subnet counts as its own AZ.
        let count = known.len() + unknown;
        if count >= min {
            return;
        }
        let where_ = if known.is_empty() {
            format!("one subnet ({})", subnets[0])
        } else {
            format!("{} ({})", known.join(", "), set(subnets))
        };
        out.push(
            Finding::new(
                &RULE,
                subnet_origin(g, u, &subnets[0]),
                format!(
                    "{} run{} in {where_} only; an AZ outage stops {} (Security Hub Lambda.5 and AWS Config lambda-vpc-multi-az-check expect at least {min} AZs)",
                    user_names(g, group, 5),
                    if group.len() == 1 { "s" } else { "" },
                    if group.len() == 1 { "it" } else { "them" },
                ),
                "add a subnet in another AZ, ideally one the function's security-group set already uses, so no new combination is needed".to_string(),
            )
            .users(g, group.iter().copied()),
        );
    });
    out
}
