//! Whole-stack deletion (`eniplan check --delete`): every resource of the
//! templates read is removed. Their groups and subnets become removals,
//! their functions are deleted, and the execution roles the stack itself
//! defines (an `AWS::IAM::Role`, or the one SAM creates for a function that
//! names none) are deleted with them.
//!
//! A template names its own resources by logical ID (`!Ref LambdaSG`), the
//! account by physical ID (`sg-0abc…`, `orders-prod-ApiFunction-1X2Y3Z`). The
//! output of `aws cloudformation describe-stack-resources` or
//! `list-stack-resources` (`StackResources[]`/`StackResourceSummaries[]` with
//! `LogicalResourceId`, `PhysicalResourceId`, `ResourceType`), given as one
//! more file, maps one to the other
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResource.html>).
//! Without it, a group or subnet stays a symbol and matches nothing in the
//! account, and a function is found in the account only by a literal
//! `FunctionName`.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::InputError;
use crate::files::SourceFile;
use crate::model::*;
use crate::source::doc::{Kind, Node};

/// What `--delete` needs of the templates read, beyond the inventory.
#[derive(Debug, Default)]
pub struct Stacks {
    /// (template path, logical ID) → the resource.
    resources: BTreeMap<(String, String), Resource>,
    /// Logical ID → (physical ID, resource type), from stack resource lists.
    physical: BTreeMap<String, (String, String)>,
    /// The stack resource lists read.
    pub resource_lists: Vec<String>,
}

#[derive(Debug)]
struct Resource {
    ty: String,
    function_name: Option<String>,
    has_role: bool,
}

/// Records a template's resources: their types, literal function names and
/// whether a function names its role.
pub fn note_template(path: &str, root: &Node, stacks: &mut Stacks) {
    for (key, r) in root.get("Resources").and_then(Node::entries).unwrap_or_default() {
        let Some(ty) = r.get("Type").and_then(Node::as_str) else { continue };
        let props = r.get("Properties");
        let function_name = props.and_then(|p| p.get("FunctionName")).and_then(|n| match &n.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => None,
        });
        let resource = Resource {
            ty: ty.to_string(),
            function_name,
            has_role: props.and_then(|p| p.get("Role")).is_some(),
        };
        stacks.resources.insert((path.to_string(), key.name.clone()), resource);
    }
}

/// True for `describe-stack-resources` or `list-stack-resources` output.
pub fn is_stack_resources(root: &Node) -> bool {
    root.get("StackResources").is_some() || root.get("StackResourceSummaries").is_some()
}

pub fn read_stack_resources(file: &SourceFile, root: &Node, stacks: &mut Stacks) -> Result<(), InputError> {
    let list = root
        .get("StackResources")
        .or_else(|| root.get("StackResourceSummaries"))
        .expect("checked");
    let Some(items) = list.as_seq() else {
        return Err(super::wrong_type(file, list, "the stack resource list", "a list"));
    };
    for r in items {
        if r.entries().is_none() {
            return Err(super::wrong_type(file, r, "each stack resource", "a mapping"));
        }
        let field = |key: &str| super::optional_str(file, r, key);
        let (Some(logical), Some(ty)) = (field("LogicalResourceId")?, field("ResourceType")?) else {
            return Err(InputError::at(
                file,
                super::start(r),
                "a stack resource without `LogicalResourceId` or `ResourceType`",
                "this resource",
            ));
        };
        if let Some(physical) = field("PhysicalResourceId")? {
            stacks.physical.insert(logical.to_string(), (physical.to_string(), ty.to_string()));
        }
    }
    stacks.resource_lists.push(file.path.clone());
    Ok(())
}

/// What deleting the stacks removes, and which account functions go with them.
#[derive(Debug, Default)]
pub struct Deletion {
    pub removals: Removals,
    /// The stacks' functions by the name the account knows them by.
    pub functions: BTreeSet<String>,
}

impl Stacks {
    /// The physical ID of a template's `!Ref X` (or `!GetAtt X.GroupId`-style
    /// identity) when a stack resource list gives one for `X` of type `ty`.
    fn resolve(&self, value: &Value, ty: &str) -> Value {
        let Value::Symbol(symbol) = value else { return value.clone() };
        let Some(logical) = symbol.expr.strip_prefix("!Ref ") else {
            return value.clone();
        };
        match self.physical.get(logical) {
            Some((id, t)) if t == ty => Value::id(id),
            _ => value.clone(),
        }
    }

    /// A role the stack defines (`!GetAtt Role.Arn`) by its physical name, when the list gives it.
    fn resolve_role(&self, role: &Value) -> Value {
        let Value::Symbol(symbol) = role else { return role.clone() };
        let logical = symbol.expr.strip_prefix("!GetAtt ").and_then(|e| e.strip_suffix(".Arn"));
        match logical.and_then(|l| self.physical.get(l)) {
            Some((name, t)) if t == "AWS::IAM::Role" => Value::id(name),
            _ => role.clone(),
        }
    }

    /// True when a function's role is one the stack defines: it goes with the stack.
    fn defines_role(&self, role: &Value) -> bool {
        let Value::Symbol(symbol) = role else { return false };
        let Some(logical) = symbol.expr.strip_prefix("!GetAtt ").and_then(|e| e.strip_suffix(".Arn")) else {
            return false;
        };
        let resource = |id: &str| self.resources.get(&(symbol.scope.to_string(), id.to_string()));
        let declared = resource(logical).is_some_and(|r| r.ty == "AWS::IAM::Role");
        let implicit = logical
            .strip_suffix("Role")
            .and_then(resource)
            .is_some_and(|r| r.ty == "AWS::Serverless::Function" && !r.has_role);
        declared || implicit
    }

    /// The stacks' resources as removals. `stack` is the inventory the templates were read into.
    pub fn deletion(&self, stack: &Inventory) -> Deletion {
        let mut d = Deletion::default();
        let r = &mut d.removals;
        r.tool = Some(Tool::CloudFormation);
        for (value, sg) in &stack.security_groups {
            r.security_groups.push(self.removed(value, &sg.origin, "AWS::EC2::SecurityGroup"));
        }
        for (value, subnet) in &stack.subnets {
            r.subnets.push(self.removed(value, &subnet.origin, "AWS::EC2::Subnet"));
        }
        let mut unnamed = vec![];
        for f in &stack.functions {
            let mut before = f.clone();
            for cfg in before.versions.iter_mut().filter_map(|v| v.vpc.as_mut()) {
                for i in &mut cfg.security_groups {
                    i.value = self.resolve(&i.value, "AWS::EC2::SecurityGroup");
                }
                for i in &mut cfg.subnets {
                    i.value = self.resolve(&i.value, "AWS::EC2::Subnet");
                }
            }
            // A CDK function's origin reads `LogicalId (path)`.
            let logical = f.origin.resource.split(" (").next().unwrap_or_default();
            let physical = self
                .physical
                .get(logical)
                .filter(|(_, t)| t == "AWS::Lambda::Function")
                .map(|(id, _)| id.clone());
            let literal = self
                .resources
                .iter()
                .find(|((_, id), _)| id == logical)
                .and_then(|(_, r)| r.function_name.clone());
            match physical.or(literal) {
                Some(name) => {
                    before.name = name.as_str().into();
                    d.functions.insert(name);
                }
                None => unnamed.push(f.name.clone()),
            }
            before.role = f.role.as_ref().map(|role| Box::new(self.resolve_role(role)));
            if let Some(role) = f.role.as_ref().filter(|role| self.defines_role(role)) {
                let role = self.resolve_role(role);
                if !r.roles.iter().any(|x| x.role == role) {
                    r.roles.push(RoleRemoval {
                        role,
                        origin: f.origin.clone(),
                        change: RoleChange::Deleted,
                    });
                }
            }
            r.functions.push(RemovedFunction {
                before,
                how: FunctionRemoval::Deleted,
                origin: f.origin.clone(),
                replaces_groups_on_destroy: false,
            });
        }
        if self.resource_lists.is_empty() {
            r.notes.push(
                "no stack resource list given: the stack's groups and subnets are matched to the account by logical ID only, which matches none; pass the output of `aws cloudformation describe-stack-resources --stack-name NAME --output json` to match them by physical ID".into(),
            );
        }
        if !unnamed.is_empty() {
            r.notes.push(format!(
                "the account's name of {} is not known (no literal FunctionName, and no stack resource list names it), so with --against or --live the account's copy is still counted as a user",
                unnamed.join(", ")
            ));
        }
        d
    }

    fn removed(&self, value: &Value, origin: &Origin, ty: &str) -> RemovedResource {
        RemovedResource {
            value: self.resolve(value, ty),
            origin: origin.clone(),
            replaced: false,
            // A stack delete removes the functions before what they depend on.
            deleted_first: false,
        }
    }
}

/// The account once the stacks are deleted: without the stacks' functions,
/// with the deletion's removals. Every function left is the account's.
pub fn after(mut account: Inventory, deletion: Deletion) -> Inventory {
    account.functions.retain(|f| !deletion.functions.contains(&*f.name));
    account.deploy_start = Some(account.functions.len());
    account.removals = deletion.removals;
    account
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{load_paths, LoadOptions};

    fn load(files: &[&str]) -> crate::source::Loaded {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let paths: Vec<_> = files.iter().map(|f| root.join(f)).collect();
        load_paths(&paths, &LoadOptions::default()).unwrap()
    }

    /// The removed function of that name.
    fn removed_function<'a>(d: &'a Deletion, name: &str) -> &'a RemovedFunction {
        d.removals.functions.iter().find(|f| *f.before.name == *name).unwrap()
    }

    const SAM: &str = "testdata/examples/sam-app/template.yaml";
    const RESOURCES: &str = "testdata/changesets/orders-stack-resources.json";

    #[test]
    fn a_stack_resource_list_resolves_groups_subnets_and_function_names() {
        let loaded = load(&[SAM, RESOURCES]);
        let d = loaded.stacks.deletion(&loaded.inventory);
        let groups: Vec<_> = d.removals.security_groups.iter().map(|r| r.value.to_string()).collect();
        assert!(groups.contains(&"sg-0b1e5c0a7d3f2e111".to_string()), "{groups:?}");
        // The VPC's default group is not in the list: it stays a symbol.
        assert!(groups.contains(&"!GetAtt Vpc.DefaultSecurityGroup".to_string()), "{groups:?}");
        assert!(d.removals.subnets.iter().any(|r| r.value == Value::id("subnet-0a1b2c3d4e5f60001")));
        assert!(d.functions.contains("orders-prod-ApiFunction-1X2Y3Z4W5V6U"));
        let api = removed_function(&d, "orders-prod-ApiFunction-1X2Y3Z4W5V6U");
        assert_eq!(api.how, FunctionRemoval::Deleted);
        let vpc = api.before.latest().unwrap().vpc.as_ref().unwrap();
        assert_eq!(vpc.sg_set(), vec![Value::id("sg-0b1e5c0a7d3f2e111")]);
        assert_eq!(d.removals.tool, Some(Tool::CloudFormation));
        assert!(d.removals.notes.iter().all(|n| !n.contains("no stack resource list given")));
    }

    #[test]
    fn roles_the_stack_defines_are_deleted_and_roles_it_names_by_arn_are_not() {
        let loaded = load(&[SAM]);
        let d = loaded.stacks.deletion(&loaded.inventory);
        let mut roles: Vec<_> = d.removals.roles.iter().map(|r| (r.role.to_string(), r.change.clone())).collect();
        roles.sort_by(|a, b| a.0.cmp(&b.0));
        // SAM creates `<Function>Role` for ApiFunction and CheckoutFunction; the
        // Lambda functions name roles outside the stack by ARN.
        assert_eq!(
            roles,
            [
                ("!GetAtt ApiFunctionRole.Arn".to_string(), RoleChange::Deleted),
                ("!GetAtt CheckoutFunctionRole.Arn".to_string(), RoleChange::Deleted)
            ]
        );
        let worker = removed_function(&d, "WorkerFunction");
        assert_eq!(
            worker.before.role.as_deref(),
            Some(&Value::id("arn:aws:iam::123456789012:role/orders-worker"))
        );
        // With the stack resource list, a role the stack defines is named as the account names it.
        let loaded = load(&[SAM, RESOURCES]);
        let d = loaded.stacks.deletion(&loaded.inventory);
        let roles: Vec<_> = d.removals.roles.iter().map(|r| r.role.to_string()).collect();
        assert!(roles.contains(&"orders-prod-ApiFunctionRole-9QF1P7C2LM0D".to_string()), "{roles:?}");
        let api = removed_function(&d, "orders-prod-ApiFunction-1X2Y3Z4W5V6U");
        assert_eq!(
            api.before.role.as_deref(),
            Some(&Value::id("orders-prod-ApiFunctionRole-9QF1P7C2LM0D"))
        );
        let worker = removed_function(&d, "orders-prod-WorkerFunction-8H7G6F5E4D3C");
        assert_eq!(
            worker.before.role.as_deref(),
            Some(&Value::id("arn:aws:iam::123456789012:role/orders-worker"))
        );
    }

    #[test]
    fn without_a_resource_list_nothing_is_matched_and_the_report_says_why() {
        let loaded = load(&[SAM]);
        let d = loaded.stacks.deletion(&loaded.inventory);
        assert!(d.functions.is_empty());
        assert!(d.removals.security_groups.iter().all(|r| matches!(r.value, Value::Symbol { .. })));
        assert!(d.removals.notes.iter().any(|n| n.contains("no stack resource list given")));
        assert!(d.removals.notes.iter().any(|n| n.contains("ApiFunction")));
    }

    #[test]
    fn the_account_after_the_delete_keeps_only_functions_outside_the_stack() {
        let loaded = load(&[SAM, RESOURCES]);
        let d = loaded.stacks.deletion(&loaded.inventory);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/changesets/account-shared.json");
        let (account, _) = crate::source::snapshot::load(&path).unwrap();
        let after = after(account, d);
        let names: Vec<_> = after.functions.iter().map(|f| &*f.name).collect();
        assert_eq!(names, ["billing-sync"]);
        assert_eq!(after.deploy_start, Some(1));
        assert!(!after.removals.is_empty());
    }

    #[test]
    fn a_declared_role_goes_with_the_stack_and_a_parameter_role_does_not() {
        let template = "Parameters:\n  SharedRole: {Type: String}\nResources:\n  Role:\n    Type: AWS::IAM::Role\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt Role.Arn\n  B:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !Ref SharedRole\n";
        let mut loaded = crate::source::Loaded::default();
        let file = crate::files::SourceFile::new("t.yaml", template);
        crate::source::load_source(file, &LoadOptions::default(), &mut loaded, true).unwrap();
        let d = loaded.stacks.deletion(&loaded.inventory);
        let roles: Vec<_> = d.removals.roles.iter().map(|r| r.role.to_string()).collect();
        assert_eq!(roles, ["!GetAtt Role.Arn"]);
        assert_eq!(d.removals.functions.len(), 2);
    }
}
