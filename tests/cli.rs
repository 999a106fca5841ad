//! The command line on the bundled fixtures: exit codes, bad input, flags.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{eniplan, json};

fn rules_of(report: &Value) -> Vec<String> {
    let mut r: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn bad_input_is_located_and_exits_2() {
    let cases = [
        ("broken-indentation.yaml", "broken-indentation.yaml:8:8:", "invalid YAML"),
        (
            "subnetids-string.yaml",
            "subnetids-string.yaml:6:20:",
            "SubnetIds: expected a list, found a string",
        ),
        ("alias-bomb.yaml", "alias-bomb.yaml:", "alias bomb"),
        ("deeply-nested.json", "deeply-nested.json:1:", "nesting deeper than 200 levels"),
        ("invalid-utf8.yaml", "invalid-utf8.yaml:4:21:", "invalid UTF-8"),
        (
            "tagged-key.yaml",
            "tagged-key.yaml:9:21:",
            "a mapping key cannot carry the tag `!ImportValue`",
        ),
        (
            "two-documents.yaml",
            "two-documents.yaml:6:1:",
            "a template holds one YAML document",
        ),
        ("not-a-template.json", "not-a-template.json:1:1:", "unknown input format"),
        (
            "truncated.json",
            "truncated.json:2:1:",
            "invalid JSON: expected `,` or `]`, found the end of the file",
        ),
        ("resources-list.yaml", "resources-list.yaml:2:3:", "`Resources` must be a mapping"),
        (
            "variable-bomb.yml",
            "variable-bomb.yml:32:9:",
            "variables expand to more than 67108864 bytes of text",
        ),
    ];
    let mut failures = vec![];
    for (file, location, message) in cases {
        let started = Instant::now();
        let out = eniplan().args(["check", &format!("testdata/bad/{file}")]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = out.status.code() == Some(2) && stderr.contains(location) && stderr.contains(message) && !stderr.contains("panicked");
        if !ok || started.elapsed() > Duration::from_secs(10) {
            failures.push(format!("{file}: exit {:?} in {:?}\n{stderr}", out.status.code(), started.elapsed()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

/// A mapping with many keys once cost a scan of the keys read so far per key:
/// 100,000 keys took minutes. The files are generated because their size is
/// the point; each ends in a syntax error, so only parsing is timed.
#[test]
fn wide_mappings_parse_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let keys = 100_000;
    let json: String = (0..keys).map(|i| format!("\"k{i}\":0,")).collect();
    let yaml: String = (0..keys).map(|i| format!("  k{i}: 0\n")).collect();
    let cases = [
        ("wide.json", format!("{{\"Resources\":{{{json}\n"), "wide.json:2:1:"),
        ("wide.yaml", format!("Resources:\n{yaml}  bad: [\n"), "wide.yaml:100003:1:"),
    ];
    for (name, text, location) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let started = Instant::now();
        let out = eniplan().args(["check", path.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(location), "{name}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(15), "{name} took {:?}", started.elapsed());
    }
}

/// A device reports no length; reading one must still stop at the size limit.
#[cfg(unix)]
#[test]
fn endless_input_stops_at_the_size_limit() {
    let out = eniplan().args(["check", "/dev/zero"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/dev/zero:1:1: file is over 67108864 bytes"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn endless_snapshot_stops_at_the_size_limit() {
    let cases: [&[&str]; 2] = [
        &["audit", "--snapshot", "/dev/zero"],
        &["check", "testdata/examples/sam-app/template.yaml", "--against", "/dev/zero"],
    ];
    for args in cases {
        let out = eniplan().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("/dev/zero") && stderr.contains("snapshots up to that size"),
            "{stderr}"
        );
    }
}

#[test]
fn sam_example_counts_and_findings() {
    let (r, code) = json(&["check", "testdata/examples/sam-app/template.yaml"]);
    assert_eq!(code, 0, "no error-level findings, default --fail-on error");
    let s = &r["summary"];
    assert_eq!(s["functions"], 6);
    assert_eq!(s["vpc_functions"], 6);
    // Api/Export/Checkout/Worker/Webhook/Reporting: see the comments in the template.
    assert_eq!(s["combinations"], 9);
    assert_eq!(s["findings"]["suppressed"], 1);
    // ReportingFunction's subnets are a list parameter: ENI302 (suppressed), never ENI201.
    assert_eq!(rules_of(&r), ["ENI001", "ENI002", "ENI003", "ENI201", "ENI202", "ENI301"]);
    let vpc = s["vpcs"].as_array().unwrap().iter().find(|v| v["vpc"] == "!Ref Vpc").unwrap();
    assert_eq!(vpc["combinations"], 9, "ReportingFunction joins the VPC through LambdaSG");
    // ENI001 folds Worker into LambdaSG (-2), ENI003 folds PrivateA2 into PrivateA (-1).
    assert_eq!(vpc["consolidated"], 6);
    assert_eq!(vpc["quota"], 250);
    assert_eq!(vpc["quota_source"], "default");
    let eni002 = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "ENI002").unwrap();
    assert_eq!(eni002["location"]["line"], 120);
    assert_eq!(eni002["cost"]["enis"], 2);
    assert!(eni002["fix"].as_str().unwrap().contains("DatabaseClientSG"));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let path = "testdata/examples/sam-app/template.yaml";
    for (level, code) in [("error", 0), ("warning", 1), ("note", 1), ("never", 0)] {
        let out = eniplan().args(["check", path, "--fail-on", level]).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "--fail-on {level}");
    }
}

#[test]
fn parameters_resolve_lists_and_conditions() {
    let path = "testdata/examples/sam-app/template.yaml";
    let (r, _) = json(&[
        "check",
        path,
        "--parameter",
        "ReportingSubnets=subnet-r1, subnet-r2",
        "--parameter",
        "Stage=dev",
    ]);
    let reporting: Vec<&Value> = r["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["functions"].as_array().unwrap().iter().any(|f| f == "ReportingFunction"))
        .collect();
    let mut subnets: Vec<&str> = reporting.iter().map(|c| c["subnet"].as_str().unwrap()).collect();
    subnets.sort();
    assert_eq!(subnets, ["subnet-r1", "subnet-r2"]);
    // Stage=dev makes IsProd false: the If picks OrdersWorkerSG.
    assert!(reporting
        .iter()
        .all(|c| c["security_groups"] == serde_json::json!(["!Ref OrdersWorkerSG"])));
    assert!(!rules_of(&r).contains(&"ENI302".to_string()));
}

#[test]
fn unknown_condition_is_flagged_not_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(
        &path,
        "Parameters:\n  Env: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [subnet-1, subnet-2]\n        SecurityGroupIds: !If [Prod, [sg-prod], [sg-dev]]\n",
    )
    .unwrap();
    let (r, _) = json(&["check", path.to_str().unwrap()]);
    let sgs = &r["combinations"][0]["security_groups"];
    assert_eq!(sgs, &serde_json::json!(["!If [Prod, [sg-prod], [sg-dev]]"]));
    let note = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ENI302")
        .expect("ENI302 flags the condition");
    assert!(note["fix"].as_str().unwrap().contains("condition `Prod`"));
}

#[test]
fn config_file_turns_rules_off_and_changes_severity() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("eniplan.toml");
    std::fs::write(&cfg, "[rules.ENI001]\nenabled = false\n[rules.ENI003]\nseverity = \"error\"\n").unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/sam-app/template.yaml");
    let out = eniplan()
        .current_dir(dir.path())
        .args(["check", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "ENI003 is now an error");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rules_of(&r).contains(&"ENI001".to_string()));
    let eni003 = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "ENI003").unwrap();
    assert_eq!(eni003["severity"], "error");

    std::fs::write(&cfg, "[rules.ENI999]\nenabled = false\n").unwrap();
    let out = eniplan()
        .args(["check", path.to_str().unwrap(), "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("eniplan.toml:1:8: unknown rule `ENI999`"));
}

#[test]
fn config_ignore_by_resource_glob() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("x.toml");
    std::fs::write(&cfg, "[[ignore]]\nrules = [\"ENI202\", \"ENI201\"]\nresource = \"Webhook*\"\n").unwrap();
    let (r, _) = json(&[
        "check",
        "testdata/examples/sam-app/template.yaml",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let rules = rules_of(&r);
    assert!(
        !rules.contains(&"ENI202".to_string()) && !rules.contains(&"ENI201".to_string()),
        "{rules:?}"
    );
    assert_eq!(r["summary"]["findings"]["suppressed"], 3);
}

#[test]
fn cdk_out_reads_stacks_with_paths_and_environment() {
    let (r, _) = json(&["check", "testdata/examples/cdk.out"]);
    assert_eq!(r["summary"]["functions"], 4);
    assert_eq!(r["summary"]["combinations"], 8);
    assert_eq!(r["combinations"][0]["account"], "123456789012");
    assert_eq!(rules_of(&r), ["ENI001", "ENI004"]);
    let eni004 = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "ENI004").unwrap();
    assert!(
        eni004["resource"].as_str().unwrap().contains("IngestStack/"),
        "aws:cdk:path in messages"
    );
    assert_eq!(eni004["cost"]["enis"], 6);
    assert_eq!(r["summary"]["consolidated_combinations"], 2);
}

#[test]
fn directory_walk_reads_every_template() {
    let (r, _) = json(&["check", "testdata/examples"]);
    assert_eq!(r["summary"]["functions"], 10);
}

#[test]
fn snapshot_audit_and_incomplete_exit_3() {
    let (r, code) = json(&["audit", "--snapshot", "testdata/snapshots/account.json"]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["functions"], 4);
    assert_eq!(r["summary"]["vpc_functions"], 3);
    assert_eq!(r["scopes"][0]["account"], "111122223333");
    assert_eq!(r["stats"]["api_calls"], 9);
    for id in ["ENI001", "ENI006", "ENI101", "ENI102", "ENI205"] {
        assert!(rules_of(&r).contains(&id.to_string()), "{id} in {:?}", rules_of(&r));
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/snapshots/account.json")).unwrap();
    let partial = text.replace(
        "\"incomplete\": []",
        "\"incomplete\": [{\"account\": \"111122223333\", \"region\": \"eu-west-1\", \"operation\": \"ec2:DescribeNetworkInterfaces\", \"error\": \"AccessDenied\"}]",
    );
    let p = dir.path().join("partial.json");
    std::fs::write(&p, partial).unwrap();
    let (r, code) = json(&["audit", "--snapshot", p.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert_eq!(r["incomplete"][0]["operation"], "ec2:DescribeNetworkInterfaces");

    std::fs::write(&p, text.replace("\"eniplan_snapshot\": 1", "\"eniplan_snapshot\": 9")).unwrap();
    let out = eniplan().args(["audit", "--snapshot", p.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("snapshot format version 9 is not supported"));
}

#[test]
fn alias_served_versions_are_checked_for_single_az() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/snapshots/account.json");
    let mut snap: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let api = snap["functions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["name"] == "billing-api")
        .unwrap();
    // Version 3 (alias `rollback`) moves to one subnet; $LATEST and 7 (`live`) keep two AZs.
    for v in api["versions"].as_array_mut().unwrap() {
        if v["version"] == "3" {
            v["vpc"]["subnet_ids"] = serde_json::json!(["subnet-0c"]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("aliased.json");
    std::fs::write(&p, snap.to_string()).unwrap();
    let (r, _) = json(&["audit", "--snapshot", p.to_str().unwrap()]);
    let mut single_az: Vec<Vec<String>> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ENI201")
        .map(|f| serde_json::from_value(f["functions"].clone()).unwrap())
        .collect();
    single_az.sort();
    assert_eq!(single_az, [vec!["billing-api:3"], vec!["invoice-pdf"]]);
}

#[test]
fn graph_formats_draw_functions_combinations_subnets() {
    for (format, edge) in [("dot", "->"), ("mermaid", "-->")] {
        let out = eniplan()
            .args(["graph", "testdata/examples/cdk.out", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        // 4 functions → 8 combinations → 2 subnets → 1 VPC.
        assert_eq!(text.matches(edge).count(), 4 * 2 + 8 + 2, "{text}");
        assert!(text.contains("subnet-0a1111111111111aa"));
    }
}

#[test]
fn explain_and_rules() {
    let out = eniplan().args(["explain", "ENI001"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# ENI001 equivalent-security-groups"));
    let out = eniplan().args(["explain", "ENI999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_file_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.md");
    eniplan()
        .args([
            "check",
            "testdata/examples/cdk.out",
            "--format",
            "markdown",
            "--output",
            p.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let md = std::fs::read_to_string(p).unwrap();
    assert!(
        md.contains("| `vpc-0c3333333333333cc` | 4 | 8 | 8 | - | 8 | 250 (default) | 242 | 2 |"),
        "{md}"
    );
    assert!(md.contains("ENI004 per-function-security-group"));
}

#[test]
fn metadata_suppression() {
    let (r, _) = json(&["check", "testdata/examples/sam-app/template.yaml"]);
    let suppressed: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == true)
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["rule"], "ENI302");
    assert_eq!(suppressed[0]["functions"][0], "ReportingFunction");
}

/// Terraform writes plans on one line: text reports and errors on a huge line
/// must give a location without a snippet, and never panic.
#[test]
fn one_line_inputs_are_located_without_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/equivalent-sgs.plan.json")).unwrap(),
    )
    .unwrap();
    let compact = serde_json::to_string(&plan).unwrap();
    assert!(compact.len() > 2_000 && !compact.contains('\n'));
    let path = dir.path().join("plan.json");
    std::fs::write(&path, &compact).unwrap();
    let out = eniplan()
        .args(["check", path.to_str().unwrap(), "--fail-on", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("at {}:1:", path.display())), "{stdout}");

    let broken = compact.replacen("\"subnet_ids\":[", "\"subnet_ids\":7,[", 1);
    std::fs::write(&path, broken).unwrap();
    let out = eniplan().args(["check", path.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:1:", path.display())) && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// Two subnets in one AZ, both in an existing VPC (a parameter) and none
/// routed in the template, or both in a VPC the template creates and so on
/// its main table.
fn subnet_drift_template(vpc: &str) -> String {
    let vpc_resource = if vpc == "!Ref Vpc" {
        "  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n"
    } else {
        ""
    };
    let subnet = |name: &str, az: &str, cidr: &str| {
        format!("  {name}:\n    Type: AWS::EC2::Subnet\n    Properties: {{VpcId: {vpc}, AvailabilityZone: {az}, CidrBlock: {cidr}}}\n")
    };
    let function = |name: &str, subnets: &str| {
        format!("  {name}:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [{subnets}]\n        SecurityGroupIds: [sg-0aaa1111222233334]\n")
    };
    format!(
        "Parameters:\n  VpcParam: {{Type: 'AWS::EC2::VPC::Id'}}\nResources:\n{vpc_resource}{}{}{}{}{}",
        subnet("A1", "eu-west-1a", "10.0.1.0/24"),
        subnet("A2", "eu-west-1a", "10.0.2.0/24"),
        subnet("B", "eu-west-1b", "10.0.3.0/24"),
        function("First", "!Ref A1, !Ref B"),
        function("Second", "!Ref A2, !Ref B"),
    )
}

#[test]
fn subnet_drift_counts_a_merge_only_between_subnets_known_to_route_alike() {
    let dir = tempfile::tempdir().unwrap();
    for (vpc, consolidated) in [("!Ref VpcParam", 3), ("!Ref Vpc", 2)] {
        let path = dir.path().join("t.yaml");
        std::fs::write(&path, subnet_drift_template(vpc)).unwrap();
        let (r, _) = json(&["check", path.to_str().unwrap()]);
        assert!(rules_of(&r).contains(&"ENI003".to_string()), "{vpc}: {:#}", r["findings"]);
        let s = &r["summary"];
        assert_eq!(s["combinations"], 3, "{vpc}");
        // Unknown routing on both sides is not "the same routing"; a VPC the
        // template creates routes both subnets through its main table.
        assert_eq!(s["consolidated_combinations"], consolidated, "{vpc}");
    }
}
