//! The shipped least-privilege policy (`iam-policy.json`) covers every
//! operation a full audit calls, and grants nothing but reads.
//!
//! A full audit (`--all-regions`, `--role-arn`, `--with-state`, published
//! versions with aliases) runs against the patched moto server; the
//! collector's SDK interceptor records each operation it calls.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeSet;

use eniplan::source::aws::{collect, AwsOptions};
use serde_json::Value as Json;

fn policy() -> Json {
    let text = std::fs::read_to_string(moto::repo().join("iam-policy.json")).expect("iam-policy.json at the repo root");
    serde_json::from_str(&text).expect("iam-policy.json is JSON")
}

fn allowed_actions(policy: &Json) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for st in policy["Statement"].as_array().expect("Statement[]") {
        assert_eq!(st["Effect"], "Allow", "only Allow statements: {st}");
        match &st["Action"] {
            Json::String(a) => {
                out.insert(a.clone());
            }
            Json::Array(a) => out.extend(a.iter().map(|v| v.as_str().expect("action string").to_string())),
            other => panic!("unexpected Action {other}"),
        }
    }
    out
}

#[test]
fn policy_grants_only_reads() {
    let actions = allowed_actions(&policy());
    for a in &actions {
        assert!(!a.contains('*'), "no wildcards: {a}");
        let (_, verb) = a.split_once(':').expect("service:Action");
        let read = verb.starts_with("List") || verb.starts_with("Describe") || verb.starts_with("Get");
        assert!(read || a == "sts:AssumeRole", "{a} is not a List/Describe/Get action");
    }
}

#[test]
fn full_audit_calls_only_what_the_policy_allows() {
    moto::isolate_process();
    let moto = moto::Moto::start();
    moto.seed(&["audit"]);
    let opts = AwsOptions {
        endpoint_url: Some(moto.endpoint.clone()),
        regions: vec!["us-east-1".into()],
        all_regions: true,
        role_arns: vec![format!("arn:aws:iam::{}:role/eniplan-audit", moto::ACCOUNT)],
        external_id: Some("eniplan-test".into()),
        session_name: Some("eniplan-iam-test".into()),
        with_state: true,
        ..Default::default()
    };
    let c = collect(&opts).expect("a full audit against moto");
    assert!(c.inventory.gaps.is_empty(), "gaps: {:?}", c.inventory.gaps);
    assert!(
        c.scopes.len() > 2,
        "--all-regions should read every region moto reports: {:?}",
        c.scopes
    );
    let called: BTreeSet<String> = c.operations.keys().cloned().collect();

    // The audit really exercised every kind of call.
    for op in [
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
        "lambda:ListFunctions",
        "lambda:ListAliases",
        "lambda:GetFunctionConfiguration",
        "lambda:ListCapacityProviders",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeRouteTables",
        "servicequotas:GetServiceQuota",
    ] {
        assert!(called.contains(op), "the full audit did not call {op}; it called {called:?}");
    }

    let allowed = allowed_actions(&policy());
    let outside: Vec<&String> = called.difference(&allowed).collect();
    assert!(
        outside.is_empty(),
        "the collector called operations iam-policy.json does not allow: {outside:?}"
    );
    // Moto cannot serve these; tests/warm.rs checks their mocked calls against the policy.
    let mocked_only = ["lambda:ListProvisionedConcurrencyConfigs"];
    let unused: Vec<&String> = allowed.difference(&called).filter(|a| !mocked_only.contains(&a.as_str())).collect();
    assert!(
        unused.is_empty(),
        "iam-policy.json allows operations the collector never calls: {unused:?}"
    );
}
