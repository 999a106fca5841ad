use std::collections::BTreeSet;

use super::*;
use crate::model::{Item, MAX_SECURITY_GROUPS, MAX_SUBNETS};

pub static RULE: Rule = Rule {
    id: "ENI103",
    name: "vpcconfig-limits",
    severity: Severity::Error,
    summary: "A VpcConfig has more than 5 security groups or 16 subnets, one empty list, or duplicates",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for u in g.users() {
        let cfg = g.config(u);
        let name = g.user_name(u);
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
                format!("{name} has {sgs} security groups; Lambda allows at most {MAX_SECURITY_GROUPS}"),
                "merge the rules into at most five groups",
            );
        }
        let subnets = g.subnets(u).len();
        if subnets > MAX_SUBNETS {
            problem(
                &cfg.origin,
                Severity::Error,
                format!("{name} has {subnets} subnets; Lambda allows at most {MAX_SUBNETS}"),
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
                format!("{name} has {other} but an empty {empty}; Lambda needs both to attach a function to a VPC, or neither"),
                "give both lists, or remove the VpcConfig",
            );
        }
        for (what, items) in [("security group", &cfg.security_groups), ("subnet", &cfg.subnets)] {
            for dup in duplicates(items) {
                problem(
                    &dup.origin,
                    Severity::Warning,
                    format!(
                        "{name} lists {what} {} more than once; duplicates do not change the combination",
                        dup.value
                    ),
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
