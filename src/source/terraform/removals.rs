//! What a plan deletes or detaches, into `Inventory::removals`: deleted and
//! replaced security groups, subnets and functions; updates that remove or
//! change a function's `vpc_config`; execution roles deleted, or losing the
//! ENI permissions (managed policies detached, inline actions removed).
//!
//! Values are the before-state IDs: they are how the account (`--against`)
//! names them, and how the plan's own functions name what already exists.

use std::collections::BTreeSet;

use super::Reader;
use crate::error::InputError;
use crate::model::*;
use crate::source::doc::{Kind, Node};

/// The managed policies that grant Lambda's ENI permissions.
const ENI_POLICIES: [&str; 2] = ["AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess"];
/// The actions Lambda needs to manage a function's ENIs.
const ENI_ACTIONS: [&str; 3] = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
];

/// What only the whole plan can tell: which roles a changed customer managed policy is attached to.
#[derive(Default)]
pub(crate) struct Pending {
    /// (policy ARN, ENI actions it no longer grants, where).
    policies: Vec<(String, Vec<&'static str>, Origin)>,
    /// (role name, policy ARN) of every attachment in the plan, whatever its action.
    attachments: Vec<(String, String)>,
}

/// How a change treats the resource: gone, replaced (and which goes first), or updated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Delete,
    Replace { delete_first: bool },
    Update,
}

fn action(actions: &[&str]) -> Option<Action> {
    match actions {
        ["delete"] => Some(Action::Delete),
        ["delete", "create"] => Some(Action::Replace { delete_first: true }),
        ["create", "delete"] => Some(Action::Replace { delete_first: false }),
        ["update"] => Some(Action::Update),
        _ => None,
    }
}

fn text<'n>(obj: &'n Node, key: &str) -> Option<&'n str> {
    obj.get(key).and_then(Node::as_str).filter(|s| !s.is_empty())
}

fn flag(obj: &Node, key: &str) -> bool {
    matches!(obj.get(key).map(|n| &n.kind), Some(Kind::Bool(true)))
}

/// The last part of an ARN's resource (`…:role/path/name` → `name`), or the text itself.
fn last_segment(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

impl<'a> Reader<'a> {
    /// Reads what one resource change removes. `before` is the prior state
    /// (null for a create), `after` the planned one.
    pub(super) fn removal(&mut self, rc: &'a Node, address: &str, actions: &[&str], change: &'a Node) -> Result<(), InputError> {
        if rc.get("mode").and_then(Node::as_str) == Some("data") {
            return Ok(());
        }
        let ty = rc.get("type").and_then(Node::as_str).unwrap_or_default();
        let before = match change.get("before") {
            None => return Ok(()),
            Some(n) if n.is_null() => return Ok(()),
            Some(n) if n.entries().is_some() => n,
            Some(n) => {
                return Err(self.err(
                    n.span.clone(),
                    format!("`change.before` of `{address}` must be an object, found {}", n.type_name()),
                ))
            }
        };
        let after = change.get("after").filter(|n| n.entries().is_some());
        if ty == "aws_iam_role_policy_attachment" {
            if let (Some(role), Some(policy)) = (text(before, "role"), text(before, "policy_arn")) {
                self.pending.attachments.push((role.to_string(), policy.to_string()));
            }
        }
        let Some(act) = action(actions) else { return Ok(()) };
        let span = super::entry_span(rc, "address").unwrap_or_else(|| rc.span.clone());
        let origin = Origin::in_file(address, self.file_id, span);
        self.inv.removals.tool = Some(Tool::Terraform);
        match (ty, act) {
            ("aws_security_group" | "aws_subnet", Action::Delete | Action::Replace { .. }) => {
                let Some(id) = text(before, "id") else { return Ok(()) };
                let removed = RemovedResource {
                    value: Value::id(id),
                    origin,
                    replaced: matches!(act, Action::Replace { .. }),
                    deleted_first: act == Action::Replace { delete_first: true },
                };
                match ty {
                    "aws_security_group" => self.inv.removals.security_groups.push(removed),
                    _ => self.inv.removals.subnets.push(removed),
                }
            }
            ("aws_lambda_function", _) => {
                let unknown = change
                    .get("after_unknown")
                    .and_then(|u| u.get("vpc_config"))
                    .is_some_and(super::any_true);
                self.removed_function(before, after, unknown, act, origin)?
            }
            ("aws_iam_role", Action::Delete | Action::Replace { .. }) => {
                if let Some(role) = text(before, "arn").or_else(|| text(before, "name")) {
                    self.role_removal(role, origin, RoleChange::Deleted);
                }
            }
            ("aws_iam_role", Action::Update) => {
                let arns = |n: Option<&Node>| -> BTreeSet<String> {
                    let list = n.and_then(|n| n.get("managed_policy_arns")).and_then(Node::as_seq).unwrap_or(&[]);
                    list.iter().filter_map(Node::as_str).map(str::to_string).collect()
                };
                // Unknown after apply: nothing is known to be detached.
                let Some(after) = after.filter(|a| a.get("managed_policy_arns").is_some()) else {
                    return Ok(());
                };
                let kept = arns(Some(after));
                if let Some(role) = text(before, "arn").or_else(|| text(before, "name")) {
                    for gone in arns(Some(before)).difference(&kept) {
                        if let Some(p) = ENI_POLICIES.iter().find(|p| last_segment(gone) == **p) {
                            self.role_removal(role, origin.clone(), RoleChange::PolicyDetached(p.to_string()));
                        }
                    }
                }
            }
            ("aws_iam_role_policy_attachment", Action::Delete) => {
                let (Some(role), Some(policy)) = (text(before, "role"), text(before, "policy_arn")) else {
                    return Ok(());
                };
                if let Some(p) = ENI_POLICIES.iter().find(|p| last_segment(policy) == **p) {
                    self.role_removal(role, origin, RoleChange::PolicyDetached(p.to_string()));
                }
            }
            ("aws_iam_role_policy", Action::Delete | Action::Update) => {
                let Some(role) = text(before, "role") else { return Ok(()) };
                for a in removed_actions(before, after, act == Action::Update) {
                    self.role_removal(role, origin.clone(), RoleChange::PermissionRemoved(a.to_string()));
                }
            }
            ("aws_iam_policy", Action::Delete | Action::Replace { .. } | Action::Update) => {
                let Some(arn) = text(before, "arn") else { return Ok(()) };
                let removed = removed_actions(before, after, act == Action::Update);
                if !removed.is_empty() {
                    self.pending.policies.push((arn.to_string(), removed, origin));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The execution role of an `aws_lambda_function` after the change, when
    /// the plan knows it (an ARN); a role known only after apply is left out.
    pub(super) fn role(&self, i: usize) -> Option<Value> {
        self.resources[i]
            .get("role")
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(Value::id)
    }

    /// Customer managed policies that lose ENI actions, onto the roles they are attached to.
    pub(super) fn finish_removals(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (arn, actions, origin) in &pending.policies {
            for (role, _) in pending.attachments.iter().filter(|(_, p)| p == arn) {
                for a in actions {
                    self.role_removal(role, origin.clone(), RoleChange::PermissionRemoved(a.to_string()));
                }
            }
        }
    }

    fn role_removal(&mut self, role: &str, origin: Origin, change: RoleChange) {
        let role = Value::id(role);
        let roles = &mut self.inv.removals.roles;
        if !roles.iter().any(|r| r.role == role && r.change == change && r.origin == origin) {
            roles.push(RoleRemoval { role, origin, change });
        }
    }

    fn removed_function(
        &mut self,
        before: &'a Node,
        after: Option<&'a Node>,
        unknown: bool,
        act: Action,
        origin: Origin,
    ) -> Result<(), InputError> {
        let Some(vpc) = self.before_vpc(before, &origin)? else {
            return Ok(());
        };
        let arn = text(before, "arn").unwrap_or_default();
        let parts: Vec<&str> = arn.split(':').collect();
        let (region, account) = match parts.as_slice() {
            ["arn", _, "lambda", region, account, ..] => (region.to_string(), account.to_string()),
            _ => (String::new(), String::new()),
        };
        let function = Function {
            name: text(before, "function_name").unwrap_or(&origin.resource).into(),
            account: account.into(),
            region: region.into(),
            origin: origin.clone(),
            versions: thin_vec![Version::latest(Some(vpc))],
            role: text(before, "role").map(|r| Box::new(Value::id(r))),
            ..Default::default()
        };
        let how = match act {
            // `skip_destroy` only forgets the function: it stays, and keeps using its groups.
            Action::Delete if flag(before, "skip_destroy") => {
                let mut kept = function;
                kept.name = origin.resource.clone();
                self.inv.functions.push(kept);
                return Ok(());
            }
            Action::Delete | Action::Replace { .. } => FunctionRemoval::Deleted,
            Action::Update => {
                let after_cfg = after
                    .and_then(|a| a.get("vpc_config"))
                    .and_then(Node::as_seq)
                    .and_then(|s| s.first());
                let ids = |block: Option<&Node>, key: &str| -> Option<BTreeSet<String>> {
                    let list = block?.get(key)?.as_seq()?;
                    list.iter().map(|n| n.as_str().map(str::to_string)).collect()
                };
                let cfg = function.latest().and_then(|v| v.vpc.as_ref()).expect("built with one");
                let was = |items: &[Item]| -> BTreeSet<String> { items.iter().map(|i| i.value.to_string()).collect() };
                let now_subnets = ids(after_cfg, "subnet_ids");
                let now_groups = ids(after_cfg, "security_group_ids");
                let empty = |s: &Option<BTreeSet<String>>| s.as_ref().is_some_and(BTreeSet::is_empty);
                if !unknown && (after_cfg.is_none() || empty(&now_subnets) && empty(&now_groups)) {
                    FunctionRemoval::Detached
                } else if !unknown
                    && now_subnets.as_ref() == Some(&was(&cfg.subnets))
                    && now_groups.as_ref() == Some(&was(&cfg.security_groups))
                {
                    return Ok(());
                } else {
                    FunctionRemoval::Moved
                }
            }
        };
        self.inv.removals.functions.push(RemovedFunction {
            before: function,
            how,
            origin,
            replaces_groups_on_destroy: flag(before, "replace_security_groups_on_destroy"),
        });
        Ok(())
    }

    /// The function's `vpc_config` in the prior state, when it is attached.
    fn before_vpc(&self, before: &'a Node, origin: &Origin) -> Result<Option<VpcConfig>, InputError> {
        let Some(block) = before.get("vpc_config").and_then(Node::as_seq).and_then(|s| s.first()) else {
            return Ok(None);
        };
        let items = |key: &str| -> Result<Vec<Item>, InputError> {
            let Some(list) = block.get(key).filter(|n| !n.is_null()) else {
                return Ok(vec![]);
            };
            let list = list.as_seq().ok_or_else(|| {
                self.err(
                    list.span.clone(),
                    format!(
                        "`vpc_config[0].{key}` of `{}` must be a list of IDs, found {}",
                        origin.resource,
                        list.type_name()
                    ),
                )
            })?;
            Ok(list
                .iter()
                .filter_map(|n| match &n.kind {
                    Kind::Str(s) if !s.is_empty() => Some(Item::at(Value::id(s), origin.at(self.file_id, n.span.clone()))),
                    _ => None,
                })
                .collect())
        };
        let cfg = VpcConfig {
            subnets: items("subnet_ids")?.into(),
            security_groups: items("security_group_ids")?.into(),
            vpc_id: text(block, "vpc_id").map(Value::id),
            ipv6_dual_stack: None,
            origin: origin.clone(),
        };
        Ok(cfg.is_attached().then_some(cfg))
    }
}

/// The ENI actions an inline or managed policy document grants before and no
/// longer after (all of them for a delete). A document that is not JSON, is
/// unknown after apply, or uses `NotAction` is not guessed at: nothing.
fn removed_actions(before: &Node, after: Option<&Node>, update: bool) -> Vec<&'static str> {
    let Some(was) = text(before, "policy").and_then(granted) else {
        return vec![];
    };
    let now = if update {
        match after.and_then(|a| text(a, "policy")).and_then(granted) {
            Some(now) => now,
            None => return vec![],
        }
    } else {
        BTreeSet::new()
    };
    ENI_ACTIONS.into_iter().filter(|a| was.contains(a) && !now.contains(a)).collect()
}

/// Which ENI actions a policy document allows.
fn granted(policy: &str) -> Option<BTreeSet<&'static str>> {
    let doc: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statements = match doc.get("Statement")? {
        serde_json::Value::Array(list) => list.iter().collect::<Vec<_>>(),
        one @ serde_json::Value::Object(_) => vec![one],
        _ => return None,
    };
    let mut out = BTreeSet::new();
    for s in statements {
        if s.get("NotAction").is_some() {
            return None;
        }
        if s.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
            continue;
        }
        let actions: Vec<&str> = match s.get("Action") {
            Some(serde_json::Value::String(a)) => vec![a.as_str()],
            Some(serde_json::Value::Array(list)) => list.iter().filter_map(|a| a.as_str()).collect(),
            _ => continue,
        };
        for a in ENI_ACTIONS {
            if actions.iter().any(|pattern| glob(pattern, a)) {
                out.insert(a);
            }
        }
    }
    Some(out)
}

/// IAM's action wildcards (`*`, `?`), case-insensitive.
fn glob(pattern: &str, action: &str) -> bool {
    let (p, a): (Vec<char>, Vec<char>) = (
        pattern.to_ascii_lowercase().chars().collect(),
        action.to_ascii_lowercase().chars().collect(),
    );
    fn go(p: &[char], a: &[char]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x == y => go(&p[1..], &a[1..]),
            _ => false,
        }
    }
    go(&p, &a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_grant_eni_actions_by_name_and_wildcard() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*NetworkInterface*"],"Resource":"*"}]}"#;
        assert_eq!(granted(doc).unwrap().len(), 3);
        let one = r#"{"Statement":{"Effect":"Allow","Action":"ec2:DeleteNetworkInterface","Resource":"*"}}"#;
        assert_eq!(
            granted(one).unwrap().into_iter().collect::<Vec<_>>(),
            ["ec2:DeleteNetworkInterface"]
        );
        let deny = r#"{"Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}"#;
        assert!(granted(deny).unwrap().is_empty());
        assert!(granted("not json").is_none(), "malformed: not guessed");
        assert!(granted(r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#).is_none());
    }
}
