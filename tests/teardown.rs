//! The teardown rules (ENI401–ENI403) on Terraform plans through the binary.
//! Fixtures: testdata/teardown/*.plan.json, written by
//! testdata/teardown/make_fixtures.py (the change each describes), and
//! testdata/teardown/account.json, an account where version 3 of `orders`
//! (alias `prod`) still uses the group `moved.plan.json` deletes.

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;
use support::{check, eniplan, findings};

fn plan(name: &str) -> String {
    format!("testdata/teardown/{name}.plan.json")
}

const ACCOUNT: &str = "testdata/teardown/account.json";

/// The rules among ENI401–ENI403 that fire on a report, in order.
fn teardown_rules(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str().filter(|id| id.starts_with("ENI40")).map(str::to_string))
        .collect()
}

fn functions(f: &Value) -> Vec<&str> {
    f["functions"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

#[test]
fn a_group_another_function_still_uses_is_in_use_not_slow() {
    let (r, code) = check(&[&plan("shared-group")]);
    assert_eq!(teardown_rules(&r), ["ENI401"], "{r:#}");
    let f = findings(&r, "ENI401")[0];
    assert_eq!(functions(f), ["aws_lambda_function.other"]);
    assert_eq!(f["resource"], "aws_security_group.legacy");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["teardown"]["wait_minutes_max"], 45);
    assert!(f["message"].as_str().unwrap().contains("sg-0bbb1111222233334"));
    assert_eq!(code, 1, "an error fails the check");
}

#[test]
fn a_group_deleted_with_its_only_function_waits_for_lambda() {
    let (r, code) = check(&[&plan("function-and-group")]);
    assert_eq!(teardown_rules(&r), ["ENI402"], "{r:#}");
    let f = findings(&r, "ENI402")[0];
    assert_eq!(functions(f), ["aws_lambda_function.gone"]);
    assert_eq!(f["teardown"]["wait_minutes_max"], 45);
    assert!(f["teardown"]["source"].as_str().unwrap().contains("terraform-provider-aws"));
    assert_eq!(f["combinations_total"], 2, "one per subnet");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("replace_security_groups_on_destroy"), "{fix}");
    assert_eq!(code, 0, "a warning does not fail the check by default");
}

#[test]
fn replace_security_groups_on_destroy_keeps_the_group_delete_quick() {
    let (r, _) = check(&[&plan("replace-on-destroy")]);
    assert!(teardown_rules(&r).is_empty(), "{r:#}");
}

#[test]
fn replacing_the_groups_does_not_free_the_subnet() {
    let (r, _) = check(&[&plan("subnet-too")]);
    let f = findings(&r, "ENI402");
    assert_eq!(f.len(), 1, "the subnet, not the group: {r:#}");
    assert_eq!(f[0]["resource"], "aws_subnet.private_b");
    assert!(!f[0]["fix"].as_str().unwrap().contains("replace_security_groups_on_destroy"));
}

#[test]
fn a_function_removed_with_skip_destroy_stays_and_keeps_its_group() {
    let (r, _) = check(&[&plan("skip-destroy")]);
    assert_eq!(teardown_rules(&r), ["ENI401"], "{r:#}");
    assert_eq!(functions(findings(&r, "ENI401")[0]), ["aws_lambda_function.gone"]);
}

#[test]
fn a_destroy_before_create_replacement_deletes_the_group_its_function_still_uses() {
    let (r, _) = check(&[&plan("group-replaced")]);
    assert_eq!(teardown_rules(&r), ["ENI401"], "{r:#}");
    let f = findings(&r, "ENI401")[0];
    assert_eq!(functions(f), ["aws_lambda_function.api"]);
    assert!(f["fix"].as_str().unwrap().contains("create_before_destroy"));
}

#[test]
fn a_create_before_destroy_replacement_only_waits() {
    let (r, _) = check(&[&plan("group-replaced-create-first")]);
    assert_eq!(teardown_rules(&r), ["ENI402"], "{r:#}");
    assert!(findings(&r, "ENI402")[0]["message"].as_str().unwrap().contains("moved"));
}

#[test]
fn removing_vpc_config_and_the_group_waits_for_lambda() {
    let (r, _) = check(&[&plan("detached")]);
    assert_eq!(teardown_rules(&r), ["ENI402"], "{r:#}");
    assert!(findings(&r, "ENI402")[0]["message"]
        .as_str()
        .unwrap()
        .contains("detached from its VPC"));
}

#[test]
fn only_a_published_version_in_the_account_holds_the_group() {
    // The plan alone: orders moves off the group and nothing else uses it.
    let (alone, _) = check(&[&plan("moved")]);
    assert_eq!(teardown_rules(&alone), ["ENI402"], "{alone:#}");
    // The account: orders' $LATEST (replaced by the plan) and version 3, which `prod` serves.
    let (r, code) = check(&[&plan("moved"), "--against", ACCOUNT]);
    assert_eq!(teardown_rules(&r), ["ENI401"], "{r:#}");
    let f = findings(&r, "ENI401")[0];
    assert_eq!(functions(f), ["orders:3 (alias prod)"], "the moved $LATEST is not a user");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("orders:prod") && fix.contains("--qualifier 3"), "{fix}");
    assert_eq!(code, 1);
}

#[test]
fn a_deleted_function_takes_its_published_versions_with_it() {
    // function-and-group deletes `gone`; an account where gone:3 used the group is no user after.
    let account = std::fs::read_to_string(ACCOUNT).unwrap().replace("\"orders\"", "\"gone\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    std::fs::write(&path, account.replace(":function:orders", ":function:gone")).unwrap();
    let (r, _) = check(&[&plan("function-and-group"), "--against", path.to_str().unwrap()]);
    assert_eq!(teardown_rules(&r), ["ENI402"], "{r:#}");
}

#[test]
fn detaching_the_vpc_access_policy_with_the_function_breaks_eni_cleanup() {
    let (r, code) = check(&[&plan("role-attachment")]);
    let f = findings(&r, "ENI403");
    assert_eq!(f.len(), 1, "{r:#}");
    assert!(f[0]["message"].as_str().unwrap().contains("AWSLambdaVPCAccessExecutionRole"));
    assert_eq!(functions(f[0]), ["aws_lambda_function.orders"]);
    assert_eq!(f[0]["resource"], "aws_iam_role_policy_attachment.vpc_access");
    assert_eq!(code, 1);
    let (r, _) = check(&[&plan("role-inline")]);
    let f = findings(&r, "ENI403");
    assert_eq!(f.len(), 1, "one finding for the three actions: {r:#}");
    let message = f[0]["message"].as_str().unwrap();
    for action in [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
    ] {
        assert!(message.contains(action), "{message}");
    }
    let (r, _) = check(&[&plan("role-deleted")]);
    let f = findings(&r, "ENI403");
    assert_eq!(f.len(), 1, "{r:#}");
    assert!(f[0]["message"].as_str().unwrap().contains("deletes execution role"));
    let (r, _) = check(&[&plan("role-managed")]);
    let f = findings(&r, "ENI403");
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(
        f[0]["resource"], "aws_iam_policy.eni",
        "a customer managed policy, through its attachment"
    );
    let (r, _) = check(&[&plan("role-kept")]);
    assert!(findings(&r, "ENI403").is_empty(), "the function stays attached: {r:#}");
}

#[test]
fn teardown_findings_in_every_format() {
    for format in ["sarif", "markdown", "junit", "github", "text"] {
        let out = eniplan()
            .args(["check", &plan("shared-group"), "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("ENI401"), "{format}: {text}");
    }
}

#[test]
fn a_before_that_is_not_an_object_is_an_input_error() {
    let text = std::fs::read_to_string(plan("function-and-group")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let changes = doc["resource_changes"].as_array_mut().unwrap();
    let legacy = changes.iter_mut().find(|c| c["address"] == "aws_security_group.legacy").unwrap();
    legacy["change"]["before"] = Value::String("sg-0bbb1111222233334".into());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = eniplan().args(["check", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`change.before` of `aws_security_group.legacy` must be an object"),
        "{err}"
    );
    assert!(err.contains("bad.plan.json:"), "the location: {err}");
}

#[test]
fn golden_teardown_report() {
    let out = eniplan()
        .args(["check", &plan("moved"), "--against", ACCOUNT, "--format", "json"])
        .output()
        .unwrap();
    let mut r: Value = serde_json::from_slice(&out.stdout).unwrap();
    r["version"] = Value::Null;
    let teardown: Vec<Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|id| id.starts_with("ENI40")))
        .cloned()
        .collect();
    insta::assert_json_snapshot!("teardown_moved_against_account", teardown);
    let text = eniplan().args(["check", &plan("shared-group")]).output().unwrap();
    insta::assert_snapshot!("teardown_shared_group_text", String::from_utf8(text.stdout).unwrap());
}
