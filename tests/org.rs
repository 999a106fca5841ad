//! `eniplan audit --org` against an AWS Organization on the patched moto
//! server (`tests/moto/organization.py`): a management account and three
//! members, each seeded differently through OrganizationAccountAccessRole,
//! the last member without the role. Every count eniplan reports per account
//! must equal a boto3 recount; the member without the role is `incomplete`
//! (exit 3) and the others are still reported in full. The org snapshot
//! audited offline gives the same per-account rows, names included.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeMap;
use std::process::Command;

use eniplan::source::aws::{collect, AwsOptions, OrgOptions};
use moto::Moto;
use serde_json::Value as Json;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Per account: (name, regions, functions, vpc_functions, combinations, ENIs).
type Row = (String, usize, u64, u64, u64, u64);

fn organization(moto: &Moto, args: &[&str]) -> Json {
    let mut cmd = Command::new(moto::python());
    cmd.arg(moto::repo().join("tests/moto/organization.py"))
        .args(["--endpoint", &moto.endpoint])
        .args(args);
    for r in REGIONS {
        cmd.args(["--region", r]);
    }
    let out = cmd.output().expect("run organization.py");
    assert!(
        out.status.success(),
        "organization.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("organization.py prints JSON")
}

fn audit_org(moto: &Moto, home: &std::path::Path, extra: &[&str]) -> (i32, Json) {
    let mut cmd = moto.eniplan(home);
    cmd.args(["audit", "--org", "--endpoint-url", &moto.endpoint, "--format", "json"]);
    for r in REGIONS {
        cmd.args(["--region", r]);
    }
    let out = cmd.args(extra).output().expect("run eniplan");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json)
}

/// Per account, from the recount.
fn expected(recount: &Json) -> BTreeMap<String, Row> {
    let mut out = BTreeMap::new();
    for (id, a) in recount.as_object().unwrap() {
        let regions = a["regions"].as_object().unwrap();
        if regions.is_empty() {
            continue;
        }
        let sum = |k: &str| regions.values().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
        out.insert(
            id.clone(),
            (
                a["name"].as_str().unwrap().to_string(),
                regions.len(),
                sum("functions"),
                sum("vpc_functions"),
                sum("combinations"),
                sum("enis"),
            ),
        );
    }
    out
}

fn reported(report: &Json) -> BTreeMap<String, Row> {
    report["summary"]["accounts_detail"]
        .as_array()
        .expect("summary.accounts_detail[]")
        .iter()
        .map(|a| {
            let n = |k: &str| a[k].as_u64().unwrap();
            (
                a["account"].as_str().unwrap().to_string(),
                (
                    a["name"].as_str().unwrap_or("").to_string(),
                    n("regions") as usize,
                    n("functions"),
                    n("vpc_functions"),
                    n("combinations"),
                    n("observed_enis"),
                ),
            )
        })
        .collect()
}

#[test]
fn org_audit_reports_every_member_and_names_the_one_without_the_role() {
    moto::isolate_process();
    let moto = Moto::start_with(&["--roles-must-exist"]);
    let seeded = organization(&moto, &["seed", "--members", "3", "--without-role", "1"]);
    let recount = organization(&moto, &["recount"]);
    let home = tempfile::tempdir().unwrap();
    let accounts = seeded["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 4, "the management account and three members");
    let roleless = accounts.iter().find(|a| a["role"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (code, report) = audit_org(&moto, home.path(), &[]);
    assert_eq!(code, 3, "an account whose role cannot be assumed makes the audit incomplete");
    let incomplete = report["incomplete"].as_array().unwrap();
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert_eq!(incomplete[0]["account"], roleless.as_str());
    assert_eq!(incomplete[0]["operation"], "sts:AssumeRole");

    let want = expected(&recount);
    assert_eq!(want.len(), 3, "the recount reads the three accounts with the role");
    assert_eq!(reported(&report), want, "per-account rows equal the boto3 recount");
    assert_eq!(report["summary"]["accounts"], 3);
    let total = |i: fn(&Row) -> u64| want.values().map(i).sum::<u64>();
    assert_eq!(report["summary"]["functions"], total(|r| r.2));
    assert_eq!(report["summary"]["vpc_functions"], total(|r| r.3));
    assert_eq!(report["summary"]["combinations"], total(|r| r.4));
    assert_eq!(report["summary"]["observed_enis"], total(|r| r.5));
    // Seeded differently: no two accounts look alike.
    let mut shapes: Vec<_> = want.values().map(|r| (r.2, r.4)).collect();
    shapes.dedup();
    assert_eq!(shapes.len(), 3);

    // Leaving the role-less member out makes the audit complete.
    let saved = home.path().join("org.json");
    let save = ["--exclude-account", &roleless, "--save-snapshot", saved.to_str().unwrap()];
    let (code, report) = audit_org(&moto, home.path(), &save);
    assert_eq!(code, 0, "incomplete: {}", report["incomplete"]);
    assert_eq!(reported(&report), want);

    // The saved snapshot keeps the names: audited offline, the same rows.
    let offline = |format: &str| {
        let mut cmd = moto.eniplan(home.path());
        cmd.args(["audit", "--snapshot", saved.to_str().unwrap(), "--format", format]);
        cmd.output().unwrap().stdout
    };
    let from_snapshot: Json = serde_json::from_slice(&offline("json")).unwrap();
    assert_eq!(
        from_snapshot["summary"]["accounts_detail"], report["summary"]["accounts_detail"],
        "audit --snapshot of the org snapshot"
    );
    assert_eq!(reported(&from_snapshot), want);

    // The text and Markdown reports carry one row per account, with its name,
    // live and from the snapshot.
    for (format, live) in [("text", true), ("markdown", true), ("text", false), ("markdown", false)] {
        let out = if live {
            let mut cmd = moto.eniplan(home.path());
            cmd.args(["audit", "--org", "--endpoint-url", &moto.endpoint, "--format", format]);
            cmd.args(["--region", REGIONS[0], "--region", REGIONS[1]]).output().unwrap().stdout
        } else {
            offline(format)
        };
        let text = String::from_utf8_lossy(&out);
        for (id, (name, regions, functions, vpc_functions, ..)) in &want {
            let row = text
                .lines()
                .find(|l| l.contains(id.as_str()) && l.contains(name.as_str()))
                .unwrap_or_else(|| panic!("{format} (live: {live}): no row for {id} {name}:\n{text}"));
            assert!(row.contains(&format!("{functions} ({vpc_functions} in a VPC)")), "{format}: {row}");
            assert!(row.contains(&format!(" {regions} ")), "{format}: {row}");
        }
    }

    // Under OU "workloads", recursively: member-1 there, member-2 (no role) in "team" inside it.
    let workloads = seeded["ous"]["workloads"].as_str().unwrap();
    let (code, report) = audit_org(&moto, home.path(), &["--org-ou", workloads]);
    assert_eq!(code, 3);
    assert_eq!(report["incomplete"][0]["account"], roleless.as_str(), "found through the child OU");
    let member1 = accounts.iter().find(|a| a["name"] == "member-1").unwrap()["id"].as_str().unwrap();
    let rows = reported(&report);
    assert_eq!(rows.keys().collect::<Vec<_>>(), [member1]);
    assert_eq!(rows[member1], want[member1]);

    // The floor: one ListAccounts, one GetCallerIdentity, one AssumeRole per
    // member, and per region one ENI listing and one ListFunctions page.
    let opts = AwsOptions {
        endpoint_url: Some(moto.endpoint.clone()),
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        org: Some(OrgOptions::default()),
        ..Default::default()
    };
    let c = collect(&opts).expect("collect --org");
    let ops = &c.operations;
    assert_eq!(ops.get("organizations:ListAccounts"), Some(&1), "{ops:?}");
    assert_eq!(ops.get("sts:GetCallerIdentity"), Some(&1), "{ops:?}");
    assert_eq!(ops.get("sts:AssumeRole"), Some(&3), "three members, one call each: {ops:?}");
    assert_eq!(
        ops.get("lambda:ListFunctions"),
        Some(&6),
        "3 accounts × 2 regions, one page each: {ops:?}"
    );
    // Per account and region: the Lambda ENIs, and the other ENIs of the VPCs read.
    assert_eq!(ops.get("ec2:DescribeNetworkInterfaces"), Some(&12), "{ops:?}");
    assert_eq!(c.account_names.len(), 4, "every listed account is named, the unreadable one too");
}
