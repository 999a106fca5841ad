//! The mapping from change sets to removals and functions, without the rules.

use super::*;
use crate::files::SourceFile;
use crate::source::{load_source, LoadOptions};

fn load(paths: &[&str]) -> Loaded {
    let mut loaded = Loaded::default();
    for p in paths {
        let path = format!("{}/testdata/changesets/{p}", env!("CARGO_MANIFEST_DIR"));
        let file = SourceFile::read(std::path::Path::new(&path)).unwrap();
        load_source(file, &LoadOptions::default(), &mut loaded, true).unwrap();
    }
    finish(&mut loaded);
    loaded
}

fn inline(text: &str) -> Result<Loaded, crate::error::Failure> {
    let mut loaded = Loaded::default();
    load_source(SourceFile::new("cs.json", text), &LoadOptions::default(), &mut loaded, true)?;
    Ok(loaded)
}

#[test]
fn a_removed_group_function_and_role_become_removals() {
    let r = load(&["remove-group.json"]).inventory.removals;
    assert_eq!(r.tool, Some(Tool::CloudFormation));
    assert_eq!(r.security_groups.len(), 1);
    assert_eq!(r.security_groups[0].value, Value::id("sg-0b1e5c0a7d3f2e111"));
    assert!(!r.security_groups[0].replaced);
    let f = &r.functions[0];
    assert_eq!(
        (f.how, &*f.before.name),
        (FunctionRemoval::Deleted, "orders-prod-ApiFunction-1X2Y3Z4W5V6U")
    );
    assert_eq!((&*f.before.account, &*f.before.region), ("111122223333", "eu-west-1"));
    let vpc = f.before.latest().unwrap().vpc.as_ref().unwrap();
    assert_eq!(vpc.sg_set(), vec![Value::id("sg-0b1e5c0a7d3f2e111")]);
    assert_eq!(vpc.subnets.len(), 2);
    // The role is named by its physical ID (its name); the functions' ARN for it is used.
    let arn = "arn:aws:iam::111122223333:role/orders-prod-ApiFunctionRole-9QF1P7C2LM0D";
    assert_eq!(f.before.role.as_deref(), Some(&Value::id(arn)));
    assert_eq!(r.roles.len(), 1);
    assert_eq!((&r.roles[0].role, &r.roles[0].change), (&Value::id(arn), &RoleChange::Deleted));
    assert!(r.notes.iter().any(|n| n.contains("lists only the resources it changes")));
}

#[test]
fn a_vpc_change_moves_or_detaches_and_the_after_state_is_in_the_inventory() {
    let inv = load(&["modify-vpc.json"]).inventory;
    let how: Vec<_> = inv.removals.functions.iter().map(|f| (&*f.before.name, f.how)).collect();
    assert_eq!(
        how,
        [
            ("orders-prod-WorkerFunction-8H7G6F5E4D3C", FunctionRemoval::Moved),
            ("orders-prod-ExportFunction-5T4R3E2W1Q0P", FunctionRemoval::Detached)
        ]
    );
    let after: Vec<_> = inv
        .functions
        .iter()
        .map(|f| (&*f.name, f.latest().unwrap().vpc.as_ref().map(|v| v.sg_set())))
        .collect();
    assert_eq!(
        after,
        [
            (
                "orders-prod-WorkerFunction-8H7G6F5E4D3C",
                Some(vec![Value::id("sg-0d2f6e1b8c4a3f222")])
            ),
            ("orders-prod-ExportFunction-5T4R3E2W1Q0P", None)
        ]
    );
    let roles: Vec<_> = inv.removals.roles.iter().map(|r| (r.role.as_str(), r.change.clone())).collect();
    let arn = "arn:aws:iam::111122223333:role/orders-prod-WorkerRole-2B7D0Q9XK3HF";
    assert_eq!(
        roles,
        [
            (arn, RoleChange::PolicyDetached("AWSLambdaVPCAccessExecutionRole".into())),
            (arn, RoleChange::PermissionRemoved("ec2:CreateNetworkInterface".into())),
            (arn, RoleChange::PermissionRemoved("ec2:DeleteNetworkInterface".into())),
            (arn, RoleChange::PermissionRemoved("ec2:DescribeNetworkInterfaces".into())),
        ]
    );
    // An added group is no removal.
    assert!(inv.removals.security_groups.is_empty());
}

#[test]
fn a_nested_change_set_is_read_when_given_and_noted_when_not() {
    let alone = load(&["nested-parent.json"]).inventory.removals;
    let note = |r: &Removals| {
        r.notes
            .iter()
            .any(|n| n.contains("nested stack NetworkStack has its own change set, not given"))
    };
    assert!(note(&alone));
    assert!(alone.subnets.is_empty());
    let both = load(&["nested-parent.json", "nested-child.json"]).inventory.removals;
    assert!(!note(&both));
    assert_eq!(both.subnets[0].value, Value::id("subnet-0a1b2c3d4e5f60001"));
}

fn one_change(rc: &str) -> String {
    format!(
        r#"{{"ChangeSetId": "arn:aws:cloudformation:eu-west-1:111122223333:changeSet/c/1", "Changes": [{{"Type": "Resource", "ResourceChange": {rc}}}]}}"#
    )
}

#[test]
fn a_replaced_group_is_removed_and_replaced_and_a_conditional_one_is_noted() {
    let rc = r#"{"Action": "Modify", "LogicalResourceId": "SG", "PhysicalResourceId": "sg-1", "ResourceType": "AWS::EC2::SecurityGroup", "Replacement": "True"}"#;
    let r = inline(&one_change(rc)).unwrap().inventory.removals;
    assert!(r.security_groups[0].replaced);
    let r = inline(&one_change(&rc.replace("True", "Conditional"))).unwrap().inventory.removals;
    assert!(r.security_groups.is_empty());
    assert!(r.notes.iter().any(|n| n.contains("Conditional")));
    let r = inline(&one_change(&rc.replace("True", "False"))).unwrap().inventory.removals;
    assert!(r.security_groups.is_empty() && r.notes.iter().all(|n| !n.contains("Conditional")));
}

#[test]
fn values_known_only_after_apply_stay_unresolved_and_name_their_cause() {
    let after = r#"{\"Properties\":{\"VpcConfig\":{\"SubnetIds\":[\"subnet-1\"],\"SecurityGroupIds\":[\"{{changeSet:KNOWN_AFTER_APPLY}}\",\"{{changeSet:KNOWN_AFTER_APPLY}}\"]}}}"#;
    let before = r#"{\"Properties\":{\"VpcConfig\":{\"SubnetIds\":[\"subnet-1\"],\"SecurityGroupIds\":[\"sg-old\"]}}}"#;
    let details = r#"[{"Target": {"Attribute": "Properties", "Name": "VpcConfig", "Path": "/Properties/VpcConfig/SecurityGroupIds/0", "RequiresRecreation": "Never"}, "Evaluation": "Dynamic", "ChangeSource": "ResourceAttribute", "CausingEntity": "WorkerSG.GroupId"}]"#;
    let rc = format!(
        r#"{{"Action": "Modify", "LogicalResourceId": "Fn", "PhysicalResourceId": "fn-1", "ResourceType": "AWS::Lambda::Function", "Replacement": "False", "Details": {details}, "BeforeContext": "{before}", "AfterContext": "{after}"}}"#
    );
    let inv = inline(&one_change(&rc)).unwrap().inventory;
    let sgs = inv.functions[0].latest().unwrap().vpc.as_ref().unwrap().security_groups.clone();
    assert_eq!(sgs[0].value, Value::symbol("cs.json", "!GetAtt WorkerSG.GroupId"));
    assert!(matches!(&sgs[1].value, Value::Symbol(s) if s.expr.contains("known") || s.expr.contains("SecurityGroupIds")));
    assert!(sgs.iter().all(|i| inv.unresolved.contains_key(&i.value)));
    assert_eq!(inv.removals.functions[0].how, FunctionRemoval::Moved);
}

#[test]
fn a_change_set_without_property_values_says_so() {
    let rc = r#"{"Action": "Remove", "LogicalResourceId": "Fn", "PhysicalResourceId": "fn-1", "ResourceType": "AWS::Lambda::Function"}"#;
    let r = inline(&one_change(rc)).unwrap().inventory.removals;
    assert_eq!(&*r.functions[0].before.name, "fn-1");
    assert!(r.functions[0].before.versions.is_empty());
    assert!(r.notes.iter().any(|n| n.contains("--include-property-values") && n.contains("Fn")));
}

#[test]
fn malformed_change_sets_are_located() {
    for (text, message) in [
        (r#"{"ChangeSetId": "x"}"#, "no `Changes` list"),
        (r#"{"ChangeSetId": "x", "Changes": {}}"#, "`Changes` must be a list"),
        (
            &one_change(r#"{"Action": "Remove", "ResourceType": "AWS::EC2::Subnet"}"#),
            "without `LogicalResourceId`",
        ),
        (
            &one_change(r#"{"Action": "Remove", "LogicalResourceId": "S", "ResourceType": "AWS::EC2::Subnet", "BeforeContext": "{nope"}"#),
            "`BeforeContext` of S is not JSON",
        ),
        (
            &one_change(r#"{"Action": "Remove", "LogicalResourceId": "S", "ResourceType": "AWS::EC2::Subnet", "AfterContext": 7}"#),
            "`AfterContext` must be a JSON-encoded string",
        ),
    ] {
        let Err(crate::error::Failure::Input(e)) = inline(text) else {
            panic!("{text} loads");
        };
        assert!(e.message.contains(message), "{}", e.message);
        assert!(e.line >= 1 && e.column >= 1);
    }
}

#[test]
fn a_deleted_published_version_is_noted() {
    let rc = r#"{"Action": "Remove", "LogicalResourceId": "FnVersion3", "PhysicalResourceId": "arn:aws:lambda:eu-west-1:111122223333:function:fn-1:3", "ResourceType": "AWS::Lambda::Version"}"#;
    let r = inline(&one_change(rc)).unwrap().inventory.removals;
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("function:fn-1:3") && n.contains("still counts it")));
}

#[test]
fn yaml_output_reads_the_same() {
    let yaml = "ChangeSetId: arn:aws:cloudformation:eu-west-1:111122223333:changeSet/c/1\nChanges:\n- Type: Resource\n  ResourceChange:\n    Action: Remove\n    LogicalResourceId: SG\n    PhysicalResourceId: sg-1\n    ResourceType: AWS::EC2::SecurityGroup\n    BeforeContext: '{\"Properties\":{\"GroupDescription\":\"x\"}}'\n";
    let mut loaded = Loaded::default();
    load_source(SourceFile::new("cs.yaml", yaml), &LoadOptions::default(), &mut loaded, true).unwrap();
    assert_eq!(loaded.inventory.removals.security_groups[0].value, Value::id("sg-1"));
}
