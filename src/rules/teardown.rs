//! What the teardown rules (ENI401–ENI403) share: which groups and subnets
//! the change deletes, who still uses them, and how long the tool running the
//! change waits for Lambda to release its ENIs.

use serde::Serialize;

use super::{Context, Finding};
use crate::graph::{EniGraph, User};
use crate::model::{Function, FunctionRemoval, Inventory, RemovedFunction, RemovedResource, Tool, Value, VpcConfig};

/// How long a teardown finding's delete may wait, and the source of the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Teardown {
    pub wait_minutes_max: u32,
    pub source: &'static str,
}

/// Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC".
pub const LAMBDA_MINUTES: u32 = 20;
/// terraform-provider-aws, `aws_lambda_function` documentation (provider 2.31.0 and later).
pub const TERRAFORM_MINUTES: u32 = 45;

impl Teardown {
    /// The wait of the tool that runs the change: Terraform's provider waits
    /// longer than Lambda's documented time; CloudFormation waits for Lambda.
    pub fn of(tool: Option<Tool>) -> Self {
        match tool {
            Some(Tool::Terraform) => Teardown {
                wait_minutes_max: TERRAFORM_MINUTES,
                source: "terraform-provider-aws (aws_lambda_function): subnets and security groups used by Lambda can take up to 45 minutes to delete",
            },
            _ => Teardown {
                wait_minutes_max: LAMBDA_MINUTES,
                source: "Lambda Developer Guide (configuration-vpc): Lambda takes up to 20 minutes to delete an ENI no function or version uses",
            },
        }
    }

    /// One sentence on the wait, for messages.
    pub fn sentence(tool: Option<Tool>) -> &'static str {
        match tool {
            Some(Tool::Terraform) => "Lambda takes up to 20 minutes to delete an ENI after its last user goes, and terraform-provider-aws retries the delete for up to 45 minutes before it fails with DependencyViolation",
            Some(Tool::CloudFormation) => "Lambda takes up to 20 minutes to delete an ENI after its last user goes, and CloudFormation waits for it before it deletes the group or subnet",
            None => "Lambda takes up to 20 minutes to delete an ENI after its last user goes",
        }
    }
}

/// A security group or a subnet: the two parts of Lambda's sharing key a change can delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Group,
    Subnet,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Group => "security group",
            Kind::Subnet => "subnet",
        }
    }

    fn in_config(self, cfg: &VpcConfig, value: &Value) -> bool {
        let items = match self {
            Kind::Group => &cfg.security_groups,
            Kind::Subnet => &cfg.subnets,
        };
        items.iter().any(|i| &i.value == value)
    }
}

/// What every teardown rule reads: the graph, the inventory, and the tool
/// that runs the change.
pub fn open<'a>(cx: &Context<'a>) -> (&'a EniGraph<'a>, &'a Inventory, Option<Tool>) {
    let g = cx.graph;
    (g, g.inv, g.inv.removals.tool)
}

/// At most one finding per group or subnet the change deletes, from `judge`,
/// which is told who still uses it; a group's finding names the group as its subject.
pub fn per_removed<'a>(
    cx: &Context<'a>,
    mut judge: impl FnMut(Kind, &'a RemovedResource, Vec<User>, Vec<&'a RemovedFunction>) -> Option<Finding>,
) -> Vec<Finding> {
    let (g, inv, _) = open(cx);
    removed(inv)
        .filter_map(|(kind, r)| {
            let (after, first) = still_used(g, inv, kind, r);
            let mut f = judge(kind, r, after, first)?;
            if kind == Kind::Group {
                f.subjects.groups.push(r.value.clone());
            }
            Some(f)
        })
        .collect()
}

/// Every group and subnet the change deletes, groups first.
pub fn removed(inv: &Inventory) -> impl Iterator<Item = (Kind, &RemovedResource)> {
    let r = &inv.removals;
    r.security_groups
        .iter()
        .map(|x| (Kind::Group, x))
        .chain(r.subnets.iter().map(|x| (Kind::Subnet, x)))
}

/// The function versions that use `value` once the change is applied: the
/// change's own functions and, with `--against`/`--live`, the account's.
/// Values match by identity only: a symbol never equals an ID.
pub fn users_after(g: &EniGraph, kind: Kind, value: &Value) -> Vec<User> {
    g.users()
        .filter(|&u| match kind {
            Kind::Group => g.sgs(u).contains(value),
            Kind::Subnet => g.subnets(u).contains(value),
        })
        .collect()
}

/// The functions that still use `r` when a delete-first replacement deletes
/// it: the ones the change updates, not deletes (it updates them only after).
pub fn users_at_delete<'a>(inv: &'a Inventory, kind: Kind, r: &RemovedResource) -> Vec<&'a RemovedFunction> {
    if !r.deleted_first {
        return vec![];
    }
    inv.removals
        .functions
        .iter()
        .filter(|f| f.how != FunctionRemoval::Deleted && uses(&f.before, kind, &r.value))
        .collect()
}

/// Who still uses `r` when the change deletes it: the versions that use it
/// once the change is applied, and the functions updated only after the delete.
pub fn still_used<'a>(g: &EniGraph, inv: &'a Inventory, kind: Kind, r: &RemovedResource) -> (Vec<User>, Vec<&'a RemovedFunction>) {
    (users_after(g, kind, &r.value), users_at_delete(inv, kind, r))
}

/// True when any version of the function, as it was, uses `value`.
pub fn uses(f: &Function, kind: Kind, value: &Value) -> bool {
    f.versions.iter().filter_map(|v| v.vpc.as_ref()).any(|c| kind.in_config(c, value))
}

/// The combinations the functions had before the change, as `subnet + [groups]`;
/// only those that contain `only` when given.
pub fn combinations_before<'a>(functions: impl IntoIterator<Item = &'a RemovedFunction>, only: Option<(Kind, &Value)>) -> Vec<String> {
    let mut out = Vec::new();
    for f in functions {
        for cfg in f.before.versions.iter().filter_map(|v| v.vpc.as_ref()) {
            if only.is_some_and(|(kind, value)| !kind.in_config(cfg, value)) {
                continue;
            }
            let sgs = super::set(&cfg.sg_set());
            for subnet in cfg.subnet_set() {
                let key = format!("{subnet} + {sgs}");
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
    }
    out
}

/// What every teardown finding carries: it concerns the change even when it
/// names none of the deploy's functions, the functions it names, and the wait.
pub fn finish(mut f: Finding, functions: Vec<String>, tool: Option<Tool>) -> Finding {
    f.functions = functions.iter().take(super::MAX_LISTED).cloned().collect();
    f.functions_total = functions.len();
    f.teardown = Some(Teardown::of(tool));
    f.projected()
}

/// `orders:3 (alias prod)`: the version's name and the aliases that point to it.
pub fn user_label(g: &EniGraph, u: User) -> String {
    let aliases = &g.version(u).aliases;
    match aliases.len() {
        0 => g.user_name(u),
        1 => format!("{} (alias {})", g.user_name(u), aliases[0]),
        _ => format!("{} (aliases {})", g.user_name(u), aliases.join(", ")),
    }
}

/// `resource (how it goes)` for each function, for messages.
pub fn how_each(functions: &[&RemovedFunction]) -> Vec<String> {
    functions.iter().map(|f| format!("{} ({})", f.origin.resource, how(f))).collect()
}

/// How a removed function goes, for messages.
pub fn how(f: &RemovedFunction) -> &'static str {
    match f.how {
        FunctionRemoval::Deleted => "deleted",
        FunctionRemoval::Detached => "detached from its VPC",
        FunctionRemoval::Moved => "moved to other subnets or groups",
    }
}
