use std::collections::BTreeMap;

use super::*;

pub static RULE: Rule = Rule {
    id: "ENI102",
    name: "subnet-ip-headroom",
    severity: Severity::Warning,
    summary: "A subnet's free IP addresses, minus the ENIs still to be created, fall below the threshold",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let t = cx.thresholds;
    // Combinations with no ENI observed yet will each take an address (assumed
    // one per ENI); one with an unresolved group may exist already, so it is not counted.
    let mut new: BTreeMap<&Value, (usize, Vec<usize>)> = BTreeMap::new();
    for (i, c) in g.combos.iter().enumerate() {
        let e = new.entry(&c.key.subnet).or_default();
        e.0 += usize::from(c.observed.is_empty() && !unresolved(g, &c.key));
        e.1.push(i);
    }
    // Capacity-provider instances take an address each, in any of their provider's subnets.
    for subnet in g.providers.subnets.keys() {
        new.entry(subnet).or_default();
    }
    let mut out = Vec::new();
    for (subnet, (added, combos)) in new {
        let Some(s) = g.subnet(subnet) else { continue };
        let Some(free) = s.available_ips else { continue };
        let providers = g.providers.subnet(subnet);
        let instances = providers.map_or(0, |l| l.instances);
        let left = free as i64 - added as i64 - instances as i64;
        let size = s.size();
        let floor_pct = size.map(|n| n as f64 * t.subnet_min_free_percent / 100.0);
        let low = left < t.subnet_min_free_ips as i64 || floor_pct.is_some_and(|p| (left as f64) < p);
        if !low {
            continue;
        }
        let severity = if left <= 0 { Severity::Error } else { Severity::Warning };
        let size_text = size.map(|n| format!(" of {n} usable")).unwrap_or_default();
        let after = match providers {
            Some(l) => format!("{added} new ENI{} and {}", if added == 1 { "" } else { "s" }, l.describe()),
            None => format!("{added} new ENI{}", if added == 1 { "" } else { "s" }),
        };
        let f = Finding::new(
            &RULE,
            s.origin.clone(),
            format!(
                "{subnet}{} has {free} free IP address{}{size_text}; after {after} it would have {left} (threshold: {} addresses or {}%). eniplan assumes one IP per ENI, which AWS does not document",
                s.az.as_ref().map(|a| format!(" ({a})")).unwrap_or_default(),
                if free == 1 { "" } else { "es" },
                t.subnet_min_free_ips,
                t.subnet_min_free_percent
            ),
            "share combinations so fewer ENIs land in this subnet, move functions to a larger subnet in the same AZ, or free addresses".to_string(),
        )
        .severity(severity)
        .projected()
        .cost(added + instances as usize)
        .users(g, combos.iter().flat_map(|&i| g.combos[i].users.iter().copied()));
        out.push(f);
    }
    out
}
