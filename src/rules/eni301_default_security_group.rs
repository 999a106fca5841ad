use super::*;

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
    for u in g.users() {
        for item in &g.config(u).security_groups {
            if !g.group(&item.value).is_some_and(|s| s.is_default) {
                continue;
            }
            let mut f = Finding::new(
                &RULE,
                item.origin.clone(),
                format!(
                    "{} uses {}, the VPC's default security group: every resource in the VPC left on the default group can reach it, and changing the group's rules changes them all",
                    g.user_name(u),
                    item.value
                ),
                "create a dedicated security group for Lambda functions and share it between them".to_string(),
            )
            .users(g, [u]);
            f.subjects.groups.push(item.value.clone());
            out.push(f);
        }
    }
    for p in &g.providers.list {
        for item in &p.model(g).vpc.security_groups {
            if !g.group(&item.value).is_some_and(|s| s.is_default) {
                continue;
            }
            let mut f = Finding::new(
                &RULE,
                item.origin.clone(),
                format!(
                    "{} puts its instances in {}, the VPC's default security group: every resource in the VPC left on the default group can reach them, and changing the group's rules changes them all",
                    p.label(g),
                    item.value
                ),
                "create a dedicated security group for the capacity provider's instances".to_string(),
            )
            .provider(g, p);
            f.subjects.groups.push(item.value.clone());
            out.push(f);
        }
    }
    out
}
