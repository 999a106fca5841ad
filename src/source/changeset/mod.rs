//! CloudFormation change sets: the JSON of `aws cloudformation
//! describe-change-set --include-property-values --output json`, read as what
//! the change deletes or detaches ([`Removals`]) and the functions it adds or
//! changes (their state after the change).
//!
//! Field names follow the CloudFormation API reference: `DescribeChangeSet`
//! returns `ChangeSetId`, `StackName` and `Changes`; each `Change` holds a
//! `ResourceChange` with `Action` (Add, Modify, Remove, Import, Dynamic,
//! SyncWithActual), `LogicalResourceId`, `PhysicalResourceId`, `ResourceType`,
//! `Replacement` (True, False, Conditional), `Details`, `ChangeSetId` (the
//! nested change set of an `AWS::CloudFormation::Stack`), and `BeforeContext`
//! and `AfterContext`: "an encoded JSON string that contains the context of
//! the resource before/after the change is executed", present with
//! `IncludePropertyValues`.
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html>.
//! The contexts hold `{"Properties": {...}}` with values already resolved, as
//! in the user guide's examples
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-samples.html>);
//! a value CloudFormation resolves only when the change set runs reads
//! `{{changeSet:KNOWN_AFTER_APPLY}}` and stays unresolved here.
//!
//! A change set lists only the resources it changes. The functions and
//! versions that keep using a removed group come from `--against`/`--live`;
//! the reader says so in a note.

mod context;
pub mod delete;
mod iam;

use std::collections::{BTreeMap, BTreeSet};

use crate::error::InputError;
use crate::files::{FileId, SourceFile, Span};
use crate::model::*;
use crate::source::doc::{Kind, Node};
use crate::source::Loaded;
use context::Context;

/// The change sets read in one run and the nested ones they name, so a nested
/// change set not given is noted once every file is read.
#[derive(Debug, Default)]
pub struct Seen {
    ids: BTreeSet<String>,
    nested: Vec<NestedRef>,
}

#[derive(Debug)]
struct NestedRef {
    file: String,
    stack: String,
    change_set: String,
}

const HELP: &str =
    "eniplan reads the JSON of `aws cloudformation describe-change-set --change-set-name ARN --include-property-values --output json`";

/// True when a document looks like `describe-change-set` output.
pub fn is_change_set(root: &Node) -> bool {
    root.get("ChangeSetId").is_some()
        || root.get("ChangeSetName").is_some()
        || root
            .get("Changes")
            .and_then(Node::as_seq)
            .is_some_and(|c| c.iter().any(|c| c.get("ResourceChange").is_some()))
}

pub fn read(file_id: FileId, file: &SourceFile, root: &Node, loaded: &mut Loaded) -> Result<(), InputError> {
    if root.entries().is_none() {
        return Err(wrong_type(file, root, "the change set", "a mapping"));
    }
    let change_set = optional_str(file, root, "ChangeSetId")?;
    let Some(changes) = root.get("Changes") else {
        return Err(InputError::at(
            file,
            root.span.start..root.span.start + 1,
            "not a complete change set: no `Changes` list",
            "this object",
        )
        .with_help(HELP));
    };
    let Some(changes) = changes.as_seq() else {
        return Err(wrong_type(file, changes, "`Changes`", "a list"));
    };
    // arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/ID
    let arn: Vec<&str> = change_set.unwrap_or_default().split(':').collect();
    let (region, account) = match arn.as_slice() {
        ["arn", _, "cloudformation", region, account, ..] => (region.to_string(), account.to_string()),
        _ => Default::default(),
    };
    let parsed = changes
        .iter()
        .map(|c| Change::parse(file, file_id, c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut reader = Reader {
        file,
        file_id,
        scope: file.path.clone(),
        account,
        region,
        inv: &mut loaded.inventory,
        role_arns: iam::role_arns(parsed.iter().flatten()),
        no_values: Vec::new(),
        notes: Vec::new(),
    };
    for change in parsed.iter().flatten() {
        reader.change(change, &mut loaded.change_sets)?;
    }
    let Reader { no_values, mut notes, .. } = reader;
    if !no_values.is_empty() {
        notes.push(format!(
            "{}: no property values for {}: describe the change set with `--include-property-values` so their VPC settings and permissions can be judged",
            file.path,
            no_values.join(", ")
        ));
    }
    notes.push(format!(
        "{}: a change set lists only the resources it changes; the functions and versions that keep using a removed group or subnet are read from --against or --live, and without them only this change set's own functions are judged",
        file.path
    ));
    let removals = &mut loaded.inventory.removals;
    removals.tool = Some(Tool::CloudFormation);
    for n in notes {
        if !removals.notes.contains(&n) {
            removals.notes.push(n);
        }
    }
    if let Some(id) = change_set {
        loaded.change_sets.ids.insert(id.to_string());
    }
    Ok(())
}

/// Notes each nested change set named by a change set read but not given itself.
pub fn finish(loaded: &mut Loaded) {
    let seen = &loaded.change_sets;
    for n in seen.nested.iter().filter(|n| !seen.ids.contains(&n.change_set)) {
        loaded.inventory.removals.notes.push(format!(
            "{}: nested stack {} has its own change set, not given, so its changes are not judged; describe it too (`aws cloudformation describe-change-set --change-set-name {} --include-property-values --output json`) and pass the file",
            n.file, n.stack, n.change_set
        ));
    }
}

/// One `Changes[].ResourceChange`.
struct Change {
    action: String,
    ty: String,
    logical: String,
    physical: Option<String>,
    replacement: Option<String>,
    nested: Option<String>,
    before: Option<Context>,
    after: Option<Context>,
    /// `Details[]`: property path → the resource it references (`CausingEntity`).
    causes: BTreeMap<String, String>,
    origin: Origin,
}

impl Change {
    /// `None` for a change that is not a resource change (`Type` other than `Resource`).
    fn parse(file: &SourceFile, file_id: FileId, change: &Node) -> Result<Option<Change>, InputError> {
        if change.entries().is_none() {
            return Err(wrong_type(file, change, "each of `Changes`", "a mapping"));
        }
        if optional_str(file, change, "Type")?.is_some_and(|t| t != "Resource") {
            return Ok(None);
        }
        let Some(rc) = change.get("ResourceChange") else {
            return Err(InputError::at(file, start(change), "a change without a `ResourceChange`", "this change").with_help(HELP));
        };
        if rc.entries().is_none() {
            return Err(wrong_type(file, rc, "`ResourceChange`", "a mapping"));
        }
        let required = |key: &str| -> Result<String, InputError> {
            optional_str(file, rc, key)?
                .map(str::to_string)
                .ok_or_else(|| InputError::at(file, start(rc), format!("`ResourceChange` without `{key}`"), "this change").with_help(HELP))
        };
        let action = required("Action")?;
        let ty = required("ResourceType")?;
        let logical_node = rc.get("LogicalResourceId");
        let logical = required("LogicalResourceId")?;
        let origin = Origin::in_file(&logical, file_id, logical_node.map_or_else(|| start(rc), |n| n.span.clone()));
        let context = |key: &str| -> Result<Option<Context>, InputError> {
            match rc.get(key) {
                None => Ok(None),
                Some(n) if n.is_null() => Ok(None),
                Some(n) => Context::parse(file, n, &logical, key).map(Some),
            }
        };
        Ok(Some(Change {
            physical: optional_str(file, rc, "PhysicalResourceId")?.map(str::to_string),
            replacement: optional_str(file, rc, "Replacement")?.map(str::to_string),
            nested: optional_str(file, rc, "ChangeSetId")?.map(str::to_string),
            before: context("BeforeContext")?,
            after: context("AfterContext")?,
            causes: causes(file, rc)?,
            action,
            ty,
            logical,
            origin,
        }))
    }

    /// The physical name, or the logical ID when the resource has none yet.
    fn name(&self) -> &str {
        self.physical.as_deref().unwrap_or(&self.logical)
    }

    fn replaced(&self) -> bool {
        self.replacement.as_deref() == Some("True")
    }
}

/// `Details[].CausingEntity` by `Target.Path`: which resource a value that is
/// known only after apply refers to (`ResourceReference`, `ResourceAttribute`).
fn causes(file: &SourceFile, rc: &Node) -> Result<BTreeMap<String, String>, InputError> {
    let Some(details) = rc.get("Details") else {
        return Ok(BTreeMap::new());
    };
    let Some(details) = details.as_seq() else {
        return Err(wrong_type(file, details, "`Details`", "a list"));
    };
    let mut out = BTreeMap::new();
    for d in details {
        let source = d.get("ChangeSource").and_then(Node::as_str);
        if !matches!(source, Some("ResourceReference" | "ResourceAttribute")) {
            continue;
        }
        let path = d.get("Target").and_then(|t| t.get("Path")).and_then(Node::as_str);
        if let (Some(path), Some(entity)) = (path, d.get("CausingEntity").and_then(Node::as_str)) {
            out.insert(path.to_string(), entity.to_string());
        }
    }
    Ok(out)
}

struct Reader<'a> {
    file: &'a SourceFile,
    file_id: FileId,
    scope: String,
    account: String,
    region: String,
    inv: &'a mut Inventory,
    /// Role name → the ARN the change set's functions name it by.
    role_arns: BTreeMap<String, String>,
    /// Resources whose property values the change set does not hold.
    no_values: Vec<String>,
    notes: Vec<String>,
}

impl Reader<'_> {
    fn change(&mut self, c: &Change, seen: &mut Seen) -> Result<(), InputError> {
        match c.ty.as_str() {
            "AWS::EC2::SecurityGroup" | "AWS::EC2::Subnet" => self.network(c),
            "AWS::Lambda::Function" => self.function(c)?,
            "AWS::IAM::Role" => self.role(c),
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => self.inline_policy(c),
            "AWS::CloudFormation::Stack" => self.nested(c, seen),
            "AWS::Lambda::Version" if c.action == "Remove" => self.notes.push(format!(
                "{} ({}): the change set deletes this published version, but eniplan still counts it as a user of its combination",
                c.logical,
                c.name()
            )),
            _ => {}
        }
        Ok(())
    }

    /// A group or subnet deleted, or replaced (deleted and re-created).
    fn network(&mut self, c: &Change) {
        let replaced = match (c.action.as_str(), c.replacement.as_deref()) {
            ("Remove", _) => false,
            ("Modify", Some("True")) => true,
            ("Modify", Some("Conditional")) => {
                self.notes.push(format!(
                    "{} ({}) may be replaced (`Replacement: Conditional`); a replacement deletes it as a removal would",
                    c.logical,
                    c.name()
                ));
                return;
            }
            _ => return,
        };
        let value = match &c.physical {
            Some(id) => Value::id(id),
            None => Value::symbol(&self.scope, format!("!Ref {}", c.logical)),
        };
        let removed = RemovedResource {
            value,
            origin: c.origin.clone(),
            replaced,
            // CloudFormation creates a replacement first, points its users at
            // it, and deletes the old resource in the cleanup phase.
            deleted_first: false,
        };
        if c.ty == "AWS::EC2::Subnet" {
            self.inv.removals.subnets.push(removed);
        } else {
            self.inv.removals.security_groups.push(removed);
        }
    }

    fn function(&mut self, c: &Change) -> Result<(), InputError> {
        let before = match &c.before {
            Some(ctx) => Some(self.read_function(c, c.name(), ctx)?),
            None => None,
        };
        let after = match &c.after {
            Some(ctx) => {
                // A replacement gets a new physical name, unless the template sets one.
                let name = ctx.plain("FunctionName").map_or_else(
                    || {
                        if c.replaced() || c.physical.is_none() {
                            c.logical.clone()
                        } else {
                            c.name().to_string()
                        }
                    },
                    str::to_string,
                );
                Some(self.read_function(c, &name, ctx)?)
            }
            None => None,
        };
        let needs_before = matches!(c.action.as_str(), "Remove" | "Modify");
        let needs_after = matches!(c.action.as_str(), "Add" | "Modify" | "Import");
        if needs_before && before.is_none() || needs_after && after.is_none() {
            self.no_values.push(c.logical.clone());
        }
        let removed = |before: Option<Function>, how| RemovedFunction {
            before: before.unwrap_or_else(|| Function {
                name: c.name().into(),
                account: self.account.as_str().into(),
                region: self.region.as_str().into(),
                origin: c.origin.clone(),
                ..Default::default()
            }),
            how,
            origin: c.origin.clone(),
            replaces_groups_on_destroy: false,
        };
        match c.action.as_str() {
            "Remove" => {
                let r = removed(before, FunctionRemoval::Deleted);
                self.inv.removals.functions.push(r);
            }
            "Modify" if c.replaced() => {
                let r = removed(before, FunctionRemoval::Deleted);
                self.inv.removals.functions.push(r);
                self.inv.functions.extend(after);
            }
            "Modify" => {
                let how = before.as_ref().zip(after.as_ref()).and_then(|(b, a)| vpc_change(b, a));
                if let (Some(how), Some(b)) = (how, before) {
                    let r = removed(Some(b), how);
                    self.inv.removals.functions.push(r);
                }
                self.inv.functions.extend(after);
            }
            "Add" | "Import" => self.inv.functions.extend(after),
            "Dynamic" => self.notes.push(format!(
                "{} ({}): CloudFormation cannot tell yet what this change set does to it (`Action: Dynamic`)",
                c.logical,
                c.name()
            )),
            _ => {}
        }
        Ok(())
    }

    fn read_function(&mut self, c: &Change, name: &str, ctx: &Context) -> Result<Function, InputError> {
        let vpc = ctx.vpc_config(self, c)?;
        let role = ctx.props.get("Role").map(|r| self.value(c, ctx, r, "Role"));
        Ok(Function {
            name: name.into(),
            account: self.account.as_str().into(),
            region: self.region.as_str().into(),
            origin: c.origin.clone(),
            versions: thin_vec![Version::latest(vpc)],
            role: role.map(Box::new),
            ..Default::default()
        })
    }

    /// A resolved value is an ID; anything else (known only after apply, or an
    /// unexpected shape) is a symbol for what it refers to, never a guess.
    fn value(&mut self, c: &Change, ctx: &Context, node: &Node, path: &str) -> Value {
        if let Kind::Str(s) = &node.kind {
            if !s.is_empty() && !s.contains("{{") {
                return Value::id(s);
            }
        }
        let hint = "CloudFormation resolves this value only when the change set runs";
        let value = match c.causes.get(&format!("/Properties/{path}")) {
            Some(entity) => match entity.split_once('.') {
                Some((resource, attr)) => Value::symbol(&self.scope, format!("!GetAtt {resource}.{attr}")),
                None => Value::symbol(&self.scope, format!("!Ref {entity}")),
            },
            None => Value::symbol(&self.scope, format!("{}.{} in {}", c.logical, path.replace('/', "."), ctx.field)),
        };
        self.inv.unresolved.entry(value.clone()).or_insert_with(|| hint.into());
        value
    }

    fn role(&mut self, c: &Change) {
        let role = Value::id(self.role_arns.get(c.name()).map_or(c.name(), String::as_str));
        let mut push = |change| {
            self.inv.removals.roles.push(RoleRemoval {
                role: role.clone(),
                origin: c.origin.clone(),
                change,
            })
        };
        match c.action.as_str() {
            "Remove" => push(RoleChange::Deleted),
            "Modify" => {
                let (Some(before), Some(after)) = (&c.before, &c.after) else {
                    self.no_values.push(c.logical.clone());
                    return;
                };
                for p in iam::lost_managed_policies(&before.props, &after.props) {
                    push(RoleChange::PolicyDetached(p));
                }
                let granted = |ctx: &Context| iam::role_grants(&ctx.props);
                for a in granted(before).difference(&granted(after)) {
                    push(RoleChange::PermissionRemoved(a.to_string()));
                }
            }
            _ => {}
        }
    }

    /// `AWS::IAM::Policy` (attached to `Roles`) or `AWS::IAM::RolePolicy`
    /// (`RoleName`): ENI permissions it stops granting to each role.
    fn inline_policy(&mut self, c: &Change) {
        let Some(before) = &c.before else {
            if matches!(c.action.as_str(), "Remove" | "Modify") {
                self.no_values.push(c.logical.clone());
            }
            return;
        };
        let after = match c.action.as_str() {
            "Remove" => None,
            "Modify" => match &c.after {
                Some(a) => Some(a),
                None => {
                    self.no_values.push(c.logical.clone());
                    return;
                }
            },
            _ => return,
        };
        let granted_after = after.map(|a| (iam::policy_roles(&a.props), iam::document_grants(a.props.get("PolicyDocument"))));
        let granted_before = iam::document_grants(before.props.get("PolicyDocument"));
        for role in iam::policy_roles(&before.props) {
            let kept = granted_after
                .as_ref()
                .filter(|(roles, _)| roles.contains(&role))
                .map(|(_, g)| g.clone())
                .unwrap_or_default();
            let arn = self.role_arns.get(&role).cloned().unwrap_or(role);
            for a in granted_before.difference(&kept) {
                self.inv.removals.roles.push(RoleRemoval {
                    role: Value::id(&arn),
                    origin: c.origin.clone(),
                    change: RoleChange::PermissionRemoved(a.to_string()),
                });
            }
        }
    }

    fn nested(&mut self, c: &Change, seen: &mut Seen) {
        let file = self.file;
        if c.action == "Remove" {
            self.notes.push(format!(
                "{}: nested stack {} is deleted, and a change set does not list its resources; check its template with `eniplan check --delete`",
                file.path, c.logical
            ));
            return;
        }
        match &c.nested {
            Some(id) => seen.nested.push(NestedRef {
                file: file.path.clone(),
                stack: c.logical.clone(),
                change_set: id.clone(),
            }),
            None if c.action == "Modify" => self.notes.push(format!(
                "{}: nested stack {} changes, but the change set was created without `--include-nested-stacks`, so its changes are not listed",
                file.path, c.logical
            )),
            None => {}
        }
    }
}

/// How a function's VPC settings change, if they leave a combination.
fn vpc_change(before: &Function, after: &Function) -> Option<FunctionRemoval> {
    let b = before.latest()?.vpc.as_ref().filter(|v| v.is_attached())?;
    match after.latest().and_then(|v| v.vpc.as_ref()).filter(|v| v.is_attached()) {
        None => Some(FunctionRemoval::Detached),
        Some(a) if a.subnet_set() != b.subnet_set() || a.sg_set() != b.sg_set() => Some(FunctionRemoval::Moved),
        Some(_) => None,
    }
}

fn start(node: &Node) -> Span {
    node.span.start..node.span.start + 1
}

fn optional_str<'n>(file: &SourceFile, node: &'n Node, key: &str) -> Result<Option<&'n str>, InputError> {
    match node.get(key) {
        None => Ok(None),
        Some(n) if n.is_null() => Ok(None),
        Some(n) => match &n.kind {
            Kind::Str(s) => Ok(Some(s)),
            _ => Err(wrong_type(file, n, &format!("`{key}`"), "a string")),
        },
    }
}

fn wrong_type(file: &SourceFile, node: &Node, what: &str, expected: &str) -> InputError {
    InputError::at(
        file,
        node.span.clone(),
        format!("{what} must be {expected}, found {}", node.type_name()),
        "wrong type",
    )
    .with_help(HELP)
}

#[cfg(test)]
mod tests;
