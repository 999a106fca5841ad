use super::teardown::{self, Kind};
use super::*;
use crate::model::Tool;

pub static RULE: Rule = Rule {
    id: "ENI401",
    name: "security-group-in-use-on-delete",
    severity: Severity::Error,
    summary: "The change deletes a security group or subnet that a function or published version it keeps still uses",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let (g, _, tool) = teardown::open(cx);
    teardown::per_removed(cx, |kind, r, after, first| {
        if after.is_empty() && first.is_empty() {
            return None;
        }
        let mut names: Vec<String> = after.iter().map(|&u| teardown::user_label(g, u)).collect();
        for f in &first {
            let name = f.origin.resource.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let replacing = if first.is_empty() {
            String::new()
        } else {
            format!(
                " ({} {} only after the old {} is deleted, to point at the new one)",
                names_of(first.iter().map(|f| f.origin.resource.to_string())),
                if first.len() == 1 { "is updated" } else { "are updated" },
                kind.noun()
            )
        };
        let mut combos: Vec<String> = Vec::new();
        for c in g.combos.iter().filter(|c| match kind {
            Kind::Group => c.key.sgs.contains(&r.value),
            Kind::Subnet => c.key.subnet == r.value,
        }) {
            combos.push(c.key.to_string());
        }
        for c in teardown::combinations_before(first.iter().copied(), Some((kind, &r.value))) {
            if !combos.contains(&c) {
                combos.push(c);
            }
        }
        let verb = if r.replaced { "replaces" } else { "deletes" };
        let message = format!(
            "the change {verb} {} {} ({}) while {} still use{} it{replacing}: Lambda keeps a combination's ENI while any function or published version uses it, so the delete cannot finish: {}",
            kind.noun(),
            r.value,
            r.origin.resource,
            names_of(names.iter().cloned()),
            if names.len() == 1 { "s" } else { "" },
            failure(tool),
        );
        let found = Finding::new(&RULE, r.origin.clone(), message, fix(g, kind, r, &after, !first.is_empty(), tool))
            .users(g, after.iter().copied())
            .combinations(combos);
        let mut f = teardown::finish(found, names, tool);
        for &u in after.iter().take(5) {
            let at = match kind {
                Kind::Group => sg_origin(g, u, Some(&r.value)),
                Kind::Subnet => subnet_origin(g, u, &r.value),
            };
            f = f.related(at, format!("{} still uses it", teardown::user_label(g, u)));
        }
        for rf in first.iter().take(5) {
            f = f.related(rf.origin.clone(), "updated only after the delete");
        }
        Some(f)
    })
}

fn names_of(names: impl Iterator<Item = String>) -> String {
    let list: Vec<String> = names.collect();
    super::names(&list, 6)
}

/// What happens to the delete when the ENI never goes.
fn failure(tool: Option<Tool>) -> &'static str {
    match tool {
        Some(Tool::Terraform) => "terraform-provider-aws retries it for up to 45 minutes, then fails with DependencyViolation",
        Some(Tool::CloudFormation) => "CloudFormation waits, then fails with DependencyViolation (`resource … has a dependent object`)",
        None => "EC2 refuses it with DependencyViolation (`resource … has a dependent object`)",
    }
}

fn fix(g: &EniGraph, kind: Kind, r: &crate::model::RemovedResource, after: &[User], updated_later: bool, tool: Option<Tool>) -> String {
    let mut steps = Vec::new();
    let versions: Vec<User> = after.iter().copied().filter(|&u| !g.version(u).is_latest()).collect();
    if !versions.is_empty() {
        let aliases: Vec<String> = versions
            .iter()
            .flat_map(|&u| g.version(u).aliases.iter().map(move |a| format!("{}:{a}", g.function(u).name)))
            .collect();
        let repoint = if aliases.is_empty() {
            String::new()
        } else {
            format!("point {} at a version published without it, then ", aliases.join(", "))
        };
        let commands: Vec<String> = versions
            .iter()
            .take(3)
            .map(|&u| {
                format!(
                    "`aws lambda delete-function --function-name {} --qualifier {}`",
                    g.function(u).name,
                    g.version(u).version
                )
            })
            .collect();
        steps.push(format!(
            "{repoint}delete the published versions that still use it ({}) before the change runs",
            commands.join(", ")
        ));
    }
    if after.iter().any(|&u| g.version(u).is_latest()) {
        steps.push(format!(
            "move the functions that still use {} to another {} first, or keep it",
            r.value,
            kind.noun()
        ));
    }
    if updated_later {
        steps.push(match tool {
            Some(Tool::Terraform) => format!(
                "replace it create-before-destroy (`lifecycle {{ create_before_destroy = true }}` on {}, with `name_prefix` instead of `name` for a group), so Terraform moves the functions to the new one before it deletes the old one; the delete then still waits for Lambda (ENI402)",
                r.origin.resource
            ),
            _ => "create the new one and move the functions to it in one deployment, and delete the old one in a later one".to_string(),
        });
    }
    steps.join("; ")
}
