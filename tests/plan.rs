//! `eniplan plan`: golden plans for the examples, the plan's `after` against
//! `check`/`audit`, and template edits that, applied, give the plan's `after`.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;

const SAM: &str = "testdata/examples/sam-app/template.yaml";
const CDK: &str = "testdata/examples/cdk.out";
const TERRAFORM: &str = "testdata/terraform/equivalent-sgs.plan.json";
const SNAPSHOT: &str = "testdata/snapshots/account.json";

fn plan_text(args: &[&str]) -> String {
    let out = support::eniplan().arg("plan").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn plan_json(args: &[&str]) -> Value {
    let mut all = vec!["plan"];
    all.extend(args);
    let (v, code) = support::json(&all);
    assert_eq!(code, 0, "{v}");
    v
}

#[test]
fn golden_plans() {
    for format in ["text", "json", "markdown"] {
        let out = plan_text(&[SAM, "--format", format]);
        insta::assert_snapshot!(format!("plan_sam_{format}"), out);
    }
    insta::assert_snapshot!("plan_cdk_text", plan_text(&[CDK]));
    insta::assert_snapshot!("plan_terraform_text", plan_text(&[TERRAFORM]));
    for format in ["text", "json"] {
        insta::assert_snapshot!(
            format!("plan_snapshot_{format}"),
            plan_text(&["--snapshot", SNAPSHOT, "--format", format])
        );
    }
}

/// The plan's `after` is the report's consolidated count: one source of truth.
#[test]
fn after_is_the_consolidated_count_on_each_example() {
    let cases: [(&[&str], &[&str]); 4] = [
        (&["check", SAM], &[SAM]),
        (&["check", CDK], &[CDK]),
        (&["check", TERRAFORM], &[TERRAFORM]),
        (&["audit", "--snapshot", SNAPSHOT], &["--snapshot", SNAPSHOT]),
    ];
    for (report_args, plan_args) in cases {
        let (report, _) = support::json(report_args);
        let plan = plan_json(plan_args);
        let summary = &report["summary"];
        assert_eq!(plan["before"]["combinations"], summary["combinations"], "{report_args:?}");
        assert_eq!(plan["before"]["enis"], summary["enis"], "{report_args:?}");
        assert_eq!(
            plan["after"]["combinations"], summary["consolidated_combinations"],
            "{report_args:?}"
        );
        assert!(
            plan["after"]["combinations"].as_u64() < plan["before"]["combinations"].as_u64(),
            "each example has something to consolidate: {report_args:?}"
        );
        for v in plan["vpcs"].as_array().unwrap() {
            let row = summary["vpcs"].as_array().unwrap().iter().find(|r| r["vpc"] == v["vpc"]).unwrap();
            assert_eq!(v["after"]["combinations"], row["consolidated"], "{report_args:?}");
            assert_eq!(v["before"]["enis"], row["enis"], "{report_args:?}");
        }
        // A step never moves a function without saying where to.
        for s in plan["steps"].as_array().unwrap().iter().filter(|s| s["kind"] == "update") {
            let said = !s["edits"].as_array().unwrap().is_empty()
                || !s["aws_cli"].as_array().unwrap().is_empty()
                || !s["notes"].as_array().unwrap().is_empty();
            assert!(said, "{s}");
        }
    }
}

/// Applies every template edit of a plan to copies of the files under `dir`.
fn apply_edits(plan: &Value, from: &str, dir: &Path) {
    let mut by_file: std::collections::BTreeMap<String, Vec<&Value>> = Default::default();
    for step in plan["steps"].as_array().unwrap() {
        for e in step["edits"].as_array().unwrap() {
            by_file.entry(e["file"].as_str().unwrap().to_string()).or_default().push(e);
        }
    }
    assert!(!by_file.is_empty(), "the plan has template edits");
    for (file, mut edits) in by_file {
        let relative = Path::new(&file).strip_prefix(from).unwrap();
        let target = if relative.as_os_str().is_empty() {
            dir.join(Path::new(&file).file_name().unwrap())
        } else {
            dir.join(relative)
        };
        let mut text = std::fs::read_to_string(&target).unwrap();
        edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
        for e in edits {
            let (start, end) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
            assert_eq!(&text[start..end], e["replace"].as_str().unwrap());
            text.replace_range(start..end, e["with"].as_str().unwrap());
        }
        std::fs::write(&target, text).unwrap();
    }
}

fn copy_into(from: &str, dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let from = root.join(from);
    if from.is_dir() {
        for entry in std::fs::read_dir(&from).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    } else {
        std::fs::copy(&from, dir.join(from.file_name().unwrap())).unwrap();
    }
}

/// A template step's edits, applied to a copy, give a template that `check`
/// reports with the plan's `after`.
#[test]
fn applied_template_edits_give_the_planned_after() {
    for (input, checked) in [(SAM, "template.yaml"), (CDK, "")] {
        let plan = plan_json(&[input]);
        let dir = tempfile::tempdir().unwrap();
        copy_into(input, dir.path());
        apply_edits(&plan, input, dir.path());
        let target = dir.path().join(checked);
        let (report, _) = support::json(&["check", target.to_str().unwrap()]);
        assert_eq!(report["summary"]["combinations"], plan["after"]["combinations"], "{input}");
        assert_eq!(report["summary"]["enis"], plan["after"]["enis"], "{input}");
        // Done, the plan has nothing left to do but delete what became unused.
        let again = plan_json(&[target.to_str().unwrap()]);
        let kinds: Vec<&Value> = again["steps"].as_array().unwrap().iter().map(|s| &s["kind"]).collect();
        assert!(kinds.iter().all(|k| *k == "cleanup"), "{input}: {kinds:?}");
    }
}

#[test]
fn extra_groups_are_planned_only_when_asked_and_marked_for_review() {
    let safe = plan_json(&[SAM]);
    assert!(safe["steps"].as_array().unwrap().iter().all(|s| s["changes_access"] == false));
    let extra = plan_json(&[SAM, "--include-extra"]);
    let review: Vec<&Value> = extra["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["changes_access"] == true)
        .collect();
    assert_eq!(review.len(), 1, "{extra}");
    assert_eq!(review[0]["functions"], serde_json::json!(["CheckoutFunction"]));
    assert_eq!(review[0]["to"]["security_groups"], serde_json::json!(["!Ref LambdaSG"]));
    assert!(extra["after"]["combinations"].as_u64() < safe["after"]["combinations"].as_u64());
}

/// An account where `sg-b` duplicates `sg-a`, which three functions use; `f-b`
/// uses `sg-b` and has a published version behind an alias, and a second
/// version no alias points at.
fn account(incomplete: bool) -> String {
    let gap = r#"{ "account": "111122223333", "region": "eu-west-1", "operation": "ListFunctions", "error": "AccessDenied" }"#;
    format!(
        r#"{{
  "eniplan_snapshot": 1,
  "scopes": [{{ "account": "111122223333", "region": "eu-west-1" }}],
  "functions": [
    {{ "name": "f-a", "account": "111122223333", "region": "eu-west-1",
      "versions": [{{ "version": "$LATEST", "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-a"], "vpc_id": "vpc-1" }} }}] }},
    {{ "name": "f-c", "account": "111122223333", "region": "eu-west-1",
      "versions": [{{ "version": "$LATEST", "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-a"], "vpc_id": "vpc-1" }} }}] }},
    {{ "name": "f-d", "account": "111122223333", "region": "eu-west-1",
      "versions": [{{ "version": "$LATEST", "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-a"], "vpc_id": "vpc-1" }} }}] }},
    {{ "name": "f-b", "account": "111122223333", "region": "eu-west-1",
      "versions": [
        {{ "version": "$LATEST", "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-b"], "vpc_id": "vpc-1" }} }},
        {{ "version": "4", "aliases": ["live"], "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-b"], "vpc_id": "vpc-1" }} }},
        {{ "version": "2", "vpc": {{ "subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-b"], "vpc_id": "vpc-1" }} }}
      ] }}
  ],
  "subnets": [
    {{ "id": "subnet-1", "vpc_id": "vpc-1", "availability_zone": "eu-west-1a", "cidr_block": "10.0.0.0/24", "available_ip_address_count": 100, "egress": "nat" }},
    {{ "id": "subnet-2", "vpc_id": "vpc-1", "availability_zone": "eu-west-1b", "cidr_block": "10.0.1.0/24", "available_ip_address_count": 30, "egress": "nat" }}
  ],
  "security_groups": [
    {{ "id": "sg-a", "vpc_id": "vpc-1", "rules": [{{ "direction": "egress", "protocol": "-1", "cidr": "0.0.0.0/0" }}] }},
    {{ "id": "sg-b", "vpc_id": "vpc-1", "rules": [{{ "direction": "egress", "protocol": "-1", "cidr": "0.0.0.0/0" }}] }}
  ],
  "vpcs": [{{ "id": "vpc-1", "eni_quota": 10, "eni_quota_source": "service_quotas" }}],
  "enis": [],
  "incomplete": [{}]
}}"#,
        if incomplete { gap } else { "" }
    )
}

#[test]
fn published_versions_are_named_not_moved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    std::fs::write(&path, account(false)).unwrap();
    let plan = plan_json(&["--snapshot", path.to_str().unwrap()]);
    let steps = plan["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["update", "version", "version", "cleanup"], "{plan}");
    assert_eq!(steps[0]["functions"], serde_json::json!(["f-b"]));
    assert_eq!(steps[0]["reuses_existing"], true);
    assert_eq!(
        steps[0]["aws_cli"],
        serde_json::json!([[
            "aws",
            "lambda",
            "update-function-configuration",
            "--function-name",
            "f-b",
            "--vpc-config",
            "SubnetIds=subnet-1,subnet-2,SecurityGroupIds=sg-a"
        ]])
    );
    // Versions are never updated: the one behind an alias gets instructions, no command.
    let versions: Vec<&Value> = steps.iter().filter(|s| s["kind"] == "version").collect();
    let live = versions.iter().find(|s| s["functions"][0] == "f-b:4").unwrap();
    assert_eq!(live["aws_cli"], serde_json::json!([]));
    assert!(live["notes"].to_string().contains("f-b:live"), "{live}");
    let old = versions.iter().find(|s| s["functions"][0] == "f-b:2").unwrap();
    assert_eq!(
        old["aws_cli"],
        serde_json::json!([["aws", "lambda", "delete-function", "--function-name", "f-b", "--qualifier", "2"]])
    );
    // The old combinations are freed only once the versions are gone too.
    assert_eq!(steps[0]["frees"], serde_json::json!([]));
    assert_eq!(
        steps[3]["aws_cli"],
        serde_json::json!([["aws", "ec2", "delete-security-group", "--group-id", "sg-b"]])
    );
    // Headroom: quota 10 warns at 8 ENIs; 4 combinations today, 2 after.
    let vpc = &plan["vpcs"][0];
    assert_eq!(
        (
            vpc["before"]["headroom_warning"].as_i64(),
            vpc["after"]["headroom_warning"].as_i64()
        ),
        (Some(3), Some(5))
    );
    // subnet-2: 30 free, 2 ENIs still to create, threshold 10% of 251 = 25.1 → 28 - 25.1 → 2.
    let subnet = &vpc["subnets"][1];
    assert_eq!(subnet["subnet"], "subnet-2");
    assert_eq!(subnet["before"]["free_ips"], 28);
    assert_eq!(subnet["after"]["free_ips"], 29);
}

#[test]
fn an_incomplete_inventory_exits_3_and_bad_input_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    std::fs::write(&path, account(true)).unwrap();
    let (plan, code) = support::json(&["plan", "--snapshot", path.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert_eq!(plan["incomplete"], true);
    let bad = support::eniplan().args(["plan", "testdata/bad/truncated.json"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let sarif = support::eniplan().args(["plan", SAM, "--format", "sarif"]).output().unwrap();
    assert_eq!(sarif.status.code(), Some(2));
}

/// A merge onto a set that is not yet used in one of the function's subnets
/// creates a combination: the step says so, with AWS's documented Pending time.
#[test]
fn a_step_that_creates_a_combination_says_how_long_it_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let function = |name: &str, subnets: &str, sg: &str| {
        format!(
            r#"{{ "name": "{name}", "account": "1", "region": "eu-west-1", "versions": [{{ "version": "$LATEST", "vpc": {{ "subnet_ids": [{subnets}], "security_group_ids": ["{sg}"], "vpc_id": "vpc-1" }} }}] }}"#
        )
    };
    let text = format!(
        r#"{{ "eniplan_snapshot": 1, "scopes": [{{ "account": "1", "region": "eu-west-1" }}],
  "functions": [{}, {}, {}],
  "subnets": [{{ "id": "subnet-1", "vpc_id": "vpc-1" }}, {{ "id": "subnet-2", "vpc_id": "vpc-1" }}],
  "security_groups": [
    {{ "id": "sg-a", "vpc_id": "vpc-1", "rules": [{{ "direction": "egress", "protocol": "-1", "cidr": "0.0.0.0/0" }}] }},
    {{ "id": "sg-b", "vpc_id": "vpc-1", "rules": [{{ "direction": "egress", "protocol": "-1", "cidr": "0.0.0.0/0" }}] }}
  ],
  "vpcs": [{{ "id": "vpc-1" }}], "enis": [], "incomplete": [] }}"#,
        function("f-a", r#""subnet-1""#, "sg-a"),
        function("f-c", r#""subnet-1""#, "sg-a"),
        function("f-b", r#""subnet-1", "subnet-2""#, "sg-b"),
    );
    std::fs::write(&path, text).unwrap();
    let plan = plan_json(&["--snapshot", path.to_str().unwrap()]);
    let step = &plan["steps"][0];
    assert_eq!(step["functions"], serde_json::json!(["f-b"]), "{plan}");
    assert_eq!(step["reuses_existing"], false);
    let notes = step["notes"].to_string();
    assert!(
        notes.contains("several minutes") && notes.contains("docs.aws.amazon.com"),
        "{notes}"
    );
    assert_eq!(
        (plan["before"]["combinations"].as_u64(), plan["after"]["combinations"].as_u64()),
        (Some(3), Some(2))
    );
}

/// SAM adds a function's own groups to the `Globals` list, so one written
/// entry stands in several functions' lists: the plan edits it only when
/// every function using it moves the same way, else it says why not.
#[test]
fn a_globals_entry_is_edited_only_when_every_function_using_it_moves() {
    let sg = |name: &str, port: u16| {
        format!(
            "  {name}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: {name}\n      VpcId: vpc-1\n      SecurityGroupEgress:\n        - {{ IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 0.0.0.0/0 }}\n"
        )
    };
    let sam = |name: &str, own: &str| format!("  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src\n{own}");
    let plain = |name: &str| {
        format!(
            "  {name}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      Role: arn:aws:iam::123456789012:role/r\n      Code: {{ ZipFile: x }}\n      VpcConfig:\n        SubnetIds: [subnet-1]\n        SecurityGroupIds: [!Ref NewSG]\n"
        )
    };
    let template = |keep: bool| {
        let mut t = String::from(
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\n    Handler: app.handler\n    VpcConfig:\n      SecurityGroupIds: [!Ref OldSG]\n      SubnetIds: [subnet-1]\nResources:\n",
        );
        t.push_str(&sg("OldSG", 443));
        t.push_str(&sg("NewSG", 443));
        t.push_str(&sg("ExtraSG", 5432));
        t.push_str(&sam("Mover", ""));
        t.push_str(&plain("New1"));
        t.push_str(&plain("New2"));
        if keep {
            // Globals' OldSG plus its own ExtraSG: a set that does not move.
            t.push_str(&sam("Keep", "      VpcConfig:\n        SecurityGroupIds: [!Ref ExtraSG]\n"));
        }
        t
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.yaml");
    for keep in [false, true] {
        std::fs::write(&path, template(keep)).unwrap();
        let plan = plan_json(&[path.to_str().unwrap()]);
        let step = &plan["steps"][0];
        assert_eq!(step["functions"], serde_json::json!(["Mover"]), "{plan}");
        let edits = step["edits"].as_array().unwrap();
        if keep {
            assert!(edits.is_empty(), "{step}");
            assert!(step["notes"].to_string().contains("is shared with Keep"), "{step}");
        } else {
            assert_eq!(edits.len(), 1, "{step}");
            assert_eq!(edits[0]["with"], "!Ref NewSG");
            assert_eq!(edits[0]["line"], 7, "the Globals entry");
        }
    }
}
