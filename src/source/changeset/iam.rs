//! The ENI permissions an execution role holds, as a change set's contexts
//! show them: the two AWS managed policies that grant them, and inline
//! statements allowing the three actions Lambda needs to create, see and
//! delete its network interfaces.

use std::collections::{BTreeMap, BTreeSet};

use globset::GlobBuilder;

use crate::source::doc::{Kind, Node};

use super::Change;

/// The managed policies that grant Lambda's ENI permissions.
pub const ENI_POLICIES: [&str; 2] = ["AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess"];

/// The actions Lambda needs to manage a VPC function's ENIs.
pub const ENI_ACTIONS: [&str; 3] = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
];

/// Role name → ARN, from the `Role` of every function in the change set, so a
/// role the change set names by its physical ID (the name) matches the ARN
/// functions name it by.
pub(super) fn role_arns<'a>(changes: impl Iterator<Item = &'a Change>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for c in changes.filter(|c| c.ty == "AWS::Lambda::Function") {
        for ctx in c.before.iter().chain(&c.after) {
            if let Some(arn) = ctx.plain("Role").filter(|a| a.starts_with("arn:")) {
                if let Some((_, name)) = arn.rsplit_once('/') {
                    out.insert(name.to_string(), arn.to_string());
                }
            }
        }
    }
    out
}

/// The ENI managed policies in `before`'s `ManagedPolicyArns` and not in `after`'s.
pub fn lost_managed_policies(before: &Node, after: &Node) -> Vec<String> {
    let held = |props: &Node| -> BTreeSet<&'static str> {
        let arns = props.get("ManagedPolicyArns").and_then(Node::as_seq).unwrap_or_default();
        ENI_POLICIES
            .into_iter()
            .filter(|p| arns.iter().filter_map(Node::as_str).any(|a| a.rsplit('/').next() == Some(p)))
            .collect()
    };
    held(before).difference(&held(after)).map(|p| p.to_string()).collect()
}

/// The ENI actions a role's inline `Policies` allow.
pub fn role_grants(props: &Node) -> BTreeSet<&'static str> {
    let policies = props.get("Policies").and_then(Node::as_seq).unwrap_or_default();
    policies.iter().flat_map(|p| document_grants(p.get("PolicyDocument"))).collect()
}

/// The ENI actions a policy document's `Allow` statements grant, wildcards included.
pub fn document_grants(doc: Option<&Node>) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let statements = match doc.and_then(|d| d.get("Statement")) {
        Some(s) if s.entries().is_some() => std::slice::from_ref(s),
        Some(s) => s.as_seq().unwrap_or_default(),
        None => &[],
    };
    for s in statements {
        if s.get("Effect").and_then(Node::as_str) != Some("Allow") {
            continue;
        }
        let patterns: Vec<&str> = match s.get("Action").map(|a| &a.kind) {
            Some(Kind::Str(a)) => vec![a.as_str()],
            Some(Kind::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
            _ => vec![],
        };
        for p in patterns {
            // IAM action names are case-insensitive; `*` and `?` are their only wildcards.
            let Ok(glob) = GlobBuilder::new(p).case_insensitive(true).literal_separator(false).build() else {
                continue;
            };
            let m = glob.compile_matcher();
            out.extend(ENI_ACTIONS.into_iter().filter(|a| m.is_match(a)));
        }
    }
    out
}

/// The roles an `AWS::IAM::Policy` (`Roles`) or `AWS::IAM::RolePolicy` (`RoleName`) applies to.
pub fn policy_roles(props: &Node) -> Vec<String> {
    let mut roles: Vec<String> = props
        .get("Roles")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_string)
        .collect();
    roles.extend(props.get("RoleName").and_then(Node::as_str).map(str::to_string));
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::SourceFile;

    fn doc(text: &str) -> Node {
        crate::source::json::parse(&SourceFile::new("p.json", text)).unwrap()
    }

    #[test]
    fn wildcards_and_lists_grant_the_eni_actions() {
        let d = doc(
            r#"{"Statement": [{"Effect": "Allow", "Action": ["EC2:*NetworkInterface*", "s3:GetObject"]}, {"Effect": "Deny", "Action": "*"}]}"#,
        );
        assert_eq!(document_grants(Some(&d)).len(), 3);
        let d = doc(r#"{"Statement": {"Effect": "Allow", "Action": "ec2:DeleteNetworkInterface"}}"#);
        assert_eq!(document_grants(Some(&d)), BTreeSet::from(["ec2:DeleteNetworkInterface"]));
        let d = doc(r#"{"Statement": [{"Effect": "Allow", "Action": "ec2:Describe*"}]}"#);
        assert_eq!(document_grants(Some(&d)), BTreeSet::from(["ec2:DescribeNetworkInterfaces"]));
    }

    #[test]
    fn a_managed_policy_is_lost_when_the_after_state_drops_it() {
        let before = doc(
            r#"{"ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", "arn:aws:iam::aws:policy/ReadOnlyAccess"]}"#,
        );
        assert_eq!(lost_managed_policies(&before, &doc("{}")), vec!["AWSLambdaVPCAccessExecutionRole"]);
        assert!(lost_managed_policies(&before, &before).is_empty());
    }
}
