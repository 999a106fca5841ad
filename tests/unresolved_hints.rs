//! What eniplan says would resolve a value is true of that value: a condition
//! is decided by the parameters it tests, not by ones it does not; a VPC given
//! as an expression is listed among the unresolved values with its own hint.

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;

fn run(template: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), template).unwrap();
    let mut cmd = support::eniplan();
    cmd.current_dir(dir.path()).args(["check", "t.yaml"]);
    let (r, code) = support::json_with(&mut cmd, &[]);
    assert!(matches!(code, 0 | 1), "exit {code}");
    r
}

/// The hint the report gives for the unresolved value `value`.
fn hint<'a>(r: &'a Value, value: &str) -> &'a str {
    r["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["value"] == value)
        .unwrap_or_else(|| panic!("{value} not among {:#}", r["unresolved"]))["hint"]
        .as_str()
        .unwrap()
}

fn conditional(condition: &str) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {{ Type: String }}
  Known: {{ Type: String, Default: prod }}
Conditions:
  Chosen: {condition}
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ ZipFile: x }}
      VpcConfig: !If
        - Chosen
        - {{ SubnetIds: [subnet-0a000000000000001], SecurityGroupIds: [sg-0a000000000000001] }}
        - {{ SubnetIds: [subnet-0a000000000000002], SecurityGroupIds: [sg-0a000000000000001] }}
"#
    )
}

fn vpc_config_hint(condition: &str) -> String {
    let r = run(&conditional(condition));
    let fixes: Vec<&str> = support::findings(&r, "ENI302").iter().map(|f| f["fix"].as_str().unwrap()).collect();
    assert_eq!(fixes.len(), 2, "{r:#}");
    fixes[0].to_string()
}

#[test]
fn a_condition_hint_names_what_the_condition_tests() {
    let by_tag = vpc_config_hint("!Equals [!Foo x, y]");
    assert!(!by_tag.contains("--parameter"), "{by_tag}");
    assert!(by_tag.contains("`!Foo`") && by_tag.contains("Processed"), "{by_tag}");

    let by_parameter = vpc_config_hint("!And [!Equals [!Ref Env, prod], !Equals [!Ref Known, prod]]");
    assert!(by_parameter.contains("`--parameter Env=<value>`"), "{by_parameter}");
    assert!(!by_parameter.contains("Known"), "{by_parameter}");

    let by_region = vpc_config_hint("!Equals [!Ref AWS::Region, us-east-1]");
    assert!(!by_region.contains("--parameter"), "{by_region}");
    assert!(by_region.contains("`AWS::Region`, known only at deploy time"), "{by_region}");

    let nested = vpc_config_hint("!Or [{ Condition: Other }, !Equals [!Sub \"${Env}-x\", prod-x]]");
    assert!(nested.contains("it names `condition Other`, not defined"), "{nested}");
    assert!(nested.contains("--parameter Env=<value>"), "{nested}");
}

#[test]
fn an_unresolved_vpc_says_what_would_resolve_it() {
    let r = run(r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  VpcId: { Type: AWS::EC2::VPC::Id }
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: g, VpcId: !Foo network }
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref VpcId, CidrBlock: 10.0.0.0/24 }
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: { ZipFile: x }
      VpcConfig: { SubnetIds: [!Ref Subnet], SecurityGroupIds: [!Ref Group] }
"#);
    assert!(hint(&r, "!Foo network").contains("`Foo` is not a CloudFormation function"));
    assert!(hint(&r, "!Ref VpcId").contains("--parameter VpcId=<value>"));
}
