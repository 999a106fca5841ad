//! What a change deletes or detaches, read from a Terraform plan's deletes and
//! replacements, a CloudFormation change set's removals, or a whole-stack
//! delete (`check --delete`). The teardown rules (ENI4xx) judge it against the
//! functions and versions that still use each group and subnet afterwards.

use serde::Serialize;

use crate::model::{Function, Origin, Value};

/// The tool that runs the change: it decides how long a delete waits and which fixes exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Terraform,
    CloudFormation,
}

#[derive(Clone, Debug, Default)]
pub struct Removals {
    pub tool: Option<Tool>,
    /// Security groups the change deletes, or replaces (delete and re-create).
    pub security_groups: Vec<RemovedResource>,
    pub subnets: Vec<RemovedResource>,
    /// Functions the change deletes, or whose VpcConfig it removes or changes.
    pub functions: Vec<RemovedFunction>,
    /// Execution roles the change deletes, or whose ENI permissions it removes.
    pub roles: Vec<RoleRemoval>,
    /// What the reader could not see, for the report (a nested change set not given).
    pub notes: Vec<String>,
}

impl Removals {
    pub fn is_empty(&self) -> bool {
        self.security_groups.is_empty() && self.subnets.is_empty() && self.functions.is_empty() && self.roles.is_empty()
    }
}

/// A security group or subnet the change deletes.
#[derive(Clone, Debug)]
pub struct RemovedResource {
    /// As functions name it: the ID, or the symbol in the change's own scope.
    pub value: Value,
    pub origin: Origin,
    /// Deleted and re-created (a replacement), not gone for good.
    pub replaced: bool,
    /// Deleted before the functions that use it are updated: Terraform's
    /// default replacement (`["delete","create"]`) deletes the old resource
    /// first and updates its users only once the new one exists, so they
    /// still use it when the delete runs. False for a plain delete and for a
    /// create-before-destroy replacement (CloudFormation's), which run after
    /// the users moved.
    pub deleted_first: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionRemoval {
    Deleted,
    /// Its VpcConfig is removed.
    Detached,
    /// Its VpcConfig moves to other subnets or groups.
    Moved,
}

#[derive(Clone, Debug)]
pub struct RemovedFunction {
    /// The function as it was before the change, with its VpcConfig and role.
    /// Its `name` (and `account`, `region` when known) is the Lambda
    /// function's own, so `--against` finds it in the account.
    pub before: Function,
    pub how: FunctionRemoval,
    pub origin: Origin,
    /// Terraform's `replace_security_groups_on_destroy` (with or without
    /// `replacement_security_group_ids`) is set on it.
    pub replaces_groups_on_destroy: bool,
}

#[derive(Clone, Debug)]
pub struct RoleRemoval {
    /// The role as functions name it (ARN, name or symbol).
    pub role: Value,
    pub origin: Origin,
    pub change: RoleChange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleChange {
    Deleted,
    /// A managed policy that grants the ENI permissions is detached.
    PolicyDetached(String),
    /// An inline statement granting this action is removed.
    PermissionRemoved(String),
}
