//! The test suites of cfn-lint and the SAM translator, in `../shared/peer-corpus`
//! (its SOURCES.md says where each file comes from). A fresh clone has no
//! `../shared`, so these are `#[ignore]`d in the default run and `.ci/run`
//! runs them with `--ignored`; there they must not skip.
//!
//! Files are checked in-process (about 1000 of them), each on its own thread
//! so that a panic or a hang is caught and named; the SAM pairs go through
//! the binary, like the real-world pairs in realworld.rs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use eniplan::cli::{exit_code, FailOn};
use eniplan::pipeline::{self, Input, Projection};
use eniplan::source::{load_paths, LoadOptions};

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{combinations_in, report};

/// Far above the slowest file (a few milliseconds): only a hang gets near it.
const TIMEOUT: Duration = Duration::from_secs(20);

fn folder(name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peer-corpus").join(name);
    assert!(
        dir.is_dir(),
        "{} is missing: run these tests where ../shared exists (CI does)",
        dir.display()
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// The exit code `eniplan check FILE` gives: 0 or 1 from the findings.
    Exit(i32),
    /// Refused as bad input (exit 2), with the message.
    Refused(String),
    Panicked(String),
    Hung,
}

/// `eniplan check FILE` in-process, through the JSON and text reports.
fn check(path: &Path) -> Outcome {
    let path = path.to_path_buf();
    let (tx, rx) = mpsc::channel();
    // The binary's main thread has 8 MiB of stack; a test thread has less.
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&path))).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                Outcome::Panicked(message.unwrap_or_default())
            });
            let _ = tx.send(outcome);
        })
        .unwrap();
    rx.recv_timeout(TIMEOUT).unwrap_or(Outcome::Hung)
}

fn run(path: &Path) -> Outcome {
    let loaded = match load_paths(&[path.to_path_buf()], &LoadOptions::default()) {
        Ok(l) => l,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let projection = Projection::alone(loaded.inventory);
    let input = Input {
        command: "check",
        files: loaded.files,
        skipped: loaded.skipped,
        ..Input::default()
    };
    let report = match pipeline::run(&projection, input) {
        Ok(analysis) => analysis.report,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let mut json = Vec::new();
    eniplan::report::json::write(&report, &mut json).unwrap();
    eniplan::report::text::render(&report, false);
    Outcome::Exit(exit_code(&report, FailOn::Error))
}

fn name(path: &Path) -> &str {
    path.file_name().unwrap().to_str().unwrap()
}

/// Every file's outcome that `ok` rejects, one per line.
fn failures(files: &[PathBuf], ok: impl Fn(&Path, &Outcome) -> bool) -> String {
    files
        .iter()
        .map(|p| (p, check(p)))
        .filter(|(p, o)| !ok(p, o))
        .map(|(p, o)| format!("{}: {o:?}", name(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn cfn_lint_good_templates_are_read() {
    let files = folder("cfnlint-good");
    assert!(files.len() >= 98, "expected cfn-lint's good fixtures, found {}", files.len());
    let failed = failures(&files, |_, o| matches!(o, Outcome::Exit(0 | 1)));
    assert!(failed.is_empty(), "valid CloudFormation refused or crashed:\n{failed}");
}

/// SAM translator inputs eniplan may refuse, and why.
const SAM_NOT_TEMPLATES: &[(&str, &str)] = &[
    (
        "error_invalid_template.yaml",
        // YAML, but its top-level key is `Resource`: it is not a template, and the
        // translator rejects it too (that is what the test is for).
        "unknown input format",
    ),
    // A capacity provider whose `SubnetIds` is a string: a located type
    // error, as for a function's VpcConfig; the translator rejects both.
    (
        "error_capacity_provider_multiple_resources_validation.yaml",
        "VpcConfig.SubnetIds: expected a list",
    ),
    ("error_capacity_provider_wrong_types.yaml", "VpcConfig.SubnetIds: expected a list"),
];

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn sam_translator_inputs_are_read() {
    let files: Vec<PathBuf> = folder("sam-inputs").into_iter().filter(|p| name(p).ends_with(".yaml")).collect();
    assert_eq!(files.len(), 831, "SOURCES.md lists 831 inputs");
    let failed = failures(&files, |p, o| match SAM_NOT_TEMPLATES.iter().find(|(n, _)| *n == name(p)) {
        // Each exception must still be one, so the list stays true.
        Some((_, why)) => matches!(o, Outcome::Refused(m) if m.contains(why)),
        None => matches!(o, Outcome::Exit(0 | 1)),
    });
    assert!(failed.is_empty(), "SAM inputs refused or crashed:\n{failed}");
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn sam_translator_pairs_give_the_same_functions_and_combinations() {
    let mut pairs = 0;
    let mut failed = vec![];
    for input in folder("sam-pairs") {
        let Some(stem) = name(&input).strip_suffix(".input.yaml") else {
            continue;
        };
        let output = input.with_file_name(format!("{stem}.output.json"));
        let view = |path: &Path| {
            let (json, code) = report(path, "json");
            assert!(code == 0 || code == 1, "{}: exit {code}", path.display());
            let v: Value = serde_json::from_str(&json).unwrap();
            (v["summary"].clone(), combinations_in(&v))
        };
        let (a, b) = (view(&input), view(&output));
        // A capacity provider carries the VpcConfig, and its functions add no combination.
        if !stem.starts_with("capacity_provider_") && a.1.is_empty() {
            failed.push(format!("{stem}: no combinations, but it carries a VpcConfig"));
        }
        if a != b {
            failed.push(format!("{stem}: input {a:#?}\noutput {b:#?}"));
        }
        pairs += 1;
    }
    assert_eq!(pairs, 12, "SOURCES.md's pairs");
    assert!(failed.is_empty(), "{}", failed.join("\n---\n"));
}

#[test]
#[ignore = "needs ../shared; .ci/run runs it"]
fn cfn_lint_bad_templates_never_panic_or_hang() {
    let files = folder("cfnlint-bad");
    assert!(files.len() >= 100, "expected cfn-lint's bad fixtures, found {}", files.len());
    let failed = failures(&files, |p, o| match o {
        Outcome::Exit(code) => *code == 0 || *code == 1,
        // Refused input is located: `FILE:LINE:COLUMN: message`.
        Outcome::Refused(m) => m
            .strip_prefix(&format!("{}:", p.display()))
            .and_then(|rest| rest.split(':').take(2).map(|n| n.parse::<u32>().ok()).collect::<Option<Vec<_>>>())
            .is_some_and(|at| at.len() == 2),
        Outcome::Panicked(_) | Outcome::Hung => false,
    });
    assert!(failed.is_empty(), "{failed}");
}
