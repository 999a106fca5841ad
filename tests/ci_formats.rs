//! Pre-deploy delta, baselines and the CI formats.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::{eniplan, json};

const DEPLOY: &str = "testdata/delta/serverless.yml";
const ACCOUNT: &str = "testdata/delta/account.json";

#[test]
fn delta_reports_the_new_combination_and_projects_counts() {
    let (r, code) = json(&["check", DEPLOY, "--against", ACCOUNT]);
    assert_eq!(code, 0, "warnings only, --fail-on error");
    let d = &r["delta"];
    assert_eq!(d["new_combinations"].as_array().unwrap().len(), 2, "{d}");
    assert!(d["new_combinations"][0].as_str().unwrap().contains("!Ref ReportsSecurityGroup"));
    assert_eq!(d["freed_combinations"].as_array().unwrap().len(), 0);
    assert_eq!(d["vpcs"][0]["enis_before"], 2);
    assert_eq!(d["vpcs"][0]["enis_after"], 4);
    let b = d["subnets"].as_array().unwrap().iter().find(|s| s["subnet"] == "subnet-b").unwrap();
    assert_eq!((b["free_ips_before"].as_i64(), b["free_ips_after"].as_i64()), (Some(17), Some(16)));
    let eni005: Vec<&Value> = r["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "ENI005").collect();
    assert_eq!(eni005.len(), 1);
    assert_eq!(eni005[0]["functions"], serde_json::json!(["reports"]));
    assert_eq!(eni005[0]["cost"]["enis"], 2);
    assert!(eni005[0]["message"].as_str().unwrap().contains("Pending"));
    assert!(
        eni005[0]["message"].as_str().unwrap().contains("subnet-a + [sg-shared]"),
        "names the nearest combination"
    );
    assert_eq!(eni005[0]["location"]["line"], 23);
    // The projection runs ENI102 on subnet-b (17 free → 16 after one new ENI).
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "ENI102" && f["resource"] == "subnet-b"));
    // Findings about the account alone (none here) are audit's business, not the deploy's.
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "ENI205"));
    assert_eq!(r["summary"]["combinations"], 4);
    // The account's scope comes from the snapshot, as check --live reports the account it read.
    assert_eq!(r["summary"]["accounts"], 1);
    assert_eq!(r["scopes"][0]["account"], "111122223333");
}

#[test]
fn delta_exit_code_follows_fail_on() {
    for (level, code) in [("error", 0), ("warning", 1), ("never", 0)] {
        let out = eniplan()
            .args(["check", DEPLOY, "--against", ACCOUNT, "--fail-on", level])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "--fail-on {level}");
    }
}

#[test]
fn without_account_no_new_combination_finding() {
    let (r, _) = json(&["check", DEPLOY]);
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "ENI005"));
    assert!(r.get("delta").is_none());
}

#[test]
fn baseline_reports_only_new_findings_and_survives_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/sam-app/template.yaml")).unwrap();
    std::fs::write(&template, &original).unwrap();
    let baseline = dir.path().join("baseline.json");
    let t = template.to_str().unwrap();
    let b = baseline.to_str().unwrap();
    let (before, _) = json(&["check", t, "--write-baseline", b]);
    let active = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .count();
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(recorded["findings"].as_array().unwrap().len(), active);

    // Move every line down, and add a new finding (a duplicate SG in a new function).
    let moved = original.replacen("Resources:\n", "Resources:\n  # a comment\n  # and another\n", 1)
        + "\n  LateFunction:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [!Ref PrivateA, !Ref PrivateB]\n        SecurityGroupIds: [!Ref LambdaSG, !Ref LambdaSG]\n";
    std::fs::write(&template, moved).unwrap();
    let (after, code) = json(&["check", t, "--baseline", b, "--fail-on", "warning"]);
    let new: Vec<&Value> = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    assert_eq!(new.len(), 1, "only the new finding: {new:#?}");
    assert_eq!(new[0]["rule"], "ENI103");
    assert_eq!(code, 1);
    let baselined = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baselined"] == true)
        .count();
    assert_eq!(baselined, active, "every recorded finding still matches after the lines moved");
    assert_eq!(after["stale_baseline"].as_array().unwrap().len(), 0);

    // Fix one recorded finding: its entry becomes stale and is reported as a note.
    let fixed = original.replace(
        "SubnetIds: [!Ref PrivateA2, !Ref PrivateB]",
        "SubnetIds: [!Ref PrivateA, !Ref PrivateB]",
    );
    std::fs::write(&template, fixed).unwrap();
    let (r, _) = json(&["check", t, "--baseline", b]);
    // ENI003 is gone; ENI001's combinations changed with it, so its entry no longer matches either.
    let stale: Vec<&str> = r["stale_baseline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(stale, ["ENI001", "ENI003"]);
    let text = eniplan().args(["check", t, "--baseline", b]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("note: baseline entry ENI003"));
}

#[test]
fn junit_has_a_failure_per_active_finding() {
    let out = eniplan()
        .args(["check", "testdata/examples/sam-app/template.yaml", "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<testsuites name=\"eniplan\" tests=\"7\" failures=\"6\">"), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 6);
    assert_eq!(xml.matches("<skipped ").count(), 1);
    assert!(xml.contains("file=\"testdata/examples/sam-app/template.yaml\" line=\"120\""));
}

#[test]
fn github_annotations_with_file_and_line() {
    let out = eniplan()
        .args(["check", "testdata/examples/sam-app/template.yaml", "--format", "github"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().any(|l| l.starts_with(
        "::notice file=testdata/examples/sam-app/template.yaml,line=120,col=13,endLine=120,title=ENI002 extra-security-group::"
    )));
    assert!(lines.iter().all(|l| !l[2..].contains('\n')));
}

#[test]
fn sarif_has_partial_fingerprints_and_suppressions() {
    let out = eniplan()
        .args(["check", "testdata/examples/sam-app/template.yaml", "--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| r["partialFingerprints"]["eniplanFindingHash/v1"]
        .as_str()
        .is_some_and(|f| f.len() == 16)));
    assert_eq!(results.iter().filter(|r| r.get("suppressions").is_some()).count(), 1);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let eni001 = rules.iter().find(|r| r["id"] == "ENI001").unwrap();
    assert!(eni001["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("# ENI001 equivalent-security-groups"));
}

#[test]
fn snapshot_values_resolve_ssm_variables_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let account = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ACCOUNT)).unwrap();
    let with_values = account.replace(
        "\"api_calls\": 7",
        "\"api_calls\": 7,\n  \"values\": { \"ssm:/net/lambda-sg\": \"sg-shared\" }",
    );
    let snap = dir.path().join("account.json");
    std::fs::write(&snap, with_values).unwrap();
    let sls = dir.path().join("serverless.yml");
    std::fs::write(
        &sls,
        "service: s\nprovider:\n  name: aws\n  vpc:\n    securityGroupIds: ['${ssm:/net/lambda-sg}']\n    subnetIds: [subnet-a, subnet-b]\nfunctions:\n  billing:\n    handler: h.h\n",
    )
    .unwrap();
    let cfn = dir.path().join("template.yaml");
    std::fs::write(
        &cfn,
        "Parameters:\n  Sg: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /net/lambda-sg}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: {SubnetIds: [subnet-a], SecurityGroupIds: [!Ref Sg]}\n",
    )
    .unwrap();
    for path in [&sls, &cfn] {
        let p = path.to_str().unwrap();
        // Without the account, the value stays symbolic.
        let (alone, _) = json(&["check", p]);
        assert!(alone["unresolved"].as_array().unwrap().len() == 1, "{p}: {}", alone["unresolved"]);
        // With it, the snapshot's recorded value resolves it: no new combination.
        let (r, _) = json(&["check", p, "--against", snap.to_str().unwrap()]);
        assert_eq!(r["unresolved"].as_array().unwrap().len(), 0, "{p}");
        assert_eq!(r["delta"]["new_combinations"].as_array().unwrap().len(), 0, "{p}: {}", r["delta"]);
        assert!(r["combinations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["security_groups"] == serde_json::json!(["sg-shared"])));
    }
}

#[test]
fn stale_ignores_are_notices_in_github_and_notes_in_junit() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("eniplan.toml");
    std::fs::write(&config, "[[ignore]]\nrules = [\"ENI202\"]\nresource = \"Gone*\"\n").unwrap();
    let c = config.to_str().unwrap();
    let run = |format: &str| {
        let out = eniplan()
            .args([
                "check",
                "testdata/examples/sam-app/template.yaml",
                "--config",
                c,
                "--format",
                format,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let note = format!("[[ignore]] rules = [\"ENI202\"], resource = \"Gone*\" matches no finding; remove it ({c}:3)");

    let github = run("github");
    let notices: Vec<&str> = github.lines().filter(|l| l.contains("title=eniplan stale ignore")).collect();
    assert_eq!(
        notices,
        [format!("::notice file={c},line=3,title=eniplan stale ignore::{note}")],
        "{github}"
    );

    let xml = run("junit");
    assert!(
        xml.contains("<testsuites name=\"eniplan\" tests=\"7\" failures=\"6\">"),
        "not a failure: {xml}"
    );
    let escaped = note.replace('"', "&quot;");
    assert!(
        xml.contains(&format!("<property name=\"stale-ignore\" value=\"{escaped}\"/>")),
        "{xml}"
    );
    assert!(xml.contains(&format!("<system-out>note: {escaped}</system-out>")), "{xml}");
}
