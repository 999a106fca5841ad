//! Checks against the real-world corpus and the SARIF schema in `../shared`.
//! A fresh clone has no `../shared`, so these are `#[ignore]`d in the default
//! run and `.ci/run` runs them with `--ignored`; there they must not skip.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{combinations, report};

/// `../shared`, relative to the crate root, where every command runs, so that
/// the paths in golden reports are the same on every machine.
fn shared() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join("../shared/realworld").is_dir(),
        "../shared is missing: run these tests where it exists (CI does)"
    );
    std::env::set_current_dir(root).unwrap();
    PathBuf::from("../shared")
}

/// The corpus files issue 2 covers: CloudFormation, SAM and CDK templates.
fn templates() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared().join("realworld"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) && !name.contains("serverless.yml")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 13, "expected the corpus, found {files:?}");
    files
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn every_template_reads_and_matches_its_golden_report() {
    for path in templates() {
        let (json, code) = report(&path, "json");
        assert!(code == 0 || code == 1, "{}: exit {code}", path.display());
        let mut v: Value = serde_json::from_str(&json).unwrap();
        // Paths differ between machines only in the prefix before ../shared.
        v["version"] = Value::Null;
        let name = path.file_stem().unwrap().to_str().unwrap().replace(['@', '.'], "_");
        insta::assert_json_snapshot!(name, v);
    }
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn sam_translator_input_and_output_give_the_same_combinations() {
    let dir = shared().join("realworld");
    let mut pairs = 0;
    for path in templates() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let Some(rest) = name.strip_prefix("aws__serverless-application-model__tests__translator__input__") else {
            continue;
        };
        let output = dir.join(format!(
            "aws__serverless-application-model__tests__translator__output__{}",
            rest.replace(".yaml", ".json")
        ));
        let (a, b) = (combinations(&path), combinations(&output));
        assert!(!a.is_empty(), "{name} has VPC functions");
        assert_eq!(a, b, "{name} vs its translator output");
        pairs += 1;
    }
    assert_eq!(pairs, 2);
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn sarif_validates_against_the_oasis_schema() {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(shared().join("schemas/sarif-schema-2.1.0.json")).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let mut inputs = templates();
    inputs.push(PathBuf::from("testdata/examples/sam-app/template.yaml"));
    inputs.push(PathBuf::from("testdata/examples/cdk.out"));
    // Its `invoices` ignore suppresses nothing: a tool notification.
    inputs.push(PathBuf::from("testdata/serverless/resources/serverless.yml"));
    for path in inputs {
        let (sarif, _) = report(&path, "sarif");
        let v: Value = serde_json::from_str(&sarif).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

/// The reviewed list of every finding on the corpus: one line per finding,
/// `file | rule | subject | why it is true`.
const REVIEWED: &str = "tests/realworld-findings.txt";

/// (file, rule, subject) of every finding eniplan reports on the corpus.
fn corpus_findings() -> Vec<(String, String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared().join("realworld"))
        .unwrap()
        .map(|e| e.unwrap().path())
        // eniplan reads Terraform plans, not `.tf` source.
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md") && p.extension().is_none_or(|e| e != "tf"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let (json, code) = report(&path, "json");
        assert!(code == 0 || code == 1, "{}: exit {code}", path.display());
        let v: Value = serde_json::from_str(&json).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        for f in v["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap().to_string();
            let mut subject = f["resource"].as_str().unwrap().to_string();
            // A finding about a value (ENI302) names it first, in backticks.
            if let Some(value) = f["message"].as_str().unwrap().strip_prefix('`').and_then(|m| m.split_once('`')) {
                subject = format!("{subject} {}", value.0);
            }
            out.push((name.clone(), rule, subject));
        }
    }
    out.sort();
    out
}

/// The list as committed: (file, rule, subject) → reason, in file order.
fn reviewed() -> Vec<((String, String, String), String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(REVIEWED)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.splitn(4, " | ").map(str::trim).collect();
            assert_eq!(parts.len(), 4, "{REVIEWED}: `{l}` is not `file | rule | subject | reason`");
            let key = (parts[0].to_string(), parts[1].to_string(), parts[2].to_string());
            (key, parts[3].to_string())
        })
        .collect()
}

/// Every finding on `../shared/realworld` was reviewed and found true, and
/// nothing else is found: a new finding, or a reviewed one that disappears,
/// fails until the list is reviewed again. `ENIPLAN_BLESS=1` rewrites the
/// list from the current findings (keeping the reasons already written, new
/// entries marked UNREVIEWED), and the test still fails until each is reviewed.
#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn every_realworld_finding_is_on_the_reviewed_list() {
    let found = corpus_findings();
    let listed = reviewed();
    if std::env::var_os("ENIPLAN_BLESS").is_some() {
        let mut reasons = listed.clone();
        let mut text = String::from(
            "# Every finding eniplan reports on ../shared/realworld, reviewed against the file.\n\
             # Checked by tests/realworld.rs; ENIPLAN_BLESS=1 rewrites it (new entries need a review).\n\
             # file | rule | subject | why it is true\n",
        );
        for key in &found {
            let reason = match reasons.iter().position(|(k, _)| k == key) {
                Some(i) => reasons.remove(i).1,
                None => "UNREVIEWED".to_string(),
            };
            text += &format!("{} | {} | {} | {reason}\n", key.0, key.1, key.2);
        }
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(REVIEWED), text).unwrap();
    }
    let mut listed_keys: Vec<(String, String, String)> = listed.iter().map(|(k, _)| k.clone()).collect();
    listed_keys.sort();
    let new: Vec<_> = found.iter().filter(|k| !listed_keys.contains(k)).collect();
    let gone: Vec<_> = listed_keys.iter().filter(|k| !found.contains(k)).collect();
    let unreviewed: Vec<_> = listed
        .iter()
        .filter(|(_, r)| r.is_empty() || r == "UNREVIEWED")
        .map(|(k, _)| k)
        .collect();
    assert!(
        new.is_empty() && gone.is_empty() && found == listed_keys && unreviewed.is_empty(),
        "findings on ../shared/realworld differ from {REVIEWED}:\nnew (review each against its file; fix the rule if it is false):\n{new:#?}\n\
         no longer found:\n{gone:#?}\nlisted without a review:\n{unreviewed:#?}\n(counts: {} found, {} listed)",
        found.len(),
        listed_keys.len()
    );
}
