//! Suppressions are checked like code: an `[[ignore]]` entry, an inline ignore
//! or a baseline entry that suppresses nothing is reported as a note, and a
//! configuration eniplan cannot apply is an error with its file and line.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::{eniplan, json};

const SAM: &str = "testdata/examples/sam-app/template.yaml";

fn stale(report: &Value) -> Vec<&Value> {
    report["stale_ignores"].as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

/// An `eniplan.toml` holding `text`, in a directory of its own: the directory and the file's path.
fn config(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eniplan.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(eniplan().args(args).output().unwrap().stdout).unwrap()
}

#[test]
fn config_ignore_that_matches_nothing_is_a_note_in_every_format() {
    let (_dir, c) = config("[[ignore]]\nrules = [\"ENI202\"]\nresource = \"Webhook*\"\n\n[[ignore]]\nresource = \"Gone*\"\n");
    let c = c.as_str();
    let (r, _) = json(&["check", SAM, "--config", c]);
    let s = stale(&r);
    assert_eq!(s.len(), 1, "only the entry that suppresses nothing: {s:#?}");
    assert_eq!(s[0]["kind"], "config");
    assert_eq!(s[0]["file"], c);
    assert_eq!(s[0]["line"], 6);
    assert_eq!(s[0]["entry"], "[[ignore]] resource = \"Gone*\"");
    assert_eq!(s[0]["reason"], "no_match");

    let note = format!("note: [[ignore]] resource = \"Gone*\" matches no finding; remove it ({c}:6)");
    let text = stdout(&["check", SAM, "--config", c]);
    assert!(text.contains(&note), "{text}");
    let md = stdout(&["check", SAM, "--config", c, "--format", "markdown"]);
    assert!(md.contains(&format!("> {note}")), "{md}");
    let sarif: Value = serde_json::from_str(&stdout(&["check", SAM, "--config", c, "--format", "sarif"])).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "note", "{sarif:#}");
    assert_eq!(notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 6);
    assert!(notes[0]["message"]["text"].as_str().unwrap().contains("Gone*"));
}

#[test]
fn config_ignore_of_a_rule_turned_off_says_so() {
    let (_dir, c) = config("[rules.ENI202]\nenabled = false\n\n[[ignore]]\nrules = [\"ENI202\"]\nresource = \"Webhook*\"\n");
    let (r, _) = json(&["check", SAM, "--config", &c]);
    let s = stale(&r);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0]["reason"], "rule_disabled");
}

#[test]
fn inline_ignores_that_match_nothing_are_notes_and_unknown_rules_are_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    let t = template.to_str().unwrap();
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAM)).unwrap();
    assert!(original.contains("ignore: [ENI302]"));
    std::fs::write(&template, original.replace("ignore: [ENI302]", "ignore: [ENI302, ENI001, ENI999]")).unwrap();
    let (r, code) = json(&["check", t]);
    assert_eq!(code, 0, "an unknown rule in a template is a note, not an error");
    assert_eq!(r["summary"]["findings"]["suppressed"], 1, "ENI302 is still suppressed");
    let s: Vec<(&str, &str, &str, u64)> = stale(&r)
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["entry"].as_str().unwrap(),
                e["reason"].as_str().unwrap(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            // The line of the `ignore:` entry, not of the function.
            ("inline", "inline ignore ENI001 on ReportingFunction", "no_match", 160),
            ("inline", "inline ignore ENI999 on ReportingFunction", "unknown_rule", 160),
        ]
    );
    assert!(stale(&r).iter().all(|e| e["file"] == t));
    let text = stdout(&["check", t]);
    assert!(
        text.contains(&format!(
            "note: inline ignore ENI999 on ReportingFunction names no rule this eniplan knows, so it suppresses nothing ({t}:160)"
        )),
        "{text}"
    );
}

#[test]
fn serverless_comment_ignore_that_matches_nothing_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serverless.yml");
    let original =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/serverless/resources/serverless.yml")).unwrap();
    assert!(original.contains("vpc: # eniplan: ignore[ENI201]"));
    std::fs::write(
        &path,
        original.replace("vpc: # eniplan: ignore[ENI201]", "vpc: # eniplan: ignore[ENI003, ENI201]"),
    )
    .unwrap();
    let (r, _) = json(&["check", path.to_str().unwrap(), "--fail-on", "never"]);
    let s: Vec<(u64, &str)> = stale(&r)
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["entry"].as_str().unwrap()))
        .collect();
    // ENI001 names billing, not invoices: the fixture's own `invoices` ignore is stale too.
    // An ignore is placed on the line of its comment: the second one is on `vpc:`.
    assert_eq!(
        s,
        [
            (19, "inline ignore ENI001 on InvoicesLambdaFunction"),
            (28, "inline ignore ENI003 on ReportsLambdaFunction"),
        ]
    );
}

#[test]
fn baseline_entry_that_matches_nothing_is_a_located_note() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    std::fs::write(
        &baseline,
        r#"{
  "eniplan_baseline": 1,
  "findings": [
    {
      "rule": "ENI001",
      "fingerprint": "00000000deadbeef",
      "resource": "GoneFunction",
      "message": "fixed long ago"
    }
  ]
}
"#,
    )
    .unwrap();
    let (r, _) = json(&["check", SAM, "--baseline", b]);
    assert_eq!(r["stale_baseline"][0]["fingerprint"], "00000000deadbeef", "kept for compatibility");
    let s = stale(&r);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0]["kind"], "baseline");
    assert_eq!(s[0]["file"], b);
    assert_eq!(s[0]["line"], 6);
    assert_eq!(s[0]["entry"], "baseline entry ENI001 00000000deadbeef (GoneFunction)");
}

#[test]
fn used_suppressions_are_not_reported() {
    let (r, _) = json(&["check", SAM]);
    assert_eq!(r["summary"]["findings"]["suppressed"], 1);
    assert!(r.get("stale_ignores").is_none(), "absent when empty: {:#}", r["stale_ignores"]);
}

/// Runs with `eniplan.toml` holding `config`; expects exit 2 and `location` on stderr.
fn refused(text: &str, location: &str, message: &str) {
    let (_dir, c) = config(text);
    let out = eniplan().args(["check", SAM, "--config", &c]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
    assert!(stderr.contains(&format!("eniplan.toml:{location}: {message}")), "{stderr}");
}

#[test]
fn invalid_glob_exits_2_with_file_and_line() {
    refused(
        "[[ignore]]\nrules = [\"ENI202\"]\nresource = \"Web[hook\"\n",
        "3:12",
        "invalid glob",
    );
    refused("\n[[ignore]]\nresource = \"{Api,Web\"\n", "3:12", "invalid glob");
}

#[test]
fn unknown_rule_in_an_ignore_entry_exits_2_with_file_and_line() {
    refused(
        "[[ignore]]\nrules = [\"ENI001\", \"ENI999\"]\nresource = \"*\"\n",
        "2:20",
        "unknown rule `ENI999`",
    );
}

#[test]
fn rules_named_by_name_or_lower_case_id_apply() {
    let (_dir, c) = config("[rules.eni001]\nenabled = false\n[rules.default-security-group]\nseverity = \"error\"\n");
    let (r, code) = json(&["check", SAM, "--config", &c]);
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"ENI001"), "{rules:?}");
    let eni301 = support::findings(&r, "ENI301");
    assert_eq!(eni301[0]["severity"], "error");
    assert_eq!(code, 1);
}
