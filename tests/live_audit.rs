//! End to end: `eniplan audit` against a patched moto server (see
//! `tests/moto/launcher.py`) seeded with every scenario of the live-audit
//! issue (`tests/moto/seed.py audit`). The suite installs moto itself; it
//! never skips.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;
#[path = "support/cli.rs"]
mod support;

use std::collections::BTreeSet;

use eniplan::model::{Egress, Peer, QuotaSource, Value};
use eniplan::source::aws::{collect, AwsOptions};
use moto::{Moto, ACCOUNT};
use serde_json::Value as Json;
use support::findings;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn audit_json(moto: &Moto, home: &std::path::Path, extra: &[&str]) -> (i32, Json, String) {
    let mut cmd = moto.eniplan(home);
    cmd.args([
        "audit",
        "--endpoint-url",
        &moto.endpoint,
        "--region",
        REGIONS[0],
        "--region",
        REGIONS[1],
    ]);
    cmd.args(["--format", "json"]).args(extra);
    let out = cmd.output().expect("run eniplan");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}); exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        )
    });
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn mentions(finding: &Json, needle: &str) -> bool {
    finding.to_string().contains(needle)
}

fn assert_fires(report: &Json, rule: &str, needle: &str) {
    let hits = findings(report, rule);
    assert!(
        hits.iter().any(|f| mentions(f, needle)),
        "{rule} should name {needle}; {rule} findings: {}",
        serde_json::to_string_pretty(&hits).unwrap()
    );
}

/// Every scenario of the issue in one seeded account, two regions.
#[test]
fn audit_reports_every_live_scenario() {
    let moto = Moto::start();
    let seed = moto.seed(&["audit"]);
    let home = tempfile::tempdir().unwrap();
    let (code, report, stderr) = audit_json(&moto, home.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1, "findings at warning level exit 1; stderr:\n{stderr}");
    assert!(
        stderr.is_empty() || !stderr.contains("testing"),
        "credentials must never be printed"
    );

    // Complete, and counted over both regions.
    assert_eq!(report["incomplete"], Json::Array(vec![]), "nothing should be missing");
    assert_eq!(
        report["summary"]["functions"], 133,
        "all 130 + 3 functions, across 3 ListFunctions pages"
    );
    assert_eq!(report["summary"]["vpc_functions"], 132, "plain-fn has no VpcConfig");

    // One breakdown per (account, region).
    let scopes = report["scopes"].as_array().expect("scopes[]");
    let got: BTreeSet<(String, String, i64)> = scopes
        .iter()
        .map(|s| {
            (
                s["account"].as_str().unwrap().to_string(),
                s["region"].as_str().unwrap().to_string(),
                s["functions"].as_i64().unwrap(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, i64)> = [
        (ACCOUNT.to_string(), "eu-west-1".to_string(), 3),
        (ACCOUNT.to_string(), "us-east-1".to_string(), 130),
    ]
    .into();
    assert_eq!(got, want);

    // API calls at the floor: 1 GetCallerIdentity; per region ⌈items/50⌉
    // ListFunctions pages (131 items → 3, 3 → 1), 1 DescribeNetworkInterfaces
    // (Lambda's), 1 GetServiceQuota, 1 ListCapacityProviders, 1 each of
    // DescribeSubnets/SecurityGroups/RouteTables/NetworkInterfaces by vpc-id;
    // 1 ListAliases for the one function whose published version differs.
    assert_eq!(
        report["stats"]["api_calls"],
        1 + (3 + 7 + 1) + (1 + 7),
        "stats: {}",
        report["stats"]
    );

    // The quota fell back to the documented default, and says so.
    let vpcs = report["summary"]["vpcs"].as_array().expect("summary.vpcs[]");
    let vpc_a = vpcs
        .iter()
        .find(|v| v.to_string().contains(seed["vpc"].as_str().unwrap()))
        .expect("VPC A in summary.vpcs");
    assert_eq!(vpc_a["quota"], 250);
    assert_eq!(vpc_a["quota_source"], "default");

    let g = |k: &str| seed["groups"][k].as_str().unwrap().to_string();

    // Equivalent security groups: app1 ≡ app2 …
    let eni001 = findings(&report, "ENI001");
    assert!(
        eni001.iter().any(|f| mentions(f, &g("app1")) && mentions(f, &g("app2"))),
        "ENI001 should pair app1 and app2: {eni001:#?}"
    );
    // … but not ref1/ref2: db allows ingress from ref1, so they are not interchangeable.
    assert!(
        !eni001.iter().any(|f| mentions(f, &g("ref1")) || mentions(f, &g("ref2"))),
        "ENI001 must not merge ref1 and ref2 (db references ref1): {eni001:#?}"
    );
    // Public subnets only.
    assert_fires(&report, "ENI202", "public-fn");
    // The default security group.
    assert_fires(&report, "ENI301", "default-sg-fn");
    assert_fires(&report, "ENI301", &g("default"));
    // A single-AZ function.
    assert_fires(&report, "ENI201", "single-az-fn");
    // A published version pinning an old combination, with its alias.
    assert_fires(&report, "ENI006", "pinned-fn");
    assert_fires(&report, "ENI006", &g("old"));
    assert_fires(&report, "ENI006", "live");
    // The orphaned ENIs of the deleted function.
    let orphans: Vec<String> = seed["orphan_enis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert_eq!(orphans.len(), 2, "gone-fn had two subnets");
    for eni in &orphans {
        assert_fires(&report, "ENI205", eni);
    }
    // … and nothing else is orphaned: every other ENI belongs to a live combination.
    for f in findings(&report, "ENI205") {
        if f["severity"] != "note" {
            assert!(orphans.iter().any(|e| mentions(f, e)), "unexpected orphaned-ENI finding: {f:#}");
        }
    }
}

/// `--save-snapshot` then `--snapshot` give the same findings.
#[test]
fn snapshot_round_trip_gives_the_same_findings() {
    let moto = Moto::start();
    moto.seed(&["audit"]);
    let home = tempfile::tempdir().unwrap();
    let snap = home.path().join("inventory.json");
    let (live_code, live, stderr) = audit_json(&moto, home.path(), &["--save-snapshot", snap.to_str().unwrap()]);
    assert!(snap.exists(), "the snapshot was not written; stderr:\n{stderr}");
    let saved: Json = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).expect("snapshot is JSON");
    assert_eq!(saved["eniplan_snapshot"], eniplan::source::snapshot::FORMAT_VERSION);
    assert_eq!(saved["scopes"].as_array().map(Vec::len), Some(2));

    let mut cmd = assert_cmd::Command::cargo_bin("eniplan").unwrap();
    moto::isolate(&mut cmd, home.path());
    let out = cmd
        .args(["audit", "--snapshot", snap.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let offline: Json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("offline report is not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(live_code), "same exit code offline");
    assert!(!live["findings"].as_array().unwrap().is_empty());
    assert_eq!(
        live["findings"], offline["findings"],
        "findings differ after the snapshot round trip"
    );
    assert_eq!(live["summary"]["functions"], offline["summary"]["functions"]);
    assert_eq!(live["summary"]["combinations"], offline["summary"]["combinations"]);
}

/// `AWS_ENDPOINT_URL` is honoured as the SDK does, without `--endpoint-url`.
#[test]
fn aws_endpoint_url_environment_is_honoured() {
    let moto = Moto::start();
    moto.seed(&["audit"]);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = moto.eniplan(home.path());
    cmd.env("AWS_ENDPOINT_URL", &moto.endpoint).env("AWS_REGION", "eu-west-1");
    let out = cmd.args(["audit", "--format", "json", "--fail-on", "never"]).output().unwrap();
    let report: Json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report["summary"]["functions"], 3, "the configured region (AWS_REGION) only");
    assert_eq!(report["scopes"][0]["region"], "eu-west-1");
}

/// The collector's model, checked directly (independent of rules and reports).
#[test]
fn collector_fills_the_model_from_moto() {
    moto::isolate_process();
    let moto = Moto::start();
    let seed = moto.seed(&["audit"]);
    let opts = AwsOptions {
        endpoint_url: Some(moto.endpoint.clone()),
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        with_state: true,
        ..Default::default()
    };
    let c = collect(&opts).expect("collect");
    let inv = &c.inventory;
    assert!(inv.gaps.is_empty(), "gaps: {:?}", inv.gaps);
    assert_eq!(c.scopes.len(), 2);
    assert_eq!(inv.functions.len(), 133);
    let s = |k: &str| Value::id(seed["subnets"][k].as_str().unwrap());
    let g = |k: &str| Value::id(seed["groups"][k].as_str().unwrap());

    // Functions: account/region, unqualified ARN, $LATEST first, versions and aliases.
    let pinned = inv.functions.iter().find(|f| &*f.name == "pinned-fn").expect("pinned-fn");
    assert_eq!(&*pinned.account, ACCOUNT);
    assert_eq!(&*pinned.region, "us-east-1");
    assert_eq!(
        &*pinned.origin.resource,
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:pinned-fn").as_str()
    );
    let versions: Vec<&str> = pinned.versions.iter().map(|v| &*v.version).collect();
    assert_eq!(versions, ["$LATEST", "1"]);
    assert_eq!(pinned.versions[1].aliases, ["live"]);
    assert_eq!(pinned.versions[1].vpc.as_ref().unwrap().sg_set(), [g("old")]);
    assert_eq!(pinned.versions[0].vpc.as_ref().unwrap().sg_set(), [g("shared")]);
    let vpc_a = Value::id(seed["vpc"].as_str().unwrap());
    assert_eq!(
        pinned.versions[0].vpc.as_ref().unwrap().vpc_id.as_ref(),
        Some(&vpc_a),
        "VpcId comes from the subnets"
    );
    let state = pinned.versions[0].state.as_ref().expect("--with-state reads $LATEST's state");
    assert_eq!(state.state.as_deref(), Some("Active"));
    assert!(inv.functions.iter().find(|f| &*f.name == "plain-fn").unwrap().versions[0]
        .vpc
        .is_none());

    // Subnets: AZ, CIDR, egress from explicit or main route tables, IPs used by ENIs.
    let egress = |k: &str| inv.subnets.get(&s(k)).unwrap_or_else(|| panic!("subnet {k}")).egress;
    assert_eq!(egress("pub_a"), Egress::InternetGateway);
    assert_eq!(egress("pub_b"), Egress::InternetGateway);
    assert_eq!(egress("priv_a"), Egress::Nat);
    assert_eq!(egress("priv_b"), Egress::Nat);
    assert_eq!(egress("priv_c"), Egress::Private, "main table, no default route");
    let priv_a = &inv.subnets[&s("priv_a")];
    assert_eq!(priv_a.cidr.as_deref(), Some("10.0.1.0/24"));
    let enis_in_priv_a = inv.enis.iter().filter(|e| e.subnet == s("priv_a")).count() as u64;
    assert_eq!(priv_a.available_ips, Some(251 - enis_in_priv_a), "one address per Hyperplane ENI");
    assert_eq!(priv_a.vpc.as_ref(), Some(&vpc_a));

    // Security groups: the default group, and references as Peer::Group.
    assert!(inv.security_groups[&g("default")].is_default);
    assert!(!inv.security_groups[&g("shared")].is_default);
    let db_rules = inv.security_groups[&g("db")].rules.as_ref().expect("rules read");
    assert!(db_rules
        .iter()
        .any(|r| r.peer == Peer::Group(g("ref1")) && r.ports == Some((5432, 5432))));
    assert_eq!(inv.security_groups[&g("app1")].rules, inv.security_groups[&g("app2")].rules);

    // ENIs: one per (subnet, SG set), the orphans included; all observed.
    let orphan_ids: BTreeSet<&str> = seed["orphan_enis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(orphan_ids.iter().all(|id| inv.enis.iter().any(|e| e.id == *id)));
    let keys: BTreeSet<(Value, Vec<Value>)> = inv.enis.iter().map(|e| (e.subnet.clone(), e.security_groups.clone())).collect();
    assert_eq!(keys.len(), inv.enis.len(), "one ENI per combination");
    assert!(inv.enis.iter().all(|e| e.account == ACCOUNT && e.status == "in-use"));

    // VPCs with the quota's source.
    let vpc = &inv.vpcs[&vpc_a];
    assert_eq!(vpc.quota, Some(250));
    assert_eq!(vpc.quota_source, QuotaSource::Default);
    assert!(
        c.notes.iter().any(|n| n.contains("L-9FEE3D26") && n.contains("250")),
        "notes: {:?}",
        c.notes
    );

    // API calls: the audit floor plus one GetFunctionConfiguration per VPC function.
    assert_eq!(c.api_calls, 20 + 132, "operations: {:?}", c.operations);
    assert_eq!(c.operations["lambda:ListFunctions"], 4);
}

/// `check --live`: a template judged against the account read from moto.
#[test]
fn check_live_reports_what_the_deploy_adds() {
    let moto = Moto::start();
    let seed = moto.seed(&["audit"]);
    let s = |k: &str| seed["subnets"][k].as_str().unwrap().to_string();
    let g = |k: &str| seed["groups"][k].as_str().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("template.yaml");
    std::fs::write(
        &template,
        format!(
            "Resources:\n  NewSG:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{GroupDescription: new, VpcId: {vpc}}}\n  \
             Reuses:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: {{SubnetIds: [{a}, {b}], SecurityGroupIds: [{shared}]}}\n  \
             Adds:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig: {{SubnetIds: [{a}, {b}], SecurityGroupIds: [!Ref NewSG]}}\n",
            vpc = seed["vpc"].as_str().unwrap(),
            a = s("priv_a"),
            b = s("priv_b"),
            shared = g("shared"),
        ),
    )
    .unwrap();
    let out = moto
        .eniplan(home.path())
        .args([
            "check",
            template.to_str().unwrap(),
            "--live",
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            REGIONS[0],
        ])
        .args(["--format", "json", "--fail-on", "warning"])
        .output()
        .unwrap();
    let report: Json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        out.status.code(),
        Some(1),
        "ENI005 is a warning: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eni005 = findings(&report, "ENI005");
    assert_eq!(eni005.len(), 1, "{eni005:#?}");
    assert_eq!(eni005[0]["functions"], serde_json::json!(["Adds"]));
    assert!(mentions(eni005[0], &g("shared")), "names the nearest existing combination");
    let delta = &report["delta"];
    assert_eq!(delta["new_combinations"].as_array().unwrap().len(), 2, "{delta}");
    let vpc = delta["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vpc"] == seed["vpc"])
        .expect("the seeded VPC");
    assert_eq!(vpc["enis_after"].as_u64().unwrap(), vpc["enis_before"].as_u64().unwrap() + 2);
    assert!(report["stats"]["api_calls"].as_u64().unwrap() > 0);
    assert_eq!(report["incomplete"], serde_json::json!([]));
}
