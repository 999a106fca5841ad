//! Lambda Managed Instances capacity providers: read from SAM, CloudFormation,
//! Terraform plans and snapshots; their functions add no combination; their
//! projected instances count in ENI101 and ENI102; the VpcConfig rules lint
//! them; reports and graphs show them.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "support/cli.rs"]
mod support;
use support::{check, eniplan, findings, json};

fn fixture(name: &str) -> String {
    format!("testdata/capacity/{name}")
}

/// Writes `text` to a file in a fresh directory and checks it.
fn check_text(name: &str, text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    check(&[path.to_str().unwrap()]).0
}

fn messages(report: &Value, rule: &str) -> Vec<String> {
    findings(report, rule)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

fn provider<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["summary"]["capacity_provider_details"]
        .as_array()
        .expect("capacity_provider_details[]")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no provider {name} in {:#}", report["summary"]))
}

#[test]
fn sam_provider_takes_its_vpc_config_from_globals_and_its_functions_from_capacity_provider_config() {
    let (r, _) = check(&[&fixture("sam.yaml")]);
    let s = &r["summary"];
    assert_eq!(s["capacity_providers"], 1);
    assert_eq!(s["capacity_provider_functions"], 2);
    // Only Legacy is a VPC function; the provider's functions add no combination.
    assert_eq!(s["vpc_functions"], 1);
    assert_eq!(s["combinations"], 2);
    let p = provider(&r, "workers");
    assert_eq!(p["subnets"], serde_json::json!(["subnet-0aaa1111222233334"]));
    assert_eq!(p["functions"], serde_json::json!(["Orders", "Invoices"]));
    // 64 vCPUs over c7i.xlarge (4 vCPUs), the smaller of the allowed types.
    assert_eq!(p["smallest_instance_type"], "c7i.xlarge");
    assert_eq!(p["max_instances"], 16);
    assert!(r["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a.as_str().unwrap().starts_with("Capacity-provider instances")));
    let single_az = messages(&r, "ENI201");
    assert!(
        single_az
            .iter()
            .any(|m| m.starts_with("capacity provider workers launches its instances in one subnet")),
        "{single_az:?}"
    );
    let default_sg = messages(&r, "ENI301");
    assert_eq!(default_sg.len(), 1, "{default_sg:?}");
    assert!(default_sg[0].starts_with("capacity provider workers puts its instances in !GetAtt Vpc.DefaultSecurityGroup"));
}

#[test]
fn cloudformation_provider_in_public_subnets_with_a_group_from_another_vpc() {
    let (r, _) = check(&[&fixture("cloudformation.yaml")]);
    assert_eq!(r["summary"]["capacity_provider_functions"], 1);
    assert_eq!(r["summary"]["combinations"], 0);
    let p = provider(&r, "workers");
    assert_eq!(p["functions"], serde_json::json!(["Api"]));
    assert_eq!(p["max_instances"], 10, "20 vCPUs over m7g.large (2 vCPUs)");
    assert_eq!(messages(&r, "ENI202").len(), 1);
    assert!(messages(&r, "ENI203")[0].contains("capacity provider workers's subnets and security groups belong to 2 VPCs"));
    // Two AZs: not single-AZ.
    assert!(findings(&r, "ENI201").is_empty());
    let located = &findings(&r, "ENI203")[0]["location"];
    assert_eq!(located["file"], fixture("cloudformation.yaml"));
}

#[test]
fn terraform_provider_and_the_function_that_references_it() {
    let (r, _) = check(&[&fixture("provider.plan.json")]);
    assert_eq!(r["summary"]["capacity_providers"], 1);
    assert_eq!(r["summary"]["vpc_functions"], 1, "aws_lambda_function.legacy only");
    let p = provider(&r, "workers");
    assert_eq!(p["functions"], serde_json::json!(["aws_lambda_function.api"]));
    assert_eq!(p["max_instances"], 10, "40 vCPUs over c7i.xlarge");
    assert!(messages(&r, "ENI201").iter().any(|m| m.starts_with("capacity provider workers")));
}

const TWO_AZS: &str = "
Resources:
  A: {Type: AWS::EC2::Subnet, Properties: {VpcId: vpc-1, CidrBlock: 10.0.0.0/24, AvailabilityZone: eu-west-1a}}
  B: {Type: AWS::EC2::Subnet, Properties: {VpcId: vpc-1, CidrBlock: 10.0.1.0/24, AvailabilityZone: eu-west-1b}}
  SG: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x, VpcId: vpc-1}}
  Workers:
    Type: AWS::Lambda::CapacityProvider
    Properties:
      VpcConfig: {SubnetIds: [!Ref A, !Ref B], SecurityGroupIds: [!Ref SG]}
";

#[test]
fn a_provider_in_two_private_azs_with_its_own_group_fires_nothing() {
    let r = check_text("template.yaml", TWO_AZS);
    for rule in ["ENI101", "ENI102", "ENI103", "ENI201", "ENI202", "ENI203", "ENI301"] {
        assert!(findings(&r, rule).is_empty(), "{rule}: {:#}", r["findings"]);
    }
    // No MaxVCpuCount and no documented default: unbounded, and nothing counted.
    let p = provider(&r, "Workers");
    assert_eq!(p["max_instances"], Value::Null);
    assert_eq!(r["summary"]["vpcs"][0]["capacity_provider_instances"]["unbounded"], true);
    assert_eq!(r["summary"]["vpcs"][0]["headroom"], 250);
}

#[test]
fn a_function_on_a_provider_is_no_vpc_function_even_with_a_vpc_config() {
    let text = format!(
        "{TWO_AZS}  Fn:
    Type: AWS::Lambda::Function
    Properties:
      VpcConfig: {{SubnetIds: [!Ref A], SecurityGroupIds: [!Ref SG]}}
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig: {{CapacityProviderArn: !Ref Workers}}
"
    );
    let r = check_text("template.yaml", &text);
    assert_eq!(r["summary"]["combinations"], 0);
    assert_eq!(r["summary"]["vpc_functions"], 0);
    assert_eq!(r["summary"]["capacity_provider_functions"], 1);
    // The same function without the provider is a VPC function.
    let plain = text.replace("CapacityProviderConfig", "Unrelated");
    let r = check_text("template.yaml", &plain);
    assert_eq!(r["summary"]["combinations"], 1);
}

#[test]
fn vpc_config_limits_apply_to_providers() {
    let text = "
Resources:
  Workers:
    Type: AWS::Lambda::CapacityProvider
    Properties:
      VpcConfig:
        SubnetIds: []
        SecurityGroupIds: [sg-1, sg-2, sg-3, sg-4, sg-5, sg-6, sg-6]
";
    let r = check_text("template.yaml", text);
    let m = messages(&r, "ENI103");
    assert!(
        m.iter()
            .any(|m| m == "capacity provider Workers has 6 security groups; a capacity provider allows at most 5"),
        "{m:?}"
    );
    assert!(m.iter().any(|m| m.contains("has no SubnetIds")), "{m:?}");
    assert!(
        m.iter()
            .any(|m| m == "capacity provider Workers lists security group sg-6 more than once"),
        "{m:?}"
    );
}

#[test]
fn snapshot_providers_count_against_the_quota_and_the_subnets() {
    let (r, _) = json(&["audit", "--snapshot", &fixture("account.json")]);
    let quota = messages(&r, "ENI101");
    assert_eq!(
        quota,
        ["vpc-1 is projected to use 37 ENIs of its quota of 40 (92%; quota L-9FEE3D26, read from Service Quotas): 2 Lambda ENIs (2 combinations) and up to 32 capacity-provider instances, and 3 that are not Lambda's (EFS mount targets, endpoints, load balancers…, counted in the account)"]
    );
    let headroom = messages(&r, "ENI102");
    assert_eq!(headroom.len(), 1, "{headroom:?}");
    assert!(headroom[0].starts_with("subnet-0a (eu-west-1a) has 40 free IP addresses of 59 usable; after 0 new ENIs and up to 32 capacity-provider instances it would have 8"));
    let vpc = &r["summary"]["vpcs"][0];
    // The snapshot also records 3 ENIs of other services in the VPC.
    assert_eq!(vpc["other_enis"], 3);
    assert_eq!(vpc["headroom"], 40 - 2 - 3 - 32);
    assert_eq!(r["summary"]["capacity_provider_functions"], 1);
    assert_eq!(r["summary"]["vpc_functions"], 1);
}

/// `audit --snapshot A --save-snapshot B`: B holds what A held.
fn resave(from: &Path) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("saved.json");
    let status = eniplan()
        .args([
            "audit",
            "--snapshot",
            from.to_str().unwrap(),
            "--save-snapshot",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn snapshot_round_trip_keeps_providers_functions_and_other_enis() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture("account.json"));
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let saved = resave(&path);
    assert_eq!(saved["eniplan_snapshot"], eniplan::source::snapshot::FORMAT_VERSION);
    assert_eq!(saved["capacity_providers"], original["capacity_providers"]);
    assert_eq!(saved["vpcs"][0]["other_enis"], 3);
    assert_eq!(
        saved["functions"][0]["capacity_provider"],
        original["functions"][0]["capacity_provider"]
    );
    assert_eq!(saved["functions"][1].get("capacity_provider"), None);
    // Saved twice, the same file.
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again.json");
    std::fs::write(&again, serde_json::to_string(&saved).unwrap()).unwrap();
    assert_eq!(resave(&again), saved);
}

#[test]
fn a_version_1_snapshot_still_loads() {
    let path = "testdata/snapshots/account.json";
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    assert!(text.contains("\"eniplan_snapshot\": 1"), "the fixture is a version 1 snapshot");
    let (r, code) = json(&["audit", "--snapshot", path]);
    assert!(code == 0 || code == 1, "{r:#}");
    assert_eq!(r["summary"]["capacity_providers"], 0);
    assert!(r["summary"]["functions"].as_u64().unwrap() > 0);
    // A version 1 file that uses a version 2 field is still refused: unknown fields are errors.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("unsupported.json");
    std::fs::write(&p, text.replace("\"eniplan_snapshot\": 1", "\"eniplan_snapshot\": 99")).unwrap();
    let out = eniplan().args(["audit", "--snapshot", p.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reads versions 1 to 3"));
}

#[test]
fn graphs_draw_providers_and_their_functions() {
    let dot = eniplan().args(["graph", &fixture("sam.yaml")]).output().unwrap().stdout;
    let dot = String::from_utf8(dot).unwrap();
    assert!(
        dot.contains("[label=\"capacity provider workers\\n≤16 instances\", shape=box3d]"),
        "{dot}"
    );
    assert!(dot.contains("[label=\"Orders\", shape=box]"), "{dot}");
    let mermaid = eniplan()
        .args(["graph", &fixture("sam.yaml"), "--format", "mermaid"])
        .output()
        .unwrap()
        .stdout;
    let mermaid = String::from_utf8(mermaid).unwrap();
    assert!(mermaid.contains("[[\"capacity provider workers<br/>≤16 instances\"]]"), "{mermaid}");
    let provider = mermaid.lines().find(|l| l.contains("capacity provider")).unwrap().trim();
    let id = &provider[..provider.find('[').unwrap()];
    assert_eq!(
        mermaid.matches(&format!("--> {id}")).count(),
        2,
        "Orders and Invoices point at it:\n{mermaid}"
    );
}

#[test]
fn golden_text_report_of_the_snapshot() {
    let out = eniplan().args(["audit", "--snapshot", &fixture("account.json")]).output().unwrap();
    insta::assert_snapshot!("capacity_account_text", String::from_utf8(out.stdout).unwrap());
}

/// The SAM translator's own capacity-provider inputs: each reads, and where
/// the translator's output is in `sam-pairs`, both give the same providers
/// and the same functions on them.
#[test]
#[ignore = "needs ../shared"]
fn sam_translator_capacity_provider_inputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peer-corpus");
    assert!(root.is_dir(), "{} is missing", root.display());
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root.join("sam-inputs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.contains("capacity_provider") && !name.starts_with("error_")
        })
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 6, "{inputs:?}");
    let shape = |r: &Value| -> Vec<(String, Value, Value, Value, Value)> {
        let mut v: Vec<_> = r["summary"]["capacity_provider_details"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                (
                    p["resource"].as_str().unwrap().to_string(),
                    p["subnets"].clone(),
                    p["security_groups"].clone(),
                    p["max_instances"].clone(),
                    serde_json::json!(p["functions"].as_array().unwrap().len()),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    for input in inputs {
        let (r, code) = check(&[input.to_str().unwrap()]);
        assert!(code == 0 || code == 1, "{}: exit {code}", input.display());
        let name = input.file_stem().unwrap().to_str().unwrap();
        let expected_providers = std::fs::read_to_string(&input)
            .unwrap()
            .matches("AWS::Serverless::CapacityProvider")
            .count();
        assert_eq!(
            r["summary"]["capacity_providers"].as_u64().unwrap() as usize,
            expected_providers,
            "{name}"
        );
        let output = root.join("sam-pairs").join(format!("{name}.output.json"));
        if output.is_file() {
            let (translated, _) = check(&[output.to_str().unwrap()]);
            assert_eq!(shape(&r), shape(&translated), "{name}: SAM input and translator output differ");
            assert_eq!(
                r["summary"]["capacity_provider_functions"], translated["summary"]["capacity_provider_functions"],
                "{name}"
            );
        }
    }
}

#[test]
fn serverless_capacity_providers_and_the_default_one() {
    let (r, _) = check(&[&fixture("serverless.yml")]);
    assert_eq!(r["summary"]["capacity_providers"], 2);
    assert_eq!(r["summary"]["capacity_provider_functions"], 2);
    assert_eq!(r["summary"]["vpc_functions"], 1, "legacy only");
    // `default` takes provider.vpc and has no vCPU limit.
    let default = provider(&r, "DefaultCapacityProvider");
    assert_eq!(default["functions"], serde_json::json!(["api"]));
    assert_eq!(default["subnets"].as_array().unwrap().len(), 2);
    assert_eq!(default["max_instances"], Value::Null);
    let high = provider(&r, "HighMemCapacityProvider");
    assert_eq!(high["functions"], serde_json::json!(["reports"]));
    assert_eq!(high["subnets"], serde_json::json!(["subnet-0ccc1111222233334"]));
    assert_eq!(high["max_instances"], 100, "no allowed types: 1 vCPU each");
    assert!(messages(&r, "ENI201")
        .iter()
        .any(|m| m.starts_with("capacity provider HighMemCapacityProvider")));
}

#[test]
fn an_inline_ignore_on_the_provider_suppresses_its_finding() {
    let text = "
Resources:
  Workers:
    Type: AWS::Lambda::CapacityProvider
    Metadata: {eniplan: {ignore: [ENI201]}}
    Properties:
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
";
    let r = check_text("template.yaml", text);
    let single_az = findings(&r, "ENI201");
    assert_eq!(single_az.len(), 1);
    assert_eq!(single_az[0]["suppressed"], true);
    let r = check_text("template.yaml", &text.replace("ENI201", "ENI202"));
    assert_eq!(findings(&r, "ENI201")[0]["suppressed"], false);
}

#[test]
fn a_deployed_provider_replaces_the_accounts_of_the_same_name() {
    let (r, _) = check(&[&fixture("sam.yaml"), "--against", &fixture("account.json")]);
    assert_eq!(r["summary"]["capacity_providers"], 1, "{:#}", r["summary"]);
    let p = provider(&r, "workers");
    assert_eq!(p["subnets"], serde_json::json!(["subnet-0aaa1111222233334"]), "the template's");
    // The account's function still names it by ARN; the template's by its resource.
    assert_eq!(p["functions"], serde_json::json!(["orders", "Orders", "Invoices"]));
}

#[test]
fn a_provider_without_max_vcpus_is_named_unbounded_and_not_counted() {
    let snap = r#"{
  "eniplan_snapshot": 2,
  "scopes": [{ "account": "1", "region": "eu-west-1" }],
  "functions": [{ "name": "f", "account": "1", "region": "eu-west-1", "versions": [{ "version": "$LATEST",
    "vpc": { "subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-1"] } }] }],
  "subnets": [{ "id": "subnet-0a", "vpc_id": "vpc-1", "availability_zone": "eu-west-1a" },
              { "id": "subnet-0b", "vpc_id": "vpc-1", "availability_zone": "eu-west-1b" }],
  "vpcs": [{ "id": "vpc-1", "eni_quota": 2, "eni_quota_source": "service_quotas" }],
  "capacity_providers": [{ "name": "workers", "subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-1"] }]
}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    std::fs::write(&path, snap).unwrap();
    let (r, _) = json(&["audit", "--snapshot", path.to_str().unwrap()]);
    let quota = messages(&r, "ENI101");
    assert_eq!(quota.len(), 1, "{quota:?}");
    assert!(
        quota[0].starts_with("vpc-1 is projected to use 2 Lambda ENIs (2 combinations) and an unbounded number of capacity-provider instances (no MaxVCpuCount eniplan can read), 2 in all, of its quota of 2 (100%"),
        "{}",
        quota[0]
    );
}
