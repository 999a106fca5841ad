//! VPC inference, names that tell same-named functions apart, and excerpts
//! that show one line rather than a whole resource.

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;
use support::eniplan;

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

/// Every function name in the combinations table.
fn combination_functions(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = report["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["functions"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn same_named_functions_from_two_files_are_named_with_their_file() {
    let r = json(&["check", "testdata/inference/same-name"]);
    assert_eq!(
        combination_functions(&r),
        [
            "FunctionWithOverrides (a/template.yaml)",
            "FunctionWithOverrides (b/template.yaml)",
            "UniqueA",
            "UniqueB"
        ]
    );
    let eni002 = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "ENI002").unwrap();
    let message = eni002["message"].as_str().unwrap();
    assert!(
        message.contains("FunctionWithOverrides (a/template.yaml), UniqueA, FunctionWithOverrides (b/template.yaml)"),
        "{message}"
    );
}

#[test]
fn same_named_functions_in_two_accounts_are_named_with_their_account() {
    let r = json(&["audit", "--snapshot", "testdata/inference/same-name-accounts.json"]);
    assert_eq!(
        combination_functions(&r),
        ["billing", "orders (111122223333)", "orders (444455556666)"]
    );
}

/// Every fixture that reads without error, each format of excerpt.
fn fixtures() -> Vec<String> {
    let mut out: Vec<String> = ["testdata/examples/cdk.out", "testdata/examples/sam-app", "testdata/inference"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for dir in ["testdata/terraform", "testdata/serverless"] {
        for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + dir).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".plan.json") || (dir.ends_with("serverless") && name != "bad") {
                out.push(format!("{dir}/{name}"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_excerpt_is_one_line() {
    let mut seen = 0;
    for path in fixtures() {
        let r = json(&["check", &path]);
        for f in r["findings"].as_array().unwrap() {
            let related = f["related"].as_array().unwrap().iter().map(|r| &r["location"]);
            for l in std::iter::once(&f["location"]).chain(related).filter(|l| !l.is_null()) {
                seen += 1;
                assert_eq!(l["line"], l["end_line"], "{path}: {} spans lines: {l}", f["rule"]);
                let file =
                    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + l["file"].as_str().unwrap()).unwrap();
                let line = file.lines().nth(l["line"].as_u64().unwrap() as usize - 1).unwrap();
                assert!(
                    line.trim().len() > 1,
                    "{path}: {} points at a line that says nothing: {l}",
                    f["rule"]
                );
            }
        }
        let out = text(&["check", &path]);
        assert!(!out.contains("╭─▶"), "{path}: a snippet underlines several lines:\n{out}");
        // A snippet shows the finding's line and the related ones near it, never the lines between far ones.
        for snippet in out.split("╭─[").skip(1) {
            let shown = snippet
                .lines()
                .take_while(|l| !l.contains("╰────"))
                .filter(|l| l.contains(" │ "))
                .count();
            assert!(shown <= 19, "{path}: a snippet of {shown} lines:\n{snippet}");
        }
    }
    assert!(seen > 20, "only {seen} locations checked");
}

#[test]
fn vpcs_written_alike_in_two_templates_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let sam = std::fs::read_to_string("testdata/examples/sam-app/template.yaml").unwrap();
    for stack in ["a", "b"] {
        std::fs::create_dir(dir.path().join(stack)).unwrap();
        std::fs::write(dir.path().join(stack).join("template.yaml"), &sam).unwrap();
    }
    let r = json(&["check", dir.path().to_str().unwrap()]);
    let mut rows: Vec<String> = vpc_rows(&r).into_iter().map(|(vpc, ..)| vpc).collect();
    rows.sort();
    assert_eq!(rows, ["!Ref Vpc (a/template.yaml)", "!Ref Vpc (b/template.yaml)"]);
    let (plan, _) = support::json(&["plan", dir.path().to_str().unwrap()]);
    let mut vpcs: Vec<&str> = plan["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vpc"].as_str().unwrap())
        .collect();
    vpcs.sort();
    assert_eq!(vpcs, rows, "the plan names VPCs as the report does");
}
