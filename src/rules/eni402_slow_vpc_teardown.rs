use super::teardown::{self, Kind, Teardown};
use super::*;
use crate::model::{FunctionRemoval, RemovedFunction, RemovedResource, Tool};

pub static RULE: Rule = Rule {
    id: "ENI402",
    name: "slow-vpc-teardown",
    severity: Severity::Warning,
    summary: "The change deletes a group or subnet whose Lambda ENI a function it deletes or detaches leaves behind: the delete waits for Lambda",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let (_, inv, tool) = teardown::open(cx);
    teardown::per_removed(cx, |kind, r, after, first| {
        // Still in use: ENI401 reports it, and the delete fails rather than waits.
        if !after.is_empty() || !first.is_empty() {
            return None;
        }
        let holders: Vec<&RemovedFunction> = inv
            .removals
            .functions
            .iter()
            .filter(|f| teardown::uses(&f.before, kind, &r.value))
            // The provider moves a deleted function off its groups first: no ENI keeps them.
            .filter(|f| !(kind == Kind::Group && f.how == FunctionRemoval::Deleted && f.replaces_groups_on_destroy))
            .collect();
        if holders.is_empty() {
            return None;
        }
        let combos = teardown::combinations_before(holders.iter().copied(), Some((kind, &r.value)));
        let who = teardown::how_each(&holders);
        let message = format!(
            "deleting {} {} ({}) waits for Lambda to delete the ENI{} of {} that {} used and nothing else uses: {}",
            kind.noun(),
            r.value,
            r.origin.resource,
            if combos.len() == 1 { "" } else { "s" },
            names(&combos, 3),
            names(&who, 4),
            Teardown::sentence(tool),
        );
        let found = Finding::new(&RULE, r.origin.clone(), message, fix(kind, r, &holders, tool)).combinations(combos);
        let mut f = teardown::finish(found, holders.iter().map(|h| h.origin.resource.to_string()).collect(), tool);
        for h in holders.iter().take(5) {
            f = f.related(h.origin.clone(), format!("function {}", teardown::how(h)));
        }
        Some(f)
    })
}

fn fix(kind: Kind, r: &RemovedResource, holders: &[&RemovedFunction], tool: Option<Tool>) -> String {
    let later = format!(
        "detach the function{} (remove the VPC configuration) in one deployment and delete {} in a later one, once `aws ec2 describe-network-interfaces --filters Name=interface-type,Values=lambda Name={}-id,Values={}` lists nothing",
        if holders.len() == 1 { "" } else { "s" },
        r.value,
        if kind == Kind::Group { "group" } else { "subnet" },
        r.value,
    );
    match tool {
        Some(Tool::Terraform) => {
            let deleted: Vec<String> = holders
                .iter()
                .filter(|h| h.how == FunctionRemoval::Deleted)
                .map(|h| h.origin.resource.to_string())
                .collect();
            let mut steps = Vec::new();
            if kind == Kind::Group && !deleted.is_empty() {
                steps.push(format!(
                    "set `replace_security_groups_on_destroy = true` on {} (with `replacement_security_group_ids` to pick the groups, else the VPC's default group is used): the provider moves the function off its groups before deleting it",
                    names(&deleted, 3)
                ));
            }
            steps.push(later);
            steps.push(format!(
                "or keep {} in a longer-lived configuration (a network state) that outlives the functions",
                r.value
            ));
            steps.join("; ")
        }
        Some(Tool::CloudFormation) => format!(
            "{later}; or keep {} in a longer-lived stack (a network stack that exports it) so deleting this stack does not wait on it",
            r.value
        ),
        None => format!("{later}; or keep {} where it outlives the functions", r.value),
    }
}
