//! Terraform plan JSON (`terraform show -json PLANFILE`) through the binary.
//! Fixtures: testdata/terraform/*.plan.json, written by
//! testdata/terraform/make_fixtures.py (see the configuration each describes).

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::{check, eniplan, findings};

fn plan(name: &str) -> String {
    format!("testdata/terraform/{name}")
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// (subnet, security groups, functions) of every combination.
fn combos(r: &Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    r["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut f = strs(&c["functions"]);
            f.sort();
            (c["subnet"].as_str().unwrap().to_string(), strs(&c["security_groups"]), f)
        })
        .collect()
}

#[test]
fn unknown_group_id_shared_through_references_is_one_group() {
    let (r, code) = check(&[&plan("shared-sg.plan.json")]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["functions"], 4);
    assert_eq!(r["summary"]["combinations"], 2, "2 subnets x 1 security-group set");
    let c = combos(&r);
    let subnets: Vec<&str> = c.iter().map(|(s, ..)| s.as_str()).collect();
    assert_eq!(
        subnets,
        ["aws_subnet.private[0]", "aws_subnet.private[1]"],
        "aws_subnet.private[*].id expands to both instances"
    );
    for (_, sgs, fns) in &c {
        assert_eq!(sgs, &["aws_security_group.lambda"]);
        assert_eq!(fns.len(), 4);
    }
    assert_eq!(
        r["unresolved"].as_array().unwrap().len(),
        0,
        "a group created by the plan is not unresolved"
    );
}

#[test]
fn delete_removes_a_function_and_replace_keeps_it() {
    let (r, _) = check(&[&plan("actions.plan.json")]);
    assert_eq!(r["summary"]["functions"], 5);
    let c = combos(&r);
    assert_eq!(c.len(), 2, "{c:?}");
    let fns = &c[0].2;
    for kept in ["keep", "changed", "replaced", "create_first", "new"] {
        assert!(fns.contains(&format!("aws_lambda_function.{kept}")), "{kept} missing from {fns:?}");
    }
    assert!(!fns.iter().any(|f| f.ends_with(".gone")));
    assert!(
        c.iter().all(|(_, sgs, _)| sgs == &["sg-0aaa1111222233334"]),
        "the deleted function's group is gone: {c:?}"
    );
}

#[test]
fn module_for_each_and_variables_through_module_calls() {
    let (r, _) = check(&[&plan("modules.plan.json")]);
    assert_eq!(r["summary"]["functions"], 5);
    assert_eq!(r["summary"]["combinations"], 4);
    let c = combos(&r);
    let shared: Vec<_> = c.iter().filter(|(_, sgs, _)| sgs == &["aws_security_group.lambda"]).collect();
    assert_eq!(shared.len(), 2, "{c:?}");
    assert_eq!(
        shared[0].2,
        [
            r#"module.api["orders"].aws_lambda_function.this"#,
            r#"module.api["payments"].aws_lambda_function.this"#,
            r#"module.workers.module.fn.aws_lambda_function.this["resize"]"#,
            r#"module.workers.module.fn.aws_lambda_function.this["thumbnail"]"#,
        ],
        "var.sg_ids resolves through module.api and through module.workers → module.fn"
    );
    let subnets: Vec<&str> = shared.iter().map(|(s, ..)| s.as_str()).collect();
    assert_eq!(
        subnets,
        ["module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[1]"],
        "through the module output"
    );
    let own: Vec<_> = c
        .iter()
        .filter(|(_, sgs, _)| sgs == &["module.reports.aws_security_group.this"])
        .collect();
    assert_eq!(own.len(), 2, "a module's own group keeps its module prefix: {c:?}");
    assert_eq!(own[0].2, ["module.reports.aws_lambda_function.this"]);
    assert_eq!(r["unresolved"].as_array().unwrap().len(), 0);
}

#[test]
fn equivalent_groups_from_inline_and_rule_resources_fire_eni001() {
    let (r, _) = check(&[&plan("equivalent-sgs.plan.json")]);
    let f = findings(&r, "ENI001");
    assert_eq!(f.len(), 1, "{:#}", r["findings"]);
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("aws_security_group.a") && msg.contains("aws_security_group.b"),
        "{msg}"
    );
    assert!(
        msg.contains("0 ingress, 1 egress"),
        "inline egress ≡ aws_vpc_security_group_egress_rule: {msg}"
    );
    assert!(f[0]["resource"].as_str().unwrap().starts_with("aws_"), "located by address");
    assert_eq!(f[0]["location"]["file"], plan("equivalent-sgs.plan.json"));
}

#[test]
fn group_referenced_by_another_groups_rule_keeps_eni001_quiet() {
    let (r, _) = check(&[&plan("referenced-sg.plan.json")]);
    assert!(
        findings(&r, "ENI001").is_empty(),
        "aws_security_group_rule.db_from_b names group b: {:#}",
        r["findings"]
    );
    assert_eq!(r["summary"]["combinations"], 4);
}

#[test]
fn default_group_and_partly_unknown_list() {
    let (r, _) = check(&[&plan("default-sg.plan.json")]);
    let f = findings(&r, "ENI301");
    let names: Vec<&str> = f.iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"aws_lambda_function.plain"),
        "aws_default_security_group is the default group: {names:?}"
    );
    let c = combos(&r);
    let mixed: Vec<_> = c.iter().filter(|(.., fns)| fns == &["aws_lambda_function.mixed"]).collect();
    assert_eq!(mixed.len(), 2);
    assert_eq!(
        mixed[0].1,
        ["sg-0def1111222233334", "aws_security_group.extra"],
        "the known ID stays, the null element is the new group"
    );
}

#[test]
fn route_tables_make_subnets_behind_an_internet_gateway_public() {
    let (r, _) = check(&[&plan("public-subnet.plan.json")]);
    let mut public: Vec<String> = findings(&r, "ENI202").iter().flat_map(|f| strs(&f["functions"])).collect();
    public.sort();
    // web: aws_route to the gateway and count-indexed associations, all known
    // only after apply; edge: an inline route; worker: a NAT route.
    assert_eq!(public, ["aws_lambda_function.edge", "aws_lambda_function.web"]);
}

#[test]
fn subnets_without_an_association_use_their_vpcs_main_table() {
    let (r, _) = check(&[&plan("main-route-table.plan.json")]);
    let mut public: Vec<String> = findings(&r, "ENI202").iter().flat_map(|f| strs(&f["functions"])).collect();
    public.sort();
    // tutorial: aws_default_route_table with an inline internet route; routed:
    // an aws_route on the VPC's main_route_table_id; adopted: a main-table
    // association; aliased: an aws_route on the aws_default_route_table's own
    // id. quiet: a new VPC's main table has the local route only;
    // existing: the plan does not define that VPC's main table.
    assert_eq!(
        public,
        [
            "aws_lambda_function.adopted",
            "aws_lambda_function.aliased",
            "aws_lambda_function.routed",
            "aws_lambda_function.tutorial"
        ]
    );
}

#[test]
fn an_association_naming_no_single_subnet_stops_the_main_table_fallback() {
    // The private subnets' associations use `each.value.id`: they may be any
    // subnet's, so the public main table must not make them public.
    let (r, _) = check(&[&plan("main-route-table-unclear.plan.json")]);
    assert!(findings(&r, "ENI202").is_empty(), "{:#}", r["findings"]);
    assert_eq!(r["summary"]["combinations"], 2, "the worker's two subnets are read");
}

#[test]
fn findings_are_located_by_address_and_line() {
    let (r, _) = check(&[&plan("single-az.plan.json")]);
    let f = findings(&r, "ENI201");
    let legacy = f
        .iter()
        .find(|f| f["resource"] == "module.legacy.aws_lambda_function.this")
        .unwrap_or_else(|| panic!("{:#}", r["findings"]));
    assert_eq!(legacy["location"]["file"], plan("single-az.plan.json"));
    let line = legacy["location"]["line"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(plan("single-az.plan.json"))).unwrap();
    let changes = text.lines().position(|l| l.contains(r#""resource_changes": ["#)).unwrap();
    let address_line = text
        .lines()
        .skip(changes)
        .position(|l| l.contains(r#""address": "module.legacy.aws_lambda_function.this""#))
        .unwrap()
        + changes
        + 1;
    let next_change = text.lines().skip(address_line).position(|l| l.contains(r#""address": "#)).unwrap() + address_line;
    assert!(
        line > address_line && line <= next_change,
        "line {line} lies in the resource change at {address_line}"
    );
}

#[test]
fn eniplan_toml_ignores_by_resource_address_glob() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("eniplan.toml");
    std::fs::write(&config, "[[ignore]]\nrules = [\"ENI201\"]\nresource = \"module.legacy.*\"\n").unwrap();
    let (r, _) = check(&[&plan("single-az.plan.json"), "--config", config.to_str().unwrap()]);
    let f = findings(&r, "ENI201");
    let suppressed = |name: &str| f.iter().find(|f| f["resource"] == name).map(|f| f["suppressed"].clone());
    assert_eq!(suppressed("module.legacy.aws_lambda_function.this"), Some(Value::Bool(true)));
    assert_eq!(
        suppressed("aws_lambda_function.other"),
        Some(Value::Bool(false)),
        "outside the glob"
    );
    assert_eq!(r["summary"]["findings"]["suppressed"], 1, "suppressed findings are counted");
}

#[test]
fn planned_values_without_resource_changes() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(plan("shared-sg.plan.json"))).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("resource_changes");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let (r, _) = check(&[path.to_str().unwrap()]);
    assert_eq!(r["summary"]["functions"], 4);
    assert_eq!(
        r["summary"]["combinations"], 2,
        "omitted unknowns resolve through the configuration too"
    );
}

#[test]
fn bad_plans_are_located_and_exit_2() {
    let cases = [
        (
            "format-version-2.plan.json",
            "format-version-2.plan.json:2:21:",
            "unsupported Terraform plan format_version \"2.0\"",
        ),
        (
            "format-version-number.plan.json",
            "format-version-number.plan.json:1:20:",
            "`format_version` must be a string",
        ),
        (
            "vpc-config-object.plan.json",
            "vpc-config-object.plan.json:16:25:",
            "`vpc_config` of `aws_lambda_function.api` must be a list",
        ),
        (
            "subnet-ids-string.plan.json",
            "subnet-ids-string.plan.json:17:76:",
            "`vpc_config[0].subnet_ids` of `aws_lambda_function.api` must be a list of IDs, found a string",
        ),
        (
            "resource-changes-object.plan.json",
            "resource-changes-object.plan.json:4:23:",
            "`resource_changes` must be a list",
        ),
        (
            "actions-string.plan.json",
            "actions-string.plan.json:10:29:",
            "`actions` must be a list",
        ),
    ];
    let mut failures = vec![];
    for (file, location, message) in cases {
        let out = eniplan().args(["check", &plan(&format!("bad/{file}"))]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(location) || !stderr.contains(message) || stderr.contains("panicked") {
            failures.push(format!("{file}: exit {:?}\n{stderr}", out.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

/// Every field of a function's and a group's resource change replaced by
/// each wrong type: a located error or a report, never a panic.
#[test]
fn wrong_types_anywhere_never_panic() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(plan("modules.plan.json"))).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    let wrong = [
        Value::Null,
        Value::from(42),
        Value::from("x"),
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!([{}]),
    ];
    let mut pointers = vec![];
    fn walk(v: &Value, at: String, out: &mut Vec<String>, depth: usize) {
        if depth > 6 {
            return;
        }
        out.push(at.clone());
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, format!("{at}/{k}"), out, depth + 1)),
            Value::Array(a) => a
                .iter()
                .take(2)
                .enumerate()
                .for_each(|(i, v)| walk(v, format!("{at}/{i}"), out, depth + 1)),
            _ => {}
        }
    }
    let rcs = original["resource_changes"].as_array().unwrap();
    let function = rcs.iter().position(|r| r["type"] == "aws_lambda_function").unwrap();
    let group = rcs.iter().position(|r| r["type"] == "aws_security_group").unwrap();
    for i in [function, group] {
        walk(&rcs[i], format!("/resource_changes/{i}"), &mut pointers, 0);
    }
    walk(
        &original["configuration"]["module_calls"],
        "/configuration/root_module/module_calls".into(),
        &mut pointers,
        2,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut failures = vec![];
    for (n, p) in pointers.iter().enumerate() {
        let w = &wrong[n % wrong.len()];
        let mut v = original.clone();
        match v.pointer_mut(p) {
            Some(slot) => *slot = w.clone(),
            None => continue,
        }
        let path = dir.path().join(format!("{n}.plan.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let out = eniplan()
            .args(["check", path.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let located = code != Some(2) || stderr.contains(&format!("{n}.plan.json:"));
        if !matches!(code, Some(0..=2)) || stderr.contains("panicked") || !located {
            failures.push(format!("{p} = {w}: exit {code:?}\n{stderr}"));
        }
    }
    assert!(pointers.len() > 50, "{}", pointers.len());
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn tf_source_says_how_to_make_a_plan() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(&tf, "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n}\n").unwrap();
    let out = eniplan().args(["check", tf.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("main.tf:1:1:") && stderr.contains("not a plan"), "{stderr}");
    assert!(stderr.contains("terraform show -json"), "{stderr}");
}

/// `../shared` is missing from a fresh clone.
fn realworld_tf() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    assert!(dir.is_dir(), "../shared is missing: run where it exists (.ci/run does)");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    files
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn realworld_tf_files_are_not_plans() {
    for tf in realworld_tf() {
        let out = eniplan().args(["check", tf.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", tf.display());
        assert!(stderr.contains(":1:1:") && stderr.contains("terraform show -json"), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn realworld_tf_files_are_skipped_in_a_directory_walk() {
    let dir = tempfile::tempdir().unwrap();
    let files = realworld_tf();
    for tf in &files {
        std::fs::copy(tf, dir.path().join(tf.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(plan("shared-sg.plan.json")),
        dir.path().join("plan.json"),
    )
    .unwrap();
    let (r, code) = check(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["functions"], 4, "the plan next to them is read");
    let skipped = strs(&r["skipped"]);
    for tf in &files {
        let name = tf.file_name().unwrap().to_str().unwrap();
        assert!(
            skipped.iter().any(|s| s.contains(name) && s.contains("terraform show -json")),
            "{name} not in {skipped:?}"
        );
    }
}
