//! The formats code review tools read: GitLab Code Quality, reviewdog's
//! rdjsonl, and SARIF as GitHub code scanning groups it.

#[path = "support/cli.rs"]
mod support;

use std::path::Path;

use serde_json::Value;
use support::eniplan;

const SAM: &str = "testdata/examples/sam-app/template.yaml";
const ACCOUNT: &str = "testdata/snapshots/account.json";

fn run(dir: Option<&Path>, args: &[&str]) -> String {
    let mut cmd = eniplan();
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn gitlab(dir: Option<&Path>, args: &[&str]) -> Vec<Value> {
    let text = run(dir, &[args, &["--format", "gitlab"]].concat());
    serde_json::from_str::<Value>(&text).unwrap().as_array().expect("an array").clone()
}

/// The fields GitLab's Code Quality widget requires of each issue
/// (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
/// `description`, `check_name`, `fingerprint`, `severity` (one of five), and
/// `location.path` with `location.lines.begin`. GitLab shows one issue per
/// fingerprint, so they must be unique.
fn assert_gitlab_shape(issues: &[Value]) {
    assert!(!issues.is_empty());
    let mut prints = std::collections::BTreeSet::new();
    for i in issues {
        for key in ["description", "check_name", "fingerprint"] {
            assert!(i[key].as_str().is_some_and(|s| !s.is_empty()), "{key} in {i}");
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"].contains(&i["severity"].as_str().unwrap()),
            "{i}"
        );
        assert!(i["location"]["path"].as_str().is_some_and(|p| !p.is_empty()), "{i}");
        assert!(i["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1), "{i}");
        assert!(
            prints.insert(i["fingerprint"].as_str().unwrap().to_string()),
            "fingerprint repeated: {i}"
        );
    }
}

#[test]
fn gitlab_issues_have_the_required_fields() {
    assert_gitlab_shape(&gitlab(None, &["check", SAM]));
    assert_gitlab_shape(&gitlab(None, &["audit", "--snapshot", ACCOUNT]));
}

#[test]
fn gitlab_lists_active_findings_with_their_severity() {
    let (report, _) = support::check(&[SAM]);
    let active = support::active(&report);
    let issues = gitlab(None, &["check", SAM]);
    assert_eq!(issues.len(), active.len());
    for (f, i) in active.iter().zip(&issues) {
        assert_eq!(i["check_name"], format!("eniplan/{}", f["rule"].as_str().unwrap()));
        assert_eq!(i["fingerprint"], f["fingerprint"], "the baseline's fingerprint");
        let want = match f["severity"].as_str().unwrap() {
            "error" => "critical",
            "warning" => "major",
            _ => "info",
        };
        assert_eq!(i["severity"], want);
        assert_eq!(i["location"]["lines"]["begin"], f["location"]["line"]);
    }
}

/// Fingerprints survive moved lines and another machine's checkout path;
/// paths are relative to the working directory even when given absolute.
#[test]
fn gitlab_fingerprints_and_paths_are_stable() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAM)).unwrap();
    let prints = |issues: &[Value]| -> Vec<String> {
        let mut v: Vec<String> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    let mut seen = Vec::new();
    for (machine, prefix) in [("a", ""), ("b", "# moved\n\n\n")] {
        let dir = tempfile::tempdir().unwrap();
        let checkout = dir.path().join(machine).join("repo");
        std::fs::create_dir_all(checkout.join("app")).unwrap();
        let file = checkout.join("app/template.yaml");
        std::fs::write(&file, format!("{prefix}{text}")).unwrap();
        let issues = gitlab(Some(&checkout), &["check", file.to_str().unwrap()]);
        assert!(issues.iter().all(|i| i["location"]["path"] == "app/template.yaml"), "{issues:?}");
        seen.push(prints(&issues));
    }
    assert_eq!(seen[0], seen[1]);
}

fn diagnostics(args: &[&str]) -> Vec<Value> {
    run(None, &[args, &["--format", "rdjsonl"]].concat())
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every line validates against reviewdog's Diagnostic schema (a copy in
/// tests/schemas, see its README), and carries what reviewdog needs to
/// comment on a line: a path, a start position, a severity and a rule code.
#[test]
fn rdjsonl_lines_are_reviewdog_diagnostics() {
    let schema: Value = serde_json::from_str(include_str!("schemas/reviewdog-Diagnostic.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for args in [&["check", SAM][..], &["audit", "--snapshot", ACCOUNT]] {
        let lines = diagnostics(args);
        assert!(!lines.is_empty());
        for d in &lines {
            let errors: Vec<String> = validator.iter_errors(d).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?} in {d}");
            assert!(d["message"].as_str().is_some_and(|m| m.contains("Fix: ")));
            assert!(["ERROR", "WARNING", "INFO"].contains(&d["severity"].as_str().unwrap()));
            assert!(d["code"]["value"].as_str().unwrap().starts_with("ENI"));
            assert!(d["code"]["url"].as_str().unwrap().ends_with(".md"));
            assert!(d["location"]["path"].as_str().is_some_and(|p| !p.is_empty()));
        }
    }
    for d in diagnostics(&["check", SAM]) {
        assert!(d["location"]["range"]["start"]["line"].as_u64().unwrap() >= 1);
        assert!(d["location"]["range"]["start"]["column"].as_u64().unwrap() >= 1);
    }
}

/// A suggestion is a real fix: applying it to the file removes its finding.
#[test]
fn rdjsonl_suggestion_fixes_its_finding() {
    let lines = diagnostics(&["check", SAM]);
    let with: Vec<&Value> = lines.iter().filter(|d| d["suggestions"].is_array()).collect();
    assert!(!with.is_empty(), "the SAM example has a single-value fix (ENI001)");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAM)).unwrap();
    for d in with {
        let s = &d["suggestions"][0];
        let (start, end) = (&s["range"]["start"], &s["range"]["end"]);
        assert_eq!(start["line"], end["line"], "one value on one line");
        let line = start["line"].as_u64().unwrap() as usize;
        let (a, b) = (start["column"].as_u64().unwrap() as usize, end["column"].as_u64().unwrap() as usize);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let old = lines[line - 1].clone();
        lines[line - 1] = format!("{}{}{}", &old[..a - 1], s["text"].as_str().unwrap(), &old[b - 1..]);
        let dir = tempfile::tempdir().unwrap();
        let fixed = dir.path().join("template.yaml");
        std::fs::write(&fixed, lines.join("\n") + "\n").unwrap();
        let rule = d["code"]["value"].as_str().unwrap();
        let (before, _) = support::check(&[SAM]);
        let (after, _) = support::check(&[fixed.to_str().unwrap()]);
        assert!(
            support::findings(&after, rule).len() < support::findings(&before, rule).len(),
            "applying {s} did not remove a {rule} finding"
        );
    }
}

fn sarif(args: &[&str]) -> Value {
    serde_json::from_str(&run(None, &[args, &["--format", "sarif"]].concat())).unwrap()
}

#[test]
fn sarif_category_defaults_to_the_command_and_can_be_set() {
    assert_eq!(sarif(&["check", SAM])["runs"][0]["automationDetails"]["id"], "eniplan/check/");
    assert_eq!(
        sarif(&["audit", "--snapshot", ACCOUNT])["runs"][0]["automationDetails"]["id"],
        "eniplan/audit/"
    );
    let set = sarif(&["check", SAM, "--sarif-category", "eniplan/prod-eu"]);
    assert_eq!(set["runs"][0]["automationDetails"]["id"], "eniplan/prod-eu/");
}

#[test]
fn sarif_rules_carry_precision_and_problem_severity() {
    let s = sarif(&["check", SAM]);
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), eniplan::rules::RULES.len());
    for r in rules {
        let p = &r["properties"];
        assert!(eniplan::rules::PRECISIONS.contains(&p["precision"].as_str().unwrap()), "{r}");
        let want = match r["defaultConfiguration"]["level"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "recommendation",
        };
        assert_eq!(p["problem.severity"], want, "{r}");
    }
}

/// GitHub keeps the first 5,000 results of a run: the most severe come first.
#[test]
fn sarif_results_are_ordered_most_severe_first() {
    let s = sarif(&["audit", "--snapshot", ACCOUNT]);
    let rank = |l: &str| match l {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let levels: Vec<(bool, i32)> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r.get("suppressions").is_some(), rank(r["level"].as_str().unwrap())))
        .collect();
    assert!(levels.len() > 2);
    assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{levels:?}");
    assert!(levels.iter().any(|l| l.1 != levels[0].1), "the example has more than one level");
}
