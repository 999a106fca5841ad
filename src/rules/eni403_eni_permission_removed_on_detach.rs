use super::teardown::{self, Teardown};
use super::*;
use crate::model::{FunctionRemoval, RemovedFunction, RoleChange, Tool};

pub static RULE: Rule = Rule {
    id: "ENI403",
    name: "eni-permission-removed-on-detach",
    severity: Severity::Error,
    summary: "The change removes the ENI permissions of a function it deletes or detaches: Lambda cannot delete the function's ENIs",
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let (_, inv, tool) = teardown::open(cx);
    let mut out = Vec::new();
    // One finding per role and resource that changes it, naming every permission it removes.
    let mut seen: Vec<(&Value, &str)> = Vec::new();
    for rr in &inv.removals.roles {
        if seen.contains(&(&rr.role, &*rr.origin.resource)) {
            continue;
        }
        seen.push((&rr.role, &*rr.origin.resource));
        let affected: Vec<&RemovedFunction> = inv
            .removals
            .functions
            .iter()
            .filter(|f| matches!(f.how, FunctionRemoval::Deleted | FunctionRemoval::Detached))
            .filter(|f| f.before.versions.iter().any(|v| v.vpc.as_ref().is_some_and(|c| c.is_attached())))
            .filter(|f| f.before.role.as_ref().is_some_and(|role| same_role(role, &rr.role)))
            .collect();
        if affected.is_empty() {
            continue;
        }
        let changes: Vec<&RoleChange> = inv
            .removals
            .roles
            .iter()
            .filter(|o| o.role == rr.role && o.origin.resource == rr.origin.resource)
            .map(|o| &o.change)
            .collect();
        let list = |pick: fn(&RoleChange) -> Option<&String>| -> Vec<String> { changes.iter().filter_map(|c| pick(c)).cloned().collect() };
        let policies = list(|c| if let RoleChange::PolicyDetached(p) = c { Some(p) } else { None });
        let actions = list(|c| if let RoleChange::PermissionRemoved(a) = c { Some(a) } else { None });
        let what = if changes.contains(&&RoleChange::Deleted) {
            format!("deletes execution role {}", rr.role)
        } else if !policies.is_empty() {
            format!("detaches {} from execution role {}", policies.join(" and "), rr.role)
        } else {
            format!("removes {} from execution role {}", actions.join(", "), rr.role)
        };
        let who = teardown::how_each(&affected);
        let message = format!(
            "the change {what} ({}) in the same run as {}: Lambda deletes a function's ENIs with the permissions of its execution role, so without them the ENIs stay, holding IP addresses, and deleting their groups and subnets fails with DependencyViolation after the wait ({})",
            rr.origin.resource,
            names(&who, 4),
            Teardown::sentence(tool),
        );
        let keep = match tool {
            Some(Tool::Terraform) => "keep the role and its ENI permissions (AWSLambdaVPCAccessExecutionRole, or ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface) in this apply and remove them in a later one",
            Some(Tool::CloudFormation) => "keep the role and its ENI permissions in this deployment and remove them in a later one; in CDK, make the security group depend on the role's policy so CloudFormation removes the policy last",
            None => "keep the role and its ENI permissions until Lambda has deleted the functions' ENIs",
        };
        let fix = format!(
            "{keep}, once `aws ec2 describe-network-interfaces --filters Name=interface-type,Values=lambda` no longer lists the functions' ENIs; ENIs left `available` can be deleted with `aws ec2 delete-network-interface`"
        );
        let combos = teardown::combinations_before(affected.iter().copied(), None);
        let found = Finding::new(&RULE, rr.origin.clone(), message, fix).combinations(combos);
        let mut f = teardown::finish(found, affected.iter().map(|a| a.origin.resource.to_string()).collect(), tool);
        for a in affected.iter().take(5) {
            f = f.related(a.origin.clone(), format!("function {}", teardown::how(a)));
        }
        out.push(f);
    }
    out
}

/// The same role: equal values, or a role ARN and the role's name (IAM
/// attachments name the role, functions its ARN). Symbols match only themselves.
fn same_role(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let (Value::Id(a), Value::Id(b)) = (a, b) else {
        return false;
    };
    let name = |arn: &str| -> Option<String> {
        let resource = arn.strip_prefix("arn:")?.split(':').nth(4)?;
        Some(resource.strip_prefix("role/")?.rsplit('/').next()?.to_string())
    };
    name(a).as_deref() == Some(&**b) || name(b).as_deref() == Some(&**a) || (name(a).is_some() && name(a) == name(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_arn_is_the_same_role_as_its_name_and_symbols_only_match_themselves() {
        let arn = Value::id("arn:aws:iam::123456789012:role/service/orders");
        assert!(same_role(&arn, &Value::id("orders")));
        assert!(same_role(&Value::id("orders"), &arn));
        assert!(!same_role(&arn, &Value::id("billing")));
        assert!(!same_role(&arn, &Value::symbol("plan.json", "orders")));
        assert!(same_role(&Value::symbol("p", "aws_iam_role.x"), &Value::symbol("p", "aws_iam_role.x")));
    }
}
