//! End to end against moto: seed an account with a needless split, plan it
//! live, run the plan's commands, and audit again: the audit and an
//! independent boto3 recount must both show the plan's `after`.

#[path = "support/moto.rs"]
mod moto;

use std::process::Command;

use moto::Moto;
use serde_json::Value;

const REGION: &str = "eu-west-1";

/// Two groups with the same (default) rules; `f-a`, `f-c` and `f-d` use
/// `sg-a` (so the rule picks it to keep), `f-b` uses `sg-b` and has a
/// published version no alias points at.
const SEED: &str = r#"
import io, json, sys, zipfile, boto3
endpoint, region = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, lam, iam = boto3.client("ec2", **kw), boto3.client("lambda", **kw), boto3.client("iam", **kw)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(e, c):\n    return 'ok'\n")
doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName="plan-exec", AssumeRolePolicyDocument=doc)["Role"]["Arn"]
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=region + az)["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
groups = {n: ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in ("sg-a", "sg-b")}
for name, group, publish in (("f-a", "sg-a", False), ("f-c", "sg-a", False), ("f-d", "sg-a", False), ("f-b", "sg-b", True)):
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
        Code={"ZipFile": buf.getvalue()}, Publish=publish,
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [groups[group]]})
print(json.dumps({"vpc": vpc, "subnets": subnets, "groups": groups}))
"#;

/// Runs the plan's update and version commands (argv lists) through boto3,
/// then counts the distinct (subnet, group set) pairs of every version.
const APPLY_AND_COUNT: &str = r#"
import json, sys, boto3
endpoint, region = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
lam = boto3.client("lambda", **kw)
plan = json.load(sys.stdin)
ran = 0
for step in plan["steps"]:
    if step["kind"] == "cleanup":
        continue
    for argv in step["aws_cli"]:
        assert argv[:2] == ["aws", "lambda"], argv
        opts = dict(zip(argv[3::2], argv[4::2]))
        if argv[2] == "update-function-configuration":
            # The CLI's shorthand: `Key=v1,v2,Key2=v3`.
            vpc, key = {}, None
            for token in opts["--vpc-config"].split(","):
                if "=" in token:
                    key, token = token.split("=", 1)
                    vpc[key] = []
                vpc[key].append(token)
            if "Ipv6AllowedForDualStack" in vpc:
                vpc["Ipv6AllowedForDualStack"] = vpc["Ipv6AllowedForDualStack"] == ["true"]
            lam.update_function_configuration(FunctionName=opts["--function-name"], VpcConfig=vpc)
        elif argv[2] == "delete-function":
            lam.delete_function(FunctionName=opts["--function-name"], Qualifier=opts["--qualifier"])
        else:
            raise SystemExit(f"unexpected command {argv}")
        ran += 1
keys = set()
for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
    for f in page["Functions"]:
        cfg = f.get("VpcConfig") or {}
        for s in cfg.get("SubnetIds") or []:
            keys.add((s, tuple(sorted(cfg.get("SecurityGroupIds") or []))))
print(json.dumps({"ran": ran, "combinations": len(keys)}))
"#;

fn python(script: &str, moto: &Moto, stdin: Option<&[u8]>) -> Value {
    use std::io::Write;
    let mut child = Command::new(moto::python())
        .args(["-c", script, &moto.endpoint, REGION])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn eniplan_json(moto: &Moto, home: &std::path::Path, command: &str) -> Value {
    let out = moto
        .eniplan(home)
        .args([command, "--endpoint-url", &moto.endpoint, "--region", REGION, "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{command} exited {:?}: {stderr}",
        out.status
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

#[test]
fn running_the_plans_commands_gives_the_planned_after() {
    let moto = Moto::start();
    let home = tempfile::tempdir().unwrap();
    let seed = python(SEED, &moto, None);
    let plan = eniplan_json(&moto, home.path(), "plan");
    let before = eniplan_json(&moto, home.path(), "audit");
    assert_eq!(plan["before"]["combinations"], before["summary"]["combinations"]);
    assert_eq!(plan["after"]["combinations"], before["summary"]["consolidated_combinations"]);
    assert_eq!(plan["before"]["combinations"], 4, "{plan}");
    assert_eq!(plan["after"]["combinations"], 2, "{plan}");
    let update = &plan["steps"][0];
    assert_eq!(update["kind"], "update");
    assert_eq!(update["functions"], serde_json::json!(["f-b"]));
    assert_eq!(update["to"]["security_groups"], serde_json::json!([seed["groups"]["sg-a"]]));

    let applied = python(APPLY_AND_COUNT, &moto, Some(plan.to_string().as_bytes()));
    assert_eq!(applied["ran"], 2, "one update and one version deletion: {plan}");
    let after = eniplan_json(&moto, home.path(), "audit");
    assert_eq!(after["summary"]["combinations"], plan["after"]["combinations"], "{after}");
    assert_eq!(applied["combinations"], plan["after"]["combinations"], "the boto3 recount");
    // Nothing is left to do.
    let again = eniplan_json(&moto, home.path(), "plan");
    assert_eq!(again["steps"], serde_json::json!([]), "{again}");
    assert_eq!(again["after"]["combinations"], plan["after"]["combinations"]);
}
