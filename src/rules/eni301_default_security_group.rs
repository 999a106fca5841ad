use super::*;
use crate::model::Item;

pub static RULE: Rule = Rule {
    id: "ENI301",
    name: "default-security-group",
    severity: Severity::Warning,
    summary: "A function or capacity provider uses its VPC's default security group",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    // Whether a set names a default group, worked out once per set.
    let mut judged: Vec<Option<bool>> = vec![None; g.set_count()];
    for u in g.users() {
        let sgs = g.sgs(u);
        if !*judged[g.set_ids(u).sgs as usize].get_or_insert_with(|| sgs.iter().any(|v| g.group(v).is_some_and(|s| s.is_default))) {
            continue;
        }
        let cfg = g.config(u);
        for item in on_default(g, &cfg.security_groups) {
            let message = format!(
                "{} uses {}, the VPC's default security group: every resource in the VPC left on the default group can reach it, and changing the group's rules changes them all",
                g.user_name(u),
                item.value
            );
            let fix = "create a dedicated security group for Lambda functions and share it between them";
            out.push(finding(cfg.origin_of(item), item, message, fix).users(g, [u]));
        }
    }
    for p in &g.providers.list {
        let cfg = &p.model(g).vpc;
        for item in on_default(g, &cfg.security_groups) {
            let message = format!(
                "{} puts its instances in {}, the VPC's default security group: every resource in the VPC left on the default group can reach them, and changing the group's rules changes them all",
                p.label(g),
                item.value
            );
            let fix = "create a dedicated security group for the capacity provider's instances";
            out.push(finding(cfg.origin_of(item), item, message, fix).provider(g, p));
        }
    }
    out
}

/// The entries that name their VPC's default group.
fn on_default<'a>(g: &'a EniGraph, items: &'a [Item]) -> impl Iterator<Item = &'a Item> {
    items.iter().filter(|i| g.group(&i.value).is_some_and(|s| s.is_default))
}

/// A finding at the entry, which an ignore on the group can suppress.
fn finding(origin: &Origin, item: &Item, message: String, fix: &str) -> Finding {
    let mut f = Finding::new(&RULE, origin.clone(), message, fix.to_string());
    f.subjects.groups.push(item.value.clone());
    f
}
