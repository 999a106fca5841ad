use std::collections::BTreeSet;

use super::*;
use crate::model::{Item, MAX_SECURITY_GROUPS, MAX_SUBNETS};

pub static RULE: Rule = Rule {
    id: "ENI103",
    name: "vpcconfig-limits",
    severity: Severity::Error,
    summary: "A VpcConfig (a function's or a capacity provider's) has more than 5 security groups or 16 subnets, an empty list it needs, or duplicates",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for u in g.users() {
        let cfg = g.config(u);
        // Named only when there is something to say: most configurations are fine.
        let name = std::cell::LazyCell::new(|| g.user_name(u));
        let mut problem = |origin: &crate::model::Origin, severity: Severity, message: String, fix: &str| {
            out.push(
                Finding::new(&RULE, origin.clone(), message, fix.to_string())
                    .severity(severity)
                    .users(g, [u]),
            );
        };
        let sgs = g.sgs(u).len();
        if sgs > MAX_SECURITY_GROUPS {
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{} has {sgs} security groups; Lambda allows at most {MAX_SECURITY_GROUPS}", *name),
                "merge the rules into at most five groups",
            );
        }
        let subnets = g.subnets(u).len();
        if subnets > MAX_SUBNETS {
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{} has {subnets} subnets; Lambda allows at most {MAX_SUBNETS}", *name),
                "use one or two subnets per AZ",
            );
        }
        if cfg.subnets.is_empty() != cfg.security_groups.is_empty() {
            let (empty, other) = if cfg.subnets.is_empty() {
                ("SubnetIds", "SecurityGroupIds")
            } else {
                ("SecurityGroupIds", "SubnetIds")
            };
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{} has {other} but an empty {empty}; Lambda needs both to attach a function to a VPC, or neither", *name),
                "give both lists, or remove the VpcConfig",
            );
        }
        // A list longer than its set has duplicates; most have none, and are not searched.
        let lists = [
            ("security group", &cfg.security_groups, sgs),
            ("subnet", &cfg.subnets, subnets),
        ];
        for (what, items, _) in lists.into_iter().filter(|(_, items, distinct)| items.len() > *distinct) {
            for dup in duplicates(items) {
                problem(
                    cfg.origin_of(dup),
                    Severity::Warning,
                    format!(
                        "{} lists {what} {} more than once; duplicates do not change the combination",
                        *name, dup.value
                    ),
                    "remove the duplicate",
                );
            }
        }
    }
    for p in &g.providers.list {
        let cfg = &p.model(g).vpc;
        let name = p.label(g);
        let mut problem = |origin: &crate::model::Origin, severity: Severity, message: String, fix: &str| {
            out.push(
                Finding::new(&RULE, origin.clone(), message, fix.to_string())
                    .severity(severity)
                    .provider(g, p),
            );
        };
        // CapacityProviderVpcConfig: SubnetIds 1 to 16 items, SecurityGroupIds 0 to 5.
        if p.sgs.len() > MAX_SECURITY_GROUPS {
            let n = p.sgs.len();
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{name} has {n} security groups; a capacity provider allows at most {MAX_SECURITY_GROUPS}"),
                "merge the rules into at most five groups",
            );
        }
        if p.subnets.len() > MAX_SUBNETS {
            let n = p.subnets.len();
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{name} has {n} subnets; a capacity provider allows at most {MAX_SUBNETS}"),
                "use one or two subnets per AZ",
            );
        }
        if cfg.subnets.is_empty() {
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{name} has no SubnetIds; a capacity provider needs at least one subnet to launch instances in"),
                "give the capacity provider's VpcConfig subnets in two or more AZs",
            );
        }
        for (what, items) in [("security group", &cfg.security_groups), ("subnet", &cfg.subnets)] {
            for dup in duplicates(items) {
                problem(
                    cfg.origin_of(dup),
                    Severity::Warning,
                    format!("{name} lists {what} {} more than once", dup.value),
                    "remove the duplicate",
                );
            }
        }
    }
    out
}

fn duplicates(items: &[Item]) -> Vec<&Item> {
    let mut seen = BTreeSet::new();
    items.iter().filter(|i| !seen.insert(&i.value)).collect()
}
