use std::collections::BTreeSet;

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI203",
    name: "mixed-vpc",
    severity: Severity::Error,
    summary: "A function's subnets or security groups come from more than one VPC",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for u in g.users() {
        let cfg = g.config(u);
        let from_subnets = cfg.subnets.iter().filter_map(|i| g.subnet(&i.value)?.vpc.as_ref());
        let from_groups = cfg.security_groups.iter().filter_map(|i| g.group(&i.value)?.vpc.as_ref());
        // Only VPCs known to be different count: an unresolved VPC (a parameter,
        // an import) may be any of the others.
        let mut all = from_subnets.chain(from_groups).filter(|v| known_vpc(g, v));
        let Some(first) = all.next() else { continue };
        if all.clone().all(|v| v == first) {
            continue;
        }
        let vpcs: BTreeSet<&Value> = std::iter::once(first).chain(all).collect();
        let list: Vec<Value> = vpcs.into_iter().cloned().collect();
        out.push(
            Finding::new(
                &RULE,
                cfg.origin.clone(),
                format!(
                    "{}'s subnets and security groups belong to {} VPCs {}; Lambda requires them all in one VPC",
                    g.user_name(u),
                    list.len(),
                    set(&list)
                ),
                "pick subnets and security groups from the same VPC".to_string(),
            )
            .users(g, [u]),
        );
    }
    out
}

/// A VPC ID, or a VPC the input itself defines (a new VPC differs from every other).
fn known_vpc(g: &EniGraph, v: &Value) -> bool {
    matches!(v, Value::Id(_)) || g.inv.vpcs.contains_key(v)
}
