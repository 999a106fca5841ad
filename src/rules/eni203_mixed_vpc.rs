use std::collections::BTreeSet;

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI203",
    name: "mixed-vpc",
    severity: Severity::Error,
    summary: "A function's or capacity provider's subnets or security groups come from more than one VPC",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    // Judged once per (SG set, subnet set): the sets hold the same values as the lists.
    let mut judged: ahash::AHashMap<crate::graph::SetIds, Option<Vec<Value>>> = ahash::AHashMap::new();
    for u in g.users() {
        let cfg = g.config(u);
        let Some(list) = judged.entry(g.set_ids(u)).or_insert_with(|| vpcs(g, cfg)).clone() else {
            continue;
        };
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
    for p in &g.providers.list {
        let cfg = &p.model(g).vpc;
        let Some(list) = vpcs(g, cfg) else { continue };
        out.push(
            Finding::new(
                &RULE,
                cfg.origin.clone(),
                format!(
                    "{}'s subnets and security groups belong to {} VPCs {}; its instances run in one VPC",
                    p.label(g),
                    list.len(),
                    set(&list)
                ),
                "pick subnets and security groups from the same VPC".to_string(),
            )
            .provider(g, p),
        );
    }
    out
}

/// The VPCs a VpcConfig's subnets and groups are known to belong to, when more than one.
fn vpcs(g: &EniGraph, cfg: &crate::model::VpcConfig) -> Option<Vec<Value>> {
    let from_subnets = cfg.subnets.iter().filter_map(|i| g.subnet(&i.value)?.vpc.as_ref());
    let from_groups = cfg.security_groups.iter().filter_map(|i| g.group(&i.value)?.vpc.as_ref());
    // Only VPCs known to be different count: an unresolved VPC (a parameter,
    // an import) may be any of the others.
    let mut all = from_subnets.chain(from_groups).filter(|v| known_vpc(g, v));
    let first = all.next()?;
    if all.clone().all(|v| v == first) {
        return None;
    }
    let vpcs: BTreeSet<&Value> = std::iter::once(first).chain(all).collect();
    Some(vpcs.into_iter().cloned().collect())
}

/// A VPC ID, or a VPC the input itself defines (a new VPC differs from every other).
fn known_vpc(g: &EniGraph, v: &Value) -> bool {
    matches!(v, Value::Id(_)) || g.inv.vpcs.contains_key(v)
}
