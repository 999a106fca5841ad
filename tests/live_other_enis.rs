//! The other ENIs in a VPC, end to end against the patched moto server
//! (`tests/moto/seed.py others`): a VPC with two Lambda ENIs and four of other
//! services (two plain interfaces, an EFS mount target, an interface
//! endpoint). The live audit counts them apart from Lambda's, in the quota
//! projection and the headroom, and `check --live` uses the account's figure,
//! also for a VPC no function of the account uses yet.
//! Moto has no `ListCapacityProviders`: the audit stays complete and says so.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;
#[path = "support/cli.rs"]
mod support;

use moto::Moto;
use serde_json::Value as Json;
use support::findings;

fn run(cmd: &mut assert_cmd::Command) -> (i32, Json) {
    let out = cmd.output().expect("run eniplan");
    let report =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

fn vpc_row<'a>(report: &'a Json, vpc: &str) -> &'a Json {
    report["summary"]["vpcs"]
        .as_array()
        .expect("summary.vpcs[]")
        .iter()
        .find(|v| v["vpc"] == vpc)
        .unwrap_or_else(|| panic!("{vpc} in {}", report["summary"]["vpcs"]))
}

/// `check TEMPLATE --live` against moto, one region; the deploy must read completely.
fn check_live(moto: &Moto, template: &str) -> Json {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let (code, report) = run(moto
        .eniplan(home.path())
        .args(["check", path.to_str().unwrap(), "--live", "--endpoint-url"])
        .args([
            moto.endpoint.as_str(),
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--fail-on",
            "never",
        ]));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["incomplete"], Json::Array(vec![]));
    report
}

#[test]
fn audit_counts_the_other_enis_against_the_quota() {
    let moto = Moto::start();
    let seed = moto.seed(&["others"]);
    let vpc = seed["vpc"].as_str().unwrap();
    let others = seed["boto3_other_enis"].as_u64().unwrap();
    assert_eq!(others, seed["created_other_enis"].as_array().unwrap().len() as u64, "{seed}");
    let home = tempfile::tempdir().unwrap();
    // 2 Lambda ENIs alone are 29% of 7; with the 4 others, 86%: a warning.
    let config = home.path().join("eniplan.toml");
    std::fs::write(&config, format!("[quota]\n{vpc} = 7\n")).unwrap();
    let (code, report) = run(moto.eniplan(home.path()).args([
        "audit",
        "--endpoint-url",
        &moto.endpoint,
        "--region",
        "us-east-1",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "warning",
    ]));
    assert_eq!(report["incomplete"], Json::Array(vec![]), "{report:#}");
    assert_eq!(code, 1, "ENI101 warns");

    let row = vpc_row(&report, vpc);
    assert_eq!(row["other_enis"].as_u64(), Some(others), "boto3 recount: {seed}");
    let lambda = seed["boto3_lambda_enis"].as_u64().unwrap();
    assert_eq!(row["enis"].as_u64(), Some(lambda), "Lambda's ENIs stay apart");
    assert_eq!(row["headroom"].as_i64(), Some(7 - (lambda + others) as i64));

    let eni101 = findings(&report, "ENI101");
    assert_eq!(eni101.len(), 1, "{eni101:#?}");
    let message = eni101[0]["message"].as_str().unwrap();
    assert!(message.contains(&format!("{others} that are not Lambda's")), "{message}");
    assert!(
        message.contains(&format!("{} ENIs of its quota of 7", lambda + others)),
        "{message}"
    );
    assert_eq!(eni101[0]["severity"], "warning");

    let assumptions = report["assumptions"].to_string();
    assert!(assumptions.contains("as read from the account"), "{assumptions}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("lambda:ListCapacityProviders is not offered"), "{notes}");
    // 1 STS, 1 ListFunctions page, and per region: Lambda ENIs, the quota,
    // capacity providers, and by vpc-id the subnets, groups, route tables and ENIs.
    assert_eq!(report["stats"]["api_calls"], 1 + 1 + 7, "{}", report["stats"]);
}

#[test]
fn check_live_uses_the_accounts_other_enis() {
    let moto = Moto::start();
    let seed = moto.seed(&["others"]);
    let vpc = seed["vpc"].as_str().unwrap();
    let others = seed["boto3_other_enis"].as_u64().unwrap();
    let report = check_live(
        &moto,
        &format!(
            "Resources:\n  NewSG:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{GroupDescription: new, VpcId: {vpc}}}\n  \
             Adds:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: {{SubnetIds: [{a}, {b}], SecurityGroupIds: [!Ref NewSG]}}\n",
            a = seed["subnets"][0].as_str().unwrap(),
            b = seed["subnets"][1].as_str().unwrap(),
        ),
    );
    let row = vpc_row(&report, vpc);
    assert_eq!(row["other_enis"].as_u64(), Some(others), "the account's figure: {row}");
    let lambda = seed["boto3_lambda_enis"].as_u64().unwrap();
    assert_eq!(
        row["enis"].as_u64(),
        Some(lambda + 2),
        "the deploy adds a combination in each subnet"
    );
    let delta = report["delta"]["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vpc"] == vpc)
        .unwrap();
    assert_eq!(delta["enis_before"].as_u64(), Some(lambda + others), "{delta}");
    assert_eq!(delta["enis_after"].as_u64(), Some(lambda + others + 2), "{delta}");
}

#[test]
fn check_live_reads_the_other_enis_of_a_vpc_without_functions() {
    let moto = Moto::start();
    let seed = moto.seed(&["others"]);
    let quiet = seed["quiet_vpc"].as_str().unwrap();
    let others = seed["boto3_quiet_other_enis"].as_u64().unwrap();
    assert_eq!(others, 2, "{seed}");
    let report = check_live(
        &moto,
        &format!(
            "Resources:\n  First:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: {{SubnetIds: [{subnet}], SecurityGroupIds: [sg-0new]}}\n",
            subnet = seed["quiet_subnet"].as_str().unwrap(),
        ),
    );
    let row = vpc_row(&report, quiet);
    assert_eq!(row["other_enis"].as_u64(), Some(others), "{row}");
    assert_eq!(row["enis"].as_u64(), Some(1), "the deploy's one combination");
    assert_eq!(row["headroom"].as_i64(), Some(250 - 1 - others as i64));
}
