//! CloudFormation change sets (`aws cloudformation describe-change-set
//! --include-property-values --output json`) through the binary. Fixtures:
//! testdata/changesets/, in the format of the CloudFormation user guide's
//! examples (using-cfn-updating-stacks-changesets-samples).

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;
use support::{check, eniplan, findings, messages, notes};

fn cs(name: &str) -> String {
    format!("testdata/changesets/{name}")
}

#[test]
fn a_removed_group_another_account_function_uses_is_an_error() {
    let (r, code) = check(&[&cs("remove-group.json"), "--against", &cs("account-shared.json")]);
    let m = messages(&r, "ENI401");
    assert!(m.iter().any(|m| m.contains("billing-sync")), "{m:?}");
    // The function the change set deletes is no user of the group any more.
    assert!(m.iter().all(|m| !m.contains("ApiFunction-1X2Y3Z4W5V6U is")), "{m:?}");
    assert_eq!(code, 1);
    assert!(notes(&r).iter().any(|n| n.contains("lists only the resources it changes")));
}

#[test]
fn without_the_account_a_change_set_judges_only_its_own_functions() {
    let (r, _) = check(&[&cs("remove-group.json")]);
    assert!(findings(&r, "ENI401").is_empty());
    assert!(notes(&r).iter().any(|n| n.contains("--against or --live")));
}

#[test]
fn a_detach_that_loses_the_roles_eni_permissions_is_an_error() {
    let (r, code) = check(&[&cs("modify-vpc.json"), "--against", &cs("account-shared.json")]);
    let m = messages(&r, "ENI403");
    assert!(m.iter().any(|m| m.contains("AWSLambdaVPCAccessExecutionRole")), "{m:?}");
    assert_eq!(code, 1);
}

#[test]
fn a_nested_change_set_not_given_is_noted_and_read_when_given() {
    let (r, _) = check(&[&cs("nested-parent.json")]);
    let missing = |r: &Value| {
        notes(r)
            .iter()
            .any(|n| n.contains("nested stack NetworkStack has its own change set, not given"))
    };
    assert!(missing(&r), "{:?}", notes(&r));
    let (r, _) = check(&[&cs("nested-parent.json"), &cs("nested-child.json")]);
    assert!(!missing(&r), "{:?}", notes(&r));
}

#[test]
fn a_subnet_removed_in_a_nested_change_set_is_judged_when_its_file_is_given() {
    let (r, _) = check(&[
        &cs("nested-parent.json"),
        &cs("nested-child.json"),
        "--against",
        &cs("account-shared.json"),
    ]);
    let m = messages(&r, "ENI401");
    assert!(m.iter().any(|m| m.contains("subnet-0a1b2c3d4e5f60001")), "{m:?}");
}

/// Exit 2, and the error names the file, line and column, as the CLI prints it.
fn input_error(file: &str) -> String {
    let out = eniplan().args(["check", file]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn malformed_change_sets_exit_2_at_the_field() {
    let bad = |name: &str| input_error(&cs(&format!("bad/{name}")));
    let e = bad("context-not-json.json");
    assert!(
        e.contains("context-not-json.json:12:34: `BeforeContext` of ApiFunction is not JSON"),
        "{e}"
    );
    let e = bad("no-changes.json");
    assert!(
        e.contains("no-changes.json:1:1: not a complete change set: no `Changes` list"),
        "{e}"
    );
    let e = bad("action-number.json");
    assert!(
        e.contains("action-number.json:18:27: `Action` must be a string, found a number"),
        "{e}"
    );
    let e = bad("vpc-config-string.json");
    assert!(
        e.contains("vpc-config-string.json:12:34: `VpcConfig` must be a mapping, found a string"),
        "{e}"
    );
}
