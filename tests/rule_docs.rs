//! Every rule's doc in `rules/ENIxxx.md` is well formed, and its examples are
//! real: each "bad" example makes the rule fire, each "good" one keeps it quiet.

#[path = "support/cli.rs"]
mod support;

use std::path::PathBuf;

use eniplan::model::Inventory;
use eniplan::pipeline::{self, Input, Projection};
use eniplan::report::Report;
use eniplan::rules::{Registered, RULES};
use eniplan::source::{load_paths, snapshot, LoadOptions};

const REQUIRED: &[&str] = &[
    "## What it detects",
    "## Why it matters",
    "## How to fix",
    "## Example: bad",
    "## Example: good",
];

/// An `## Example: ...` section: its title, the fence's language and its body.
struct Example {
    title: String,
    lang: String,
    body: String,
    blocks: usize,
    /// A second block: the account snapshot the first is checked against.
    against: Option<String>,
}

/// The example sections of a doc, each with its first fenced block.
fn examples(doc: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_example = false;
    let mut fence: Option<(String, String)> = None;
    for line in doc.lines() {
        if let Some((lang, body)) = fence.as_mut() {
            if line.trim_end() == "```" {
                let (lang, body) = (std::mem::take(lang), std::mem::take(body));
                fence = None;
                let ex = out.last_mut().expect("fence inside an example");
                if ex.blocks == 0 {
                    ex.lang = lang;
                    ex.body = body;
                } else if ex.blocks == 1 && lang == "json" && body.contains("\"eniplan_snapshot\"") {
                    ex.against = Some(body);
                }
                ex.blocks += 1;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_example = h.starts_with("Example:");
            if in_example {
                out.push(Example {
                    title: h["Example:".len()..].trim().to_string(),
                    lang: String::new(),
                    body: String::new(),
                    blocks: 0,
                    against: None,
                });
            }
        } else if in_example && line.starts_with("```") {
            fence = Some((line.trim_start_matches('`').trim().to_string(), String::new()));
        }
    }
    out
}

/// Runs the binary's pipeline, as `audit --snapshot` or `check [--against]` does.
fn report(projection: Projection, input: Input) -> Report {
    pipeline::run(&projection, input).expect("the default configuration applies").report
}

fn audit(inv: Inventory) -> Report {
    report(
        Projection::alone(inv),
        Input {
            command: "audit",
            ..Input::default()
        },
    )
}

/// Loads an example as a template or a snapshot and runs every rule on it.
fn run(id: &str, ex: &Example, dir: &tempfile::TempDir, n: usize) -> Result<Report, String> {
    let ext = match ex.lang.as_str() {
        "yaml" | "yml" => "yaml",
        "json" => "json",
        other => return Err(format!("fence language `{other}`; use yaml or json")),
    };
    let path: PathBuf = dir.path().join(format!("{id}-{n}.{ext}"));
    std::fs::write(&path, &ex.body).map_err(|e| e.to_string())?;
    if ext == "json" && ex.body.contains("\"eniplan_snapshot\"") {
        let (inv, _) = snapshot::load(&path).map_err(|e| format!("snapshot does not load: {e:?}"))?;
        Ok(audit(inv))
    } else {
        let loaded = load_paths(&[path], &LoadOptions::default()).map_err(|e| format!("template does not load: {e:?}"))?;
        let projection = match &ex.against {
            Some(account) => {
                let snap_path = dir.path().join(format!("{id}-{n}-account.json"));
                std::fs::write(&snap_path, account).map_err(|e| e.to_string())?;
                let (account, _) = snapshot::load(&snap_path).map_err(|e| format!("snapshot does not load: {e:?}"))?;
                Projection::onto(account, loaded.inventory)
            }
            None => Projection::alone(loaded.inventory),
        };
        let input = Input {
            command: "check",
            files: loaded.files,
            skipped: loaded.skipped,
            ..Input::default()
        };
        Ok(report(projection, input))
    }
}

fn check_doc(r: &Registered, dir: &tempfile::TempDir, problems: &mut Vec<String>) {
    let id = r.rule.id;
    let mut problem = |m: String| problems.push(format!("{id}: {m}"));
    let mut lines = r.doc.lines().filter(|l| !l.trim().is_empty());
    let title = format!("# {id} {}", r.rule.name);
    if lines.next() != Some(title.as_str()) {
        problem(format!("first line must be `{title}`"));
    }
    let severity = format!("Default severity: {}", r.rule.severity.as_str());
    if lines.next() != Some(severity.as_str()) {
        problem(format!("second line must be `{severity}`"));
    }
    match lines.next().and_then(|l| l.strip_prefix("Precision: ")) {
        Some(p) if eniplan::rules::PRECISIONS.contains(&p) => {}
        _ => problem(format!(
            "third line must be `Precision: P`, P one of {:?} (SARIF's precision: how often a finding is a false positive)",
            eniplan::rules::PRECISIONS
        )),
    }
    let mut last = 0;
    for h in REQUIRED {
        match r
            .doc
            .lines()
            .position(|l| l.trim_end() == *h || (h.starts_with("## Example") && l.starts_with(h)))
        {
            None => problem(format!("missing heading `{h}`")),
            Some(at) if at < last => problem(format!("heading `{h}` is out of order")),
            Some(at) => last = at,
        }
    }
    let examples = examples(r.doc);
    let bad = examples.iter().filter(|e| e.title.starts_with("bad")).count();
    let good = examples.iter().filter(|e| e.title.starts_with("good")).count();
    if bad == 0 || good == 0 {
        problem(format!("needs at least one bad and one good example (has {bad} bad, {good} good)"));
    }
    for (n, ex) in examples.iter().enumerate() {
        let label = format!("example `{}`", ex.title);
        let expected = 1 + usize::from(ex.against.is_some());
        if ex.blocks != expected {
            problem(format!(
                "{label} must have one fenced block (and optionally an account snapshot), has {}",
                ex.blocks
            ));
            if ex.blocks == 0 {
                continue;
            }
        }
        let report = match run(id, ex, dir, n) {
            Ok(r) => r,
            Err(e) => {
                problem(format!("{label}: {e}"));
                continue;
            }
        };
        let fired: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == id)
            .map(|f| f.message.as_str())
            .collect();
        if ex.title.starts_with("bad") && fired.is_empty() {
            let others: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
            problem(format!("{label} does not make {id} fire (other findings: {others:?})"));
        } else if ex.title.starts_with("good") && !fired.is_empty() {
            problem(format!("{label} makes {id} fire: {fired:#?}"));
        } else if !ex.title.starts_with("bad") && !ex.title.starts_with("good") {
            problem(format!("{label}: title must start with `bad` or `good`"));
        }
    }
}

#[test]
fn every_rule_doc_is_complete_and_its_examples_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    assert!(!RULES.is_empty());
    for r in RULES {
        check_doc(r, &dir, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in rule docs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn eni001_doc_has_the_referenced_group_negative() {
    let doc = eniplan::rules::find("ENI001").unwrap().doc;
    let ex = examples(doc);
    assert!(
        ex.iter().any(|e| e.title == "good (referenced group)"),
        "ENI001 needs `## Example: good (referenced group)`"
    );
}

#[test]
fn explain_prints_the_doc() {
    let doc = eniplan::rules::find("ENI001").unwrap().doc;
    let out = support::eniplan().args(["explain", "ENI001"]).output().unwrap();
    assert!(out.status.success(), "explain failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), doc);
}

#[test]
fn rules_lists_every_rule() {
    let out = support::eniplan().arg("rules").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for r in RULES {
        assert!(
            text.lines().any(|l| l.starts_with(r.rule.id) && l.contains(r.rule.name)),
            "`eniplan rules` does not list {} {}",
            r.rule.id,
            r.rule.name
        );
    }
}

/// An ENI in a region whose functions could not be read is not called orphaned.
#[test]
fn eni205_is_quiet_where_the_inventory_has_a_gap() {
    let doc = eniplan::rules::find("ENI205").unwrap().doc;
    let bad = examples(doc).into_iter().find(|e| e.title == "bad").unwrap();
    let mut snap: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    snap["incomplete"] = serde_json::json!([{
        "account": "123456789012", "region": "eu-west-1",
        "operation": "lambda:ListFunctions", "error": "AccessDenied"
    }]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    let (inv, _) = snapshot::load(&path).unwrap();
    let report = audit(inv);
    assert!(!report.findings.iter().any(|f| f.rule == "ENI205"), "ENI205 fired despite the gap");
}
