use super::*;
use crate::model::QuotaSource;

pub static RULE: Rule = Rule {
    id: "ENI101",
    name: "vpc-eni-quota",
    severity: Severity::Warning,
    summary: "A VPC's projected Lambda ENIs reach 80% (warning) or 100% (error) of the per-VPC ENI quota",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for (vpc, s) in &g.vpcs {
        // Capacity-provider instances take a VPC ENI each: the bounded ones count.
        let providers = g.providers.vpc(vpc);
        let enis = s.enis() + providers.map_or(0, |l| l.instances as usize);
        let quota = s.quota.max(1) as usize;
        let ratio = enis as f64 / quota as f64;
        if ratio < cx.thresholds.quota_warning {
            continue;
        }
        let severity = if enis >= quota { Severity::Error } else { Severity::Warning };
        let source = match s.quota_source {
            QuotaSource::ServiceQuotas => "read from Service Quotas",
            QuotaSource::Config => "set in eniplan.toml",
            QuotaSource::Default => "the default; audit the account or set [quota] in eniplan.toml for the real value",
        };
        let location = g
            .inv
            .vpcs
            .get(vpc)
            .map(|v| v.origin.clone())
            .unwrap_or_else(|| crate::model::Origin::resource(vpc.to_string()));
        let combos: Vec<_> = g.combos.iter().filter(|c| &c.vpc == vpc).collect();
        let users: Vec<User> = combos.iter().flat_map(|c| c.users.iter().copied()).collect();
        let open = at_least(g, combos.iter().map(|c| &c.key.subnet));
        let lambda = format!(
            "{open}{} ({})",
            crate::plural::count(s.lambda_enis(), "Lambda ENI"),
            crate::plural::count(s.combinations, "combination")
        );
        let instances = providers.map(|l| format!(" and {}", l.describe())).unwrap_or_default();
        let share = format!("{:.0}%; quota L-9FEE3D26, {source}", ratio * 100.0);
        let message = match s.other_enis {
            Some(other) => format!(
                "{vpc} is projected to use {open}{} of its quota of {} ({share}): {lambda}{instances}, and {other} that {} not Lambda's (EFS mount targets, endpoints, load balancers…, counted in the account)",
                crate::plural::count(enis, "ENI"),
                s.quota,
                if other == 1 { "is" } else { "are" }
            ),
            None if providers.is_some() => format!(
                "{vpc} is projected to use {lambda}{instances}, {enis} in all, of its quota of {} ({share}); the quota is shared with other services' ENIs in the VPC, which eniplan does not count",
                s.quota
            ),
            None => format!(
                "{vpc} is projected to use {lambda} of its quota of {} ({share}); the quota is shared with other services' ENIs in the VPC, which eniplan does not count",
                s.quota
            ),
        };
        let fix = "remove needless combinations (see ENI001-ENI004 findings and the consolidated count) or request a higher \"Elastic network interfaces per VPC\" quota";
        let f = Finding::new(&RULE, location, message, fix.to_string())
        .severity(severity)
        .projected()
        .cost(s.lambda_enis())
        .users(g, users);
        out.push(f);
    }
    out
}
