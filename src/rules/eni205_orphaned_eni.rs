use std::collections::BTreeSet;

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI205",
    name: "orphaned-eni",
    severity: Severity::Warning,
    summary: "An observed Lambda ENI matches no function or version (or an expected combination has no observed ENI)",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let inv = g.inv;
    // An ENI looks orphaned when its functions could not be read: say nothing then.
    let unread = |e: &crate::model::ObservedEni| inv.gaps.iter().any(|gap| gap.account == e.account && gap.region == e.region);
    let mut out = Vec::new();
    for &i in &g.orphans {
        let e = &inv.enis[i];
        if unread(e) {
            continue;
        }
        let sgs = set(&e.security_groups);
        let described = if e.description.is_empty() {
            String::new()
        } else {
            format!(", \"{}\"", e.description)
        };
        out.push(
            Finding::new(
                &RULE,
                Origin::resource(&e.id),
                format!(
                    "Lambda ENI {} ({}{described}) in {} with {sgs} matches no function or version read; after its last user goes Lambda deletes it within about 20 minutes, and until then, or if it is stuck, it holds an IP address and blocks deleting {sgs} and {} (DependencyViolation)",
                    e.id,
                    if e.status.is_empty() { "status unknown" } else { e.status.as_str() },
                    e.subnet,
                    e.subnet
                ),
                "if it is still there 20 minutes after its function or VpcConfig changed, look for the function named in its description (a version not listed, or outside the audited scope); an ENI in status `available` that nothing uses can be deleted with `aws ec2 delete-network-interface`".to_string(),
            )
            .cost(1)
            .combinations([format!("{} + {sgs}", e.subnet)]),
        );
    }
    // The opposite case, only where ENIs were observed at all (same VPC).
    let unknown = Value::unknown_vpc();
    let observed_vpcs: BTreeSet<Value> = inv
        .enis
        .iter()
        .filter(|e| !unread(e))
        .map(|e| g.vpc_of_eni(e))
        .filter(|v| *v != unknown)
        .collect();
    for c in &g.combos {
        if !c.observed.is_empty()
            || c.users.is_empty()
            || !observed_vpcs.contains(&c.vpc)
            || c.users.iter().all(|u| inv.is_deploy(u.function))
        {
            continue;
        }
        let f = g.function(c.users[0]);
        if inv.gaps.iter().any(|gap| *gap.account == *f.account && *gap.region == *f.region) {
            continue;
        }
        // Inactive functions have had their ENIs reclaimed (ENI204 reports them).
        if c.users
            .iter()
            .all(|u| g.version(*u).state.as_ref().and_then(|s| s.state.as_deref()) == Some("Inactive"))
        {
            continue;
        }
        let users: Vec<String> = c.users.iter().map(|u| g.user_name(*u)).collect();
        out.push(
            Finding::new(
                &RULE,
                g.config(c.users[0]).origin.clone(),
                format!(
                    "combination {} is used by {} but no Lambda ENI for it was observed in {}, where other Lambda ENIs were: Lambda may still be creating it (the function is Pending), or the ENI was deleted or not read",
                    c.key,
                    names(&users, 4),
                    c.vpc
                ),
                "audit again with `--with-state`: a Pending function is still getting its ENI; an Inactive one has had it reclaimed; if the function is Active and the ENI still does not appear, check that the audit could read every network interface in this VPC".to_string(),
            )
            .severity(Severity::Note)
            .users(g, c.users.iter().copied())
            .combinations([c.key.to_string()]),
        );
    }
    out
}
