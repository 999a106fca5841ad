//! Checks against the real-world corpus and the SARIF schema in `../shared`.
//! A fresh clone has no `../shared`, so these are `#[ignore]`d in the default
//! run and `.ci/run` runs them with `--ignored`; there they must not skip.

#[path = "support/cli.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

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

fn report(path: &Path, format: &str) -> (String, i32) {
    let out = support::eniplan()
        .arg("check")
        .arg(path)
        .args(["--format", format])
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
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

fn combinations(path: &Path) -> BTreeSet<(String, String, Vec<String>)> {
    let (json, _) = report(path, "json");
    let v: Value = serde_json::from_str(&json).unwrap();
    v["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["functions"].as_array().unwrap().iter().map(move |f| {
                let sgs = c["security_groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                (f.as_str().unwrap().to_string(), c["subnet"].as_str().unwrap().to_string(), sgs)
            })
        })
        .collect()
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
