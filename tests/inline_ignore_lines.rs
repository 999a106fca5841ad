//! An inline ignore that suppresses nothing is reported at the line where it
//! is written, on a function or a security group, not at its resource's line.

#[path = "support/cli.rs"]
mod support;

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LambdaSG:
    Type: AWS::EC2::SecurityGroup
    Metadata:
      eniplan:
        ignore:
          - ENI001
    Properties: { GroupDescription: lambda, VpcId: vpc-0a000000000000001 }
  Orders:
    Type: AWS::Lambda::Function
    Metadata:
      eniplan:
        ignore:
          - ENI003
          - ENI999
    Properties:
      Role: arn:aws:iam::123456789012:role/orders
      Code: { ZipFile: x }
      VpcConfig:
        SubnetIds: [subnet-0a000000000000001, subnet-0b000000000000002]
        SecurityGroupIds: [!Ref LambdaSG]
"#;

#[test]
fn a_stale_inline_ignore_is_reported_at_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), TEMPLATE).unwrap();
    let mut cmd = support::eniplan();
    cmd.current_dir(dir.path()).args(["check", "t.yaml"]);
    let (r, _) = support::json_with(&mut cmd, &[]);
    let stale: Vec<(u64, &str)> = r["stale_ignores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["entry"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stale,
        [
            (8, "inline ignore ENI001 on LambdaSG"),
            (15, "inline ignore ENI003 on Orders"),
            (16, "inline ignore ENI999 on Orders"),
        ]
    );
}
