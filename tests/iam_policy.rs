//! The shipped least-privilege policy (`iam-policy.json`) covers every
//! operation a full audit calls, and grants nothing but reads.
//!
//! A full audit (`--all-regions`, `--role-arn`, `--with-state`, published
//! versions with aliases) runs against the patched moto server; the
//! collector's SDK interceptor records each operation it calls. Then org-wide
//! audits (`--org`, and `--org-ou` the root) add the Organizations calls.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeSet;

use eniplan::source::aws::{collect, AwsOptions, OrgOptions};
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
    let mut called: BTreeSet<String> = c.operations.keys().cloned().collect();

    // The organization's calls: an org-wide audit, all accounts and under the root OU.
    let out = std::process::Command::new(moto::python())
        .arg(moto::repo().join("tests/moto/organization.py"))
        .args(["--endpoint", &moto.endpoint, "seed", "--members", "1", "--region", "us-east-1"])
        .output()
        .expect("run organization.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seeded: Json = serde_json::from_slice(&out.stdout).expect("organization.py prints JSON");
    let root = seeded["root"].as_str().expect("the root's ID").to_string();
    for ous in [vec![], vec![root]] {
        let opts = AwsOptions {
            endpoint_url: Some(moto.endpoint.clone()),
            regions: vec!["us-east-1".into()],
            org: Some(OrgOptions {
                ous,
                ..OrgOptions::default()
            }),
            ..Default::default()
        };
        let c = collect(&opts).expect("an org audit against moto");
        assert!(c.inventory.gaps.is_empty(), "gaps: {:?}", c.inventory.gaps);
        called.extend(c.operations.keys().cloned());
    }

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
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
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
