//! VPC inference, names that tell same-named functions apart, and excerpts
//! that show one line rather than a whole resource.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn eniplan() -> Command {
    let mut c = Command::cargo_bin("eniplan").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(20));
    c
}

fn json(args: &[&str]) -> Value {
    let out = eniplan().args(args).args(["--format", "json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn text(args: &[&str]) -> String {
    let out = eniplan().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// (VPC, functions, combinations, ENIs) per row of the per-VPC table.
fn vpc_rows(report: &Value) -> Vec<(String, u64, u64, u64)> {
    report["summary"]["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["vpc"].as_str().unwrap().to_string(),
                v["functions"].as_u64().unwrap(),
                v["combinations"].as_u64().unwrap(),
                v["enis"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The VPC of each combination a function uses.
fn vpcs_of(report: &Value, function: &str) -> Vec<String> {
    let mut out: Vec<String> = report["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["functions"].as_array().unwrap().iter().any(|f| f == function))
        .map(|c| c["vpc"].as_str().unwrap().to_string())
        .collect();
    out.dedup();
    out
}

fn rules_of(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn subnets_named_beside_a_known_group_are_in_its_vpc_for_every_function() {
    let r = json(&["check", "testdata/inference/one-vpc.yaml"]);
    assert_eq!(vpc_rows(&r), [("vpc-0aaa1111bbbb22223".to_string(), 2, 4, 4)]);
    assert_eq!(vpcs_of(&r, "ParamsOnly"), ["vpc-0aaa1111bbbb22223"]);
}

#[test]
fn a_component_with_two_known_vpcs_infers_nothing_and_merges_nothing() {
    let r = json(&["check", "testdata/inference/two-vpcs.yaml"]);
    assert!(rules_of(&r).contains(&"ENI203"), "{:?}", rules_of(&r));
    // ParamsOnly's subnet is tied to vpc-0x and vpc-0y through MixedFn and BridgeFn: unknown, not a guess.
    assert_eq!(vpcs_of(&r, "ParamsOnly"), ["unknown VPC"]);
    let rows: Vec<String> = vpc_rows(&r).into_iter().map(|r| r.0).collect();
    assert_eq!(rows, ["vpc-0x", "unknown VPC"]);
}

#[test]
fn snapshot_functions_and_enis_without_a_vpc_take_their_components_vpc() {
    let r = json(&["audit", "--snapshot", "testdata/inference/snapshot.json"]);
    // `undeclared` shares subnet-0a with `declared` (VpcId vpc-1); the orphaned ENI shares sg-2 with `undeclared`.
    assert_eq!(vpc_rows(&r), [("vpc-1".to_string(), 2, 3, 4)]);
    assert_eq!(vpcs_of(&r, "undeclared"), ["vpc-1"]);
    assert_eq!(r["summary"]["vpcs"][0]["observed_enis"], 1);
}
