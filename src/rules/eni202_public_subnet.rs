use super::*;
use crate::model::Egress;

pub static RULE: Rule = Rule {
    id: "ENI202",
    name: "public-subnet",
    severity: Severity::Warning,
    summary: "All of a function's (or capacity provider's) subnets route to an internet gateway without NAT, so it has no internet access",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    let public = |subnets: &[Value]| {
        !subnets.is_empty()
            && subnets
                .iter()
                .all(|s| g.subnet(s).is_some_and(|s| s.egress == Egress::InternetGateway))
    };
    // Judged once per subnet set: an organisation has a million versions and a few thousand sets.
    let mut judged: Vec<Option<bool>> = vec![None; g.set_count()];
    serving_groups(g, |group| {
        let u = group[0];
        // Dual stack may reach the internet over IPv6, whose routes are not read.
        if group.iter().any(|&v| g.config(v).ipv6_dual_stack == Some(true)) {
            return;
        }
        let subnets = g.subnets(u);
        if !*judged[g.set_ids(u).subnets as usize].get_or_insert_with(|| public(subnets)) {
            return;
        }
        out.push(
            Finding::new(
                &RULE,
                subnet_origin(g, u, &subnets[0]),
                format!(
                    "{} {} attached only to public subnets ({}); Lambda ENIs get no public IP, so the function cannot reach the internet through the internet gateway",
                    user_names(g, group, 5),
                    if group.len() == 1 { "is" } else { "are" },
                    set(subnets)
                ),
                "attach the function to private subnets whose default route goes to a NAT gateway, or add VPC endpoints for the AWS services it calls".to_string(),
            )
            .users(g, group.iter().copied()),
        );
    });
    for p in &g.providers.list {
        if !public(&p.subnets) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                p.subnet_origin(g, &p.subnets[0]),
                format!(
                    "{} launches its instances only in public subnets ({}); no route leads to a NAT gateway, so they reach the internet only with public IP addresses, and AWS does not document that capacity-provider instances get any",
                    p.label(g),
                    set(&p.subnets)
                ),
                "give the capacity provider private subnets whose default route goes to a NAT gateway, or add VPC endpoints for the AWS services its functions call".to_string(),
            )
            .provider(g, p),
        );
    }
    out
}
