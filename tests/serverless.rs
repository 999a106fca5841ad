//! serverless.yml (Framework v3/v4): VPC merging, variables, plugins,
//! `resources:`, suppressions, the packaged template, and bad input.

#[path = "support/cli.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use support::findings;

/// The binary without the variables some tests set for themselves.
fn eniplan() -> Command {
    let mut c = support::eniplan();
    c.env_remove("ENIPLAN_TEST_SG")
        .env_remove("ENIPLAN_TEST_UNSET")
        .env_remove("ENIPLAN_TEST_REGION")
        .env_remove("TEST_VPC_NAME");
    c
}

fn report_with(cmd: &mut Command, args: &[&str]) -> Value {
    let (report, code) = support::json_with(cmd, &[&["check"], args, &["--fail-on", "never"]].concat());
    assert_eq!(code, 0, "{args:?}");
    report
}

fn report(args: &[&str]) -> Value {
    report_with(&mut eniplan(), args)
}

type Combos = BTreeSet<(String, Vec<String>)>;

/// Function → its (subnet, sorted security groups) combinations.
fn combos(r: &Value) -> BTreeMap<String, Combos> {
    let mut out: BTreeMap<String, Combos> = BTreeMap::new();
    for c in r["combinations"].as_array().unwrap() {
        let subnet = c["subnet"].as_str().unwrap().to_string();
        let mut sgs: Vec<String> = c["security_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        sgs.sort();
        for f in c["functions"].as_array().unwrap() {
            out.entry(f.as_str().unwrap().to_string())
                .or_default()
                .insert((subnet.clone(), sgs.clone()));
        }
    }
    out
}

fn combo(subnet: &str, sgs: &[&str]) -> (String, Vec<String>) {
    let mut sgs: Vec<String> = sgs.iter().map(|s| s.to_string()).collect();
    sgs.sort();
    (subnet.to_string(), sgs)
}

fn set(items: &[(String, Vec<String>)]) -> Combos {
    items.iter().cloned().collect()
}

fn unresolved(r: &Value) -> BTreeMap<String, String> {
    r["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["value"].as_str().unwrap().to_string(), u["hint"].as_str().unwrap().to_string()))
        .collect()
}

fn names(f: &Value) -> Vec<String> {
    f["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

const APP: &str = "testdata/serverless/app/serverless.yml";
const SG1: &str = "sg-0a1b2c3d4e5f60001";
const SG2: &str = "sg-0a1b2c3d4e5f60002";
const SN_A: &str = "subnet-0aa1111111111111a";
const SN_B: &str = "subnet-0bb2222222222222b";
const SN_C: &str = "subnet-0cc3333333333333c";

#[test]
fn function_vpc_falls_back_to_provider_key_by_key() {
    let r = report(&[APP]);
    let c = combos(&r);
    assert_eq!(c["hello"], set(&[combo(SN_A, &[SG1]), combo(SN_B, &[SG1])]), "provider.vpc as is");
    assert_eq!(
        c["create-order"],
        set(&[combo(SN_A, &[SG1, SG2]), combo(SN_B, &[SG1, SG2])]),
        "own groups, provider's subnets"
    );
    assert_eq!(c["report_job"], set(&[combo(SN_C, &[SG1])]), "own subnets, provider's groups");
    assert_eq!(r["summary"]["functions"], 5);
    assert_eq!(r["summary"]["vpc_functions"], 3);
    assert_eq!(r["summary"]["combinations"], 5);
}

#[test]
fn vpc_null_or_false_opts_out() {
    let r = report(&[APP]);
    let c = combos(&r);
    assert!(!c.contains_key("publicWebhook"), "vpc: ~");
    assert!(!c.contains_key("cron"), "vpc: false");
    // Without the opt-out they would take provider.vpc.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(APP)
        .unwrap()
        .replace("    vpc: ~\n", "")
        .replace("    vpc: false\n", "");
    let path = dir.path().join("serverless.yml");
    std::fs::write(&path, text).unwrap();
    let c = combos(&report(&[path.to_str().unwrap()]));
    assert_eq!(c["publicWebhook"], c["hello"]);
    assert_eq!(c["cron"], c["hello"]);
}

/// `vpc: ${ssm:…}` holding a whole object: both lists become symbols, shared by the functions using it.
#[test]
fn a_symbolic_vpc_object_gives_symbolic_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serverless.yml");
    std::fs::write(
        &path,
        "service: s\nprovider:\n  name: aws\n  vpc: ${ssm:/platform/lambda-vpc}\nfunctions:\n  a:\n    handler: a.h\n  b:\n    handler: b.h\n    vpc:\n      securityGroupIds: [sg-own]\n",
    )
    .unwrap();
    let c = combos(&report(&[path.to_str().unwrap()]));
    let subnets = "subnetIds of ${ssm:/platform/lambda-vpc}";
    assert_eq!(c["a"], set(&[combo(subnets, &["securityGroupIds of ${ssm:/platform/lambda-vpc}"])]));
    assert_eq!(c["b"], set(&[combo(subnets, &["sg-own"])]));
}

/// The Framework compiles no VpcConfig unless both lists are set.
#[test]
fn vpc_needs_both_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serverless.yml");
    std::fs::write(
        &path,
        "service: half\nprovider:\n  name: aws\n  vpc:\n    subnetIds: [subnet-1, subnet-2]\nfunctions:\n  a:\n    handler: a.h\n  b:\n    handler: b.h\n    vpc:\n      securityGroupIds: [sg-1]\n",
    )
    .unwrap();
    let r = report(&[path.to_str().unwrap()]);
    let c = combos(&r);
    assert!(!c.contains_key("a"));
    assert_eq!(c["b"], set(&[combo("subnet-1", &["sg-1"]), combo("subnet-2", &["sg-1"])]));
    assert_eq!(r["summary"]["functions"], 2);
}

/// `serverless package` output read as CloudFormation gives the same
/// combinations, function by function, mapped by the Framework's naming rule.
#[test]
fn packaged_template_gives_the_same_combinations() {
    let yml = combos(&report(&[APP]));
    let packaged = combos(&report(&[
        "testdata/serverless/app/.serverless/cloudformation-template-update-stack.json",
    ]));
    assert_eq!(yml.len(), 3);
    let mapped: BTreeMap<String, Combos> = yml
        .iter()
        .map(|(name, c)| (eniplan::source::serverless::logical_id(name), c.clone()))
        .collect();
    assert_eq!(mapped, packaged);
    assert!(packaged.contains_key("CreateDashorderLambdaFunction"));
    assert!(packaged.contains_key("ReportUnderscorejobLambdaFunction"));
    // The directory walk reads both: the same combinations, each used twice.
    let both = report(&["testdata/serverless/app"]);
    assert_eq!(both["summary"]["functions"], 10);
    assert_eq!(both["summary"]["combinations"], 5);
}

const VARS: &str = "testdata/serverless/variables/serverless.yml";
const VSG: &str = "sg-0000000000000aaaa";

#[test]
fn variables_resolve_with_the_default_stage() {
    let r = report(&[VARS]);
    let c = combos(&r);
    let dev = ["subnet-0dev000000000000a", "subnet-0dev000000000000b"];
    // provider.vpc: ${self:custom.vpc.${sls:stage}}; subnets from ${file(./config/network.yml):dev.privateSubnets}.
    assert_eq!(c["api"], set(&dev.map(|s| combo(s, &[VSG]))));
    // ${param:dbSecurityGroup}: params.default, as dev has none.
    assert_eq!(c["ledger"], set(&dev.map(|s| combo(s, &[VSG, "sg-0000000000000d0d0"]))));
    // ${env:ENIPLAN_TEST_SG, 'sg-…eeee'} through ${self:custom.fromEnv}.
    assert_eq!(c["envSg"], set(&dev.map(|s| combo(s, &["sg-0000000000000eeee"]))));
    // ${opt:sg, env:UNSET, self:custom.lambdaSg}: the first alternative that has a value.
    assert_eq!(c["chained"], c["api"]);
}

#[test]
fn aws_variables_stay_symbolic_and_shared() {
    let r = report(&[VARS]);
    let c = combos(&r);
    let ssm = "${ssm:/network/lambda-sg}";
    // Through ${self:custom.sharedSg} or written directly: the same symbol, one combination set.
    assert_eq!(c["shared"], c["sharedToo"]);
    assert!(c["shared"].iter().all(|(_, sgs)| sgs == &vec![ssm.to_string()]));
    // Nested ${sls:stage} inside ${cf:…}; a list-valued ${ssm:…} stays one symbol.
    assert_eq!(
        c["exported"],
        set(&[combo(
            "${ssm:/network/dev/private-subnets}",
            &["${cf:network-dev.LambdaSecurityGroupId}"]
        )])
    );
    let u = unresolved(&r);
    assert!(u[ssm].contains("--var ssm:/network/lambda-sg="), "{u:?}");
    assert!(u.contains_key("${cf:network-dev.LambdaSecurityGroupId}"));
    assert!(u.contains_key("${ssm:/network/dev/private-subnets}"));
    assert_eq!(u.len(), 3, "{u:?}");
    // The symbol is flagged where it is written in serverless.yml.
    let eni302: Vec<_> = findings(&r, "ENI302");
    assert!(eni302
        .iter()
        .all(|f| f["location"]["file"] == VARS && f["location"]["line"].as_u64().unwrap() > 0));
}

#[test]
fn stage_flag_and_vars_resolve_what_was_symbolic() {
    let r = report(&[
        VARS,
        "--stage",
        "prod",
        "--var",
        "ssm:/network/lambda-sg=sg-0000000000000aaaa",
        "--var",
        "ssm:/network/prod/private-subnets=subnet-0prd00000000000x1,subnet-0prd00000000000x2",
    ]);
    let c = combos(&r);
    let prod = ["subnet-0prd000000000000a", "subnet-0prd000000000000b", "subnet-0prd000000000000c"];
    assert_eq!(c["api"], set(&prod.map(|s| combo(s, &[VSG]))));
    // params.prod wins over params.default.
    assert_eq!(c["ledger"], set(&prod.map(|s| combo(s, &[VSG, "sg-0000000000000d0d1"]))));
    // The resolved SSM group is the one api uses: the functions now share ENIs.
    assert_eq!(c["shared"], c["api"]);
    // A list-valued variable given as `a,b` expands to one combination per subnet.
    let exported: BTreeSet<String> = c["exported"].iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(
        exported,
        ["subnet-0prd00000000000x1", "subnet-0prd00000000000x2"].map(String::from).into()
    );
    let u = unresolved(&r);
    assert_eq!(u.keys().collect::<Vec<_>>(), ["${cf:network-prod.LambdaSecurityGroupId}"]);
}

#[test]
fn env_variables_come_from_the_process() {
    let r = report_with(eniplan().env("ENIPLAN_TEST_SG", "sg-0000000000000fff1"), &[VARS]);
    let c = combos(&r);
    assert!(c["envSg"].iter().all(|(_, sgs)| sgs == &vec!["sg-0000000000000fff1".to_string()]));
    // An unset variable with no fallback stays a symbol that says how to set it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serverless.yml");
    std::fs::write(
        &path,
        "service: e\nprovider:\n  name: aws\n  vpc:\n    securityGroupIds: ['${env:ENIPLAN_TEST_UNSET}']\n    subnetIds: [subnet-1]\nfunctions:\n  a:\n    handler: a.h\n",
    )
    .unwrap();
    let u = unresolved(&report(&[path.to_str().unwrap()]));
    assert!(u["${env:ENIPLAN_TEST_UNSET}"].contains("set ENIPLAN_TEST_UNSET"), "{u:?}");
}

const RES: &str = "testdata/serverless/resources/serverless.yml";

#[test]
fn resources_section_and_intrinsics() {
    let r = report(&[RES]);
    let c = combos(&r);
    let a = "!Ref PrivateSubnetA";
    let b = "!Ref PrivateSubnetB";
    assert_eq!(c["invoices"], set(&[combo(a, &["!Ref LambdaSgA"]), combo(b, &["!Ref LambdaSgA"])]));
    // `!GetAtt LambdaSgB.GroupId` is the same group as `!Ref LambdaSgB`.
    assert_eq!(c["billing"], set(&[combo(a, &["!Ref LambdaSgB"]), combo(b, &["!Ref LambdaSgB"])]));
    // Long form `Ref:` in a function's own list.
    assert_eq!(c["reports"], set(&[combo(a, &["!Ref LambdaSgA"])]));
    assert_eq!(c["imported"].len(), 2);
    assert!(unresolved(&r).contains_key("!ImportValue shared-lambda-sg"));
    // Subnets from `resources:` have their VPC: one VPC, not "unknown VPC".
    let vpcs: Vec<&str> = r["summary"]["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vpc"].as_str().unwrap())
        .collect();
    assert_eq!(vpcs, ["!Ref Vpc"]);
    // The two groups in `resources:` have the same rules: ENI001.
    let eni001 = findings(&r, "ENI001");
    assert_eq!(eni001.len(), 1);
    assert_eq!(names(eni001[0]), ["billing"]);
    assert_eq!(eni001[0]["location"]["file"], RES);
}

#[test]
fn inline_suppressions_on_the_function_or_vpc_line() {
    let r = report(&[RES]);
    let eni001 = findings(&r, "ENI001");
    assert_eq!(eni001[0]["suppressed"], true, "`billing: # eniplan: ignore[ENI001]`");
    let eni201 = findings(&r, "ENI201");
    let by_fn: BTreeMap<String, bool> = eni201.iter().map(|f| (names(f)[0].clone(), f["suppressed"] == true)).collect();
    assert_eq!(by_fn.get("reports"), Some(&true), "`vpc: # eniplan: ignore[ENI201]`");
    assert_eq!(by_fn.get("adhoc"), Some(&false));
    assert_eq!(r["summary"]["findings"]["suppressed"], 2);

    // The same file without the comments: both findings are active.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(RES).unwrap().replace("# eniplan:", "# note:");
    let path = dir.path().join("serverless.yml");
    std::fs::write(&path, text).unwrap();
    let r = report(&[path.to_str().unwrap()]);
    assert_eq!(findings(&r, "ENI001")[0]["suppressed"], false);
    assert!(findings(&r, "ENI201").iter().all(|f| f["suppressed"] == false));
    assert_eq!(r["summary"]["findings"]["suppressed"], 0);

    // Several IDs in one comment.
    let text = std::fs::read_to_string(RES)
        .unwrap()
        .replace("vpc: # eniplan: ignore[ENI201]", "vpc: # eniplan: ignore[ENI003, ENI201]");
    std::fs::write(&path, text).unwrap();
    let r = report(&[path.to_str().unwrap()]);
    assert!(findings(&r, "ENI201")
        .iter()
        .any(|f| names(f) == ["reports"] && f["suppressed"] == true));
}

const WARMUP: &str = "testdata/serverless/warmup/serverless.yml";

#[test]
fn warmup_plugin_adds_a_warmer_with_the_provider_vpc() {
    let r = report(&[WARMUP]);
    let c = combos(&r);
    let provider = set(&[
        combo("subnet-0c0c0c0c0c0c0c0a1", &["sg-0c0c0c0c0c0c0c0c1"]),
        combo("subnet-0c0c0c0c0c0c0c0b1", &["sg-0c0c0c0c0c0c0c0c1"]),
    ]);
    assert_eq!(c["warmUpPluginDefault"], provider);
    // `outside` is enabled by one function only, and sets `vpc: false`: a function without VPC.
    assert!(!c.contains_key("warmUpPluginOutside"));
    assert_eq!(r["summary"]["functions"], 4, "search, browse and two warmers");
    // `officeHours` is enabled for prod only.
    assert!(!c.contains_key("warmUpPluginOfficeHours"));
    let prod = combos(&report(&[WARMUP, "--stage", "prod"]));
    assert_eq!(
        prod["warmUpPluginOfficeHours"],
        set(&[
            combo("subnet-0c0c0c0c0c0c0c0a1", &["sg-0c0c0c0c0c0c0c0c2"]),
            combo("subnet-0c0c0c0c0c0c0c0b1", &["sg-0c0c0c0c0c0c0c0c2"]),
        ])
    );
    // Without the plugin listed, `custom.warmup` is just data.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(WARMUP)
        .unwrap()
        .replace("  - serverless-plugin-warmup\n", "  - serverless-offline\n");
    let path = dir.path().join("serverless.yml");
    std::fs::write(&path, text).unwrap();
    assert_eq!(report(&[path.to_str().unwrap()])["summary"]["functions"], 2);
}

const DISCOVERY: &str = "testdata/serverless/discovery/serverless.yml";

#[test]
fn vpc_discovery_is_symbolic_by_name_and_tags() {
    let r = report(&[DISCOVERY]);
    let c = combos(&r);
    let subnets = "vpcDiscovery(vpcName=shared-vpc, subnets tag Name=[private-*])";
    let base_sg = "vpcDiscovery(vpcName=shared-vpc, securityGroups names=[lambda-default])";
    let restock_sg = "vpcDiscovery(vpcName=shared-vpc, securityGroups names=[lambda-default, restock-db])";
    assert_eq!(c["stock"], set(&[combo(subnets, &[base_sg])]));
    assert_eq!(c["pricing"], c["stock"], "same discovery spec, same combination");
    // Function-level `vpcDiscovery` merges over custom.vpcDiscovery key by key.
    assert_eq!(c["restock"], set(&[combo(subnets, &[restock_sg])]));
    assert!(!c.contains_key("public"), "vpcDiscovery: false");
    // Keys set in the function's own `vpc` win over discovery.
    assert_eq!(c["pinned"], set(&[combo("subnet-0f0f0f0f0f0f0f0f1", &[base_sg])]));
    let u = unresolved(&r);
    assert!(u[subnets].contains("snapshot") && u[subnets].contains("--var"), "{u:?}");
    // `--var 'SPEC=ids'` resolves a discovery spec.
    let r = report(&[DISCOVERY, "--var", &format!("{base_sg}=sg-0d0d0d0d0d0d0d0d1")]);
    let c = combos(&r);
    assert_eq!(c["stock"], set(&[combo(subnets, &["sg-0d0d0d0d0d0d0d0d1"])]));
}

/// Bad input: exit 2 with file:line:col and a clear message, never a panic.
#[test]
fn bad_serverless_input_is_located() {
    let cases = [
        (
            "unclosed-variable.yml",
            "unclosed-variable.yml:6:9:",
            "unclosed variable `${self:custom.lambdaSg`",
        ),
        ("missing-file.yml", "missing-file.yml:7:16:", "network-does-not-exist.yml not found"),
        (
            "variable-cycle.yml",
            "variable-cycle.yml:11:6:",
            "variable cycle: ${self:custom.a} → ${self:custom.b} → ${self:custom.a}",
        ),
        (
            "sg-string.yml",
            "sg-string.yml:8:25:",
            "functions.hello.vpc.securityGroupIds: expected a list, found a string",
        ),
        ("functions-list.yml", "functions-list.yml:5:3:", "functions: expected a mapping"),
        (
            "missing-self.yml",
            "missing-self.yml:5:23:",
            "serverless.yml has no value at `custom.lambdaSecurityGroups`",
        ),
    ];
    let mut failures = vec![];
    for (file, location, message) in cases {
        let out = eniplan()
            .args(["check", &format!("testdata/serverless/bad/{file}")])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(location) || !stderr.contains(message) || stderr.contains("panicked") {
            failures.push(format!("{file}: exit {:?}\n{stderr}", out.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn hostile_variables_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A chain of 200 self references: too deep, reported, no stack overflow.
    let mut text = String::from(
        "service: deep\nprovider:\n  name: aws\n  vpc:\n    securityGroupIds: ['${self:custom.v0}']\n    subnetIds: [subnet-1]\ncustom:\n",
    );
    for i in 0..200 {
        text.push_str(&format!("  v{i}: ${{self:custom.v{}}}\n", i + 1));
    }
    text.push_str("  v200: sg-1\nfunctions:\n  a:\n    handler: a.h\n");
    let deep = write("deep.yml", text);
    // Each level doubles: 2^40 values if expanded naively.
    let mut text = String::from(
        "service: bomb\nprovider:\n  name: aws\n  vpc:\n    securityGroupIds: ${self:custom.l0}\n    subnetIds: [subnet-1]\ncustom:\n",
    );
    for i in 0..40 {
        text.push_str(&format!("  l{i}: ['${{self:custom.l{0}}}', '${{self:custom.l{0}}}']\n", i + 1));
    }
    text.push_str("  l40: sg-1\nfunctions:\n  a:\n    handler: a.h\n");
    let bomb = write("bomb.yml", text);
    for (path, message) in [(deep, "nested more than"), (bomb, "more than")] {
        let started = std::time::Instant::now();
        let out = eniplan().args(["check", path.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(message) && !stderr.contains("panicked"), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// Values from `${file()}` are reported at the reference in serverless.yml.
#[test]
fn file_values_point_at_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("net.yml"), "subnets:\n  - subnet-only-one\n").unwrap();
    let path = dir.path().join("serverless.yml");
    std::fs::write(
        &path,
        "service: f\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: a.h\n    vpc:\n      securityGroupIds: [sg-1]\n      subnetIds: ${file(net.yml):subnets}\n",
    )
    .unwrap();
    let r = report(&[path.to_str().unwrap()]);
    let eni201 = findings(&r, "ENI201");
    assert_eq!(eni201.len(), 1, "one subnet only");
    let loc = &eni201[0]["location"];
    assert!(loc["file"].as_str().unwrap().ends_with("serverless.yml"), "{loc}");
    assert_eq!(loc["line"], 9);
    assert_eq!(loc["column"], 18);
}

fn realworld(name: &str) -> Option<String> {
    let path = format!(
        "{}/../shared/realworld/amplify-education__serverless-vpc-discovery__test__integration-tests__basic__{name}__serverless.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    Path::new(&path).is_file().then_some(path)
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn realworld_serverless_vpc_discovery() {
    let basic = realworld("basic-example").expect("../shared/realworld");
    let r = report(&[&basic]);
    let c = combos(&r);
    assert_eq!(r["summary"]["functions"], 3);
    // helloWorld1 sets `vpcDiscovery: false`.
    assert!(!c.contains_key("helloWorld1"));
    // helloWorld inherits custom.vpcDiscovery; helloWorld2 overrides the groups only.
    let (hw_subnets, hw_sgs): (BTreeSet<_>, BTreeSet<_>) = c["helloWorld"].iter().cloned().unzip();
    let (hw2_subnets, hw2_sgs): (BTreeSet<_>, BTreeSet<_>) = c["helloWorld2"].iter().cloned().unzip();
    assert_eq!(hw_subnets, hw2_subnets, "same discovered subnets");
    assert_ne!(hw_sgs, hw2_sgs, "the SG override gives a different combination");
    assert!(hw2_sgs.iter().flatten().any(|s| s.contains("_maintenance")));
    assert!(c["helloWorld"].is_disjoint(&c["helloWorld2"]));
    // `${env:TEST_VPC_NAME}` resolves from the environment.
    let r = report_with(eniplan().env("TEST_VPC_NAME", "corp"), &[&basic]);
    let c = combos(&r);
    assert!(c["helloWorld"].iter().all(|(s, sgs)| s.contains("vpcName=corp")
        && s.contains("corp_intranet_us-west-2a")
        && sgs == &vec!["vpcDiscovery(vpcName=corp, securityGroups names=[corp_intranet])".to_string()]));

    let multi = realworld("multi-tag").expect("../shared/realworld");
    let c = combos(&report(&[&multi]));
    assert!(!c.contains_key("helloWorld1"));
    assert!(c["helloWorld2"]
        .iter()
        .all(|(_, sgs)| sgs.len() == 1 && sgs[0].contains("securityGroups tag Name=")));
    assert_ne!(c["helloWorld"], c["helloWorld2"]);

    // No custom.vpcDiscovery: only the function that configures its own is in a VPC.
    let only = realworld("only-functions").expect("../shared/realworld");
    let r = report(&[&only]);
    let c = combos(&r);
    assert_eq!(r["summary"]["functions"], 2);
    assert_eq!(c.keys().collect::<Vec<_>>(), ["helloWorld2"]);
}
