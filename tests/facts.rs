//! Rules conclude only from facts: a value that may stand for any number of
//! subnets, or whose AZ or VPC is unknown, is never taken for one subnet, one
//! AZ or one VPC. And counts in messages agree with their nouns and verbs.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn eniplan(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("eniplan").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1").timeout(Duration::from_secs(30));
    c
}

/// `eniplan check FILE` on `text` written as `name`, in the given format.
fn check_as(name: &str, text: &str, format: &str, config: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let mut cmd = eniplan(dir.path());
    cmd.arg("check").arg(name).args(["--format", format]);
    if let Some(c) = config {
        std::fs::write(dir.path().join("eniplan.toml"), c).unwrap();
        cmd.args(["--config", "eniplan.toml"]);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name}: exit {:?}: {stderr}",
        out.status.code()
    );
    String::from_utf8(out.stdout).unwrap()
}

fn check(name: &str, text: &str) -> Value {
    serde_json::from_str(&check_as(name, text, "json", None)).unwrap()
}

fn messages(r: &Value, rule: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// A template with one function; `params` and `subnets` fill in the blanks.
fn template(params: &str, subnets: &str) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Placeholder: {{ Type: String, Default: x }}
{params}
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/orders
      Code: {{ ZipFile: "def handler(e, c): return e" }}
      VpcConfig:
        SubnetIds: {subnets}
        SecurityGroupIds: [sg-0lambda000000000001]
"#
    )
}

#[test]
fn a_list_of_unknown_length_is_never_one_subnet() {
    let cases = [
        ("  Subnets: { Type: List<AWS::EC2::Subnet::Id> }", "!Ref Subnets"),
        ("  Subnets: { Type: CommaDelimitedList }", "!Ref Subnets"),
        // A placeholder Default is what the deployer replaces, not one subnet.
        ("  Subnets: { Type: CommaDelimitedList, Default: SUBNET_IDS }", "!Ref Subnets"),
        ("  Subnets: { Type: List<AWS::EC2::Subnet::Id> }", "[!Ref Subnets]"),
        ("", r#"!Split [",", !ImportValue network-PrivateSubnets]"#),
        ("  Subnets: { Type: String }", r#"!Split [",", !Ref Subnets]"#),
        ("", "!GetAtt Network.Outputs.PrivateSubnets"),
        (
            "  Cond: { Type: String }",
            "!If [Private, [subnet-0aa1111111111111a], [subnet-0bb2222222222222b]]",
        ),
    ];
    for (params, subnets) in cases {
        let mut text = template(params, subnets);
        if subnets.contains("!If") {
            text = text.replace("Resources:", "Conditions:\n  Private: !Equals [!Ref Cond, private]\nResources:");
        }
        let r = check("template.yaml", &text);
        assert_eq!(messages(&r, "ENI201"), Vec::<String>::new(), "SubnetIds: {subnets}");
        assert!(!messages(&r, "ENI302").is_empty(), "SubnetIds: {subnets} is unresolved");
    }
}

#[test]
fn one_subnet_whose_az_is_unknown_is_still_one_subnet() {
    let r = check(
        "template.yaml",
        &template("  Subnet: { Type: AWS::EC2::Subnet::Id }", "[!Ref Subnet]"),
    );
    let m = messages(&r, "ENI201");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].contains("runs in one subnet (!Ref Subnet) only"), "{m:?}");
}

#[test]
fn several_subnets_with_unknown_azs_are_not_called_one_subnet() {
    let text = template(
        "  A: { Type: AWS::EC2::Subnet::Id }\n  B: { Type: AWS::EC2::Subnet::Id }",
        "[!Ref A, !Ref B]",
    );
    // Two subnets span at most two AZs: below a minimum of three, but not one AZ.
    let out = check_as("template.yaml", &text, "json", Some("[thresholds]\nmin_availability_zones = 3\n"));
    let r: Value = serde_json::from_str(&out).unwrap();
    let m = messages(&r, "ENI201");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].contains("at most 2 AZs ([!Ref A, !Ref B])"), "{m:?}");
    assert!(!m[0].contains("one subnet") && !m[0].contains("an AZ outage stops"), "{m:?}");
    // With the default minimum of two, nothing is known to be wrong.
    assert!(messages(&check("template.yaml", &text), "ENI201").is_empty());
}

#[test]
fn a_serverless_discovery_lookup_is_a_list() {
    let yml = r#"service: orders
frameworkVersion: "3"
plugins: [serverless-vpc-discovery]
provider: { name: aws, runtime: nodejs20.x, region: us-west-2 }
custom:
  vpcDiscovery:
    vpcName: shared
    subnets:
      - tagKey: Name
        tagValues: [shared-private-us-west-2a, shared-private-us-west-2b, shared-private-us-west-2c]
    securityGroups:
      - names: [lambda]
functions:
  api: { handler: handler.api }
"#;
    let r = check("serverless.yml", yml);
    assert_eq!(r["combinations"].as_array().unwrap().len(), 1, "{:#}", r["combinations"]);
    assert_eq!(messages(&r, "ENI201"), Vec::<String>::new());
}

#[test]
fn a_terraform_list_known_only_after_apply_is_a_list() {
    let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.8",
 "resource_changes": [
  {"address": "aws_lambda_function.api", "mode": "managed", "type": "aws_lambda_function", "name": "api",
   "provider_name": "registry.terraform.io/hashicorp/aws",
   "change": {"actions": ["create"], "before": null,
     "after": {"function_name": "api", "vpc_config": [{"security_group_ids": ["sg-0aaa1111222233334"]}]},
     "after_unknown": {"vpc_config": [{"subnet_ids": true, "security_group_ids": [false]}]}}}
 ],
 "configuration": {"root_module": {"resources": [
   {"address": "aws_lambda_function.api", "mode": "managed", "type": "aws_lambda_function", "name": "api",
    "expressions": {"function_name": {"constant_value": "api"},
      "vpc_config": [{"subnet_ids": {"references": ["var.subnet_ids"]},
                      "security_group_ids": {"constant_value": ["sg-0aaa1111222233334"]}}]}}
 ]}}
}"#;
    let r = check("unknown.plan.json", plan);
    assert_eq!(r["combinations"][0]["subnet"], "var.subnet_ids");
    assert_eq!(messages(&r, "ENI201"), Vec::<String>::new());
}

#[test]
fn an_unresolved_vpc_is_not_a_different_vpc() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  VpcId: { Type: AWS::EC2::VPC::Id }
Resources:
  PrivateA:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref VpcId, AvailabilityZone: eu-west-1a, CidrBlock: 10.0.0.0/20 }
  PrivateB:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref VpcId, AvailabilityZone: eu-west-1b, CidrBlock: 10.0.16.0/20 }
  LambdaSG:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: lambda, VpcId: vpc-0a1b2c3d4e5f60718 }
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/orders
      Code: { ZipFile: "def handler(e, c): return e" }
      VpcConfig:
        SubnetIds: [!Ref PrivateA, !Ref PrivateB]
        SecurityGroupIds: [!Ref LambdaSG]
"#;
    // `!Ref VpcId` may well be vpc-0a1b2c3d4e5f60718.
    assert_eq!(messages(&check("template.yaml", text), "ENI203"), Vec::<String>::new());
    // Two VPCs the template creates are two VPCs.
    let two = text
        .replace("Parameters:\n  VpcId: { Type: AWS::EC2::VPC::Id }\n", "")
        .replace(
            "Resources:\n",
            "Resources:\n  VpcId:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.0.0.0/16 }\n  Other:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.1.0.0/16 }\n",
        )
        .replace("VpcId: vpc-0a1b2c3d4e5f60718", "VpcId: !Ref Other");
    assert_eq!(messages(&check("template.yaml", &two), "ENI203").len(), 1);
}

/// Two functions in the same two subnets, `Orders` with one group more than
/// `Stock`: one ENI002 note, so the counts below include a one.
const WORDING: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/orders
      Code: { ZipFile: "def handler(e, c): return e" }
      VpcConfig:
        SubnetIds: [subnet-0aa1111111111111a, subnet-0bb2222222222222b]
        SecurityGroupIds: [sg-0lambda000000000001, sg-0orders0000000001]
  Stock:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/stock
      Code: { ZipFile: "def handler(e, c): return e" }
      VpcConfig:
        SubnetIds: [subnet-0aa1111111111111a, subnet-0bb2222222222222b]
        SecurityGroupIds: [sg-0lambda000000000001]
"#;

#[test]
fn counts_agree_with_their_nouns_and_verbs() {
    let r = check("template.yaml", WORDING);
    let eni002 = messages(&r, "ENI002");
    assert_eq!(eni002.len(), 1, "{eni002:?}");
    assert!(
        eni002[0].contains("that Stock uses in the same subnets"),
        "one function uses: {eni002:?}"
    );
    assert_eq!(r["summary"]["findings"]["note"], 1);
    let text = check_as("template.yaml", WORDING, "text", None);
    let last = text.lines().last().unwrap();
    assert_eq!(last, "findings: 0 errors, 0 warnings, 1 note, 0 suppressed", "{text}");
    assert!(
        text.contains("2 functions (2 in a VPC, 0 published versions with a VpcConfig), 4 combinations, 4 ENIs"),
        "{text}"
    );
    let md = check_as("template.yaml", WORDING, "markdown", None);
    assert!(md.contains("0 errors, 0 warnings, 1 note, 0 suppressed"), "{md}");
    let one = WORDING.split("  Stock:").next().unwrap();
    let text = check_as("template.yaml", one, "text", None);
    assert!(
        text.contains("1 function (1 in a VPC, 0 published versions with a VpcConfig), 2 combinations, 2 ENIs"),
        "{text}"
    );
    let gh = check_as("template.yaml", one, "github", None);
    assert!(gh.contains("2 combinations, 2 ENIs"), "{gh}");
}

/// One stack's subnets in the shared VPC `vpc-0a1b2c3d4e5f60718`, in the AZ
/// its `Az` parameter names.
fn stack(subnets: &[&str]) -> String {
    let mut body = String::new();
    for s in subnets {
        body += &format!(
            "  {s}:\n    Type: AWS::EC2::Subnet\n    Properties: {{ VpcId: vpc-0a1b2c3d4e5f60718, AvailabilityZone: !Ref Az, CidrBlock: 10.0.0.0/24 }}\n"
        );
    }
    let refs: Vec<String> = subnets.iter().map(|s| format!("!Ref {s}")).collect();
    format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  Az: {{ Type: AWS::EC2::AvailabilityZone::Name }}\nResources:\n{body}{}",
        subnets
            .iter()
            .zip(&refs)
            .map(|(s, r)| {
                format!(
                    "  Fn{s}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      Role: arn:aws:iam::123456789012:role/x\n      Code: {{ ZipFile: \"def handler(e, c): return e\" }}\n      VpcConfig:\n        SubnetIds: [{r}]\n        SecurityGroupIds: [sg-0lambda000000000001]\n"
                )
            })
            .collect::<String>()
    )
}

#[test]
fn an_az_expression_names_one_az_only_within_its_template() {
    // In one template, `!Ref Az` is one AZ: two subnets there are drift.
    let one = check("one.yaml", &stack(&["SubnetA", "SubnetB"]));
    assert_eq!(messages(&one, "ENI003").len(), 1, "{:#}", one["findings"]);
    // In two templates it may be two AZs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), stack(&["SubnetA"])).unwrap();
    std::fs::write(dir.path().join("b.yaml"), stack(&["SubnetB"])).unwrap();
    let out = eniplan(dir.path())
        .args(["check", "a.yaml", "b.yaml", "--format", "json"])
        .output()
        .unwrap();
    let two: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(two["combinations"].as_array().unwrap().len(), 2);
    assert_eq!(messages(&two, "ENI003"), Vec::<String>::new());
}

/// Against an account, a combination with an unresolved group may already
/// exist: it is neither a new combination (ENI005) nor a new ENI (ENI102).
#[test]
fn an_unresolved_combination_is_not_known_to_be_new() {
    let account = r#"{
  "eniplan_snapshot": 1,
  "functions": [
    { "name": "orders", "account": "111122223333", "region": "eu-west-1",
      "versions": [{ "version": "$LATEST", "vpc": { "subnet_ids": ["subnet-a"], "security_group_ids": ["sg-shared"] } }] }
  ],
  "subnets": [
    { "id": "subnet-a", "vpc_id": "vpc-main", "availability_zone": "eu-west-1a", "available_ip_address_count": 16 }
  ],
  "enis": [
    { "id": "eni-0001", "account": "111122223333", "region": "eu-west-1", "subnet_id": "subnet-a", "security_group_ids": ["sg-shared"], "vpc_id": "vpc-main", "status": "in-use", "description": "AWS Lambda VPC ENI-orders" }
  ]
}"#;
    let template = |sg: &str| {
        format!(
            "Resources:\n  Reports:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [subnet-a]\n        SecurityGroupIds: [{sg}]\n"
        )
    };
    let run = |sg: &str| -> Value {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("account.json"), account).unwrap();
        std::fs::write(dir.path().join("template.yaml"), template(sg)).unwrap();
        let out = eniplan(dir.path())
            .args(["check", "template.yaml", "--against", "account.json", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    // A known new group: a new combination, and the subnet falls to 15 free addresses.
    let known = run("sg-reports");
    assert_eq!(messages(&known, "ENI005").len(), 1, "{:#}", known["findings"]);
    assert_eq!(messages(&known, "ENI102").len(), 1, "{:#}", known["findings"]);
    // An imported group may be sg-shared.
    let imported = run("!ImportValue network-LambdaSG");
    assert_eq!(messages(&imported, "ENI005"), Vec::<String>::new());
    assert_eq!(messages(&imported, "ENI102"), Vec::<String>::new());
    assert!(!messages(&imported, "ENI302").is_empty());
}
