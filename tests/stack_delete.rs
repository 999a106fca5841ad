//! `eniplan check --delete`: deleting a whole stack, judged against the
//! account. The SAM example's stack (testdata/examples/sam-app) with the
//! physical IDs `describe-stack-resources` gives for it
//! (testdata/changesets/orders-stack-resources.json).

#[path = "support/cli.rs"]
mod support;

use support::{check, eniplan, findings, messages, notes};

const SAM: &str = "testdata/examples/sam-app/template.yaml";
const RESOURCES: &str = "testdata/changesets/orders-stack-resources.json";

#[test]
fn deleting_a_stack_whose_group_another_function_shares_is_an_error() {
    let (r, code) = check(&["--delete", SAM, RESOURCES, "--against", "testdata/changesets/account-shared.json"]);
    let m = messages(&r, "ENI401");
    assert!(
        m.iter().any(|m| m.contains("billing-sync") && m.contains("sg-0b1e5c0a7d3f2e111")),
        "{m:?}"
    );
    // The stack's own functions go with it: none of them is named as a user.
    assert!(m.iter().all(|m| !m.contains("orders-prod-ApiFunction")), "{m:?}");
    assert_eq!(code, 1);
}

#[test]
fn when_no_one_else_uses_the_group_deleting_the_stack_is_no_error() {
    let (r, _) = check(&["--delete", SAM, RESOURCES, "--against", "testdata/changesets/account-alone.json"]);
    assert!(findings(&r, "ENI401").is_empty(), "{:?}", messages(&r, "ENI401"));
}

#[test]
fn without_a_stack_resource_list_the_report_says_nothing_is_matched() {
    let (r, _) = check(&["--delete", SAM, "--against", "testdata/changesets/account-shared.json"]);
    assert!(findings(&r, "ENI401").is_empty());
    assert!(
        notes(&r).iter().any(|n| n.contains("no stack resource list given")),
        "{:?}",
        notes(&r)
    );
}

/// A change set or a plan describes a change of its own, even one that deletes nothing.
#[test]
fn a_change_set_or_plan_cannot_be_deleted_as_a_stack() {
    for input in [
        "testdata/changesets/remove-group.json",
        "testdata/terraform/equivalent-sgs.plan.json",
    ] {
        let out = eniplan().args(["check", "--delete", input]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--delete takes templates"), "{input}");
    }
}

#[test]
fn a_stack_resource_list_without_delete_is_noted() {
    let (r, _) = check(&[SAM, RESOURCES]);
    assert!(notes(&r).iter().any(|n| n.contains("only read with --delete")), "{:?}", notes(&r));
}

#[test]
fn the_role_sam_creates_for_a_function_is_deleted_with_it() {
    let (r, _) = check(&["--delete", SAM, RESOURCES]);
    let m = messages(&r, "ENI403");
    assert!(m.iter().any(|m| m.contains("orders-prod-ApiFunctionRole-9QF1P7C2LM0D")), "{m:?}");
    // WorkerFunction's role is an ARN from outside the stack: it stays.
    assert!(m.iter().all(|m| !m.contains("orders-worker")), "{m:?}");
}
