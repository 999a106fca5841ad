//! An unresolved AZ, route destination or security-group rule value in a
//! template is compared only by identity: the same expression in the same
//! template is one value; anything else is unknown, never a literal, and an
//! expression eniplan cannot evaluate (a macro's tag) has no identity at all.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;

fn report(dir: &Path, files: &[(&str, String)]) -> Value {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut cmd = support::eniplan();
    cmd.current_dir(dir).arg("check").args(files.iter().map(|(n, _)| *n));
    let (r, code) = support::json_with(&mut cmd, &[]);
    assert!(matches!(code, 0 | 1), "exit {code}");
    r
}

fn run(files: &[(&str, String)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), files)
}

fn messages(r: &Value, rule: &str) -> Vec<String> {
    support::findings(r, rule)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Two functions with one security group in two subnets of one VPC; the
/// subnets' AZs and the default route's destination fill the blanks.
fn subnets(az_a: &str, az_b: &str, destination: &str) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Az: {{ Type: String }}
  Other: {{ Type: String }}
  Dest: {{ Type: String }}
Resources:
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: vpc-0a000000000000001, CidrBlock: 10.0.1.0/24, AvailabilityZone: {az_a} }}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: vpc-0a000000000000001, CidrBlock: 10.0.2.0/24, AvailabilityZone: {az_b} }}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {{ VpcId: vpc-0a000000000000001 }}
  Default:
    Type: AWS::EC2::Route
    Properties: {{ RouteTableId: !Ref Table, DestinationCidrBlock: {destination}, NatGatewayId: nat-0a000000000000001 }}
  AssocA:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {{ SubnetId: !Ref SubnetA, RouteTableId: !Ref Table }}
  AssocB:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {{ SubnetId: !Ref SubnetB, RouteTableId: !Ref Table }}
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ ZipFile: x }}
      VpcConfig: {{ SubnetIds: [!Ref SubnetA], SecurityGroupIds: [sg-0a000000000000001] }}
  Billing:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ ZipFile: x }}
      VpcConfig: {{ SubnetIds: [!Ref SubnetB], SecurityGroupIds: [sg-0a000000000000001] }}
"#
    )
}

#[test]
fn an_expression_is_one_az_only_where_it_is_the_same_expression_in_one_template() {
    let drift = |a: &str, b: &str| messages(&run(&[("t.yaml", subnets(a, b, "0.0.0.0/0"))]), "ENI003");
    // The same parameter in one stack has one value: one AZ, whichever it is.
    assert_eq!(drift("!Ref Az", "!Ref Az").len(), 1);
    assert_eq!(drift(r#"!Select [0, !GetAZs ""]"#, r#"!Select [0, !GetAZs ""]"#).len(), 1);
    // Different expressions may be different AZs.
    assert!(drift("!Ref Az", "!Ref Other").is_empty());
    assert!(drift(r#"!Select [0, !GetAZs ""]"#, r#"!Select [1, !GetAZs ""]"#).is_empty());
    assert!(drift("!Ref Az", "us-east-1a").is_empty());
    // A tag eniplan does not know may give a different value at each place.
    let opaque = run(&[("t.yaml", subnets("!Foo x", "!Foo x", "0.0.0.0/0"))]);
    assert!(messages(&opaque, "ENI003").is_empty(), "{opaque:#}");
    for m in messages(&opaque, "ENI201") {
        assert!(!m.contains("!Foo"), "an opaque value taken for an AZ: {m}");
    }
}

#[test]
fn a_route_whose_destination_is_unresolved_may_be_the_default_route() {
    let consolidated = |destination: &str| {
        let r = run(&[("t.yaml", subnets("us-east-1a", "us-east-1a", destination))]);
        assert_eq!(messages(&r, "ENI003").len(), 1, "{r:#}");
        r["summary"]["consolidated_combinations"].as_u64().unwrap()
    };
    // Both subnets route the same known way: moving a function keeps its egress.
    assert_eq!(consolidated("0.0.0.0/0"), 1);
    // Their egress is not known: no merge is proposed.
    assert_eq!(consolidated("!Ref Dest"), 2);
}

/// A template with `groups` security groups, each allowing 443 from `cidr`,
/// and one function per group in one subnet.
fn groups(prefix: &str, count: usize, cidr: &str) -> String {
    let mut t = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  AllowedCidr: { Type: String }\n  Other: { Type: String }\nResources:\n",
    );
    for i in 0..count {
        t += &format!(
            r#"  {prefix}Group{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: g
      VpcId: vpc-0a000000000000001
      SecurityGroupIngress: [{{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: {cidr} }}]
  {prefix}Function{i}:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ ZipFile: x }}
      VpcConfig: {{ SubnetIds: [subnet-0a000000000000001], SecurityGroupIds: [!Ref {prefix}Group{i}] }}
"#
        );
    }
    t
}

#[test]
fn unresolved_rule_values_are_equal_only_as_the_same_expression_in_one_template() {
    let equivalent = |files: &[(&str, String)]| messages(&run(files), "ENI001");
    // One parameter in one template: the groups allow the same traffic.
    assert_eq!(equivalent(&[("t.yaml", groups("A", 2, "!Ref AllowedCidr"))]).len(), 1);
    assert_eq!(equivalent(&[("t.yaml", groups("A", 2, "10.0.0.0/8"))]).len(), 1);
    // The same text in two stacks may be two values.
    let two = [
        ("a.yaml", groups("A", 1, "!Ref AllowedCidr")),
        ("b.yaml", groups("B", 1, "!Ref AllowedCidr")),
    ];
    assert!(equivalent(&two).is_empty(), "{:?}", equivalent(&two));
    // A literal is not the parameter's text, and a macro's tag has no identity.
    let literal = [
        ("a.yaml", groups("A", 1, "'!Ref AllowedCidr'")),
        ("b.yaml", groups("B", 1, "!Ref AllowedCidr")),
    ];
    assert!(equivalent(&literal).is_empty());
    assert!(equivalent(&[("t.yaml", groups("A", 2, "!Foo x"))]).is_empty());
    let peer = groups("A", 2, "10.0.0.0/8").replace("CidrIp: 10.0.0.0/8", "SourceSecurityGroupId: !Foo x");
    assert!(equivalent(&[("t.yaml", peer)]).is_empty());
    let protocol = groups("A", 2, "10.0.0.0/8").replace("IpProtocol: tcp", "IpProtocol: !Ref Other");
    assert_eq!(equivalent(&[("t.yaml", protocol)]).len(), 1);
}
