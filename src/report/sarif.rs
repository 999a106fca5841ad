//! SARIF 2.1.0 for code-scanning services; validated against the OASIS schema in tests.

use serde_json::{json, Value};

use super::{doc_url, FindingOut, Report};
use crate::rules::RULES;
use crate::severity::Severity;

/// GitHub code scanning keeps this many results of a run, the most severe first.
pub const GITHUB_RESULT_LIMIT: usize = 5_000;

/// `runs[].automationDetails.id` for a category: GitHub takes the part up to
/// the last `/` as the category, so the id ends with one and has no run part.
pub fn automation_id(category: &str) -> String {
    format!("{}/", category.trim_end_matches('/'))
}

/// The default category: one per command, so a `check` upload and an
/// `audit` upload in one repository do not replace each other's alerts.
pub fn default_category(command: &str) -> String {
    format!("eniplan/{command}")
}

/// GitHub's `problem.severity`: what kind of problem, not how it is reported.
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "recommendation",
    }
}

pub fn render(report: &Report, category: Option<&str>) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.rule.id,
                "name": r.rule.name,
                "shortDescription": { "text": r.rule.summary },
                "fullDescription": { "text": r.rule.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "helpUri": doc_url(r.rule.id),
                "defaultConfiguration": { "level": r.rule.severity.as_str() },
                "properties": {
                    "precision": r.precision(),
                    "problem.severity": problem_severity(r.rule.severity),
                    "tags": ["lambda", "vpc", "eni"],
                },
            })
        })
        .collect();
    // Most severe first, so a run over GitHub's limit loses notes before errors.
    let mut ordered: Vec<&FindingOut> = report.findings.iter().collect();
    ordered.sort_by_key(|f| (f.suppressed, std::cmp::Reverse(f.severity)));
    let results: Vec<Value> = ordered
        .into_iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.rule.id == f.rule).unwrap_or(0);
            let mut location = json!({
                "logicalLocations": [{ "name": f.resource, "kind": "resource" }],
            });
            if let Some(l) = &f.location {
                location["physicalLocation"] = json!({
                    "artifactLocation": { "uri": uri(&l.file) },
                    "region": { "startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column.max(1) },
                });
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": f.severity.as_str(),
                "message": { "text": format!("{}\nFix: {}", f.message, f.fix) },
                "locations": [location],
                "partialFingerprints": { "eniplanFindingHash/v1": f.fingerprint },
            });
            if f.suppressed {
                result["suppressions"] = json!([{ "kind": "inSource" }]);
            }
            result
        })
        .collect();
    let mut sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "eniplan",
                "version": report.version,
                "informationUri": "https://github.com/eniplan/eniplan",
                "rules": rules,
            }},
            "automationDetails": { "id": automation_id(&category.map_or_else(|| default_category(&report.command), str::to_string)) },
            "results": results,
        }],
    });
    let mut notes: Vec<Value> = report.stale_ignores.iter().map(notification).collect();
    let active = report.active().count();
    if active > GITHUB_RESULT_LIMIT {
        notes.push(json!({
            "level": "warning",
            "descriptor": { "id": "result-limit" },
            "message": { "text": format!(
                "{active} active results: GitHub code scanning keeps the first {GITHUB_RESULT_LIMIT} of a run; they are ordered errors first, so the {} dropped are the least severe",
                active - GITHUB_RESULT_LIMIT
            ) },
        }));
    }
    if !notes.is_empty() {
        sarif["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notes,
        }]);
    }
    serde_json::to_string_pretty(&sarif).expect("SARIF serialises") + "\n"
}

/// A suppression that suppresses nothing, as a note about the run.
fn notification(s: &crate::policy::StaleIgnore) -> Value {
    let mut location = json!({ "artifactLocation": { "uri": uri(&s.file) } });
    if s.line > 0 {
        location["region"] = json!({ "startLine": s.line });
    }
    json!({
        "level": "note",
        "descriptor": { "id": "stale-ignore" },
        "message": { "text": s.note() },
        "locations": [{ "physicalLocation": location }],
    })
}

/// Relative paths as URI references, with `/` separators.
fn uri(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").replace(' ', "%20")
}
