//! `eniplan snapshot merge` and repeated `audit --snapshot`: one snapshot
//! per account (a CI matrix) joins into the report one combined audit gives.

#[path = "support/cli.rs"]
mod support;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::{eniplan, json};

const ACCOUNT: &str = "testdata/snapshots/account.json";

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()).unwrap()
}

/// The account snapshot moved to another account and region, with its own
/// subnet, group, VPC and ENI IDs: a second member of the organisation.
fn other_account(snap: &Value) -> Value {
    let text = serde_json::to_string(snap).unwrap();
    let text = text
        .replace("111122223333", "444455556666")
        .replace("eu-west-1", "us-east-1")
        .replace("\"subnet-", "\"subnet-b")
        .replace("\"sg-", "\"sg-b")
        .replace("\"vpc-", "\"vpc-b")
        .replace("\"eni-", "\"eni-b");
    serde_json::from_str(&text).unwrap()
}

/// Both accounts in one snapshot, as one audit of both would write it.
fn combined(a: &Value, b: &Value) -> Value {
    let mut c = a.clone();
    for key in [
        "scopes",
        "accounts",
        "functions",
        "subnets",
        "security_groups",
        "vpcs",
        "enis",
        "incomplete",
    ] {
        let mut list = a[key].as_array().cloned().unwrap_or_default();
        list.extend(b[key].as_array().cloned().unwrap_or_default());
        c[key] = Value::Array(list);
    }
    c["api_calls"] = json!(a["api_calls"].as_u64().unwrap_or(0) + b["api_calls"].as_u64().unwrap_or(0));
    c
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// `eniplan snapshot merge A B -o DIR/org.json`, which must succeed: the file and stderr.
fn merge(dir: &Path, a: &Path, b: &Path) -> (PathBuf, String) {
    let merged = dir.join("org.json");
    let out = eniplan()
        .args([
            "snapshot",
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-o",
            merged.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (merged, stderr)
}

/// The report without what differs by design between runs of the same inventory.
fn audit(snapshots: &[&Path]) -> (Value, i32) {
    let mut args = vec!["audit".to_string()];
    for s in snapshots {
        args.push("--snapshot".into());
        args.push(s.to_str().unwrap().into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (mut r, code) = json(&args);
    r.as_object_mut().unwrap().remove("notes");
    (r, code)
}

#[test]
fn merged_snapshots_give_the_combined_audit() {
    let dir = tempfile::tempdir().unwrap();
    let a = read(ACCOUNT);
    let b = other_account(&a);
    let (pa, pb) = (write(dir.path(), "a.json", &a), write(dir.path(), "b.json", &b));
    let pc = write(dir.path(), "combined.json", &combined(&a, &b));
    let (merged, stderr) = merge(dir.path(), &pa, &pb);
    assert!(!stderr.contains("note:"), "{stderr}");

    let (want, want_code) = audit(&[&pc]);
    assert_eq!(want["summary"]["functions"], 2 * a["functions"].as_array().unwrap().len());
    let (from_file, code) = audit(&[&merged]);
    assert_eq!((&from_file, code), (&want, want_code), "snapshot merge, then audit");
    let (repeated, code) = audit(&[&pa, &pb]);
    assert_eq!((&repeated, code), (&want, want_code), "audit --snapshot A --snapshot B");
    let written = read(merged.to_str().unwrap());
    assert_eq!(written["scopes"].as_array().unwrap().len(), 2);
}

/// The same read of an account in two inputs (a retried matrix job) is kept once.
#[test]
fn the_same_scope_twice_with_the_same_data_is_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = read(ACCOUNT);
    let pa = write(dir.path(), "a.json", &a);
    let again = write(dir.path(), "a-again.json", &a);
    let (mut alone, _) = audit(&[&pa]);
    let (mut twice, _) = audit(&[&pa, &again]);
    // Both reads' API calls were made, so the stats count both.
    assert_eq!(twice["stats"]["api_calls"], 2 * alone["stats"]["api_calls"].as_u64().unwrap());
    for r in [&mut alone, &mut twice] {
        r.as_object_mut().unwrap().remove("stats");
    }
    assert_eq!(twice, alone);
}

#[test]
fn the_same_scope_with_different_data_exits_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = read(ACCOUNT);
    let mut changed = a.clone();
    changed["functions"][0]["versions"][0]["vpc"]["security_group_ids"] = json!(["sg-other"]);
    let pa = write(dir.path(), "a.json", &a);
    let pc = write(dir.path(), "a-later.json", &changed);
    for args in [
        vec![
            "snapshot",
            "merge",
            pa.to_str().unwrap(),
            pc.to_str().unwrap(),
            "--output",
            "/dev/null",
        ],
        vec!["audit", "--snapshot", pa.to_str().unwrap(), "--snapshot", pc.to_str().unwrap()],
    ] {
        let out = eniplan().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for name in ["a.json", "a-later.json", "111122223333", "eu-west-1"] {
            assert!(stderr.contains(name), "names {name}: {stderr}");
        }
    }
}

/// `snapshot merge A B` and `audit --snapshot A --snapshot B`, which must both
/// exit 2: the stderr of each.
fn refused(a: &Path, b: &Path) -> Vec<String> {
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    [
        vec!["snapshot", "merge", a, b, "--output", "/dev/null"],
        vec!["audit", "--snapshot", a, "--snapshot", b],
    ]
    .into_iter()
    .map(|args| {
        let out = eniplan().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        stderr
    })
    .collect()
}

/// The fixture with its VPC counting `n` other ENIs (format 2).
fn with_other_enis(mut snap: Value, n: u64) -> Value {
    snap["eniplan_snapshot"] = json!(2);
    snap["vpcs"][0]["other_enis"] = json!(n);
    snap
}

/// Two reads of one scope whose VPC counts a different number of other ENIs
/// (an EFS mount target added between the two jobs) are two different reads.
#[test]
fn the_same_scope_with_other_enis_counted_differently_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let pa = write(dir.path(), "a.json", &with_other_enis(read(ACCOUNT), 12));
    let pb = write(dir.path(), "a-later.json", &with_other_enis(read(ACCOUNT), 14));
    for stderr in refused(&pa, &pb) {
        for words in [
            "a.json",
            "a-later.json",
            "111122223333",
            "eu-west-1",
            "vpc-main's other ENIs (12 there, 14 here)",
        ] {
            assert!(stderr.contains(words), "names {words}: {stderr}");
        }
        assert!(!stderr.contains("functions"), "only the count differs: {stderr}");
    }
    // One read counted them, the other did not: different too.
    let pc = write(dir.path(), "a-uncounted.json", &read(ACCOUNT));
    for stderr in refused(&pa, &pc) {
        assert!(stderr.contains("vpc-main's other ENIs (12 there, not counted here)"), "{stderr}");
    }
}

/// A VPC shared between accounts is counted by each account's read as it sees
/// it: different counts from different scopes are no conflict, and a scope
/// read twice is compared with its own first read, not another account's.
#[test]
fn a_shared_vpc_counted_differently_by_two_accounts_is_no_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let a = with_other_enis(read(ACCOUNT), 12);
    let text = serde_json::to_string(&with_other_enis(read(ACCOUNT), 3)).unwrap();
    // The other account's functions and ENIs, in the same subnets of the same VPC.
    let b: Value = serde_json::from_str(&text.replace("111122223333", "444455556666").replace("\"eni-", "\"eni-b")).unwrap();
    let pa = write(dir.path(), "a.json", &a);
    let pb = write(dir.path(), "b.json", &b);
    let pb_again = write(dir.path(), "b-again.json", &b);
    let out = eniplan()
        .args(["audit", "--snapshot", pa.to_str().unwrap(), "--snapshot", pb.to_str().unwrap()])
        .args(["--snapshot", pb_again.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Two reads of one scope whose capacity providers differ are two different reads.
#[test]
fn the_same_scope_with_different_capacity_providers_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let provider = |vcpus: u64| {
        let mut snap = read(ACCOUNT);
        snap["eniplan_snapshot"] = json!(2);
        snap["capacity_providers"] = json!([{
            "name": "workers", "account": "111122223333", "region": "eu-west-1",
            "subnet_ids": ["subnet-0a"], "security_group_ids": ["sg-lambda"], "max_vcpu_count": vcpus
        }]);
        snap
    };
    let pa = write(dir.path(), "a.json", &provider(64));
    let pb = write(dir.path(), "a-later.json", &provider(32));
    for stderr in refused(&pa, &pb) {
        for words in ["a.json", "a-later.json", "111122223333", "eu-west-1", "capacity providers"] {
            assert!(stderr.contains(words), "names {words}: {stderr}");
        }
    }
    let mut without = read(ACCOUNT);
    without["eniplan_snapshot"] = json!(2);
    let pc = write(dir.path(), "a-without.json", &without);
    for stderr in refused(&pa, &pc) {
        assert!(stderr.contains("capacity providers"), "{stderr}");
    }
}

/// A snapshot of `snap` whose account AWS Organizations names `name` (format 3).
fn named(mut snap: Value, name: &str) -> Value {
    let id = snap["scopes"][0]["account"].clone();
    snap["eniplan_snapshot"] = json!(3);
    snap["accounts"] = json!([{ "id": id, "name": name }]);
    snap
}

/// Each account's row in `summary.accounts_detail[]`: (account, name).
fn rows(report: &Value) -> Vec<(String, String)> {
    let rows = report["summary"]["accounts_detail"].as_array().expect("accounts_detail");
    rows.iter()
        .map(|r| (r["account"].as_str().unwrap().into(), r["name"].as_str().unwrap_or("").into()))
        .collect()
}

/// Organizations' names travel with the snapshots: read back, joined, and
/// naming each account's row as the live audit does.
#[test]
fn account_names_are_kept_joined_and_name_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let a = named(read(ACCOUNT), "payments");
    let b = named(other_account(&read(ACCOUNT)), "search");
    let (pa, pb) = (write(dir.path(), "a.json", &a), write(dir.path(), "b.json", &b));
    let (alone, _) = audit(&[&pa]);
    assert_eq!(rows(&alone), [("111122223333".into(), "payments".into())]);

    let (merged, stderr) = merge(dir.path(), &pa, &pb);
    assert!(!stderr.contains("note:"), "{stderr}");
    let want = [
        ("111122223333".to_string(), "payments".to_string()),
        ("444455556666".to_string(), "search".to_string()),
    ];
    assert_eq!(
        read(merged.to_str().unwrap())["accounts"],
        json!([{"id": "111122223333", "name": "payments"}, {"id": "444455556666", "name": "search"}])
    );
    let (from_file, _) = audit(&[&merged]);
    assert_eq!(rows(&from_file), want);
    let (repeated, _) = audit(&[&pa, &pb]);
    assert_eq!(rows(&repeated), want);
    for format in ["text", "markdown"] {
        let out = eniplan()
            .args(["audit", "--snapshot", merged.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for (id, name) in &want {
            assert!(
                text.lines().any(|l| l.contains(id.as_str()) && l.contains(name.as_str())),
                "{format}: no row names {id} {name}:\n{text}"
            );
        }
    }
}

/// Names are labels, not data: an account named differently by two inputs
/// (renamed between two reads) keeps the first input's name, with a note.
#[test]
fn an_account_named_twice_differently_keeps_the_first_name_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let pa = write(dir.path(), "a.json", &named(read(ACCOUNT), "payments"));
    let pb = write(dir.path(), "a-renamed.json", &named(read(ACCOUNT), "payments-prod"));
    let (merged, stderr) = merge(dir.path(), &pa, &pb);
    for words in ["a-renamed.json", "111122223333", "payments-prod", "\"payments\""] {
        assert!(stderr.contains(words), "the note names {words}: {stderr}");
    }
    assert_eq!(
        read(merged.to_str().unwrap())["accounts"],
        json!([{"id": "111122223333", "name": "payments"}])
    );
}

/// Variables two accounts resolve differently are dropped, with a note, not guessed.
#[test]
fn values_the_inputs_disagree_on_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = read(ACCOUNT);
    a["values"] = json!({"ssm:/net/sg": "sg-lambda", "ssm:/net/vpc": "vpc-main"});
    let mut b = other_account(&read(ACCOUNT));
    b["values"] = json!({"ssm:/net/sg": "sg-blambda", "ssm:/net/vpc": "vpc-main"});
    let (pa, pb) = (write(dir.path(), "a.json", &a), write(dir.path(), "b.json", &b));
    let (merged, stderr) = merge(dir.path(), &pa, &pb);
    assert!(stderr.contains("ssm:/net/sg"), "{stderr}");
    assert_eq!(read(merged.to_str().unwrap())["values"], json!({"ssm:/net/vpc": "vpc-main"}));
}

#[test]
fn a_bad_input_exits_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let pa = write(dir.path(), "a.json", &read(ACCOUNT));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"eniplan_snapshot\": 1, \"functions\": [}").unwrap();
    let out = eniplan()
        .args(["snapshot", "merge", pa.to_str().unwrap(), bad.to_str().unwrap(), "-o", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json:1:"));
}
